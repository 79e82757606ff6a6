//! A topic handler's `kind` and JSON `options` (api.md §1.9) as the same
//! `ir::Handler` a TICKscript handler call produces, so both kinds of
//! handler are built by one `build_handler`.
//!
//! Kapacitor decodes options into each service's `HandlerConfig` with
//! mapstructure (keys in kebab case, unknown keys an error); here the handler
//! catalog is the schema: an option key names a chain argument (table
//! [`CHAIN_ARGS`]) or a property (kebab case to the TICKscript camel case,
//! acronyms per [`ACRONYMS`]), and the property's parameter types say how a
//! JSON value is read. An object value feeds an accumulating two-argument
//! property once per entry (`headers` → `.header(k, v)`).

use compiler::catalog::handlers::{spec, HandlerSpec};
use compiler::catalog::nodes::{PropSpec, P};
use compiler::catalog::HandlerKind;
use compiler::ir::{self, Arg, Property};
use serde_json::{Map, Value};
use std::fmt;

/// Option keys that are the handler call's arguments, in order; a list
/// value spreads (exec `args`).
const CHAIN_ARGS: &[(HandlerKind, &[&str])] = &[
    (HandlerKind::Log, &["path"]),
    (HandlerKind::Tcp, &["address"]),
    (HandlerKind::Post, &["url"]),
    (HandlerKind::Exec, &["prog", "args"]),
    (HandlerKind::Mqtt, &["topic"]),
    (HandlerKind::SnmpTrap, &["trap-oid"]),
];

/// Option keys of one kind that name a property of another name (Kapacitor's
/// kafka `HandlerConfig` spells them so).
const KIND_KEYS: &[(HandlerKind, &str, &str)] = &[
    (HandlerKind::Kafka, "topic", "kafkaTopic"),
    (
        HandlerKind::Kafka,
        "partitionAlgorithm",
        "partitionHashAlgorithm",
    ),
];

/// Option keys holding a list of objects, each one setting of a property
/// whose arguments are the objects' values in this key order
/// (snmptrap `data-list: [{oid, type, value}]` → `.data(oid, type, value)`).
const OBJECT_LISTS: &[(HandlerKind, &str, &str, &[&str])] = &[(
    HandlerKind::SnmpTrap,
    "data-list",
    "data",
    &["oid", "type", "value"],
)];

/// Option keys whose camel-case form keeps an acronym upper case.
const ACRONYMS: &[(&str, &str)] = &[
    ("skip-ssl-verification", "skipSSLVerification"),
    ("url", "uRL"),
    ("url-title", "uRLTitle"),
    ("avatar-url", "avatarURL"),
    ("channel-url", "channelURL"),
];

