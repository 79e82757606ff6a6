//! Alert topics and events (api.md §1.9), read from the topic store that
//! running tasks fill; topic handlers are in `topic_handlers.rs`.
//!
//! In a cluster each node's store holds the topics of the tasks it runs, so
//! a node answers for the whole cluster: it asks every other live node for
//! its own part (`cluster::forward`) and merges — a topic's level is the
//! highest, its `collected` the sum, and an event known to several nodes (a
//! task moved) is the most recent one.

use super::{no_content, pretty, ApiError, Req, Resp};
use crate::cluster::forward::{self, FORWARDED};
use crate::ids::glob_match;
use crate::state::AppState;
use crate::topics::{parse_level, EventState, TopicState};
use runtime::alert::level::Level;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const TOPICS: &str = "/kapacitor/v1/alerts/topics";

/// Keys in the order of Kapacitor's `client.Topic` (serde_json's `json!`
/// would sort them).
#[derive(Serialize, Deserialize)]
struct TopicJson {
    link: Link,
    id: String,
    level: String,
    collected: u64,
    #[serde(rename = "events-link")]
    events_link: Link,
    #[serde(rename = "handlers-link")]
    handlers_link: Link,
}

#[derive(Serialize, Deserialize)]
struct Link {
    rel: String,
    href: String,
}

fn link(rel: &str, href: String) -> Link {
    Link {
        rel: rel.to_string(),
        href,
    }
}

fn topic_json(id: &str, t: &TopicState) -> TopicJson {
    let base = format!("{TOPICS}/{id}");
    TopicJson {
        link: link("self", base.clone()),
        id: id.to_string(),
        level: t.level().as_str().to_string(),
        collected: t.collected,
        events_link: link("events", format!("{base}/events")),
        handlers_link: link("handlers", format!("{base}/handlers")),
    }
}

fn level_of(s: &str) -> Level {
    parse_level(s).unwrap_or(Level::Ok)
}

fn min_level(r: &Req) -> Result<Level, ApiError> {
    let l = r.param("min-level").unwrap_or("OK");
    let l = if l.is_empty() { "OK" } else { l };
    parse_level(l).ok_or_else(|| ApiError::BadRequest(format!("unknown alert level '{l}'")))
}

/// The other live nodes' answers to `r` (the same method and URI) with status
/// 200, decoded; none outside a cluster or for a request another node sent.
async fn peers<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    r: &Req,
    method: &'static str,
    uri: &str,
) -> Vec<T> {
    let Some(c) = state.cluster.as_ref() else {
        return Vec::new();
    };
    if r.headers.contains_key(FORWARDED) {
        return Vec::new();
    }
    let auth = r
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    forward::peers(c, method, uri, auth)
        .await
        .into_iter()
        .filter(|(status, _, _)| *status == 200)
        .filter_map(|(_, _, body)| serde_json::from_slice(&body).ok())
        .collect()
}

/// `into` with `t` merged in: the higher level, the counts summed.
fn merge_topic(into: &mut TopicJson, t: TopicJson) {
    if level_of(&t.level) > level_of(&into.level) {
        into.level = t.level;
    }
    into.collected += t.collected;
}

pub async fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let pattern = r.param("pattern").unwrap_or("");
    glob_match(pattern, "").map_err(|e| ApiError::BadRequest(format!("invalid pattern: {e}")))?;
    let min = min_level(r)?;
    let mut merged: BTreeMap<String, TopicJson> = BTreeMap::new();
    for t in state.topics.list() {
        if glob_match(pattern, &t.id).unwrap_or(false) {
            merged.insert(t.id.clone(), topic_json(&t.id, &t.lock()));
        }
    }
    // Every level from the others: a topic's level is known only once merged.
    let uri = format!("{TOPICS}?pattern={}", percent_encode(pattern));
    #[derive(Deserialize)]
    struct ListBody {
        topics: Vec<TopicJson>,
    }
    for body in peers::<ListBody>(state, r, "GET", &uri).await {
        for t in body.topics {
            match merged.get_mut(&t.id) {
                Some(m) => merge_topic(m, t),
                None => {
                    merged.insert(t.id.clone(), t);
                }
            }
        }
    }
    #[derive(Serialize)]
    struct ListJson {
        link: Link,
        topics: Vec<TopicJson>,
    }
    Ok(pretty(
        200,
        &ListJson {
            link: link("self", r.uri.clone()),
            topics: merged
                .into_values()
                .filter(|t| level_of(&t.level) >= min)
                .collect(),
        },
    ))
}

/// A query value as a URI carries it.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*' | b'?') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unknown_topic(id: &str) -> ApiError {
    ApiError::NotFound(format!("unknown topic: {id:?}"))
}

