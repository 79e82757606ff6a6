//! Go `encoding/json` output for template values (the `json` and
//! `jsonCompact` template functions and Kapacitor's default details).

use super::gofmt::json_float;
use super::gotime::rfc3339_nano;
use super::value::Value;
use std::fmt::Write;

/// A Go JSON string: HTML-safe escaping (`<`, `>`, `&` as `\u003c`…), as
/// `json.Marshal` does by default.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Encodes `v`; errors on NaN/Inf as Go does.
pub fn encode(out: &mut String, v: &Value) -> Result<(), String> {
    match v {
        Value::Nil | Value::NoValue => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) | Value::Duration(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            if !f.is_finite() {
                let mut s = String::new();
                super::gofmt::fmt_g(&mut s, *f, None, false);
                return Err(format!("json: unsupported value: {s}"));
            }
            json_float(out, *f);
        }
        Value::Str(s) => json_string(out, s),
        Value::Time(t) => {
            out.push('"');
            rfc3339_nano(*t, out);
            out.push('"');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, e)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                encode(out, e)?;
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (k, e)) in s.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                encode(out, e)?;
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(out, e)?;
            }
            out.push(']');
        }
    }
    Ok(())
}
