//! The load service (`[load] enabled`, `dir`): tasks, templates and topic handlers kept as
//! files — how users keep their Kapacitor definitions in git. Run at start-up and on SIGHUP.
//!
//! Layout, as Kapacitor's: `<dir>/templates/*.tick` (template ID = file stem),
//! `<dir>/tasks/*.tick` (task ID = file stem; type and dbrps from the script),
//! `<dir>/tasks/*.{yaml,yml,json}` (template tasks: `template-id`, `dbrps`, `vars`),
//! `<dir>/handlers/*.{yaml,yml,json}` (topic handlers: `topic`, `id`, `kind`, `options`,
//! `match`).
//!
//! Like Kapacitor, every definition goes through the HTTP API in-process (`crate::http::app`
//! on a request that never touches a socket), so a loaded task is checked, stored and started
//! exactly as one defined with `kapacitor define`. A new task is created enabled; an existing
//! one is updated, then disabled and enabled again (Kapacitor's reload). What was loaded is
//! remembered in the store (`load_items`), so a reload deletes the tasks, templates and
//! handlers whose file was removed — and never one defined through the API.
//!
//! One deliberate difference: Kapacitor stops at the first bad file (the rest of the directory
//! is not loaded, nothing is removed). Here a bad file is logged with its error (a TICKscript
//! error carries our diagnostic with line and column) and skipped; the others still load, and
//! a definition whose file still exists is never deleted because the file is currently bad.

use crate::state::AppState;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Files that failed to load since start-up (Kapacitor's `load` statistic, `errors`).
static ERRORS: AtomicU64 = AtomicU64::new(0);

/// The `errors` value of the `load` statistic.
pub fn errors() -> u64 {
    ERRORS.load(Ordering::Relaxed)
}

/// Why one file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A YAML or JSON file that does not decode to an object.
    Decode { path: PathBuf, error: String },
    /// The API refused the definition (the message is the API's error text).
    Rejected {
        path: PathBuf,
        status: u16,
        message: String,
    },
    /// The store could not remember or forget a loaded item.
    Store(crate::store::StoreError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read { path, error } => {
                write!(f, "failed to read file {}: {error}", path.display())
            }
            LoadError::Decode { path, error } => {
                write!(f, "failed to load file {}: {error}", path.display())
            }
            LoadError::Rejected {
                path,
                status,
                message,
            } => write!(
                f,
                "failed to load file {}: {status}: {message}",
                path.display()
            ),
            LoadError::Store(e) => write!(f, "load service: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<crate::store::StoreError> for LoadError {
    fn from(e: crate::store::StoreError) -> Self {
        LoadError::Store(e)
    }
}

/// What one pass did (logged, and returned for tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub tasks: Vec<String>,
    pub templates: Vec<String>,
    pub handlers: Vec<String>,
    /// Items deleted because their file is gone (`tasks/<id>`, ...).
    pub removed: Vec<String>,
    /// One line per file that failed.
    pub errors: Vec<String>,
}

/// One in-process API answer.
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn message(&self) -> String {
        self.body
            .get("error")
            .and_then(Value::as_str)
            .map_or_else(|| self.body.to_string(), str::to_string)
    }
}

async fn call(state: &Arc<AppState>, method: Method, path: &str, body: Option<Value>) -> Answer {
    let bytes = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
    let req = Request::builder()
        .method(method)
        .uri(format!("/kapacitor/v1{path}"))
        .header("User-Agent", "internal-load-service")
        .extension(crate::auth::InProcess)
        .body(Full::new(bytes));
    let Ok(req) = req else {
        return Answer {
            status: 400,
            body: json!({"error": format!("invalid request path {path:?}")}),
        };
    };
    let resp = crate::http::app(state.clone(), req).await;
    let status = resp.status().as_u16();
    let body = match resp.into_body().collect().await {
        Ok(c) => serde_json::from_slice(&c.to_bytes()).unwrap_or(Value::Null),
        Err(never) => match never {},
    };
    Answer { status, body }
}

/// Files of `dir` with one of `exts`, sorted (a missing directory has none).
fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.contains(&x))
        })
        .collect();
    out.sort();
    out
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read(p: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(p).map_err(|error| LoadError::Read {
        path: p.to_path_buf(),
        error,
    })
}

