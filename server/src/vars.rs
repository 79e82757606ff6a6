//! Task and template `vars` (api.md §1.4): JSON `{"name": {"type", "value",
//! "description"}}` to the checker's `Arg`s and back.

use compiler::ir::{Arg, Var};
use compiler::types::Type;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Parse a vars object; the error names the bad var.
pub fn parse(v: &Value) -> Result<HashMap<String, Arg>, String> {
    let mut out = HashMap::new();
    let Some(m) = v.as_object() else {
        return Ok(out);
    };
    for (name, var) in m {
        let arg = parse_one(var).map_err(|e| format!("invalid var {name}: {e}"))?;
        out.insert(name.clone(), arg);
    }
    Ok(out)
}

fn parse_one(var: &Value) -> Result<Arg, String> {
    let ty = var.get("type").and_then(Value::as_str).unwrap_or("");
    let value = var.get("value").unwrap_or(&Value::Null);
    let bad = || format!("value {value} is not a valid {ty}");
    Ok(match ty {
        "bool" => Arg::Bool(value.as_bool().ok_or_else(bad)?),
        "int" => Arg::Int(value.as_i64().filter(|_| value.is_i64()).ok_or_else(bad)?),
        "float" => Arg::Float(value.as_f64().ok_or_else(bad)?),
        "string" => Arg::String(value.as_str().ok_or_else(bad)?.to_string()),
        "regex" => Arg::Regex(value.as_str().ok_or_else(bad)?.to_string()),
        "duration" => Arg::Duration(match value {
            Value::Number(n) => n.as_i64().ok_or_else(bad)?,
            Value::String(s) => parse_duration(s).ok_or_else(bad)?,
            _ => return Err(bad()),
        }),
        "lambda" => {
            let text = value.as_str().ok_or_else(bad)?;
            let (l, diags) = compiler::check_lambda(text);
            Arg::Lambda(l.ok_or_else(|| {
                diags
                    .first()
                    .map_or_else(bad, |d| format!("invalid lambda {text:?}: {}", d.message))
            })?)
        }
        "star" => Arg::Star,
        "list" => Arg::List(
            value
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(parse_one)
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("unknown type {other:?}")),
    })
}

/// InfluxQL durations: `10s`, `1h30m`, `500ms`, `2d`, `1w`, `u`/`µ`, `ns`.
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = s.trim();
    let neg = rest.starts_with('-');
    if neg {
        rest = &rest[1..];
    }
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let units: [(&str, i64); 9] = [
            ("ns", 1),
            ("ms", 1_000_000),
            ("us", 1_000),
            ("µs", 1_000),
            ("u", 1_000),
            ("µ", 1_000),
            ("s", 1_000_000_000),
            ("m", 60_000_000_000),
            ("h", 3_600_000_000_000),
        ];
        let more: [(&str, i64); 2] = [("d", 86_400_000_000_000), ("w", 604_800_000_000_000)];
        let (unit, mult) = units
            .iter()
            .chain(more.iter())
            .find(|(u, _)| rest.starts_with(u))?;
        rest = &rest[unit.len()..];
        total = total.checked_add(n.checked_mul(*mult)?)?;
    }
    Some(if neg { -total } else { total })
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::Bool => "bool",
        Type::Int => "int",
        Type::Float => "float",
        Type::String => "string",
        Type::Regex => "regex",
        Type::Duration => "duration",
        Type::Lambda => "lambda",
        Type::List => "list",
        Type::Star => "star",
        _ => "string",
    }
}

fn arg_value(a: &Arg) -> Value {
    match a {
        Arg::Int(i) => json!(i),
        Arg::Float(f) => json!(f),
        Arg::String(s) | Arg::Regex(s) => json!(s),
        Arg::Bool(b) => json!(b),
        Arg::Duration(d) => json!(d),
        Arg::Star => Value::Null,
        Arg::Lambda(l) => json!(l.source),
        Arg::List(items) => Value::Array(
            items
                .iter()
                .map(|i| {
                    let t = if matches!(i, Arg::Star) {
                        "star"
                    } else {
                        "string"
                    };
                    json!({"type": t, "value": arg_value(i)})
                })
                .collect(),
        ),
        Arg::TimeDimension { interval, .. } => json!(interval),
    }
}

/// The vars a script declares, with their defaults (`null`: required).
pub fn declared(vars: &[Var]) -> Value {
    let mut m = Map::new();
    for v in vars {
        m.insert(
            v.name.clone(),
            json!({
                "type": type_name(v.ty),
                "value": v.value.as_ref().map_or(Value::Null, arg_value),
                "description": "",
            }),
        );
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_and_durations() {
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("10s"), Some(10_000_000_000));
        assert_eq!(parse_duration("500ms"), Some(500_000_000));
        assert_eq!(parse_duration("x"), None);
        let v = parse(&json!({
            "d": {"type": "duration", "value": "10s"},
            "n": {"type": "int", "value": 3},
            "l": {"type": "lambda", "value": "\"v\" > 1"},
        }))
        .unwrap();
        assert_eq!(v["d"], Arg::Duration(10_000_000_000));
        assert_eq!(v["n"], Arg::Int(3));
        assert!(matches!(v["l"], Arg::Lambda(_)));
        assert!(parse(&json!({"n": {"type": "int", "value": 1.5}}))
            .unwrap_err()
            .contains("invalid var n"));
    }
}
