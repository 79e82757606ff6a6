//! Alert topics and events (api.md §1.9), read from the topic store that
//! running tasks fill. Topic handlers are not served yet.

use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::glob_match;
use crate::state::AppState;
use crate::topics::{level_rank, Topic};
use serde_json::{json, Value};
use std::sync::Arc;

fn topic_json(id: &str, t: &Topic) -> Value {
    let base = format!("/kapacitor/v1/alerts/topics/{id}");
    json!({
        "link": {"rel": "self", "href": base},
        "id": id,
        "level": t.level(),
        "collected": t.collected,
        "events-link": {"rel": "events", "href": format!("{base}/events")},
        "handlers-link": {"rel": "handlers", "href": format!("{base}/handlers")},
    })
}

fn min_level(r: &Req) -> Result<usize, ApiError> {
    let l = r.param("min-level").unwrap_or("OK");
    level_rank(l).ok_or_else(|| ApiError::BadRequest(format!("unknown alert level '{l}'")))
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let min = min_level(r)?;
    let pattern = r.param("pattern").unwrap_or("");
    glob_match(pattern, "").map_err(|e| ApiError::BadRequest(format!("invalid pattern: {e}")))?;
    let topics = state
        .topics
        .topics
        .read()
        .unwrap_or_else(|e| e.into_inner());
    let list: Vec<Value> = topics
        .iter()
        .filter(|(id, t)| {
            glob_match(pattern, id).unwrap_or(false) && level_rank(t.level()).unwrap_or(0) >= min
        })
        .map(|(id, t)| topic_json(id, t))
        .collect();
    Ok(pretty(
        200,
        &json!({"link": {"rel": "self", "href": r.uri}, "topics": list}),
    ))
}

pub fn get(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let topics = state
        .topics
        .topics
        .read()
        .unwrap_or_else(|e| e.into_inner());
    let t = topics
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("unknown topic: {id:?}")))?;
    Ok(pretty(200, &topic_json(id, t)))
}

pub fn delete(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    state
        .topics
        .topics
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(id);
    Ok(no_content())
}

fn event_json(topic: &str, id: &str, e: &crate::topics::EventState) -> Value {
    json!({
        "link": {"rel": "self", "href": format!("/kapacitor/v1/alerts/topics/{topic}/events/{id}")},
        "id": id,
        "state": {
            "message": e.message,
            "details": e.details,
            "time": e.time,
            "duration": compiler::golang::duration::duration_string(e.duration),
            "level": e.level,
        }
    })
}

pub fn events(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let min = min_level(r)?;
    let topics = state
        .topics
        .topics
        .read()
        .unwrap_or_else(|e| e.into_inner());
    let t = topics
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("unknown topic: {id:?}")))?;
    let events: Vec<Value> = t
        .events
        .iter()
        .filter(|(_, e)| level_rank(&e.level).unwrap_or(0) >= min)
        .map(|(eid, e)| event_json(id, eid, e))
        .collect();
    Ok(pretty(
        200,
        &json!({
            "link": {"rel": "self", "href": format!("/kapacitor/v1/alerts/topics/{id}/events")},
            "topic": id,
            "events": events,
        }),
    ))
}

pub fn event(state: &Arc<AppState>, topic: &str, ev: &str) -> Result<Resp, ApiError> {
    let topics = state
        .topics
        .topics
        .read()
        .unwrap_or_else(|e| e.into_inner());
    let e = topics
        .get(topic)
        .and_then(|t| t.events.get(ev))
        .ok_or_else(|| ApiError::NotFound(format!("unknown event {ev:?} in topic {topic:?}")))?;
    Ok(pretty(200, &event_json(topic, ev, e)))
}
