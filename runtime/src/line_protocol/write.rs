//! Points out as line protocol: sorted keys, shortest floats, `i` integers,
//! escaped strings (api.md §5.1).

use super::Precision;
use crate::message::{FieldValue, Point};
use std::fmt::Write as _;

/// Write `p` as one line of line protocol (no newline): sorted keys, shortest
/// floats, `i` integers, escaped strings; the timestamp in `precision` units
/// (truncated toward zero).
pub fn write_line(out: &mut String, p: &Point, precision: Precision) {
    escape(out, &p.name, &[',', ' ']);
    for (k, v) in &p.tags {
        if v.is_empty() {
            continue;
        }
        out.push(',');
        escape(out, k, &[',', '=', ' ']);
        out.push('=');
        escape(out, v, &[',', '=', ' ']);
    }
    let mut first = true;
    for (k, v) in &p.fields {
        if matches!(v, FieldValue::Null) {
            continue;
        }
        out.push(if first { ' ' } else { ',' });
        first = false;
        escape(out, k, &[',', '=', ' ']);
        out.push('=');
        write_field_value(out, v);
    }
    let _ = write!(out, " {}", p.time / precision.nanos());
}

/// The line of `p` as a `String`.
pub fn to_line(p: &Point, precision: Precision) -> String {
    let mut s = String::with_capacity(64);
    write_line(&mut s, p, precision);
    s
}

/// A field value in line-protocol form.
pub fn write_field_value(out: &mut String, v: &FieldValue) {
    match v {
        FieldValue::Float(f) => {
            let _ = write!(out, "{f}");
        }
        FieldValue::Int(i) => {
            let _ = write!(out, "{i}i");
        }
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FieldValue::String(s) => {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        FieldValue::Null => {}
    }
}

fn escape(out: &mut String, s: &str, special: &[char]) {
    for c in s.chars() {
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}
