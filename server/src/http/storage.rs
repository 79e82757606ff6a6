//! Storage (api.md §1.10): `GET /storage/stores` lists the stores, `POST
//! /storage/stores/<name>` `{"action":"rebuild"}` rebuilds one, `GET /storage/backup`
//! answers a consistent copy of the database file (`kapacitor backup FILE` saves it).
//!
//! The backup is our redb file, not a BoltDB file: it restores into kapacitord (stop the
//! server, put the file where `[storage] boltdb`'s directory holds `kapacitor.db`), not into
//! Kapacitor.

use super::{no_content, plain, pretty, ApiError, Req, Resp};
use crate::state::AppState;
use crate::store::STORES;
use serde_json::{json, Value};
use std::sync::Arc;

const STORES_PATH: &str = "/kapacitor/v1/storage/stores";

pub fn list() -> Result<Resp, ApiError> {
    let storage: Vec<Value> = STORES
        .iter()
        .map(|(name, _)| {
            json!({"link": {"rel": "self", "href": format!("{STORES_PATH}/{name}")}, "name": name})
        })
        .collect();
    Ok(pretty(
        200,
        &json!({"link": {"rel": "self", "href": STORES_PATH}, "storage": storage}),
    ))
}

pub async fn action(state: &Arc<AppState>, r: &Req, name: &str) -> Result<Resp, ApiError> {
    let Some((_, tables)) = STORES.iter().find(|(n, _)| *n == name) else {
        return Err(ApiError::NotFound(format!("unknown storage {name:?}")));
    };
    let v: Value = serde_json::from_slice(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("failed to unmarshal storage action {e}")))?;
    match v.get("action").and_then(Value::as_str).unwrap_or("") {
        "rebuild" => {
            let state = state.clone();
            let n = tokio::task::spawn_blocking(move || state.store.rebuild(tables))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| ApiError::Internal(format!("failed to rebuild {name:?}: {e}")))?;
            tracing::info!(service = "storage", store = name, records = n, "rebuilt");
            Ok(no_content())
        }
        // Kapacitor's spelling of this message.
        other => Err(ApiError::BadRequest(format!(
            "unkown storage action {other:?}"
        ))),
    }
}

pub async fn backup(state: &Arc<AppState>) -> Result<Resp, ApiError> {
    let st = state.clone();
    let bytes = tokio::task::spawn_blocking(move || st.store.snapshot(&st.opts.db_path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let len = bytes.len();
    let mut resp = plain(200, "application/octet-stream", bytes.into());
    let h = resp.headers_mut();
    h.insert(
        "Content-Disposition",
        hyper::header::HeaderValue::from_static("attachment; filename=\"kapacitor.db\""),
    );
    h.insert("Content-Length", hyper::header::HeaderValue::from(len));
    Ok(resp)
}
