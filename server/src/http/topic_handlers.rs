//! Topic handlers (api.md §1.9, Kapacitor's services/alert/api.go):
//! list, create, get, replace (PUT), JSON-patch (PATCH) and delete, with
//! Kapacitor's statuses and error texts. Keys are serialized in the order of
//! Kapacitor's `client.TopicHandler` struct.

use super::json_patch;
use super::topics::TOPICS;
use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::glob_match;
use crate::state::AppState;
use crate::store::TopicHandlerRecord;
use crate::topics::handler::HandlerSpecError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Serialize)]
struct Link {
    rel: &'static str,
    href: String,
}

#[derive(Serialize)]
struct HandlerJson<'a> {
    link: Link,
    id: &'a str,
    kind: &'a str,
    options: &'a Map<String, Value>,
    #[serde(rename = "match")]
    match_: &'a str,
}

fn handler_json(h: &TopicHandlerRecord) -> HandlerJson<'_> {
    HandlerJson {
        link: Link {
            rel: "self",
            href: format!("{TOPICS}/{}/handlers/{}", h.topic, h.id),
        },
        id: &h.id,
        kind: &h.kind,
        options: &h.options,
        match_: &h.match_,
    }
}

/// The request body's spec (the topic always comes from the path).
#[derive(Deserialize)]
struct SpecBody {
    #[serde(default)]
    id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    options: Option<Map<String, Value>>,
    #[serde(default, rename = "match")]
    match_: String,
}

fn spec_from(topic: &str, body: SpecBody) -> TopicHandlerRecord {
    TopicHandlerRecord {
        id: body.id,
        topic: topic.to_string(),
        kind: body.kind,
        options: body.options.unwrap_or_default(),
        match_: body.match_,
    }
}

fn unknown_handler(id: &str) -> ApiError {
    ApiError::NotFound(format!("unknown handler: {id:?}"))
}

/// A refused spec: Kapacitor validates first (400 `invalid handler spec`),
/// then answers any failure to create or store the handler with a 500.
fn spec_error(action: &str, e: HandlerSpecError) -> ApiError {
    match e {
        HandlerSpecError::Invalid(m) => ApiError::BadRequest(format!("invalid handler spec: {m}")),
        other => ApiError::Internal(format!("failed to {action} handler: {other}")),
    }
}

pub fn list(state: &Arc<AppState>, r: &Req, topic: &str) -> Result<Resp, ApiError> {
    let pattern = r.param("pattern").unwrap_or("");
    glob_match(pattern, "").map_err(|e| ApiError::BadRequest(format!("invalid pattern: {e}")))?;
    let specs = state.topics.handler_specs(topic);
    let handlers: Vec<HandlerJson<'_>> = specs
        .iter()
        .filter(|h| glob_match(pattern, &h.id).unwrap_or(false))
        .map(handler_json)
        .collect();
    #[derive(Serialize)]
    struct ListJson<'a> {
        link: Link,
        topic: &'a str,
        handlers: Vec<HandlerJson<'a>>,
    }
    Ok(pretty(
        200,
        &ListJson {
            link: Link {
                rel: "self",
                href: r.uri.clone(),
            },
            topic,
            handlers,
        },
    ))
}

fn find(state: &AppState, topic: &str, id: &str) -> Result<TopicHandlerRecord, ApiError> {
    state
        .topics
        .handler_specs(topic)
        .into_iter()
        .find(|h| h.id == id)
        .ok_or_else(|| unknown_handler(id))
}

pub fn get(state: &Arc<AppState>, topic: &str, id: &str) -> Result<Resp, ApiError> {
    let h = find(state, topic, id)?;
    Ok(pretty(200, &handler_json(&h)))
}

/// Store `spec` — a new handler, or the replacement of handler `replacing` of
/// its topic (whose ID may change) — and answer with it. In a cluster the bucket
/// takes it first (answered once replicated), then this node's topics, which
/// the bucket's watch brings the other nodes.
async fn save(
    state: &Arc<AppState>,
    spec: TopicHandlerRecord,
    replacing: Option<&str>,
) -> Result<Resp, ApiError> {
    let action = if replacing.is_some() {
        "update"
    } else {
        "create"
    };
    crate::topics::handler::validate(&spec).map_err(|e| spec_error(action, e))?;
    let saved = match (&state.cluster, replacing) {
        (Some(c), _) => {
            use crate::cluster::definitions;
            state
                .topics
                .check_handler(&spec)
                .map_err(|e| spec_error(action, e))?;
            let renamed = replacing.filter(|old| *old != spec.id);
            definitions::put_topic_handler(c, &spec, replacing.is_none() || renamed.is_some())
                .await
                .map_err(|e| spec_error(action, e))?;
            if let Some(old) = renamed {
                definitions::delete_topic_handler(c, &spec.topic, old)
                    .await
                    .map_err(|e| ApiError::Internal(format!("failed to {action} handler: {e}")))?;
                state
                    .topics
                    .remove_handler(&state.store, &spec.topic, old)
                    .map_err(|e| ApiError::Internal(format!("failed to {action} handler: {e}")))?;
            }
            state.topics.upsert_handler(&state.store, spec)
        }
        (None, None) => state.topics.add_handler(&state.store, spec),
        (None, Some(old)) => state.topics.replace_handler(&state.store, old, spec),
    }
    .map_err(|e| spec_error(action, e))?;
    Ok(pretty(200, &handler_json(&saved)))
}

pub async fn create(state: &Arc<AppState>, r: &Req, topic: &str) -> Result<Resp, ApiError> {
    let body: SpecBody = serde_json::from_slice(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("invalid handler json: {e}")))?;
    save(state, spec_from(topic, body), None).await
}

pub async fn put(state: &Arc<AppState>, r: &Req, topic: &str, id: &str) -> Result<Resp, ApiError> {
    find(state, topic, id)?;
    let body: SpecBody = serde_json::from_slice(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("failed to unmarshal JSON: {e}")))?;
    save(state, spec_from(topic, body), Some(id)).await
}

pub async fn patch(
    state: &Arc<AppState>,
    r: &Req,
    topic: &str,
    id: &str,
) -> Result<Resp, ApiError> {
    let old = find(state, topic, id)?;
    let ops = json_patch::decode(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("invalid patch json: {e}")))?;
    let doc = serde_json::to_value(&old)
        .map_err(|e| ApiError::Internal(format!("failed to marshal JSON: {e}")))?;
    let patched = json_patch::apply(&doc, &ops)
        .map_err(|e| ApiError::BadRequest(format!("failed to apply patch: {e}")))?;
    let body: SpecBody = serde_json::from_value(patched)
        .map_err(|e| ApiError::Internal(format!("failed to unmarshal patched json: {e}")))?;
    save(state, spec_from(topic, body), Some(id)).await
}

pub async fn delete(state: &Arc<AppState>, topic: &str, id: &str) -> Result<Resp, ApiError> {
    if let Some(c) = &state.cluster {
        crate::cluster::definitions::delete_topic_handler(c, topic, id)
            .await
            .map_err(|e| ApiError::Internal(format!("failed to delete handler: {e}")))?;
    }
    state
        .topics
        .remove_handler(&state.store, topic, id)
        .map_err(|e| ApiError::Internal(format!("failed to delete handler: {e}")))?;
    Ok(no_content())
}
