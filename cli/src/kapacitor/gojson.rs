//! JSON as Go's `encoding/json` writes it, for the request bodies the client sends and the
//! `Options:` line of `show-topic-handler`: struct fields in declaration order with `omitempty`,
//! map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, floats in Go's shortest form.

use serde_json::Value;

/// A JSON string literal, escaped as Go's encoder does (HTML-safe).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_string(&mut out, s);
    out
}

pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float64 as Go's encoder writes it: `%f`-style shortest digits, exponent form below 1e-6 and
/// from 1e21 (with `e-7`, not `e-07`).
pub fn float(f: f64) -> String {
    if !f.is_finite() {
        // Go refuses to encode these (UnsupportedValueError); no server value can be one.
        return "null".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` is the shortest round-trip mantissa: `1e21`, `1.5e-7`.
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').expect("exponent form");
        let exp: i32 = exp.parse().expect("integer exponent");
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{}", exp.abs())
    } else {
        // Rust's `Display` for f64 is the shortest round-trip decimal without exponent.
        let s = format!("{f}");
        if s == "-0" {
            "-0".to_string()
        } else {
            s
        }
    }
}

/// Any decoded JSON value re-encoded as Go encodes the `interface{}` it decoded to: objects
/// (Go maps) with sorted keys, numbers as float64.
pub fn value(v: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, v);
    out
}

pub fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => push_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(out, k);
                out.push(':');
                push_value(out, &map[k.as_str()]);
            }
            out.push('}');
        }
    }
}

/// A JSON number decoded into Go's `float64` and encoded again.
fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) => float(f),
        None => n.to_string(),
    }
}

/// Builds one JSON object field by field, in the order the Go struct declares them.
#[derive(Debug)]
pub struct Object {
    out: String,
    first: bool,
}

impl Default for Object {
    fn default() -> Self {
        Object::new()
    }
}

impl Object {
    pub fn new() -> Object {
        Object {
            out: String::from("{"),
            first: true,
        }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_string(&mut self.out, k);
        self.out.push(':');
    }

    pub fn str(mut self, k: &str, v: &str) -> Object {
        self.key(k);
        push_string(&mut self.out, v);
        self
    }

    /// A string field tagged `omitempty`.
    pub fn str_opt(self, k: &str, v: &str) -> Object {
        if v.is_empty() {
            self
        } else {
            self.str(k, v)
        }
    }

    pub fn bool(mut self, k: &str, v: bool) -> Object {
        self.key(k);
        self.out.push_str(if v { "true" } else { "false" });
        self
    }

    /// An already encoded value.
    pub fn raw(mut self, k: &str, encoded: &str) -> Object {
        self.key(k);
        self.out.push_str(encoded);
        self
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// What Go's `json.Encoder.Encode` writes: the value and a newline.
pub fn encoder_line(encoded: String) -> Vec<u8> {
    let mut v = encoded.into_bytes();
    v.push(b'\n');
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_html_safe_like_go() {
        assert_eq!(
            string("a < b && c > \"d\"\n"),
            r#""a \u003c b \u0026\u0026 c \u003e \"d\"\n""#
        );
        assert_eq!(string("\u{1}\u{8}\u{2028}é"), r#""\u0001\b\u2028é""#);
    }

    #[test]
    fn floats_like_go() {
        // Go: json.Marshal(80.0) = 80, 0.5, 1e21 = 1e+21, 1e-7 = 1e-07 cleaned to 1e-7.
        assert_eq!(float(80.0), "80");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(123456789.0), "123456789");
        assert_eq!(float(0.000001), "0.000001");
    }

    #[test]
    fn maps_sorted_and_numbers_as_floats() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":{"z":true,"y":[1.50,"x"]}}"#).unwrap();
        assert_eq!(value(&v), r#"{"a":{"y":[1.5,"x"],"z":true},"b":1}"#);
    }
}
