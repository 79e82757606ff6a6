//! Tasks (api.md §1.4): define, show (with the executing DOT and stats),
//! list, update with reload, enable/disable, delete, and the httpOut
//! endpoints of running tasks.

use super::list::{link, params};
use super::{no_content, pretty, raw_json, ApiError, Req, Resp};
use crate::ids::{go_time, random_uuid, valid_id, ZERO_TIME};
use crate::state::{compile, AppState};
use crate::store::{DbrpRecord, TaskRecord};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "link",
    "id",
    "type",
    "dbrps",
    "script",
    "dot",
    "status",
    "executing",
    "error",
    "stats",
    "created",
    "modified",
    "last-enabled",
    "vars",
    "template-id",
];

#[derive(Serialize, Default)]
struct TaskJson {
    link: Value,
    id: String,
    #[serde(rename = "template-id", skip_serializing_if = "Option::is_none")]
    template_id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    task_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dbrps: Option<Vec<DbrpRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vars: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dot: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    executing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    modified: Option<String>,
    #[serde(rename = "last-enabled", skip_serializing_if = "Option::is_none")]
    last_enabled: Option<String>,
}

struct View {
    raw_script: bool,
    /// `dot-view=labels`: stats as graphviz labels instead of attributes.
    labels: bool,
    /// `None` = every field.
    fields: Option<Vec<String>>,
    /// In lists: `template-id` omitted when empty, `stats` null when idle.
    list: bool,
}

fn view(r: &Req) -> Result<View, ApiError> {
    let raw_script = match r.param("script-format").unwrap_or("formatted") {
        "formatted" | "" => false,
        "raw" => true,
        x => {
            return Err(ApiError::BadRequest(format!(
                "invalid script-format parameter {x:?}"
            )))
        }
    };
    let labels = match r.param("dot-view").unwrap_or("attributes") {
        "attributes" | "" => false,
        "labels" => true,
        x => {
            return Err(ApiError::BadRequest(format!(
                "invalid dot-view parameter {x:?}"
            )))
        }
    };
    Ok(View {
        raw_script,
        labels,
        fields: None,
        list: false,
    })
}

fn time_or_zero(t: i64) -> String {
    if t == 0 {
        ZERO_TIME.to_string()
    } else {
        go_time(t)
    }
}

