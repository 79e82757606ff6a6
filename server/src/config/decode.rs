//! Decoding a config file over a base config, with the semantics of Go's
//! TOML decoder that Kapacitor relies on:
//! - keys absent from the file keep the base's value (struct defaults);
//! - tables merge key by key, maps included (a file's
//!   `[influxdb.excluded-subscriptions]` adds to the default entry);
//! - an array of tables no longer than the base's array decodes each entry
//!   over the base entry at the same index; a longer one starts every entry
//!   from zero values (so two `[[influxdb]]` entries get no default `name`
//!   or `urls`, while one entry does);
//! - unknown keys are not an error: they are reported for the log.
//!
//! The merged tree is turned into the typed `Config` by rendering it and
//! parsing it back with `toml`, so a type error carries a position that
//! `key_at` turns back into the key path.

use super::catalog::{self, join};
use super::error::ConfigError;
use super::render::render;
use toml::Value;

/// Wraps a single `[name]` table of a list section into a one-entry list.
pub fn normalize_lists(user: &mut toml::Table) {
    for name in catalog::LIST_SECTIONS {
        if let Some(v @ Value::Table(_)) = user.get_mut(*name) {
            let t = std::mem::replace(v, Value::Boolean(false));
            *v = Value::Array(vec![t]);
        }
    }
}

/// `user` decoded over `base`.
pub fn merge(base: &Value, user: &Value, path: &str) -> Value {
    match (base, user) {
        (Value::Table(b), Value::Table(u)) => {
            let mut out = b.clone();
            for (k, uv) in u {
                let merged = match b.get(k) {
                    Some(bv) => merge(bv, uv, &join(path, k)),
                    None => uv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Table(out)
        }
        (Value::Array(b), Value::Array(u)) if u.iter().all(Value::is_table) && !u.is_empty() => {
            let items = if u.len() <= b.len() {
                u.iter()
                    .zip(b)
                    .map(|(uv, bv)| merge(bv, uv, path))
                    .collect()
            } else {
                match b.first() {
                    Some(template) => {
                        let zero = zero(template, path);
                        u.iter().map(|uv| merge(&zero, uv, path)).collect()
                    }
                    None => u.clone(),
                }
            };
            Value::Array(items)
        }
        _ => user.clone(),
    }
}

/// The Go zero value of the field shaped like `v`.
fn zero(v: &Value, path: &str) -> Value {
    if let Some((_, z)) = catalog::ZERO_OVERRIDES.iter().find(|(p, _)| *p == path) {
        return Value::String(z.to_string());
    }
    match v {
        Value::String(_) => Value::String(String::new()),
        Value::Integer(_) => Value::Integer(0),
        Value::Float(_) => Value::Float(0.0),
        Value::Boolean(_) => Value::Boolean(false),
        Value::Datetime(d) => Value::Datetime(*d),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Table(_) if catalog::is_map(path) => Value::Table(toml::Table::new()),
        Value::Table(t) => Value::Table(
            t.iter()
                .map(|(k, v)| (k.clone(), zero(v, &join(path, k))))
                .collect(),
        ),
    }
}

/// Parses the merged tree into `T`, naming the key of a type error.
pub fn typed<T: serde::de::DeserializeOwned>(merged: &toml::Table) -> Result<T, ConfigError> {
    let text = render(merged);
    toml::from_str(&text).map_err(|e| ConfigError::Value {
        key: e
            .span()
            .map(|s| key_at(&text, s.start))
            .unwrap_or_else(|| "config".into()),
        message: e.message().to_string(),
    })
}

/// The dotted key path (with `[i]` for list entries) of the key/value line
/// at byte `offset` of a document written by `render`.
fn key_at(text: &str, offset: usize) -> String {
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let key = line
        .split_once(" = ")
        .map_or(line, |(k, _)| k)
        .trim_matches('"');
    // The nearest header above gives the table; count `[[x]]` headers
    // before it for the index.
    let before = &text[..line_start];
    for header in before.lines().rev() {
        let h = header.trim();
        if let Some(name) = h.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            let index = before
                .lines()
                .filter(|l| l.trim() == h)
                .count()
                .saturating_sub(1);
            return format!("{name}[{index}].{key}");
        }
        if let Some(name) = h.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            return indexed_path(before, name, key);
        }
    }
    key.to_string()
}

/// `[influxdb.subscriptions]` inside the 2nd `[[influxdb]]` becomes
/// `influxdb[1].subscriptions.<key>`.
fn indexed_path(before: &str, table: &str, key: &str) -> String {
    let parent = table.split('.').next().unwrap_or(table);
    let header = format!("[[{parent}]]");
    let entries = before.lines().filter(|l| l.trim() == header).count();
    if entries > 0 && table.contains('.') {
        let rest = &table[parent.len()..];
        format!("{parent}[{}]{rest}.{key}", entries - 1)
    } else {
        format!("{table}.{key}")
    }
}

/// Keys present in `user` that the typed config dropped, as dotted paths.
pub fn unknown_keys(user: &toml::Table, kept: &toml::Table, path: &str, out: &mut Vec<String>) {
    for (k, uv) in user {
        let p = join(path, k);
        match (uv, kept.get(k)) {
            (_, None) => out.push(p),
            (Value::Table(ut), Some(Value::Table(kt))) => unknown_keys(ut, kt, &p, out),
            (Value::Array(ua), Some(Value::Array(ka))) => {
                for (i, (uv, kv)) in ua.iter().zip(ka).enumerate() {
                    if let (Value::Table(ut), Value::Table(kt)) = (uv, kv) {
                        unknown_keys(ut, kt, &format!("{p}[{i}]"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Table {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn one_entry_decodes_over_the_default_entry_more_start_from_zero() {
        let base = Value::Table(table("[[l]]\nname = \"default\"\nn = 5\n"));
        let one = merge(&base, &Value::Table(table("[[l]]\nn = 1\n")), "");
        assert_eq!(
            one,
            Value::Table(table("[[l]]\nname = \"default\"\nn = 1\n"))
        );
        let two = merge(
            &base,
            &Value::Table(table("[[l]]\nn = 1\n[[l]]\nname = \"b\"\n")),
            "",
        );
        assert_eq!(
            two,
            Value::Table(table(
                "[[l]]\nname = \"\"\nn = 1\n[[l]]\nname = \"b\"\nn = 0\n"
            ))
        );
    }

    #[test]
    fn key_paths_of_rendered_documents() {
        let text = "a = 1\n\n[http]\n  port = \"x\"\n\n[[influxdb]]\n  n = 1\n\n[[influxdb]]\n  t = 2\n  [influxdb.subs]\n    db = 3\n";
        assert_eq!(key_at(text, text.find("port").unwrap() + 7), "http.port");
        assert_eq!(key_at(text, text.find("t = 2").unwrap()), "influxdb[1].t");
        assert_eq!(
            key_at(text, text.find("db = 3").unwrap()),
            "influxdb[1].subs.db"
        );
        assert_eq!(key_at(text, 2), "a");
    }
}
