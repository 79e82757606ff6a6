//! RFC 6902 JSON Patch (what `PATCH …/handlers/H` takes, api.md §1.9):
//! `add`, `remove`, `replace`, `move`, `copy`, `test` over RFC 6901 pointers,
//! applied to a copy so a failing operation changes nothing.

use serde::Deserialize;
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Deserialize)]
pub struct Operation {
    pub op: String,
    pub path: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchError {
    UnknownOp(String),
    MissingValue(String),
    MissingFrom(String),
    BadPointer(String),
    NoSuchPath(String),
    TestFailed(String),
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchError::UnknownOp(op) => write!(f, "unexpected operation {op:?}"),
            PatchError::MissingValue(op) => write!(f, "operation {op:?} needs a value"),
            PatchError::MissingFrom(op) => write!(f, "operation {op:?} needs from"),
            PatchError::BadPointer(p) => write!(f, "invalid JSON pointer {p:?}"),
            PatchError::NoSuchPath(p) => write!(f, "path {p:?} does not exist"),
            PatchError::TestFailed(p) => write!(f, "testing value {p:?} failed"),
        }
    }
}

impl std::error::Error for PatchError {}

/// Decodes a patch document (a JSON array of operations).
pub fn decode(body: &[u8]) -> Result<Vec<Operation>, serde_json::Error> {
    serde_json::from_slice(body)
}

fn tokens(pointer: &str) -> Result<Vec<String>, PatchError> {
    if pointer.is_empty() {
        return Ok(vec![]);
    }
    let rest = pointer
        .strip_prefix('/')
        .ok_or_else(|| PatchError::BadPointer(pointer.into()))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// The container holding the pointer's last token, and that token.
fn parent<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), PatchError> {
    let mut toks = tokens(path)?;
    let last = toks
        .pop()
        .ok_or_else(|| PatchError::BadPointer(path.into()))?;
    let mut cur = doc;
    for t in &toks {
        cur = match cur {
            Value::Object(m) => m.get_mut(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| PatchError::NoSuchPath(path.into()))?;
    }
    Ok((cur, last))
}

fn get<'a>(doc: &'a Value, path: &str) -> Result<&'a Value, PatchError> {
    let mut cur = doc;
    for t in tokens(path)? {
        cur = match cur {
            Value::Object(m) => m.get(&t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .ok_or_else(|| PatchError::NoSuchPath(path.into()))?;
    }
    Ok(cur)
}

fn add(doc: &mut Value, path: &str, v: Value) -> Result<(), PatchError> {
    if path.is_empty() {
        *doc = v;
        return Ok(());
    }
    let (p, last) = parent(doc, path)?;
    match p {
        Value::Object(m) => {
            m.insert(last, v);
            Ok(())
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= a.len())
                    .ok_or_else(|| PatchError::NoSuchPath(path.into()))?
            };
            a.insert(i, v);
            Ok(())
        }
        _ => Err(PatchError::NoSuchPath(path.into())),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let (p, last) = parent(doc, path)?;
    match p {
        Value::Object(m) => m.remove(&last),
        Value::Array(a) => last
            .parse::<usize>()
            .ok()
            .filter(|i| *i < a.len())
            .map(|i| a.remove(i)),
        _ => None,
    }
    .ok_or_else(|| PatchError::NoSuchPath(path.into()))
}

/// Applies `ops` to a copy of `doc`.
pub fn apply(doc: &Value, ops: &[Operation]) -> Result<Value, PatchError> {
    let mut out = doc.clone();
    for op in ops {
        let value = || {
            op.value
                .clone()
                .ok_or_else(|| PatchError::MissingValue(op.op.clone()))
        };
        let from = || {
            op.from
                .clone()
                .ok_or_else(|| PatchError::MissingFrom(op.op.clone()))
        };
        match op.op.as_str() {
            "add" => add(&mut out, &op.path, value()?)?,
            "remove" => {
                remove(&mut out, &op.path)?;
            }
            "replace" => {
                remove(&mut out, &op.path)?;
                add(&mut out, &op.path, value()?)?;
            }
            "move" => {
                let v = remove(&mut out, &from()?)?;
                add(&mut out, &op.path, v)?;
            }
            "copy" => {
                let v = get(&out, &from()?)?.clone();
                add(&mut out, &op.path, v)?;
            }
            "test" => {
                if get(&out, &op.path)? != &value()? {
                    return Err(PatchError::TestFailed(op.path.clone()));
                }
            }
            other => return Err(PatchError::UnknownOp(other.into())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(v: Value) -> Vec<Operation> {
        decode(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn rfc6902_operations() {
        let doc = json!({"id": "h", "options": {"a": 1, "l": [1, 2]}});
        let out = apply(
            &doc,
            &ops(json!([
                {"op": "replace", "path": "/options/a", "value": 2},
                {"op": "add", "path": "/options/l/-", "value": 3},
                {"op": "add", "path": "/options/x~1y", "value": true},
                {"op": "copy", "from": "/id", "path": "/kind"},
                {"op": "move", "from": "/options/l/0", "path": "/first"},
                {"op": "remove", "path": "/options/a"},
                {"op": "test", "path": "/kind", "value": "h"},
            ])),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"id": "h", "kind": "h", "first": 1, "options": {"l": [2, 3], "x/y": true}})
        );
    }

    #[test]
    fn failures_leave_no_partial_result() {
        let doc = json!({"a": 1});
        assert_eq!(
            apply(&doc, &ops(json!([{"op": "remove", "path": "/b"}]))),
            Err(PatchError::NoSuchPath("/b".into()))
        );
        assert_eq!(
            apply(
                &doc,
                &ops(json!([{"op": "test", "path": "/a", "value": 2}]))
            ),
            Err(PatchError::TestFailed("/a".into()))
        );
        assert_eq!(
            apply(&doc, &ops(json!([{"op": "jump", "path": "/a"}]))),
            Err(PatchError::UnknownOp("jump".into()))
        );
        assert!(decode(b"{}").is_err());
    }
}
