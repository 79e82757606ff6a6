//! Config overrides over HTTP (api.md §1.10): `GET /config[/<section>[/<element>]]` shows the
//! effective configuration of the overridable sections with secrets redacted; `POST
//! /config/<section>[/<element>]` `{"set","delete","add","remove"}` changes it, stores the
//! override and reconfigures live: tasks are built with the new handler options from then
//! on, and the running enabled tasks are restarted so their next alert uses them.

use super::{no_content, plain, ApiError, Req, Resp};
use crate::overrides::{self, Overridable, OverrideError, UpdateAction, SECTIONS};
use crate::state::AppState;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const BASE: &str = "/kapacitor/v1/config";

/// Config answers are compact JSON plus a newline.
fn compact(v: &Value) -> Resp {
    plain(
        200,
        "application/json; charset=utf-8",
        format!("{v}\n").into(),
    )
}

fn enabled(state: &AppState) -> Result<(), ApiError> {
    if state.opts.config.config_override.enabled {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "config override service is not enabled".into(),
        ))
    }
}

fn api_error(e: OverrideError) -> ApiError {
    match e {
        OverrideError::UnknownSection(_) | OverrideError::UnknownElement { .. } => {
            ApiError::NotFound(e.to_string())
        }
        OverrideError::Store(_) => ApiError::Internal(e.to_string()),
        _ => ApiError::BadRequest(e.to_string()),
    }
}

fn element_json(s: &Overridable, e: Map<String, Value>) -> Value {
    let name = overrides::element_name(s, &e);
    let (options, redacted) = overrides::redacted(s, e);
    let href = format!("{BASE}/{}/{name}", s.name);
    json!({
        "link": {"rel": "self", "href": href},
        "options": options,
        "redacted": if redacted.is_empty() { Value::Null } else { json!(redacted) },
    })
}

fn section_json(c: &crate::config::Config, s: &Overridable) -> Result<Value, ApiError> {
    let elements: Vec<Value> = overrides::elements(c, s)
        .map_err(api_error)?
        .into_iter()
        .map(|e| element_json(s, e))
        .collect();
    Ok(json!({
        "link": {"rel": "self", "href": format!("{BASE}/{}", s.name)},
        "elements": elements,
    }))
}

pub async fn get_all(state: &Arc<AppState>) -> Result<Resp, ApiError> {
    enabled(state)?;
    let c = state.config.lock().await;
    let mut sections = Map::new();
    for s in SECTIONS {
        sections.insert(s.name.into(), section_json(&c, s)?);
    }
    Ok(compact(
        &json!({"link": {"rel": "self", "href": BASE}, "sections": sections}),
    ))
}

pub async fn get_section(state: &Arc<AppState>, name: &str) -> Result<Resp, ApiError> {
    enabled(state)?;
    if name.is_empty() {
        return Err(ApiError::BadRequest(
            "section not specified, do you have an extra trailing '/'?".into(),
        ));
    }
    let s = overrides::section(name)
        .ok_or_else(|| ApiError::NotFound(format!("unknown section: {name}")))?;
    let c = state.config.lock().await;
    Ok(compact(&section_json(&c, s)?))
}

pub async fn get_element(
    state: &Arc<AppState>,
    name: &str,
    element: &str,
) -> Result<Resp, ApiError> {
    enabled(state)?;
    let s = overrides::section(name)
        .ok_or_else(|| ApiError::NotFound(format!("unknown section: {name}")))?;
    let c = state.config.lock().await;
    let e = overrides::elements(&c, s)
        .map_err(api_error)?
        .into_iter()
        .find(|e| overrides::element_name(s, e) == element)
        .ok_or_else(|| ApiError::NotFound(format!("unknown section/element: {name}/{element}")))?;
    Ok(compact(&element_json(s, e)))
}

/// Sections whose options the running tasks' alert handlers (or autoscale
/// nodes: `kubernetes`, `swarm`, `ec2`) were built with.
fn is_handler_section(name: &str) -> bool {
    !matches!(
        name,
        "influxdb"
            | "scraper"
            | "azure"
            | "consul"
            | "dns"
            | "file-discovery"
            | "gce"
            | "marathon"
            | "nerve"
            | "serverset"
            | "static-discovery"
            | "triton"
    )
}

pub async fn update(
    state: &Arc<AppState>,
    r: &Req,
    name: &str,
    element: Option<&str>,
) -> Result<Resp, ApiError> {
    enabled(state)?;
    let action: UpdateAction = serde_json::from_slice(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("failed to decode JSON:{e}")))?;
    let mut current = state.config.lock().await;
    let existing = overrides::stored(&state.store).map_err(api_error)?;
    // A POST names no resource to find: every refusal is a 400, as Kapacitor's.
    let next =
        overrides::plan(&current, &existing, name, element, &action).map_err(|e| match e {
            OverrideError::UnknownSection(s) => {
                ApiError::BadRequest(format!("unknown section {s}"))
            }
            OverrideError::Store(_) => ApiError::Internal(e.to_string()),
            other => ApiError::BadRequest(other.to_string()),
        })?;
    let config = overrides::apply(&state.opts.config, &next).map_err(api_error)?;
    let rows: Vec<(String, overrides::Override)> =
        next.iter().map(|o| (o.key(), o.clone())).collect();
    state.store.replace_overrides(&rows)?;
    tracing::info!(
        service = "config-override",
        section = name,
        "configuration overridden"
    );
    let mut engine_config = state.engine.config();
    engine_config.handler_configs = config.handler_configs();
    engine_config.handler_configs.hostname = Some(state.opts.hostname.clone());
    // `overrides::apply` validated the sections, so they decode.
    engine_config.autoscale = config.autoscale_configs().unwrap_or_default();
    state.engine.set_config(engine_config);
    *current = config;
    drop(current);
    if is_handler_section(name) {
        restart_running_tasks(state).await?;
    }
    Ok(no_content())
}

/// Restart the running enabled tasks (their handlers take the new options).
async fn restart_running_tasks(state: &Arc<AppState>) -> Result<(), ApiError> {
    let _guard = state.task_lock.lock().await;
    for rec in state.store.tasks()? {
        if rec.enabled && state.engine.is_executing(&rec.id) {
            if let Err(e) = state.start(&rec) {
                tracing::error!(
                    task = rec.id,
                    "cannot restart with the new configuration: {e}"
                );
            }
        }
    }
    Ok(())
}
