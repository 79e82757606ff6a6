//! Task and template vars as Kapacitor's client models them (`client.Vars`): decoded with its
//! conversions (`duration` from integer ns or a duration string, `int` and `float` from JSON
//! numbers, `list` as typed items), encoded back in the same shape, and shown with Go's `%v`.

use crate::kapacitor::duration::{self, DurationError};
use crate::kapacitor::gojson;
use crate::kapacitor::output::go_float;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The type tag of a var.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    /// Missing `type`; Kapacitor's client cannot encode it.
    Unknown,
    Bool,
    Int,
    Float,
    String,
    Regex,
    Duration,
    Lambda,
    List,
    Star,
}

const TYPE_NAMES: &[(VarType, &str)] = &[
    (VarType::Bool, "bool"),
    (VarType::Int, "int"),
    (VarType::Float, "float"),
    (VarType::String, "string"),
    (VarType::Regex, "regex"),
    (VarType::Duration, "duration"),
    (VarType::Lambda, "lambda"),
    (VarType::List, "list"),
    (VarType::Star, "star"),
];

impl VarType {
    pub fn name(self) -> Option<&'static str> {
        TYPE_NAMES.iter().find(|(t, _)| *t == self).map(|(_, n)| *n)
    }

    fn parse(s: &str) -> Result<VarType, VarsError> {
        TYPE_NAMES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(t, _)| *t)
            .ok_or_else(|| VarsError::UnknownType(s.to_string()))
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => f.write_str("unknown VarType 0"),
        }
    }
}

/// One element of a `list` var.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    pub typ: VarType,
    pub value: Value,
}

/// A var's value after the client's conversions.
#[derive(Debug, Clone, PartialEq)]
pub enum VarValue {
    Null,
    Int(i64),
    Float(f64),
    /// Nanoseconds.
    Duration(i64),
    List(Vec<ListItem>),
    /// Kept as decoded (strings, bools, regex and lambda text).
    Other(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub typ: VarType,
    pub value: VarValue,
    pub description: String,
}

/// Vars by name; sorted, as Go encodes a map and as `show` lists them.
pub type Vars = BTreeMap<String, Var>;

/// A vars document the client rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarsError {
    NotAnObject,
    VarNotAnObject(String),
    UnknownType(String),
    Invalid {
        name: String,
        reason: &'static str,
    },
    BadInteger {
        name: String,
        literal: String,
    },
    BadDuration {
        name: String,
        err: DurationError,
    },
    /// A var without a type cannot be encoded (Go's `MarshalText` error).
    CannotEncodeUnknownType,
    /// `show`: a list holding something other than strings and stars.
    BadListItem {
        name: String,
        reason: String,
    },
}

impl fmt::Display for VarsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarsError::NotAnObject => {
                f.write_str("json: cannot unmarshal non-object into Go value of type client.Vars")
            }
            VarsError::VarNotAnObject(n) => {
                write!(
                    f,
                    "json: cannot unmarshal var {n} into Go value of type client.Var"
                )
            }
            VarsError::UnknownType(t) => write!(f, "unknown VarType {t}"),
            VarsError::Invalid { name, reason } => write!(f, "invalid var {name}: {reason}"),
            VarsError::BadInteger { name, literal } => write!(
                f,
                "invalid var {name}: strconv.ParseInt: parsing {}: invalid syntax",
                crate::kapacitor::output::go_quote(literal)
            ),
            VarsError::BadDuration { name, err } => {
                write!(f, "invalid duration string for var {name}: {err}")
            }
            VarsError::CannotEncodeUnknownType => f.write_str(
                "json: error calling MarshalText for type client.VarType: unknown VarType 0",
            ),
            VarsError::BadListItem { name, reason } => write!(f, "invalid var {name}: {reason}"),
        }
    }
}

impl std::error::Error for VarsError {}

/// `client.Vars.UnmarshalJSON` over an already parsed JSON value.
pub fn decode(v: &Value) -> Result<Vars, VarsError> {
    let Value::Object(map) = v else {
        if v.is_null() {
            return Ok(Vars::new());
        }
        return Err(VarsError::NotAnObject);
    };
    let mut vars = Vars::new();
    for (name, raw) in map {
        vars.insert(name.clone(), decode_var(name, raw)?);
    }
    Ok(vars)
}

