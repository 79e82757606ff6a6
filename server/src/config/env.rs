//! `KAPACITOR_*` environment overrides, with the naming rules of
//! Kapacitor's reflection-based `ApplyEnvOverrides`:
//! - a field's variable is its parent's name, `_`, and its TOML key with
//!   `-` replaced by `_`, upper-cased (`KAPACITOR_HTTP_BIND_ADDRESS`);
//! - arrays take the element index (`KAPACITOR_INFLUXDB_0_URLS_0`); only
//!   elements that already exist can be overridden; `kubernetes` also
//!   takes no index when it has one element;
//! - maps take the map key as written (`KAPACITOR_HTTPPOST_0_HEADERS_Auth`),
//!   only for keys that already exist and only for scalar values;
//! - empty values are ignored; bools as Go's `ParseBool`, integers as
//!   `ParseInt(v, 0, 64)` (so `0x10` works), floats as `ParseFloat`,
//!   durations and other strings as text (checked when re-decoded).
//!
//! The overrides walk the full config as a TOML tree, so every key of every
//! section (passed-through ones included) has its variable.

use super::catalog::{self, join};
use super::error::ConfigError;
use std::collections::HashMap;
use toml::Value;

/// One override to apply: the variable, its value, and where it lands.
struct Hit {
    var: String,
    value: String,
    slot: Vec<Step>,
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Collects the overrides that `vars` holds for the tree `root`.
fn collect(root: &toml::Table, vars: &HashMap<String, String>) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_table(root, "KAPACITOR", "", &mut Vec::new(), vars, &mut hits);
    hits
}

fn walk_table(
    table: &toml::Table,
    prefix: &str,
    path: &str,
    slot: &mut Vec<Step>,
    vars: &HashMap<String, String>,
    hits: &mut Vec<Hit>,
) {
    for (key, value) in table {
        let name = format!("{prefix}_{}", key.replace('-', "_")).to_uppercase();
        let key_path = join(path, key);
        slot.push(Step::Key(key.clone()));
        match value {
            Value::Array(items) => {
                let implicit = items.len() == 1
                    && path.is_empty()
                    && catalog::IMPLICIT_INDEX.contains(&key.as_str());
                for (i, item) in items.iter().enumerate() {
                    slot.push(Step::Index(i));
                    if implicit {
                        walk_value(item, &name, &key_path, slot, vars, hits);
                    }
                    walk_value(item, &format!("{name}_{i}"), &key_path, slot, vars, hits);
                    slot.pop();
                }
            }
            Value::Table(map) if catalog::is_map(&key_path) => {
                for (k, v) in map {
                    if matches!(v, Value::Table(_) | Value::Array(_)) {
                        continue;
                    }
                    slot.push(Step::Key(k.clone()));
                    let var = format!("{name}_{k}");
                    lookup(&var, slot, vars, hits);
                    slot.pop();
                }
            }
            _ => walk_value(value, &name, &key_path, slot, vars, hits),
        }
        slot.pop();
    }
}

fn walk_value(
    value: &Value,
    name: &str,
    path: &str,
    slot: &mut Vec<Step>,
    vars: &HashMap<String, String>,
    hits: &mut Vec<Hit>,
) {
    match value {
        Value::Table(t) => walk_table(t, name, path, slot, vars, hits),
        Value::Array(_) => {}
        _ => lookup(name, slot, vars, hits),
    }
}

fn lookup(var: &str, slot: &[Step], vars: &HashMap<String, String>, hits: &mut Vec<Hit>) {
    if let Some(value) = vars.get(var).filter(|v| !v.is_empty()) {
        hits.push(Hit {
            var: var.to_string(),
            value: value.clone(),
            slot: slot.to_vec(),
        });
    }
}

/// Applies the `KAPACITOR_*` variables of `vars` to `root`; `check` is
/// called after each one so a value the typed config rejects is reported
/// against its variable.
pub fn apply(
    root: &mut toml::Table,
    vars: impl Iterator<Item = (String, String)>,
    mut check: impl FnMut(&toml::Table) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let vars: HashMap<String, String> = vars.filter(|(k, _)| k.starts_with("KAPACITOR_")).collect();
    if vars.is_empty() {
        return Ok(());
    }
    for hit in collect(root, &vars) {
        let fail = |message: String| ConfigError::Env {
            var: hit.var.clone(),
            value: hit.value.clone(),
            message,
        };
        let target = slot_mut(root, &hit.slot).ok_or_else(|| fail("no such key".into()))?;
        *target = convert(target, &hit.value).map_err(fail)?;
        check(root).map_err(|e| match e {
            ConfigError::Value { message, .. } => fail(message),
            other => fail(other.to_string()),
        })?;
    }
    Ok(())
}

fn slot_mut<'a>(root: &'a mut toml::Table, slot: &[Step]) -> Option<&'a mut Value> {
    let (first, rest) = slot.split_first()?;
    let Step::Key(k) = first else { return None };
    let mut cur = root.get_mut(k)?;
    for step in rest {
        cur = match (step, cur) {
            (Step::Key(k), Value::Table(t)) => t.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The env text as a value of the same type as `current`.
fn convert(current: &Value, text: &str) -> Result<Value, String> {
    Ok(match current {
        Value::Boolean(_) => Value::Boolean(parse_go_bool(text)?),
        Value::Integer(_) => Value::Integer(parse_go_int(text)?),
        Value::Float(_) => Value::Float(
            text.parse::<f64>()
                .map_err(|_| format!("strconv.ParseFloat: parsing {text:?}: invalid syntax"))?,
        ),
        _ => Value::String(text.to_string()),
    })
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {s:?}: invalid syntax")),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then a `0x`, `0o`,
/// `0b` or leading-`0` (octal) base prefix; underscores between digits only
/// with a prefix.
pub fn parse_go_int(s: &str) -> Result<i64, String> {
    let err = || format!("strconv.ParseInt: parsing {s:?}: invalid syntax");
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.is_empty() || (!prefixed && digits.contains('_')) {
        return Err(err());
    }
    let digits = digits.trim_start_matches('_').replace('_', "");
    let magnitude = u64::from_str_radix(&digits, radix).map_err(|_| err())?;
    let limit = if negative {
        i64::MAX as u64 + 1
    } else {
        i64::MAX as u64
    };
    if magnitude > limit {
        return Err(format!(
            "strconv.ParseInt: parsing {s:?}: value out of range"
        ));
    }
    Ok(if negative {
        (magnitude as i64).wrapping_neg()
    } else {
        magnitude as i64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_ints_and_bools() {
        assert_eq!(parse_go_int("42"), Ok(42));
        assert_eq!(parse_go_int("-0x10"), Ok(-16));
        assert_eq!(parse_go_int("010"), Ok(8));
        assert_eq!(parse_go_int("0b101"), Ok(5));
        assert!(parse_go_int("1_000").is_err());
        assert_eq!(parse_go_int("0x1_0"), Ok(16));
        assert!(parse_go_int("9223372036854775808").is_err());
        assert_eq!(parse_go_int("-9223372036854775808"), Ok(i64::MIN));
        assert!(parse_go_int("").is_err());
        assert_eq!(parse_go_bool("T"), Ok(true));
        assert_eq!(parse_go_bool("0"), Ok(false));
        assert!(parse_go_bool("yes").is_err());
    }
}
