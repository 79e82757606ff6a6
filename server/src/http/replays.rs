//! Replays (api.md §1.8): `POST /replays` runs a stored recording through a
//! task on a fresh executor (fast or real clock, recorded or shifted time).

use super::list::{link, params};
use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::{go_time, random_uuid, valid_id};
use crate::replay::{ReplayEntry, ReplayOutputs};
use crate::state::AppState;
use runtime::engine::replay::{self, Clock, ReplayOptions};
use runtime::line_protocol::Precision;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "link",
    "id",
    "recording",
    "task",
    "recording-time",
    "clock",
    "date",
    "error",
    "status",
    "progress",
];

fn stats_json(s: &runtime::engine::TaskSnapshot) -> Value {
    let nodes: BTreeMap<&str, BTreeMap<&str, i64>> = s
        .nodes
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                n.values.iter().map(|(k, v)| (k.as_str(), *v)).collect(),
            )
        })
        .collect();
    json!({"task-stats": {"throughput": s.throughput}, "node-stats": nodes})
}

fn replay_json(e: &ReplayEntry) -> Map<String, Value> {
    let st = e.handle.status();
    let status = match (st.finished, &st.error) {
        (false, _) => "running",
        (true, None) => "finished",
        (true, Some(_)) => "failed",
    };
    let mut m = Map::new();
    m.insert("link".into(), link("replays", &e.id));
    m.insert("id".into(), json!(e.id));
    m.insert("task".into(), json!(e.task));
    m.insert("recording".into(), json!(e.recording));
    m.insert("recording-time".into(), json!(e.recording_time));
    m.insert("clock".into(), json!(e.clock));
    m.insert("date".into(), json!(go_time(e.date)));
    m.insert("error".into(), json!(st.error.clone().unwrap_or_default()));
    m.insert("status".into(), json!(status));
    m.insert("progress".into(), json!(st.progress));
    m.insert(
        "stats".into(),
        st.stats.as_ref().map_or_else(|| json!({}), stats_json),
    );
    m
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let p = params(r, "replays", FIELDS)?;
    let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
    let mut v: Vec<&ReplayEntry> = replays.values().filter(|e| p.matches(&e.id)).collect();
    v.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id)));
    let out: Vec<Value> = p
        .page(v)
        .into_iter()
        .map(|e| p.project(replay_json(e)))
        .collect();
    Ok(pretty(200, &json!({ "replays": out })))
}

pub fn get(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
    let e = replays
        .get(id)
        .ok_or_else(|| ApiError::NotFound("could not find replay: no replay exists".into()))?;
    let m = replay_json(e);
    let code = if m.get("status") == Some(&json!("running")) {
        202
    } else {
        200
    };
    Ok(pretty(code, &Value::Object(m)))
}

pub fn delete(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    state
        .replays
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(id);
    Ok(no_content())
}

/// `GET /tasks/<task>?replay-id=<replay>`: the task as its replay ran it.
pub fn task_in_replay(state: &Arc<AppState>, replay: &str, task: &str) -> Result<Resp, ApiError> {
    let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
    let e = replays
        .get(replay)
        .ok_or_else(|| ApiError::BadRequest(format!("no running replay with ID: {replay}")))?;
    if e.task != task {
        return Err(ApiError::BadRequest(format!(
            "replay {replay} is not for task: {task}"
        )));
    }
    let st = e.handle.status();
    let mut m = Map::new();
    m.insert("link".into(), link("tasks", task));
    m.insert("id".into(), json!(task));
    m.insert(
        "dot".into(),
        json!(st.stats.as_ref().map(|s| s.dot.clone()).unwrap_or_default()),
    );
    m.insert("executing".into(), json!(!st.finished));
    m.insert(
        "stats".into(),
        st.stats.as_ref().map_or_else(|| json!({}), stats_json),
    );
    Ok(pretty(200, &Value::Object(m)))
}

pub async fn create(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let id = Some(s("id"))
        .filter(|x| !x.is_empty())
        .unwrap_or_else(random_uuid);
    if !valid_id(&id) {
        return Err(ApiError::BadRequest(format!(
            "replay ID must contain only letters, numbers, '-', '.' and '_'. {id:?}"
        )));
    }
    let clock = match s("clock").as_str() {
        "" | "fast" => Clock::Fast,
        "real" => Clock::Real,
        x => return Err(ApiError::BadRequest(format!("invalid clock type {x}"))),
    };
    let recording_time = v
        .get("recording-time")
        .and_then(|x| x.as_bool())
        .unwrap_or(false);
    let task_id = s("task");
    let task = state
        .store
        .task(&task_id)?
        .ok_or_else(|| ApiError::NotFound("task load: no task exists".into()))?;
    let pipeline = state
        .pipeline(&task)
        .map_err(|e| ApiError::BadRequest(format!("task load: {e}")))?;
    let rec_id = s("recording");
    let rec = state
        .store
        .recording(&rec_id)?
        .ok_or_else(|| ApiError::NotFound("recording not found: no recording exists".into()))?;
    let path = super::recordings::path_of(state, &rec);
    let data = tokio::task::spawn_blocking(move || {
        runtime::recording::load(&path, ("", ""), Precision::Nanoseconds)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::NotFound(format!("recording not found: {e}")))?;
    let mut config = state.engine.options().config.clone();
    config.handlers_enabled = true;
    // A replay starts from no alert state (its own task master's topics).
    config.event_states = None;
    let outputs = Arc::new(ReplayOutputs {
        replay: id.clone(),
        topics: state.topics.clone(),
    });
    let now = crate::ids::now_ns();
    let handle = replay::start(
        &task_id,
        &pipeline,
        data,
        ReplayOptions {
            clock,
            recording_time,
            start: now,
            config,
        },
        outputs,
    )
    .map_err(|e| ApiError::Internal(format!("failed to start replay: {e}")))?;
    let entry = ReplayEntry {
        id: id.clone(),
        task: task_id,
        recording: rec_id,
        recording_time,
        clock: if clock == Clock::Fast { "fast" } else { "real" },
        date: now,
        handle,
    };
    let body = Value::Object(replay_json(&entry));
    state
        .replays
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, entry);
    Ok(pretty(201, &body))
}