/// Plural option keys of accumulating pair properties (`headers` → `header`).
const PAIR_KEYS: &[(&str, &str)] = &[
    ("headers", "header"),
    ("attributes", "attribute"),
    ("metadata", "metadata"),
    ("additional-info", "additionalInfo"),
    ("custom-fields", "customField"),
    ("labels", "label"),
    ("annotations", "annotation"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsError {
    UnknownKind(String),
    UnknownOption { kind: String, key: String },
    BadValue { key: String, want: &'static str },
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionsError::UnknownKind(k) => write!(f, "unsupported handler kind {k:?}"),
            OptionsError::UnknownOption { kind, key } => {
                write!(f, "invalid option {key:?} for handler kind {kind:?}")
            }
            OptionsError::BadValue { key, want } => {
                write!(f, "option {key:?} must be {want}")
            }
        }
    }
}

impl std::error::Error for OptionsError {}

/// The handler kind of an API `kind` (`smtp`, `pagerduty2`, …).
pub fn kind_of(kind: &str) -> Option<HandlerKind> {
    HandlerKind::ALL.iter().copied().find(|k| k.kind() == kind)
}

fn camel(key: &str) -> String {
    if let Some((_, c)) = ACRONYMS.iter().find(|(k, _)| *k == key) {
        return (*c).to_string();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for ch in key.chars() {
        if ch == '-' || ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn scalar(key: &str, v: &Value, accepts: &[P]) -> Result<Arg, OptionsError> {
    let bad = |want| OptionsError::BadValue {
        key: key.to_string(),
        want,
    };
    for p in accepts {
        match (p, v) {
            (P::String, Value::String(s)) => return Ok(Arg::String(s.clone())),
            (P::Int, Value::Number(n)) if n.is_i64() => {
                return Ok(Arg::Int(n.as_i64().unwrap_or(0)))
            }
            (P::Float, Value::Number(n)) => return Ok(Arg::Float(n.as_f64().unwrap_or(0.0))),
            (P::Bool, Value::Bool(b)) => return Ok(Arg::Bool(*b)),
            (P::Duration, Value::Number(n)) if n.is_i64() => {
                return Ok(Arg::Duration(n.as_i64().unwrap_or(0)))
            }
            (P::Duration, Value::String(s)) => {
                return crate::config::duration::GoDuration::parse(s)
                    .map(|d| Arg::Duration(d.nanos()))
                    .map_err(|_| bad("a duration such as \"10s\""))
            }
            _ => {}
        }
    }
    Err(bad(match accepts.first() {
        Some(P::String) => "a string",
        Some(P::Int) => "an integer",
        Some(P::Float) => "a number",
        Some(P::Bool) => "a boolean",
        Some(P::Duration) => "a duration",
        _ => "a scalar",
    }))
}

fn list(key: &str, v: &Value, accepts: &[P]) -> Result<Vec<Arg>, OptionsError> {
    match v {
        Value::Array(items) => items.iter().map(|x| scalar(key, x, accepts)).collect(),
        other => Ok(vec![scalar(key, other, accepts)?]),
    }
}

fn property(key: &str, p: &PropSpec, v: &Value) -> Result<Vec<Property>, OptionsError> {
    let prop = |args| Property {
        name: p.name.to_string(),
        args,
        span: Default::default(),
    };
    let params = &p.params;
    // A flag: present when true.
    if params.params.is_empty() && params.rest.is_none() {
        return match v {
            Value::Bool(true) => Ok(vec![prop(vec![])]),
            Value::Bool(false) | Value::Null => Ok(vec![]),
            _ => Err(OptionsError::BadValue {
                key: key.to_string(),
                want: "a boolean",
            }),
        };
    }
    // Pairs from an object (`headers: {k: v}`).
    if params.params.len() == 2 && params.rest.is_none() {
        if let Value::Object(m) = v {
            return m
                .iter()
                .map(|(k, x)| {
                    Ok(prop(vec![
                        Arg::String(k.clone()),
                        scalar(key, x, params.params[1])?,
                    ]))
                })
                .collect();
        }
    }
    if let Some(rest) = params.rest {
        let accepts = params.params.first().copied().unwrap_or(rest);
        return Ok(vec![prop(list(key, v, accepts)?)]);
    }
    let accepts = params.params.first().copied().unwrap_or(&[]);
    Ok(vec![prop(vec![scalar(key, v, accepts)?])])
}

fn find_prop(spec: &HandlerSpec, key: &str) -> Option<&'static PropSpec> {
    if let Some((_, name)) = PAIR_KEYS.iter().find(|(k, _)| *k == key) {
        if let Some(p) = spec.prop(name) {
            return Some(p);
        }
    }
    spec.prop(&camel(key))
}

/// One property setting per object of a list option; a missing key is "".
fn object_list(
    key: &str,
    name: &str,
    fields: &[&str],
    v: &Value,
) -> Result<Vec<Property>, OptionsError> {
    let bad = || OptionsError::BadValue {
        key: key.to_string(),
        want: "a list of objects",
    };
    let items = match v {
        Value::Array(items) => items,
        Value::Null => return Ok(Vec::new()),
        _ => return Err(bad()),
    };
    items
        .iter()
        .map(|item| {
            let obj = item.as_object().ok_or_else(bad)?;
            let args = fields
                .iter()
                .map(|f| match obj.get(*f) {
                    None | Some(Value::Null) => Ok(Arg::String(String::new())),
                    Some(Value::String(s)) => Ok(Arg::String(s.clone())),
                    Some(_) => Err(OptionsError::BadValue {
                        key: format!("{key}.{f}"),
                        want: "a string",
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Property {
                name: name.to_string(),
                args,
                span: Default::default(),
            })
        })
        .collect()
}

/// The `ir::Handler` for `kind` with `options`.
pub fn handler_from_options(
    kind: &str,
    options: &Map<String, Value>,
) -> Result<ir::Handler, OptionsError> {
    let k = kind_of(kind).ok_or_else(|| OptionsError::UnknownKind(kind.to_string()))?;
    let spec = spec(k);
    let chain = CHAIN_ARGS
        .iter()
        .find(|(c, _)| *c == k)
        .map(|(_, keys)| *keys)
        .unwrap_or(&[]);
    let mut args = Vec::new();
    for key in chain {
        if let Some(v) = options.get(*key) {
            args.extend(list(key, v, &[P::String])?);
        }
    }
    let mut props = Vec::new();
    for (key, v) in options {
        if chain.contains(&key.as_str()) {
            continue;
        }
        if let Some((_, _, name, fields)) = OBJECT_LISTS
            .iter()
            .find(|(kd, kk, _, _)| *kd == k && *kk == key)
        {
            props.extend(object_list(key, name, fields, v)?);
            continue;
        }
        let key = &KIND_KEYS
            .iter()
            .find(|(kd, kk, _)| *kd == k && *kk == key)
            .map_or_else(|| key.clone(), |(_, _, to)| (*to).to_string());
        let p = find_prop(spec, key).ok_or_else(|| OptionsError::UnknownOption {
            kind: kind.to_string(),
            key: key.clone(),
        })?;
        props.extend(property(key, p, v)?);
    }
    Ok(ir::Handler {
        kind: k,
        args,
        props,
        span: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn post_options_become_the_call_and_its_properties() {
        let h = handler_from_options(
            "post",
            &opts(json!({"url": "http://x/y", "headers": {"A": "1"}, "capture-response": true, "timeout": "5s"})),
        )
        .unwrap();
        assert_eq!(h.kind, HandlerKind::Post);
        assert_eq!(h.args, vec![Arg::String("http://x/y".into())]);
        let names: Vec<_> = h.props.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["captureResponse", "header", "timeout"]);
        assert_eq!(
            h.prop("timeout").unwrap().args,
            vec![Arg::Duration(5_000_000_000)]
        );
        assert_eq!(
            h.prop("header").unwrap().args,
            vec![Arg::String("A".into()), Arg::String("1".into())]
        );
    }

    #[test]
    fn kebab_keys_and_acronyms() {
        let h = handler_from_options(
            "slack",
            &opts(json!({"icon-emoji": ":x:", "channel": "#a"})),
        )
        .unwrap();
        assert!(h.prop("iconEmoji").is_some() && h.prop("channel").is_some());
        let h = handler_from_options("exec", &opts(json!({"prog": "/bin/a", "args": ["b", "c"]})))
            .unwrap();
        assert_eq!(h.args.len(), 3);
    }

    #[test]
    fn snmptrap_data_list_and_kafka_keys() {
        let h = handler_from_options(
            "snmptrap",
            &opts(json!({"trap-oid": "1.1.1", "data-list": [{"oid": "1.1.1.2", "type": "s", "value": "{{.Message}}"}]})),
        )
        .unwrap();
        assert_eq!(h.args, vec![Arg::String("1.1.1".into())]);
        assert_eq!(
            h.prop("data").unwrap().args,
            vec![
                Arg::String("1.1.1.2".into()),
                Arg::String("s".into()),
                Arg::String("{{.Message}}".into())
            ]
        );
        assert!(handler_from_options("snmptrap", &opts(json!({"data-list": 3}))).is_err());
        let h = handler_from_options(
            "kafka",
            &opts(json!({"cluster": "c", "topic": "t", "disablePartitionById": true, "partitionAlgorithm": "murmur2"})),
        )
        .unwrap();
        assert_eq!(
            h.prop("kafkaTopic").unwrap().args,
            vec![Arg::String("t".into())]
        );
        assert!(h.prop("disablePartitionById").is_some());
        assert_eq!(
            h.prop("partitionHashAlgorithm").unwrap().args,
            vec![Arg::String("murmur2".into())]
        );
        let h = handler_from_options(
            "mqtt",
            &opts(json!({"broker-name": "b", "topic": "t", "qos": 1, "retained": true})),
        )
        .unwrap();
        assert_eq!(h.args, vec![Arg::String("t".into())]);
        assert!(h.prop("brokerName").is_some() && h.prop("retained").is_some());
        assert_eq!(h.prop("qos").unwrap().args, vec![Arg::Int(1)]);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            handler_from_options("nope", &Map::new()).unwrap_err(),
            OptionsError::UnknownKind("nope".into())
        );
        assert!(matches!(
            handler_from_options("log", &opts(json!({"path": "/x", "colour": 1}))),
            Err(OptionsError::UnknownOption { .. })
        ));
        assert!(matches!(
            handler_from_options("log", &opts(json!({"path": "/x", "mode": "rw"}))),
            Err(OptionsError::BadValue { .. })
        ));
    }
}
