//! Go `encoding/json` output for template values (the `json` and
//! `jsonCompact` template functions and Kapacitor's default details).

use super::gofmt::json_float;
use super::gotime::rfc3339_nano;
use super::value::Value;
use std::fmt::Write;

/// What `json_string` writes for an ASCII byte: 0 = the byte itself, `u` =
/// `\u00XX`, anything else = a backslash and that letter.
const JSON_ESCAPE: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'<' as usize] = b'u';
    t[b'>' as usize] = b'u';
    t[b'&' as usize] = b'u';
    t
};

/// A Go JSON string: HTML-safe escaping (`<`, `>`, `&` as `\u003c`…, and
/// U+2028/U+2029), as `json.Marshal` does by default.
///
/// Per event this runs over every string of the event JSON, so it copies runs
/// of plain bytes at once instead of pushing char by char.
pub fn json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let b = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let esc: &[u8] = if c < 0x80 {
            match JSON_ESCAPE[c as usize] {
                0 => {
                    i += 1;
                    continue;
                }
                b'u' => &[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 0xf) as usize],
                ],
                l => &[b'\\', l],
            }
        } else if c == 0xE2 && b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)) {
            // U+2028 / U+2029 (line and paragraph separators).
            if b[i + 2] == 0xA8 {
                b"\\u2028"
            } else {
                b"\\u2029"
            }
        } else {
            i += 1;
            continue;
        };
        out.push_str(&s[run..i]);
        // Every escape is ASCII.
        out.push_str(std::str::from_utf8(esc).unwrap_or_default());
        i += if c < 0x80 { 1 } else { 3 };
        run = i;
    }
    out.push_str(&s[run..]);
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
