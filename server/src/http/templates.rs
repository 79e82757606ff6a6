//! Templates (api.md §1.6): a script with declared vars; tasks made from it
//! (`template-id`) are rebuilt and restarted whenever it changes.

use super::list::{link, params};
use super::{no_content, pretty, ApiError, Req, Resp};
use crate::ids::{go_time, random_uuid, valid_id};
use crate::state::AppState;
use crate::store::TemplateRecord;
use compiler::diagnostic::render::render_text;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "link", "id", "type", "script", "dot", "error", "created", "modified", "vars",
];

/// Check a template script (typed vars without value get zero values).
fn check(id: &str, script: &str) -> Result<compiler::ir::Pipeline, ApiError> {
    let (p, diags) = compiler::check(script);
    p.ok_or_else(|| {
        ApiError::BadRequest(format!(
            "invalid TICKscript: {}",
            render_text(id, script, &diags, false).trim_end()
        ))
    })
}

fn template_json(t: &TemplateRecord, with_vars: bool) -> Map<String, Value> {
    let p = check(&t.id, &t.script);
    let mut m = Map::new();
    m.insert("link".into(), link("templates", &t.id));
    m.insert("id".into(), json!(t.id));
    m.insert("type".into(), json!(t.task_type));
    m.insert(
        "script".into(),
        json!(compiler::fmt::format(&t.script).unwrap_or_else(|_| t.script.clone())),
    );
    if with_vars {
        m.insert(
            "vars".into(),
            p.as_ref()
                .map_or_else(|_| json!({}), |p| crate::vars::declared(&p.vars)),
        );
    }
    m.insert(
        "dot".into(),
        json!(p
            .as_ref()
            .map_or_else(|_| String::new(), |p| compiler::ir::dot::render(&t.id, p))),
    );
    m.insert(
        "error".into(),
        json!(p.as_ref().err().map_or_else(String::new, |e| e.to_string())),
    );
    m.insert("created".into(), json!(go_time(t.created)));
    m.insert("modified".into(), json!(go_time(t.modified)));
    m
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let p = params(r, "templates", FIELDS)?;
    let mut v = state.store.templates()?;
    v.retain(|t| p.matches(&t.id));
    v.sort_by(|a, b| a.id.cmp(&b.id));
    let with_vars = p
        .fields
        .as_ref()
        .is_some_and(|f| f.iter().any(|x| x == "vars"));
    let out: Vec<Value> = p
        .page(v)
        .iter()
        .map(|t| p.project(template_json(t, with_vars)))
        .collect();
    Ok(pretty(200, &json!({ "templates": out })))
}

pub fn get(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let t = state
        .store
        .template(id)?
        .ok_or_else(|| ApiError::NotFound("no template exists".into()))?;
    Ok(pretty(200, &Value::Object(template_json(&t, true))))
}

fn body(r: &Req) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(&r.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::BadRequest(
            "invalid JSON: expected an object".into(),
        )),
        Err(e) => Err(ApiError::BadRequest(format!("invalid JSON: {e}"))),
    }
}

fn task_type(p: &compiler::ir::Pipeline) -> &'static str {
    match p.task_type {
        compiler::ir::TaskType::Stream => "stream",
        compiler::ir::TaskType::Batch => "batch",
    }
}

pub async fn create(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let b = body(r)?;
    let s = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let id = Some(s("id"))
        .filter(|x| !x.is_empty())
        .unwrap_or_else(random_uuid);
    if !valid_id(&id) {
        return Err(ApiError::BadRequest(format!(
            "template ID must contain only letters, numbers, '-', '.' and '_'. {id:?}"
        )));
    }
    let script = s("script");
    if script.trim().is_empty() {
        return Err(ApiError::BadRequest("must provide TICKscript".into()));
    }
    let _guard = state.task_lock.lock().await;
    if state.store.template(&id)?.is_some() {
        return Err(ApiError::BadRequest(format!(
            "template {id} already exists"
        )));
    }
    let p = check(&id, &script)?;
    let now = AppState::now();
    let t = TemplateRecord {
        id,
        task_type: task_type(&p).into(),
        script,
        created: now,
        modified: now,
    };
    if let Some(c) = &state.cluster {
        crate::cluster::definitions::put_template(c, &t)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    state.store.put_template(&t)?;
    Ok(pretty(200, &Value::Object(template_json(&t, true))))
}

pub async fn update(state: &Arc<AppState>, r: &Req, id: &str) -> Result<Resp, ApiError> {
    let b = body(r)?;
    let _guard = state.task_lock.lock().await;
    let mut t = state
        .store
        .template(id)?
        .ok_or_else(|| ApiError::NotFound("template does not exist, cannot update".into()))?;
    if let Some(script) = b
        .get("script")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        let p = check(id, script)?;
        t.script = script.to_string();
        t.task_type = task_type(&p).into();
    }
    let new_id = b
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && *s != id);
    if let Some(n) = new_id {
        if !valid_id(n) {
            return Err(ApiError::BadRequest(format!(
                "template ID must contain only letters, numbers, '-', '.' and '_'. {n:?}"
            )));
        }
        if let Some(c) = &state.cluster {
            crate::cluster::definitions::delete_template(c, id)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        state.store.delete_template(id)?;
        t.id = n.to_string();
    }
    t.modified = AppState::now();
    if let Some(c) = &state.cluster {
        crate::cluster::definitions::put_template(c, &t)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    state.store.put_template(&t)?;
    // Every linked task is rebuilt from the new script and restarted.
    for mut task in state.store.tasks()? {
        if task.template_id != id {
            continue;
        }
        task.template_id = t.id.clone();
        task.script = t.script.clone();
        task.modified = t.modified;
        let pipeline = crate::state::compile(&task, &*state.udfs).ok();
        task.error = if pipeline.is_some() {
            String::new()
        } else {
            crate::state::compile(&task, &*state.udfs)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        if let Some(c) = &state.cluster {
            // The task's owner restarts it when the definition arrives.
            crate::cluster::definitions::put_task(c, &task)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            state
                .store
                .put_task(&task, pipeline.as_ref(), &state.build)?;
            crate::cluster::leases::stop_local(c, state, &task.id).await;
            continue;
        }
        state
            .store
            .put_task(&task, pipeline.as_ref(), &state.build)?;
        if task.enabled {
            if let Err(e) = state.start(&task) {
                tracing::error!(task = task.id, "cannot restart task: {e}");
            }
        }
    }
    Ok(pretty(200, &Value::Object(template_json(&t, true))))
}

pub async fn delete(state: &Arc<AppState>, id: &str) -> Result<Resp, ApiError> {
    let _guard = state.task_lock.lock().await;
    if let Some(c) = &state.cluster {
        crate::cluster::definitions::delete_template(c, id)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    state.store.delete_template(id)?;
    Ok(no_content())
}