fn task_json(state: &AppState, rec: &TaskRecord, v: &View) -> TaskJson {
    let want = |f: &str| v.fields.as_ref().is_none_or(|fs| fs.iter().any(|x| x == f));
    let snapshot = state.engine.snapshot(&rec.id);
    // In a cluster a task another live node runs is executing too (its DOT and
    // stats are the owner's: `get` forwards there).
    let executing = snapshot.as_ref().is_some_and(|s| s.error.is_none())
        || (snapshot.is_none()
            && rec.enabled
            && state
                .cluster
                .as_ref()
                .is_some_and(|c| c.runs_elsewhere(&rec.id).is_some()));
    let static_dot = || {
        crate::state::compile(rec, &*state.udfs)
            .map(|p| compiler::ir::dot::render(&rec.id, &p))
            .unwrap_or_default()
    };
    let mut error = rec.error.clone();
    if let Some(e) = snapshot.as_ref().and_then(|s| s.error.clone()) {
        error = e;
    }
    if error.is_empty() {
        if let Err(e) = compile(rec, &*state.udfs) {
            error = e.to_string();
        }
    }
    let stats = match snapshot.as_ref().filter(|_| executing) {
        Some(s) => {
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
            // Beside Kapacitor's throughput: the task's queue (backpressure).
            json!({"task-stats": {
                "throughput": s.throughput,
                "queue_high_water": s.queue_high_water,
                "writes_blocked": s.writes_blocked,
                "blocked_ns": s.blocked_ns,
                "writes_dropped": s.writes_dropped,
                "points_dropped": s.points_dropped,
                "groups_evicted": s.groups_evicted,
                "buffered_points": s.buffered_points,
            }, "node-stats": nodes})
        }
        None if v.list => Value::Null,
        None => json!({}),
    };
    TaskJson {
        link: link("tasks", &rec.id),
        id: rec.id.clone(),
        template_id: (want("template-id") && !(v.list && rec.template_id.is_empty()))
            .then(|| rec.template_id.clone()),
        task_type: want("type").then(|| rec.task_type.clone()),
        dbrps: want("dbrps").then(|| {
            if rec.dbrps.is_empty() {
                compile(rec, &*state.udfs)
                    .map(|p| {
                        p.dbrps
                            .iter()
                            .map(|d| DbrpRecord {
                                db: d.db.clone(),
                                rp: d.rp.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                rec.dbrps.clone()
            }
        }),
        script: want("script").then(|| {
            if v.raw_script {
                rec.script.clone()
            } else {
                compiler::fmt::format(&rec.script).unwrap_or_else(|_| rec.script.clone())
            }
        }),
        vars: want("vars").then(|| match &rec.vars {
            Value::Object(_) => rec.vars.clone(),
            _ => json!({}),
        }),
        dot: want("dot").then(|| match snapshot.as_ref().filter(|_| executing) {
            Some(s) if v.labels => labels_view(&s.dot),
            Some(s) => s.dot.clone(),
            None => static_dot(),
        }),
        status: want("status").then_some(if rec.enabled { "enabled" } else { "disabled" }),
        executing: want("executing").then_some(executing),
        error: want("error").then_some(error),
        stats: want("stats").then_some(stats),
        created: want("created").then(|| time_or_zero(rec.created)),
        modified: want("modified").then(|| time_or_zero(rec.modified)),
        last_enabled: want("last-enabled").then(|| time_or_zero(rec.last_enabled)),
    }
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let p = params(r, "tasks", FIELDS)?;
    let mut v = view(r)?;
    v.fields = p.fields.clone();
    v.list = true;
    let mut recs = state.store.tasks()?;
    recs.retain(|t| p.matches(&t.id));
    recs.sort_by(|a, b| a.id.cmp(&b.id));
    let tasks: Vec<TaskJson> = p
        .page(recs)
        .iter()
        .map(|t| task_json(state, t, &v))
        .collect();
    Ok(pretty(200, &json!({ "tasks": tasks })))
}

pub async fn get(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let v = view(r)?;
    // Kapacitor's CLI always sends `replay-id=`; empty means "the task itself".
    if let Some(replay) = r.param("replay-id").filter(|x| !x.is_empty()) {
        return super::replays::task_in_replay(state, replay, id);
    }
    let rec = state
        .store
        .task(id)?
        .ok_or_else(|| ApiError::NotFound("no task exists".into()))?;
    if let Some(owner) = state.cluster.as_ref().and_then(|c| c.runs_elsewhere(id)) {
        use crate::cluster::forward;
        if state.engine.snapshot(id).is_none() && !r.headers.contains_key(forward::FORWARDED) {
            let auth = r
                .headers
                .get(hyper::header::AUTHORIZATION)
                .and_then(|h| h.to_str().ok());
            if let Some((status, content_type, body)) =
                forward::call("GET", &owner, &r.uri, auth).await
            {
                return Ok(super::response(status, &content_type, body.into()));
            }
        }
    }
    Ok(pretty(200, &task_json(state, &rec, &v)))
}

/// The fields of a create or update body.
struct Body {
    id: Option<String>,
    template_id: Option<String>,
    dbrps: Option<Vec<DbrpRecord>>,
    script: Option<String>,
    status: Option<bool>,
    vars: Option<Value>,
}

fn body(r: &Req) -> Result<Body, ApiError> {
    let v: Value = serde_json::from_slice(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    let Value::Object(m) = v else {
        return Err(ApiError::BadRequest(
            "invalid JSON: expected an object".into(),
        ));
    };
    let s = |m: &Map<String, Value>, k: &str| -> Result<Option<String>, ApiError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::BadRequest(format!(
                "invalid JSON: {k} must be a string"
            ))),
        }
    };
    // Kapacitor decodes `type` as its TaskType: anything but these two is
    // invalid JSON (the task's type itself comes from the script).
    match s(&m, "type")?.as_deref() {
        None | Some("") | Some("stream") | Some("batch") => {}
        Some(x) => {
            return Err(ApiError::BadRequest(format!(
                "invalid JSON: unknown TaskType {x}"
            )))
        }
    }
    let status = match s(&m, "status")?.as_deref() {
        None | Some("") => None,
        Some("enabled") => Some(true),
        Some("disabled") => Some(false),
        Some(x) => {
            return Err(ApiError::BadRequest(format!(
                "invalid JSON: invalid task status {x:?}"
            )))
        }
    };
    let dbrps = match m.get("dbrps") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value::<Vec<DbrpRecord>>(v.clone())
                .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?,
        ),
    };
    Ok(Body {
        id: s(&m, "id")?,
        template_id: s(&m, "template-id")?,
        dbrps,
        script: s(&m, "script")?,
        status,
        vars: m.get("vars").filter(|v| !v.is_null()).cloned(),
    })
}