fn decode_var(name: &str, raw: &Value) -> Result<Var, VarsError> {
    let Value::Object(obj) = raw else {
        return Err(VarsError::VarNotAnObject(name.to_string()));
    };
    let typ = match obj.get("type") {
        None | Some(Value::Null) => VarType::Unknown,
        Some(Value::String(s)) => VarType::parse(s)?,
        Some(_) => return Err(VarsError::VarNotAnObject(name.to_string())),
    };
    let description = match obj.get("description") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let invalid = |reason| VarsError::Invalid {
        name: name.to_string(),
        reason,
    };
    let raw_value = obj.get("value").unwrap_or(&Value::Null);
    let value = if raw_value.is_null() {
        VarValue::Null
    } else {
        match typ {
            VarType::Duration => match raw_value {
                Value::Number(n) => VarValue::Duration(int_of(name, n)?),
                Value::String(s) => {
                    VarValue::Duration(duration::parse_influxql(s).map_err(|err| {
                        VarsError::BadDuration {
                            name: name.to_string(),
                            err,
                        }
                    })?)
                }
                _ => return Err(invalid("expected int or string value")),
            },
            VarType::Int => match raw_value {
                Value::Number(n) => VarValue::Int(int_of(name, n)?),
                _ => return Err(invalid("expected int value")),
            },
            VarType::Float => match raw_value.as_f64() {
                Some(f) => VarValue::Float(f),
                None => return Err(invalid("expected float value")),
            },
            VarType::List => {
                let Value::Array(items) = raw_value else {
                    return Err(invalid("expected list of vars"));
                };
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    let Value::Object(m) = item else {
                        return Err(invalid("expected list of vars"));
                    };
                    let typ = match m.get("type") {
                        Some(Value::String(t)) => VarType::parse(t)?,
                        Some(_) => return Err(invalid("expected list of vars")),
                        None => return Err(invalid("expected list type key in object")),
                    };
                    let Some(value) = m.get("value") else {
                        return Err(invalid("expected list value key in object"));
                    };
                    list.push(ListItem {
                        typ,
                        value: value.clone(),
                    });
                }
                VarValue::List(list)
            }
            _ => VarValue::Other(raw_value.clone()),
        }
    };
    Ok(Var {
        typ,
        value,
        description,
    })
}

fn int_of(name: &str, n: &serde_json::Number) -> Result<i64, VarsError> {
    n.as_i64().ok_or_else(|| VarsError::BadInteger {
        name: name.to_string(),
        literal: n.to_string(),
    })
}

/// The vars map as Kapacitor's client encodes it in a request body.
pub fn encode(vars: &Vars) -> Result<String, VarsError> {
    let mut out = String::from("{");
    for (i, (name, var)) in vars.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        gojson::push_string(&mut out, name);
        out.push(':');
        out.push_str(&encode_var(var)?);
    }
    out.push('}');
    Ok(out)
}

fn encode_var(var: &Var) -> Result<String, VarsError> {
    let typ = var.typ.name().ok_or(VarsError::CannotEncodeUnknownType)?;
    let value = match &var.value {
        VarValue::Null => "null".to_string(),
        VarValue::Int(i) | VarValue::Duration(i) => i.to_string(),
        VarValue::Float(f) => gojson::float(*f),
        VarValue::Other(v) => gojson::value(v),
        VarValue::List(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                let t = item.typ.name().ok_or(VarsError::CannotEncodeUnknownType)?;
                parts.push(
                    gojson::Object::new()
                        .str("type", t)
                        .raw("value", &gojson::value(&item.value))
                        .str("description", "")
                        .finish(),
                );
            }
            format!("[{}]", parts.join(","))
        }
    };
    Ok(gojson::Object::new()
        .str("type", typ)
        .raw("value", &value)
        .str("description", &var.description)
        .finish())
}

