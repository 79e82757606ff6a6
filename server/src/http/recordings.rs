//! Recordings (api.md §1.7): stream recordings made by the engine's write
//! tap; batch recordings (a batch task's queries over a time range) and
//! query recordings (one query's result) fetched from InfluxDB
//! (`batch_recording.rs`) and written as `.brpl`/`.srpl`.

use super::list::{link, params};
use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::{go_time, random_uuid, valid_id};
use crate::recording::{new_record, StreamRecorder};
use crate::state::AppState;
use crate::store::RecordingRecord;
use runtime::engine::Subscription;
use serde_json::{json, Value};
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "link", "id", "type", "size", "date", "error", "status", "progress",
];

fn rec_json(r: &RecordingRecord) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("link".into(), link("recordings", &r.id));
    m.insert("id".into(), json!(r.id));
    m.insert("type".into(), json!(r.rtype));
    m.insert("size".into(), json!(r.size));
    m.insert("date".into(), json!(go_time(r.date)));
    m.insert("error".into(), json!(r.error));
    m.insert("status".into(), json!(r.status));
    m.insert("progress".into(), json!(r.progress));
    m
}

pub fn path_of(state: &AppState, r: &RecordingRecord) -> std::path::PathBuf {
    let ext = if r.rtype == "batch" { "brpl" } else { "srpl" };
    state.opts.replay_dir.join(format!("{}.{ext}", r.id))
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let p = params(r, "recordings", FIELDS)?;
    let mut recs = state.store.recordings()?;
    recs.retain(|x| p.matches(&x.id));
    recs.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id)));
    let out: Vec<Value> = p
        .page(recs)
        .iter()
        .map(|x| p.project(rec_json(x)))
        .collect();
    Ok(pretty(200, &json!({ "recordings": out })))
}

pub fn get(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let r = state
        .store
        .recording(id)?
        .ok_or_else(|| ApiError::Internal("error finding recording: no recording exists".into()))?;
    let status = if r.status == "running" { 202 } else { 200 };
    Ok(pretty(status, &Value::Object(rec_json(&r))))
}

pub fn delete(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    if let Some(r) = state.store.recording(id)? {
        let _ = std::fs::remove_file(path_of(state, &r));
        state.store.delete_recording(id)?;
    }
    Ok(no_content())
}

fn parse_time(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos()).ok()
}

/// Where a stream recording gets its writes from.
enum Tapped {
    /// The engine's tap (`Engine::add_tap`) on this server's writes.
    Local(u64),
    /// A cluster's stream (`cluster::recording`); sending stops it.
    Stream(tokio::sync::oneshot::Sender<()>),
}

pub async fn stream(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let id = Some(s("id"))
        .filter(|x| !x.is_empty())
        .unwrap_or_else(random_uuid);
    if !valid_id(&id) {
        return Err(ApiError::BadRequest(format!(
            "recording ID must contain only letters, numbers, '-', '.' and '_'. {id:?}"
        )));
    }
    let task_id = s("task");
    let stop = parse_time(&s("stop"))
        .ok_or_else(|| ApiError::BadRequest(format!("invalid stop time {:?}", s("stop"))))?;
    let task = state
        .store
        .task(&task_id)?
        .ok_or_else(|| ApiError::NotFound("no task exists".into()))?;
    let pipeline = state
        .pipeline(&task)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let sub = Subscription::of(&pipeline)
        .ok_or_else(|| ApiError::BadRequest(format!("task {task_id} is not a stream task")))?;
    if state.store.recording(&id)?.is_some() {
        return Err(ApiError::Internal("recording already exists".into()));
    }
    let rec = new_record(&id, "stream");
    let path = path_of(state, &rec);
    let (tx, rx) = std::sync::mpsc::channel();
    let sub_of_task = sub.clone();
    let recorder = StreamRecorder::create(&path, sub, stop, tx)
        .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", path.display())))?;
    let recorder = Arc::new(recorder);
    let ender = recorder.clone();
    let ends_at = ender.wall_clock_end(crate::ids::now_ns());
    // In a cluster the stream holds the writes to every node; one server taps
    // its own.
    let tapped = match &state.cluster {
        Some(c) => Tapped::Stream(
            crate::cluster::recording::tap(c, &sub_of_task, recorder)
                .await
                .map_err(|e| ApiError::Internal(format!("cannot record: {e}")))?,
        ),
        None => Tapped::Local(state.engine.add_tap(recorder)),
    };
    state.store.put_recording(&rec)?;
    let st = state.clone();
    std::thread::spawn(move || {
        let result = loop {
            let wait = match ends_at {
                Some(t) => t.saturating_sub(crate::ids::now_ns()).max(0) as u64,
                None => u64::MAX,
            };
            match rx.recv_timeout(std::time::Duration::from_nanos(wait)) {
                Ok(result) => break result,
                // No point newer than the stop time came: end at the wall
                // clock's, then take the result the recorder reports.
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => ender.end(),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    break Err("recording stopped".into())
                }
            }
        };
        match tapped {
            Tapped::Local(handle) => st.engine.remove_tap(handle),
            Tapped::Stream(stop) => {
                let _ = stop.send(());
            }
        }
        let mut rec = rec;
        rec.date = crate::ids::now_ns();
        rec.progress = 1.0;
        match result {
            Ok(()) => {
                rec.status = "finished".into();
                rec.size = std::fs::metadata(&path).map_or(0, |m| m.len());
            }
            Err(e) => {
                rec.status = "failed".into();
                rec.error = e;
            }
        }
        if let Err(e) = st.store.put_recording(&rec) {
            tracing::error!(recording = rec.id, "cannot store the recording: {e}");
        }
    });
    let r = state
        .store
        .recording(&id)?
        .unwrap_or_else(|| new_record(&id, "stream"));
    Ok(pretty(201, &Value::Object(rec_json(&r))))
}