fn id_error(id: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "task ID must contain only letters, numbers, '-', '.' and '_'. {id:?}"
    ))
}

/// Check, store (committed) and start if enabled; one answer.
async fn save_and_run(state: &Arc<AppState>, mut rec: TaskRecord) -> Result<Resp, ApiError> {
    let pipeline = compile(&rec, &*state.udfs).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    rec.task_type = match pipeline.task_type {
        compiler::ir::TaskType::Stream => "stream".into(),
        compiler::ir::TaskType::Batch => "batch".into(),
    };
    rec.error.clear();
    if let Some(c) = &state.cluster {
        // The cluster's copy first: answered once replicated; the lease
        // loop starts it on its owner.
        crate::cluster::definitions::put_task(c, &rec)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        state.store.put_task(&rec, Some(&pipeline), &state.build)?;
        // Running here: restart it with the new definition (the lease loop
        // starts it again, from its checkpoint, if it is still enabled).
        crate::cluster::leases::stop_local(c, state, &rec.id).await;
        c.wake.notify_one();
        let v = View {
            raw_script: false,
            labels: false,
            fields: None,
            list: false,
        };
        return Ok(pretty(200, &task_json(state, &rec, &v)));
    }
    state.store.put_task(&rec, Some(&pipeline), &state.build)?;
    state.stop_task(&rec.id);
    if rec.enabled {
        if let Err(e) = state.start_with_stored_state(&rec.id, &pipeline) {
            rec.error = e.to_string();
            state.store.put_task(&rec, Some(&pipeline), &state.build)?;
            return Err(ApiError::Internal(rec.error));
        }
    }
    let v = View {
        raw_script: false,
        labels: false,
        fields: None,
        list: false,
    };
    Ok(pretty(200, &task_json(state, &rec, &v)))
}

pub async fn create(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let b = body(r)?;
    let id =
        b.id.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(random_uuid);
    if !valid_id(&id) {
        return Err(id_error(&id));
    }
    let _guard = state.task_lock.lock().await;
    if state.store.task(&id)?.is_some() {
        return Err(ApiError::BadRequest(format!("task {id} already exists")));
    }
    let mut script = b.script.clone().unwrap_or_default();
    let template_id = b.template_id.clone().unwrap_or_default();
    if !template_id.is_empty() {
        let t = state.store.template(&template_id)?.ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown template {template_id}: err: no template exists"
            ))
        })?;
        script = t.script;
    }
    if script.trim().is_empty() {
        return Err(ApiError::BadRequest("must provide TICKscript".into()));
    }
    let now = AppState::now();
    let enabled = b.status.unwrap_or(false);
    let rec = TaskRecord {
        id,
        template_id,
        task_type: String::new(),
        dbrps: b.dbrps.unwrap_or_default(),
        script,
        vars: b.vars.unwrap_or(Value::Null),
        enabled,
        error: String::new(),
        created: now,
        modified: now,
        last_enabled: if enabled { now } else { 0 },
    };
    save_and_run(state, rec).await
}

