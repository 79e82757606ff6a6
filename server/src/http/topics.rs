//! Alert topics and events (api.md §1.9), read from the topic store that
//! running tasks fill; topic handlers are in `topic_handlers.rs`.

use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::glob_match;
use crate::state::AppState;
use crate::topics::{parse_level, EventState, TopicState};
use runtime::alert::level::Level;
use serde::Serialize;
use std::sync::Arc;

pub const TOPICS: &str = "/kapacitor/v1/alerts/topics";

/// Keys in the order of Kapacitor's `client.Topic` (serde_json's `json!`
/// would sort them).
#[derive(Serialize)]
struct TopicJson {
    link: Link,
    id: String,
    level: &'static str,
    collected: u64,
    #[serde(rename = "events-link")]
    events_link: Link,
    #[serde(rename = "handlers-link")]
    handlers_link: Link,
}

#[derive(Serialize)]
struct Link {
    rel: &'static str,
    href: String,
}

fn topic_json(id: &str, t: &TopicState) -> TopicJson {
    let base = format!("{TOPICS}/{id}");
    let j = TopicJson {
        link: Link {
            rel: "self",
            href: base.clone(),
        },
        id: id.to_string(),
        level: t.level().as_str(),
        collected: t.collected,
        events_link: Link {
            rel: "events",
            href: format!("{base}/events"),
        },
        handlers_link: Link {
            rel: "handlers",
            href: format!("{base}/handlers"),
        },
    };
    j
}

fn min_level(r: &Req) -> Result<Level, ApiError> {
    let l = r.param("min-level").unwrap_or("OK");
    let l = if l.is_empty() { "OK" } else { l };
    parse_level(l).ok_or_else(|| ApiError::BadRequest(format!("unknown alert level '{l}'")))
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let pattern = r.param("pattern").unwrap_or("");
    glob_match(pattern, "").map_err(|e| ApiError::BadRequest(format!("invalid pattern: {e}")))?;
    let min = min_level(r)?;
    let list: Vec<TopicJson> = state
        .topics
        .list()
        .iter()
        .filter(|t| glob_match(pattern, &t.id).unwrap_or(false))
        .filter_map(|t| {
            let st = t.lock();
            (st.level() >= min).then(|| topic_json(&t.id, &st))
        })
        .collect();
    #[derive(Serialize)]
    struct ListJson {
        link: Link,
        topics: Vec<TopicJson>,
    }
    Ok(pretty(
        200,
        &ListJson {
            link: Link {
                rel: "self",
                href: r.uri.clone(),
            },
            topics: list,
        },
    ))
}

fn unknown_topic(id: &str) -> ApiError {
    ApiError::NotFound(format!("unknown topic: {id:?}"))
}

pub fn get(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let t = state.topics.get(id).ok_or_else(|| unknown_topic(id))?;
    let st = t.lock();
    Ok(pretty(200, &topic_json(id, &st)))
}

pub fn delete(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    state
        .topics
        .delete(&state.store, id)
        .map_err(|e| ApiError::Internal(format!("failed to delete topic {id:?}: {e}")))?;
    Ok(no_content())
}

#[derive(Serialize)]
struct EventStateJson {
    message: String,
    details: String,
    time: String,
    duration: String,
    level: &'static str,
}

/// Keys in the order of Kapacitor's `client.TopicEvent`.
#[derive(Serialize)]
struct EventJson {
    link: Link,
    id: String,
    state: EventStateJson,
}

fn event_json(topic: &str, id: &str, e: &EventState) -> EventJson {
    let mut time = String::new();
    runtime::template::gotime::rfc3339_nano(e.time, &mut time);
    EventJson {
        link: Link {
            rel: "self",
            href: format!("{TOPICS}/{topic}/events/{id}"),
        },
        id: id.to_string(),
        state: EventStateJson {
            message: e.message.clone(),
            details: e.details.clone(),
            time,
            duration: compiler::golang::duration::duration_string(e.duration),
            level: e.level.as_str(),
        },
    }
}

pub fn events(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let min = min_level(r)?;
    let t = state.topics.get(id).ok_or_else(|| {
        ApiError::Internal(format!("failed to get topic events: unknown topic {id:?}"))
    })?;
    let st = t.lock();
    let mut ids: Vec<&String> = st
        .events
        .iter()
        .filter(|(_, e)| e.level >= min)
        .map(|(eid, _)| eid)
        .collect();
    ids.sort();
    let events: Vec<EventJson> = ids
        .into_iter()
        .map(|eid| event_json(id, eid, &st.events[eid]))
        .collect();
    #[derive(Serialize)]
    struct EventsJson<'a> {
        link: Link,
        topic: &'a str,
        events: Vec<EventJson>,
    }
    Ok(pretty(
        200,
        &EventsJson {
            link: Link {
                rel: "self",
                href: format!("{TOPICS}/{id}/events"),
            },
            topic: id,
            events,
        },
    ))
}

pub fn event(state: &Arc<AppState>, topic: &str, ev: &str) -> Result<Resp, ApiError> {
    let t = state.topics.get(topic);
    let st = t.as_ref().map(|t| t.lock());
    let e = st
        .as_ref()
        .and_then(|st| st.events.get(ev))
        .ok_or_else(|| ApiError::NotFound(format!("unknown event {ev:?} in topic {topic:?}")))?;
    Ok(pretty(200, &event_json(topic, ev, e)))
}
