//! The list parameters shared by tasks, templates, recordings and replays:
//! `pattern`, `fields`, `offset`, `limit` (api.md §1.1).

use super::{ApiError, Req};
use crate::ids::glob_match;
use serde_json::{Map, Value};

pub struct ListParams {
    pub pattern: String,
    /// Requested fields (`id` and `link` always kept); `None` = all.
    pub fields: Option<Vec<String>>,
    pub offset: usize,
    pub limit: usize,
}

pub fn params(r: &Req, kind: &str, allowed: &[&str]) -> Result<ListParams, ApiError> {
    let pattern = r.param("pattern").unwrap_or("").to_string();
    if let Err(e) = glob_match(&pattern, "") {
        return Err(ApiError::BadRequest(format!(
            "failed to list {kind} with pattern {pattern:?}: {e}"
        )));
    }
    let mut fields: Vec<String> = Vec::new();
    for f in r.params("fields") {
        if !allowed.contains(&f) {
            return Err(ApiError::BadRequest(format!("unsupported field {f:?}")));
        }
        fields.push(f.to_string());
    }
    let int = |name: &str, default: usize| -> Result<usize, ApiError> {
        match r.param(name) {
            None | Some("") => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|e| {
                ApiError::BadRequest(format!(
                    "invalid {name} parameter {v:?} must be an integer: {e}"
                ))
            }),
        }
    };
    Ok(ListParams {
        pattern,
        fields: (!fields.is_empty()).then_some(fields),
        offset: int("offset", 0)?,
        limit: int("limit", 100)?,
    })
}

impl ListParams {
    pub fn matches(&self, id: &str) -> bool {
        glob_match(&self.pattern, id).unwrap_or(false)
    }

    /// Keep only the requested fields (plus `id` and `link`).
    pub fn project(&self, obj: Map<String, Value>) -> Value {
        match &self.fields {
            None => Value::Object(obj),
            Some(f) => Value::Object(
                obj.into_iter()
                    .filter(|(k, _)| k == "id" || k == "link" || f.iter().any(|x| x == k))
                    .collect(),
            ),
        }
    }

    pub fn page<T>(&self, v: Vec<T>) -> Vec<T> {
        v.into_iter().skip(self.offset).take(self.limit).collect()
    }
}

pub fn link(kind: &str, id: &str) -> Value {
    serde_json::json!({"rel": "self", "href": format!("/kapacitor/v1/{kind}/{id}")})
}