pub async fn update(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let b = body(r)?;
    let _guard = state.task_lock.lock().await;
    let mut rec = state
        .store
        .task(id)?
        .ok_or_else(|| ApiError::NotFound("task does not exist, cannot update".into()))?;
    let now = AppState::now();
    if let Some(s) = b.script.filter(|s| !s.is_empty()) {
        rec.script = s;
    }
    if let Some(d) = b.dbrps.filter(|d| !d.is_empty()) {
        rec.dbrps = d;
    }
    if let Some(v) = b
        .vars
        .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
    {
        rec.vars = v;
    }
    if let Some(t) = b.template_id.filter(|t| !t.is_empty()) {
        let tpl = state.store.template(&t)?.ok_or_else(|| {
            ApiError::BadRequest(format!("unknown template {t}: err: no template exists"))
        })?;
        rec.script = tpl.script;
        rec.template_id = t;
    }
    if let Some(en) = b.status {
        if en && !rec.enabled {
            rec.last_enabled = now;
        }
        rec.enabled = en;
    }
    rec.modified = now;
    if let Some(new_id) = b.id.filter(|n| !n.is_empty() && n != id) {
        if !valid_id(&new_id) {
            return Err(id_error(&new_id));
        }
        if state.store.task(&new_id)?.is_some() {
            return Err(ApiError::BadRequest(format!(
                "task {new_id} already exists"
            )));
        }
        compile(
            &TaskRecord {
                id: new_id.clone(),
                ..rec.clone()
            },
            &*state.udfs,
        )
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        if let Some(c) = &state.cluster {
            crate::cluster::definitions::delete_task(c, id)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        state.engine.stop_task(id);
        state.store.delete_task(id)?;
        rec.id = new_id;
    }
    save_and_run(state, rec).await
}

pub async fn delete(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let _guard = state.task_lock.lock().await;
    if let Some(c) = &state.cluster {
        crate::cluster::definitions::delete_task(c, id)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    state.engine.stop_task(id);
    state.store.delete_task(id)?;
    Ok(no_content())
}

pub fn http_out(state: &Arc<AppState>, id: &str, endpoint: &str) -> Result<Resp, ApiError> {
    state
        .engine
        .http_out(id, endpoint)
        .map(|body| raw_json(200, body))
        .ok_or_else(|| ApiError::NotFound("Not Found".into()))
}

/// The executing DOT in Kapacitor's `dot-view=labels` form: the graph label
/// carries the throughput, each node an `xlabel` of `k=v` joined by a literal
/// `\r`, each edge a `label="processed=N"`.
fn labels_view(dot: &str) -> String {
    let mut out = String::with_capacity(dot.len());
    for line in dot.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let nl = if line.ends_with('\n') { "\n" } else { "" };
        if let Some(t) = body
            .strip_prefix("graph [throughput=\"")
            .and_then(|r| r.strip_suffix("\"];"))
        {
            out.push_str(&format!(
                "graph [label=\"Throughput: {t}\" forcelabels=true pad=\"0.8,0.5\"];{nl}"
            ));
        } else if let Some((edge, n)) = body.split_once(" [processed=\"") {
            let n = n.trim_end_matches("\"];");
            out.push_str(&format!("{edge} [label=\"processed={n}\"];{nl}"));
        } else if let Some((name, attrs)) = body.split_once(" [") {
            let attrs = attrs.trim_end_matches("];").trim_end();
            let kv: Vec<String> = attrs
                .split("\" ")
                .filter(|a| !a.is_empty())
                .map(|a| a.trim_end_matches('"').replacen("=\"", "=", 1))
                .collect();
            out.push_str(&format!("{name} [xlabel=\"{}\"];{nl}", kv.join("\\r")));
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_view_rewrites_attributes() {
        let dot = "digraph t {\ngraph [throughput=\"1.50 points/s\"];\n\nstream0 [avg_exec_time_ns=\"0s\" errors=\"0\" ];\nstream0 -> from1 [processed=\"3\"];\n}";
        assert_eq!(
            super::labels_view(dot),
            "digraph t {\ngraph [label=\"Throughput: 1.50 points/s\" forcelabels=true pad=\"0.8,0.5\"];\n\nstream0 [xlabel=\"avg_exec_time_ns=0s\\rerrors=0\"];\nstream0 -> from1 [label=\"processed=3\"];\n}"
        );
    }
}
