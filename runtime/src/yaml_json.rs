//! YAML read as Kapacitor reads it with `ghodss/yaml`: the document is converted to JSON and
//! then decoded as JSON would be, so a YAML file and its JSON twin define the same thing. Used by
//! the `kapacitor` CLI (`define -file`, `-vars`, `define-topic-handler`) and kapacitord's load
//! service.

use serde_json::{Map, Number, Value};
use std::fmt;
use yaml_rust2::{Yaml, YamlLoader};

/// A YAML document that cannot become JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlError {
    Syntax(String),
    /// A mapping key that is itself a list or mapping.
    ComplexKey,
    /// An alias (`*name`), which yaml-rust2 does not resolve.
    Alias,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::Syntax(e) => write!(f, "error converting YAML to JSON: yaml: {e}"),
            YamlError::ComplexKey => {
                f.write_str("error converting YAML to JSON: unsupported mapping key type")
            }
            YamlError::Alias => {
                f.write_str("error converting YAML to JSON: aliases are not supported")
            }
        }
    }
}

impl std::error::Error for YamlError {}

/// The first document of `text` as a JSON value (an empty document is `null`).
pub fn to_json(text: &str) -> Result<Value, YamlError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| YamlError::Syntax(e.to_string()))?;
    match docs.into_iter().next() {
        None => Ok(Value::Null),
        Some(doc) => convert(doc),
    }
}

fn convert(y: Yaml) -> Result<Value, YamlError> {
    Ok(match y {
        Yaml::Null | Yaml::BadValue => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Number(Number::from(i)),
        Yaml::Real(s) => match Yaml::Real(s.clone()).as_f64().and_then(Number::from_f64) {
            Some(n) => Value::Number(n),
            // .inf and .nan have no JSON form; keep the text as ghodss/yaml would fail to.
            None => Value::String(s),
        },
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => {
            Value::Array(items.into_iter().map(convert).collect::<Result<_, _>>()?)
        }
        Yaml::Hash(h) => {
            let mut m = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Null => "null".to_string(),
                    Yaml::Alias(_) => return Err(YamlError::Alias),
                    _ => return Err(YamlError::ComplexKey),
                };
                m.insert(key, convert(v)?);
            }
            Value::Object(m)
        }
        Yaml::Alias(_) => return Err(YamlError::Alias),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_becomes_json() {
        let v = to_json("topic: cpu\nid: slack\nkind: slack\noptions:\n  channel: '#alerts'\n  n: 3\n  f: 1.5\n  on: true\nmatch: \"\"\n")
            .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"topic":"cpu","id":"slack","kind":"slack",
                "options":{"channel":"#alerts","n":3,"f":1.5,"on":true},"match":""})
        );
        assert_eq!(to_json("").unwrap(), Value::Null);
        assert!(to_json("a: [1, 2").is_err());
    }
}