/// The value column of `show`/`show-template`: Go's `%v`, lists as `[a, b]`.
pub fn show_value(name: &str, value: &VarValue) -> Result<String, VarsError> {
    Ok(match value {
        VarValue::Null => "<nil>".to_string(),
        VarValue::Int(i) => i.to_string(),
        VarValue::Float(f) => go_float(*f),
        VarValue::Duration(d) => duration::go_string(*d),
        VarValue::Other(v) => go_value(v),
        VarValue::List(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match item.typ {
                    VarType::String => match &item.value {
                        Value::String(s) => parts.push(s.clone()),
                        _ => {
                            return Err(VarsError::BadListItem {
                                name: name.to_string(),
                                reason: "non string value in string var".to_string(),
                            })
                        }
                    },
                    VarType::Star => parts.push("*".to_string()),
                    t => {
                        return Err(VarsError::BadListItem {
                            name: name.to_string(),
                            reason: format!("lists can only contain strings or a star, got {t}"),
                        })
                    }
                }
            }
            format!("[{}]", parts.join(", "))
        }
    })
}

/// Go's `%v` of a decoded `interface{}` (numbers keep their JSON text, as `json.Number` does).
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_value).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_value(&m[k.as_str()])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decode_applies_client_conversions() {
        let v = decode(&json!({
            "window": {"type": "duration", "value": "5m"},
            "every": {"type": "duration", "value": 60000000000i64},
            "n": {"type": "int", "value": 3},
            "crit": {"type": "float", "value": 80},
            "groups": {"type": "list", "value": [{"type": "string", "value": "host"}, {"type": "star", "value": null}]},
            "field": {"type": "string", "value": "usage_idle", "description": "the field"},
            "required": {"type": "lambda", "value": null}
        }))
        .unwrap();
        assert_eq!(v["window"].value, VarValue::Duration(300_000_000_000));
        assert_eq!(v["every"].value, VarValue::Duration(60_000_000_000));
        assert_eq!(v["n"].value, VarValue::Int(3));
        assert_eq!(v["crit"].value, VarValue::Float(80.0));
        assert_eq!(
            show_value("groups", &v["groups"].value).unwrap(),
            "[host, *]"
        );
        assert_eq!(show_value("window", &v["window"].value).unwrap(), "5m0s");
        assert_eq!(show_value("crit", &v["crit"].value).unwrap(), "80");
        assert_eq!(
            show_value("required", &v["required"].value).unwrap(),
            "<nil>"
        );
        assert_eq!(v["field"].description, "the field");
        // Sorted by name, every var as {"type","value","description"}, durations as ns.
        assert_eq!(
            encode(&v).unwrap(),
            r#"{"crit":{"type":"float","value":80,"description":""},"every":{"type":"duration","value":60000000000,"description":""},"field":{"type":"string","value":"usage_idle","description":"the field"},"groups":{"type":"list","value":[{"type":"string","value":"host","description":""},{"type":"star","value":null,"description":""}],"description":""},"n":{"type":"int","value":3,"description":""},"required":{"type":"lambda","value":null,"description":""},"window":{"type":"duration","value":300000000000,"description":""}}"#
        );
    }

    #[test]
    fn decode_errors() {
        let e = |v: Value| decode(&v).unwrap_err().to_string();
        assert_eq!(
            e(json!({"x": {"type": "int", "value": 1.5}})),
            "invalid var x: strconv.ParseInt: parsing \"1.5\": invalid syntax"
        );
        assert_eq!(
            e(json!({"x": {"type": "int", "value": "1"}})),
            "invalid var x: expected int value"
        );
        assert_eq!(
            e(json!({"x": {"type": "nope", "value": 1}})),
            "unknown VarType nope"
        );
        assert_eq!(
            e(json!({"x": {"type": "duration", "value": "5x"}})),
            "invalid duration string for var x: invalid duration"
        );
        assert_eq!(
            e(json!({"x": {"type": "list", "value": [{"value": "a"}]}})),
            "invalid var x: expected list type key in object"
        );
        let untyped = decode(&json!({"x": {"value": 1}})).unwrap();
        assert_eq!(
            encode(&untyped).unwrap_err(),
            VarsError::CannotEncodeUnknownType
        );
    }
}
