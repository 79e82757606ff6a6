//! Replays (api.md §1.8): `POST /replays` runs a stored recording through a
//! task on a fresh executor (fast or real clock, recorded or shifted time);
//! `POST /replays/batch` and `/replays/query` (`replay-live`) fetch the data
//! from InfluxDB first — a batch task's queries over a time range, or one
//! query — and replay it the same way without storing a recording. Replays
//! are stored, so the list survives a restart with each replay's final status.

use super::list::{link, params};
use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::{go_time, random_uuid, valid_id};
use crate::replay::{ReplayEntry, ReplayOutputs, ReplayRecord};
use crate::state::AppState;
use runtime::engine::replay::{self, Clock, ReplayHandle, ReplayOptions};
use runtime::line_protocol::Precision;
use serde_json::{json, Map, Value};
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

fn replay_json(r: &ReplayRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("link".into(), link("replays", &r.id));
    m.insert("id".into(), json!(r.id));
    m.insert("task".into(), json!(r.task));
    m.insert("recording".into(), json!(r.recording));
    m.insert("recording-time".into(), json!(r.recording_time));
    m.insert("clock".into(), json!(r.clock));
    m.insert("date".into(), json!(go_time(r.date)));
    m.insert("error".into(), json!(r.error));
    m.insert("status".into(), json!(r.status));
    m.insert("progress".into(), json!(r.progress));
    m.insert("stats".into(), r.stats.clone());
    m
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let p = params(r, "replays", FIELDS)?;
    let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
    let mut v: Vec<ReplayRecord> = replays
        .values()
        .filter(|e| p.matches(&e.record.id))
        .map(ReplayEntry::current)
        .collect();
    v.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id)));
    let out: Vec<Value> = p
        .page(v)
        .into_iter()
        .map(|e| p.project(replay_json(&e)))
        .collect();
    Ok(pretty(200, &json!({ "replays": out })))
}

pub fn get(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
    let e = replays
        .get(id)
        .ok_or_else(|| ApiError::NotFound("could not find replay: no replay exists".into()))?;
    let m = replay_json(&e.current());
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
    state.store.delete_replay(id)?;
    Ok(no_content())
}

/// `GET /tasks/<task>?replay-id=<replay>`: the task as its replay ran it.
pub fn task_in_replay(state: &Arc<AppState>, replay: &str, task: &str) -> Result<Resp, ApiError> {
    let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
    let e = replays
        .get(replay)
        .ok_or_else(|| ApiError::BadRequest(format!("no running replay with ID: {replay}")))?;
    let rec = e.current();
    if rec.task != task {
        return Err(ApiError::BadRequest(format!(
            "replay {replay} is not for task: {task}"
        )));
    }
    let mut m = Map::new();
    m.insert("link".into(), link("tasks", task));
    m.insert("id".into(), json!(task));
    m.insert("dot".into(), json!(rec.dot));
    m.insert("executing".into(), json!(rec.status == "running"));
    m.insert("stats".into(), rec.stats);
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
    if let Some((node, kind)) = state.engine.disabled_handler_in(&pipeline) {
        return Err(ApiError::BadRequest(format!(
            "task load: {node}: the {} alert handler is disabled on this server",
            kind.kind()
        )));
    }
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
            strict: false,
        },
        outputs,
    )
    .map_err(|e| ApiError::Internal(format!("failed to start replay: {e}")))?;
    let record = new_record(id, task_id, rec_id, recording_time, clock, now);
    register(state, record, handle)
}

/// The record of a replay that starts now.
fn new_record(
    id: String,
    task: String,
    recording: String,
    recording_time: bool,
    clock: Clock,
    date: i64,
) -> ReplayRecord {
    ReplayRecord {
        id,
        task,
        recording,
        recording_time,
        clock: if clock == Clock::Fast { "fast" } else { "real" }.into(),
        date,
        status: "running".into(),
        error: String::new(),
        progress: 0.0,
        stats: json!({}),
        dot: String::new(),
    }
}

/// Store a started replay, list it, and store its final status when it ends.
fn register(
    state: &Arc<AppState>,
    record: ReplayRecord,
    handle: ReplayHandle,
) -> Result<Resp, ApiError> {
    let id = record.id.clone();
    let entry = ReplayEntry {
        record,
        handle: Some(handle),
    };
    let current = entry.current();
    // Stored as running first: a crash before the end leaves it failed, not forgotten.
    state.store.put_replay(&id, &entry.record)?;
    let body = Value::Object(replay_json(&current));
    state
        .replays
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), entry);
    tokio::spawn(crate::replay::persist_when_done(state.clone(), id));
    Ok(pretty(201, &body))
}

/// What every replay request shares: ID, clock, recording-time and the task.
struct ReplayRequest {
    id: String,
    clock: Clock,
    recording_time: bool,
    task_id: String,
    pipeline: compiler::ir::Pipeline,
    body: Value,
}