/// The body's `id` (random when absent), checked.
fn recording_id(v: &Value) -> Result<String, ApiError> {
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
        .map_or_else(random_uuid, str::to_string);
    if !valid_id(&id) {
        return Err(ApiError::BadRequest(format!(
            "recording ID must contain only letters, numbers, '-', '.' and '_'. {id:?}"
        )));
    }
    Ok(id)
}

/// A time of the body: absent or empty is Go's zero time (`None`).
fn body_time(v: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    // Go's zero time (what a client sends for "unset") is no time.
    match v
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && *s != "0001-01-01T00:00:00Z")
    {
        None => Ok(None),
        Some(s) => parse_time(s)
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("parsing time {s:?} as RFC3339"))),
    }
}

/// Store `rec` as running, run `make` on its own thread (it writes the
/// file), then store the outcome as Kapacitor's `updateRecordingResult`.
fn run_recording(
    state: &Arc<AppState>,
    rec: RecordingRecord,
    make: impl FnOnce(&std::path::Path) -> Result<(), String> + Send + 'static,
) -> Result<Resp, ApiError> {
    if state.store.recording(&rec.id)?.is_some() {
        return Err(ApiError::Internal("recording already exists".into()));
    }
    state.store.put_recording(&rec)?;
    let body = Value::Object(rec_json(&rec));
    let st = state.clone();
    let path = path_of(state, &rec);
    std::thread::spawn(move || {
        let result = make(&path);
        let mut rec = rec;
        rec.date = crate::ids::now_ns();
        rec.progress = 1.0;
        rec.size = std::fs::metadata(&path).map_or(0, |m| m.len());
        match result {
            Ok(()) => rec.status = "finished".into(),
            Err(e) => {
                rec.status = "failed".into();
                rec.error = e;
            }
        }
        if let Err(e) = st.store.put_recording(&rec) {
            tracing::error!(recording = rec.id, "failed to save recording info: {e}");
        }
    });
    Ok(pretty(201, &body))
}

fn create_file(path: &std::path::Path) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| format!("failed to create recording file: {e}"))
}

fn sync(f: std::fs::File) -> Result<(), String> {
    f.sync_all().map_err(|e| e.to_string())
}

/// `POST /recordings/batch` `{"id"?,"task","start","stop"?}`.
pub async fn batch(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let id = recording_id(&v)?;
    let start = body_time(&v, "start")?
        .ok_or_else(|| ApiError::BadRequest("must provide start time".into()))?;
    let stop = body_time(&v, "stop")?.unwrap_or_else(crate::ids::now_ns);
    let task_id = v.get("task").and_then(Value::as_str).unwrap_or("");
    let task = state
        .store
        .task(task_id)?
        .ok_or_else(|| ApiError::NotFound("no task exists".into()))?;
    let pipeline = state
        .pipeline(&task)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let clusters = state.engine.options().config.influxdb.clone();
    run_recording(state, new_record(&id, "batch"), move |path| {
        let entries = crate::batch_recording::task_batches(&clusters, &pipeline, start, stop)?;
        let f = create_file(path)?;
        sync(runtime::batch::record::write_brpl(f, &entries).map_err(|e| e.to_string())?)
    })
}

/// `POST /recordings/query` `{"id"?,"query","type":"stream|batch","cluster"?}`.
pub async fn query(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let id = recording_id(&v)?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let query = s("query");
    if query.is_empty() {
        return Err(ApiError::BadRequest("must provide query".into()));
    }
    let cluster = s("cluster");
    let clusters = state.engine.options().config.influxdb.clone();
    match s("type").as_str() {
        "stream" => run_recording(state, new_record(&id, "stream"), move |path| {
            let points = crate::batch_recording::query_points(&clusters, &query, &cluster)?;
            let f = create_file(path)?;
            sync(runtime::batch::record::write_srpl(f, &points).map_err(|e| e.to_string())?)
        }),
        "batch" => run_recording(state, new_record(&id, "batch"), move |path| {
            let (_, _, batches) =
                crate::batch_recording::query_batches(&clusters, &query, &cluster)?;
            let f = create_file(path)?;
            sync(runtime::batch::record::write_brpl(f, &[batches]).map_err(|e| e.to_string())?)
        }),
        other => Err(ApiError::BadRequest(format!(
            "invalid type {other:?}: must be stream or batch"
        ))),
    }
}