/// A YAML or JSON file as a JSON object (YAML read as Kapacitor's ghodss/yaml reads it).
fn read_object(p: &Path) -> Result<serde_json::Map<String, Value>, LoadError> {
    let text = read(p)?;
    let decode = |error: String| LoadError::Decode {
        path: p.to_path_buf(),
        error,
    };
    let v = match p.extension().and_then(|x| x.to_str()) {
        Some("json") => serde_json::from_str(&text).map_err(|e| decode(e.to_string()))?,
        _ => runtime::yaml_json::to_json(&text).map_err(|e| decode(e.to_string()))?,
    };
    match v {
        Value::Object(m) => Ok(m),
        other => Err(decode(format!("expected an object, found {other}"))),
    }
}

fn rejected(p: &Path, a: &Answer) -> LoadError {
    LoadError::Rejected {
        path: p.to_path_buf(),
        status: a.status,
        message: a.message(),
    }
}

/// Create task `id` enabled, or update it with `patch` and reload it (disable, enable).
async fn define_task(
    state: &Arc<AppState>,
    p: &Path,
    id: &str,
    mut patch: serde_json::Map<String, Value>,
) -> Result<(), LoadError> {
    let link = format!("/tasks/{id}");
    let exists = call(state, Method::GET, &link, None).await.ok();
    if !exists {
        patch.insert("id".into(), json!(id));
        patch.insert("status".into(), json!("enabled"));
        let a = call(state, Method::POST, "/tasks", Some(Value::Object(patch))).await;
        return if a.ok() { Ok(()) } else { Err(rejected(p, &a)) };
    }
    let a = call(state, Method::PATCH, &link, Some(Value::Object(patch))).await;
    if !a.ok() {
        return Err(rejected(p, &a));
    }
    for status in ["disabled", "enabled"] {
        let a = call(
            state,
            Method::PATCH,
            &link,
            Some(json!({ "status": status })),
        )
        .await;
        if !a.ok() {
            return Err(rejected(p, &a));
        }
    }
    Ok(())
}

async fn load_template(state: &Arc<AppState>, p: &Path, id: &str) -> Result<(), LoadError> {
    let script = read(p)?;
    let link = format!("/templates/{id}");
    let a = if call(state, Method::GET, &link, None).await.ok() {
        call(
            state,
            Method::PATCH,
            &link,
            Some(json!({ "script": script })),
        )
        .await
    } else {
        let body = json!({ "id": id, "script": script });
        call(state, Method::POST, "/templates", Some(body)).await
    };
    if a.ok() {
        Ok(())
    } else {
        Err(rejected(p, &a))
    }
}

async fn load_tick_task(state: &Arc<AppState>, p: &Path, id: &str) -> Result<(), LoadError> {
    let script = read(p)?;
    let mut patch = serde_json::Map::new();
    patch.insert("script".into(), json!(script));
    define_task(state, p, id, patch).await
}

/// A template task file: `template-id`, `dbrps`, `vars` (its own `id` key is ignored: the
/// ID is the file name, as Kapacitor's).
async fn load_template_task(state: &Arc<AppState>, p: &Path, id: &str) -> Result<(), LoadError> {
    let m = read_object(p)?;
    let mut patch = serde_json::Map::new();
    for k in ["template-id", "dbrps", "vars"] {
        if let Some(v) = m.get(k) {
            patch.insert(k.into(), v.clone());
        }
    }
    define_task(state, p, id, patch).await
}

/// A topic handler file; returns its item key `<topic>/<id>`.
async fn load_handler(state: &Arc<AppState>, p: &Path) -> Result<String, LoadError> {
    let m = read_object(p)?;
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (topic, id) = (s("topic"), s("id"));
    if topic.is_empty() || id.is_empty() {
        return Err(LoadError::Decode {
            path: p.to_path_buf(),
            error: "a topic handler file needs \"topic\" and \"id\"".into(),
        });
    }
    let link = format!("/alerts/topics/{topic}/handlers/{id}");
    let body = Value::Object(m);
    let a = if call(state, Method::GET, &link, None).await.ok() {
        call(state, Method::PUT, &link, Some(body)).await
    } else {
        let list = format!("/alerts/topics/{topic}/handlers");
        call(state, Method::POST, &list, Some(body)).await
    };
    if a.ok() {
        Ok(format!("{topic}/{id}"))
    } else {
        Err(rejected(p, &a))
    }
}

