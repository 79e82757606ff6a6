//! Recordings (api.md §1.7): stream recordings made by the engine's write
//! tap; batch and query recordings need the InfluxDB client (next issue).

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
    let recorder = StreamRecorder::create(&path, sub, stop, tx)
        .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", path.display())))?;
    state.store.put_recording(&rec)?;
    let handle = state.engine.add_tap(Arc::new(recorder));
    let st = state.clone();
    std::thread::spawn(move || {
        let result = rx
            .recv()
            .unwrap_or_else(|_| Err("recording stopped".into()));
        st.engine.remove_tap(handle);
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
