//! TOML text in the layout of Go's BurntSushi encoder, which is what
//! `kapacitord config` prints: a table's plain keys first, then its
//! sub-tables, in struct order; two spaces of indent per nesting level; a
//! blank line before each top-level `[table]` and before every
//! `[[array.entry]]`; map keys sorted. With `render_like_go`, empty arrays
//! and maps whose default is empty too are left out, as Go leaves out the
//! nil slices and maps those defaults are.

use super::catalog;
use toml::Value;

/// Renders a TOML document (the top-level table) with every key.
pub fn render(root: &toml::Table) -> String {
    let mut out = String::new();
    write_table(&mut out, &[], root, None);
    out
}

/// Renders as `kapacitord config` does: an empty array is left out where
/// the default (same path in `defaults`, list entries compared with the
/// default's first entry) is empty too, i.e. where Go's value is a nil
/// slice; an emptied non-empty default is written as `[]`.
///
/// A literal `${` in a value is written `$${`, so the printed config reads
/// back to the same values (`runtime::config::secrets` expands `${NAME}`).
pub fn render_like_go(root: &toml::Table, defaults: &toml::Table) -> String {
    let mut root = root.clone();
    root.iter_mut().for_each(|(_, v)| escape_references(v));
    let mut out = String::new();
    write_table(&mut out, &[], &root, Some(defaults));
    out
}

/// `${` → `$${` in every string of `v`.
fn escape_references(v: &mut Value) {
    match v {
        Value::String(s) if s.contains("${") => *s = s.replace("${", "$${"),
        Value::Array(items) => items.iter_mut().for_each(escape_references),
        Value::Table(t) => t.iter_mut().for_each(|(_, v)| escape_references(v)),
        _ => {}
    }
}

fn default_is_empty(defaults: Option<&toml::Table>, key: &str) -> bool {
    match defaults.and_then(|d| d.get(key)) {
        None => defaults.is_some(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

fn default_is_empty_map(defaults: Option<&toml::Table>, key: &str) -> bool {
    match defaults.and_then(|d| d.get(key)) {
        None => defaults.is_some(),
        Some(Value::Table(t)) => t.is_empty(),
        Some(_) => false,
    }
}

fn sub_defaults<'a>(defaults: Option<&'a toml::Table>, key: &str) -> Option<&'a toml::Table> {
    match defaults?.get(key)? {
        Value::Table(t) => Some(t),
        Value::Array(a) => a.first().and_then(Value::as_table),
        _ => None,
    }
}

fn is_table_like(v: &Value) -> bool {
    match v {
        Value::Table(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_table),
        _ => false,
    }
}

fn write_table(
    out: &mut String,
    path: &[&str],
    table: &toml::Table,
    defaults: Option<&toml::Table>,
) {
    let indent = "  ".repeat(path.len());
    for (key, value) in table {
        if is_table_like(value) {
            continue;
        }
        if matches!(value, Value::Array(items) if items.is_empty())
            && default_is_empty(defaults, key)
        {
            continue;
        }
        out.push_str(&indent);
        out.push_str(&quote_key(key));
        out.push_str(" = ");
        write_value(out, value);
        out.push('\n');
    }
    for (key, value) in table {
        let mut sub: Vec<&str> = path.to_vec();
        sub.push(key);
        let header_indent = "  ".repeat(sub.len() - 1);
        let dotted = sub
            .iter()
            .map(|k| quote_key(k))
            .collect::<Vec<_>>()
            .join(".");
        match value {
            Value::Table(t) => {
                let dotted_path = sub.join(".");
                if t.is_empty()
                    && catalog::is_map(&dotted_path)
                    && default_is_empty_map(defaults, key)
                {
                    continue;
                }
                if sub.len() == 1 && !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{header_indent}[{dotted}]\n"));
                write_table(out, &sub, t, sub_defaults(defaults, key));
            }
            Value::Array(items) if is_table_like(value) => {
                for item in items {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(&format!("{header_indent}[[{dotted}]]\n"));
                    if let Value::Table(t) = item {
                        write_table(out, &sub, t, sub_defaults(defaults, key));
                    }
                }
            }
            _ => {}
        }
    }
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.push_str(&quote_str(s)),
        Value::Integer(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Datetime(d) => out.push_str(&d.to_string()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Table(t) => {
            // Only reached for tables inside arrays that also hold scalars.
            out.push('{');
            for (i, (k, v)) in t.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote_key(k));
                out.push_str(" = ");
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)` plus a `.0` for integral
/// values, as the encoder writes floats.
fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn quote_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_string()
    } else {
        quote_str(key)
    }
}

/// A TOML basic string with the escapes the Go encoder uses.
fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_go_encoder() {
        let doc: toml::Table = toml::from_str(
            r#"
            a = 1
            [s]
            b = "x"
            [s.m]
            k = ["v"]
            [[l]]
            c = 0.5
            [[l]]
            c = 2.0
            "#,
        )
        .unwrap();
        // Written out by hand from the rules in the module comment.
        let want = "a = 1\n\n[s]\n  b = \"x\"\n  [s.m]\n    k = [\"v\"]\n\n[[l]]\n  c = 0.5\n\n[[l]]\n  c = 2.0\n";
        assert_eq!(render(&doc), want);
    }

    #[test]
    fn strings_and_keys_are_escaped() {
        assert_eq!(quote_str("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(quote_key("my db"), "\"my db\"");
        assert_eq!(quote_key("_kapacitor"), "_kapacitor");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(0.0), "0.0");
    }
}