/// One load pass over `state.opts.load_dir` (no-op when `[load]` is disabled).
pub async fn load(state: &Arc<AppState>) -> LoadReport {
    let mut report = LoadReport::default();
    if !state.opts.load_enabled {
        return report;
    }
    let dir = state.opts.load_dir.clone();
    if !dir.is_dir() {
        tracing::debug!(
            service = "load",
            dir = %dir.display(),
            "skipping load... load directory does not exists"
        );
        return report;
    }
    // IDs whose file exists (loaded or not): never removed this pass.
    let mut present: BTreeSet<String> = BTreeSet::new();

    for p in files(&dir.join("templates"), &["tick"]) {
        let id = stem(&p);
        tracing::info!(service = "load", object = "template", file = %p.display(), "loading object from file");
        present.insert(format!("templates/{id}"));
        match load_template(state, &p, &id).await {
            Ok(()) => match state.store.put_load_item(&format!("templates/{id}")) {
                Ok(()) => report.templates.push(id),
                Err(e) => fail(&mut report, e.into()),
            },
            Err(e) => fail(&mut report, e),
        }
    }
    let task_dir = dir.join("tasks");
    let mut task_files = files(&task_dir, &["tick"]);
    task_files.extend(files(&task_dir, &["yaml", "yml", "json"]));
    for p in task_files {
        let id = stem(&p);
        let tick = p.extension().is_some_and(|x| x == "tick");
        let object = if tick { "task" } else { "template task" };
        tracing::info!(service = "load", object, file = %p.display(), "loading object from file");
        present.insert(format!("tasks/{id}"));
        let r = if tick {
            load_tick_task(state, &p, &id).await
        } else {
            load_template_task(state, &p, &id).await
        };
        match r.and_then(|()| Ok(state.store.put_load_item(&format!("tasks/{id}"))?)) {
            Ok(()) => report.tasks.push(id),
            Err(e) => fail(&mut report, e),
        }
    }
    let mut handler_failed = false;
    for p in files(&dir.join("handlers"), &["yaml", "yml", "json"]) {
        tracing::info!(service = "load", object = "handler", file = %p.display(), "loading object from file");
        match load_handler(state, &p).await {
            Ok(key) => {
                present.insert(format!("handlers/{key}"));
                match state.store.put_load_item(&format!("handlers/{key}")) {
                    Ok(()) => report.handlers.push(key),
                    Err(e) => fail(&mut report, e.into()),
                }
            }
            // A file that fails may be the one an earlier handler came from (its topic
            // and ID are unknown when it does not decode): no handler is removed this pass.
            Err(e) => {
                handler_failed = true;
                fail(&mut report, e);
            }
        }
    }
    if let Err(e) = remove_missing(state, &present, handler_failed, &mut report).await {
        fail(&mut report, e);
    }
    tracing::info!(
        service = "load",
        tasks = report.tasks.len(),
        templates = report.templates.len(),
        handlers = report.handlers.len(),
        removed = report.removed.len(),
        errors = report.errors.len(),
        "load finished"
    );
    report
}

fn fail(report: &mut LoadReport, e: LoadError) {
    ERRORS.fetch_add(1, Ordering::Relaxed);
    tracing::error!(service = "load", "{e}");
    report.errors.push(e.to_string());
}

/// Delete what an earlier pass loaded and whose file is gone. Tasks go before templates (a
/// template with tasks cannot be deleted first).
async fn remove_missing(
    state: &Arc<AppState>,
    present: &BTreeSet<String>,
    keep_handlers: bool,
    report: &mut LoadReport,
) -> Result<(), LoadError> {
    for (kind, path) in [
        ("tasks/", "/tasks/"),
        ("templates/", "/templates/"),
        ("handlers/", "/alerts/topics/"),
    ] {
        if kind == "handlers/" && keep_handlers {
            continue;
        }
        for id in state.store.load_items(kind)? {
            let key = format!("{kind}{id}");
            if present.contains(&key) {
                continue;
            }
            let link = match kind {
                "handlers/" => match id.split_once('/') {
                    Some((topic, h)) => format!("{path}{topic}/handlers/{h}"),
                    None => continue,
                },
                _ => format!("{path}{id}"),
            };
            let a = call(state, Method::DELETE, &link, None).await;
            if a.ok() || a.status == 404 {
                state.store.delete_load_item(&key)?;
                tracing::info!(service = "load", item = key, "removed: its file is gone");
                report.removed.push(key);
            } else {
                tracing::error!(
                    service = "load",
                    item = key,
                    "cannot remove: {}",
                    a.message()
                );
                report
                    .errors
                    .push(format!("cannot remove {key}: {}", a.message()));
            }
        }
    }
    Ok(())
}