/// Kapacitor words a bad ID of `replays/batch` as a replay's and of
/// `replays/query` as a recording's, both naming the ID pattern.
fn replay_request(
    state: &Arc<AppState>,
    r: &Req,
    id_kind: &str,
    before_task: impl FnOnce(&Value) -> Result<(), ApiError>,
) -> Result<ReplayRequest, ApiError> {
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let id = Some(s("id"))
        .filter(|x| !x.is_empty())
        .unwrap_or_else(random_uuid);
    if !valid_id(&id) {
        return Err(ApiError::BadRequest(format!(
            "{id_kind} ID must match ^[-\\._\\p{{L}}0-9]+$ {id:?}"
        )));
    }
    before_task(&v)?;
    let task_id = s("task");
    let task = state
        .store
        .task(&task_id)?
        .ok_or_else(|| ApiError::NotFound("task load: no task exists".into()))?;
    let pipeline = state
        .pipeline(&task)
        .map_err(|e| ApiError::BadRequest(format!("task load: {e}")))?;
    let clock = match s("clock").as_str() {
        "" | "fast" => Clock::Fast,
        "real" => Clock::Real,
        x => return Err(ApiError::BadRequest(format!("invalid clock type {x}"))),
    };
    let recording_time = v
        .get("recording-time")
        .and_then(|x| x.as_bool())
        .unwrap_or(false);
    Ok(ReplayRequest {
        id,
        clock,
        recording_time,
        task_id,
        pipeline,
        body: v,
    })
}

/// Start a replay whose data `fetch` gets from InfluxDB on the replay's thread.
fn start_live(
    state: &Arc<AppState>,
    req: ReplayRequest,
    fetch: impl FnOnce() -> Result<runtime::recording::Data, String> + Send + 'static,
) -> Result<Resp, ApiError> {
    let mut config = state.engine.options().config.clone();
    config.handlers_enabled = true;
    let outputs = Arc::new(ReplayOutputs {
        replay: req.id.clone(),
        topics: state.topics.clone(),
    });
    let now = crate::ids::now_ns();
    let handle = replay::start_with(
        &req.task_id,
        &req.pipeline,
        fetch,
        ReplayOptions {
            clock: req.clock,
            recording_time: req.recording_time,
            start: now,
            config,
            strict: false,
        },
        outputs,
    )
    .map_err(|e| ApiError::Internal(format!("failed to start replay: {e}")))?;
    let record = new_record(
        req.id,
        req.task_id,
        String::new(),
        req.recording_time,
        req.clock,
        now,
    );
    register(state, record, handle)
}

fn body_time(v: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    // Go's zero time (what a client sends for "unset") is no time.
    match v
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && *s != "0001-01-01T00:00:00Z")
    {
        None => Ok(None),
        Some(s) => time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .ok()
            .and_then(|t| i64::try_from(t.unix_timestamp_nanos()).ok())
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("parsing time {s:?} as RFC3339"))),
    }
}

/// `POST /replays/batch` `{"id"?,"task","start","stop","recording-time","clock"}`.
pub async fn batch(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let req = replay_request(state, r, "replay", |_| Ok(()))?;
    if req.pipeline.task_type == compiler::ir::TaskType::Stream {
        return Err(ApiError::BadRequest(format!(
            "cannot replay batch against stream task: {}",
            req.task_id
        )));
    }
    // Kapacitor takes a zero start as year 1 and would run every schedule
    // instant since; that is refused as a batch recording refuses it.
    let start = body_time(&req.body, "start")?
        .ok_or_else(|| ApiError::BadRequest("must provide start time".into()))?;
    let stop = body_time(&req.body, "stop")?.unwrap_or_else(crate::ids::now_ns);
    let clusters = state.engine.options().config.influxdb.clone();
    let pipeline = req.pipeline.clone();
    start_live(state, req, move || {
        crate::batch_recording::task_batches(&clusters, &pipeline, start, stop)
            .map(crate::batch_recording::as_replay_data)
    })
}

/// `POST /replays/query` `{"id"?,"task","query","cluster"?,"recording-time","clock"}`.
pub async fn query(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let req = replay_request(state, r, "recording", |v| {
        match v.get("query").and_then(Value::as_str) {
            Some(q) if !q.is_empty() => Ok(()),
            _ => Err(ApiError::BadRequest("must provide query".into())),
        }
    })?;
    let query = req
        .body
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let cluster = req
        .body
        .get("cluster")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let clusters = state.engine.options().config.influxdb.clone();
    let stream = req.pipeline.task_type == compiler::ir::TaskType::Stream;
    start_live(state, req, move || {
        if stream {
            let points = crate::batch_recording::query_points(&clusters, &query, &cluster)?;
            Ok(runtime::recording::Data::Stream(
                points.into_iter().map(Ok).collect(),
            ))
        } else {
            let (_, _, batches) =
                crate::batch_recording::query_batches(&clusters, &query, &cluster)?;
            Ok(crate::batch_recording::as_replay_data(vec![batches]))
        }
    })
}