pub async fn get(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let mut topic = state.topics.get(id).map(|t| topic_json(id, &t.lock()));
    for t in peers::<TopicJson>(state, r, "GET", &r.uri).await {
        match topic.as_mut() {
            Some(m) => merge_topic(m, t),
            None => topic = Some(t),
        }
    }
    let topic = topic.ok_or_else(|| unknown_topic(id))?;
    Ok(pretty(200, &topic))
}

pub async fn delete(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    if let Some(c) = state
        .cluster
        .as_ref()
        .filter(|_| !r.headers.contains_key(FORWARDED))
    {
        // The topic's handlers go with it, cluster-wide.
        for h in state.topics.handler_specs(id) {
            crate::cluster::definitions::delete_topic_handler(c, id, &h.id)
                .await
                .map_err(|e| ApiError::Internal(format!("failed to delete topic {id:?}: {e}")))?;
        }
    }
    state
        .topics
        .delete(&state.store, id)
        .map_err(|e| ApiError::Internal(format!("failed to delete topic {id:?}: {e}")))?;
    // Each node holds its part of the topic: every part goes.
    let _ = peers::<serde::de::IgnoredAny>(state, r, "DELETE", &r.uri).await;
    Ok(no_content())
}

#[derive(Serialize, Deserialize)]
struct EventStateJson {
    message: String,
    details: String,
    time: String,
    duration: String,
    level: String,
}

/// Keys in the order of Kapacitor's `client.TopicEvent`.
#[derive(Serialize, Deserialize)]
struct EventJson {
    link: Link,
    id: String,
    state: EventStateJson,
}

fn event_json(topic: &str, id: &str, e: &EventState) -> EventJson {
    let mut time = String::new();
    runtime::template::gotime::rfc3339_nano(e.time, &mut time);
    EventJson {
        link: link("self", format!("{TOPICS}/{topic}/events/{id}")),
        id: id.to_string(),
        state: EventStateJson {
            message: e.message.clone(),
            details: e.details.clone(),
            time,
            duration: compiler::golang::duration::duration_string(e.duration),
            level: e.level.as_str().to_string(),
        },
    }
}

/// An event's time as ns (for choosing the most recent of two nodes' states).
fn event_time(e: &EventJson) -> i128 {
    time::OffsetDateTime::parse(
        &e.state.time,
        &time::format_description::well_known::Rfc3339,
    )
    .map_or(i128::MIN, |t| t.unix_timestamp_nanos())
}

/// Keeps the more recent of the event in `into` and `e`.
fn merge_event(into: &mut BTreeMap<String, EventJson>, e: EventJson) {
    match into.get(&e.id) {
        Some(old) if event_time(old) >= event_time(&e) => {}
        _ => {
            into.insert(e.id.clone(), e);
        }
    }
}

pub async fn events(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let min = min_level(r)?;
    let local = state.topics.get(id);
    let mut merged: BTreeMap<String, EventJson> = BTreeMap::new();
    if let Some(t) = &local {
        let st = t.lock();
        for (eid, e) in &st.events {
            merged.insert(eid.clone(), event_json(id, eid, e));
        }
    }
    #[derive(Deserialize)]
    struct EventsBody {
        events: Vec<EventJson>,
    }
    // Every level from the others (the path as received, no `min-level`): the
    // most recent state decides.
    let answers = peers::<EventsBody>(state, r, "GET", &r.raw_path).await;
    if local.is_none() && answers.is_empty() {
        return Err(ApiError::Internal(format!(
            "failed to get topic events: unknown topic {id:?}"
        )));
    }
    for body in answers {
        for e in body.events {
            merge_event(&mut merged, e);
        }
    }
    #[derive(Serialize)]
    struct EventsJson<'a> {
        link: Link,
        topic: &'a str,
        events: Vec<EventJson>,
    }
    Ok(pretty(
        200,
        &EventsJson {
            link: link("self", format!("{TOPICS}/{id}/events")),
            topic: id,
            events: merged
                .into_values()
                .filter(|e| level_of(&e.state.level) >= min)
                .collect(),
        },
    ))
}

pub async fn event(
    state: &Arc<AppState>,
    r: &Req,
    topic: &str,
    ev: &str,
) -> Result<Resp, ApiError> {
    let mut merged: BTreeMap<String, EventJson> = BTreeMap::new();
    if let Some(t) = state.topics.get(topic) {
        if let Some(e) = t.lock().events.get(ev) {
            merged.insert(ev.to_string(), event_json(topic, ev, e));
        }
    }
    for e in peers::<EventJson>(state, r, "GET", &r.uri).await {
        merge_event(&mut merged, e);
    }
    let e = merged
        .remove(ev)
        .ok_or_else(|| ApiError::NotFound(format!("unknown event {ev:?} in topic {topic:?}")))?;
    Ok(pretty(200, &e))
}
