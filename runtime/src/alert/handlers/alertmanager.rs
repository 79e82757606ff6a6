//! `.alertmanager()` (an addition beyond Kapacitor): each event becomes one
//! Prometheus Alertmanager v2 alert, `POST <url>/api/v2/alerts` with
//! `[{"labels","annotations","startsAt","endsAt"?,"generatorURL"}]`.
//!
//! Alertmanager identifies an alert by its label set, so labels hold only
//! what stays the same while the alert lives: the `[alertmanager] labels`,
//! the event's tags (label names made valid: other characters become `_`)
//! and `alertname` = the alert ID. The level changes (WARNING → CRITICAL →
//! OK), so it is an annotation (`level`) beside `summary` (the message),
//! `description` (the details), the config's annotations and the handler's
//! `.annotation(k, v)`. `startsAt` is when the alert left OK; a recovery
//! (OK) sets `endsAt`, which resolves the alert.

use super::error::HandlerError;
use super::http::post;
use super::jsonw::Obj;
use super::{hpairs, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::template::gotime::rfc3339_nano;
use compiler::ir;
use std::collections::BTreeMap;
use std::time::Duration;

pub struct AlertmanagerHandler {
    url: String,
    timeout: Option<Duration>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    generator_base: String,
}

impl AlertmanagerHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<AlertmanagerHandler, HandlerError> {
        let c = &cfg.alertmanager;
        if c.url.is_empty() {
            return Err(HandlerError::Invalid(
                "alertmanager: [alertmanager] url is empty".into(),
            ));
        }
        let mut labels: BTreeMap<String, String> = c
            .labels
            .iter()
            .map(|(k, v)| (label_name(k), v.clone()))
            .collect();
        for (k, v) in hpairs(h, "label") {
            labels.insert(label_name(&k), v);
        }
        let mut annotations = c.annotations.clone();
        annotations.extend(hpairs(h, "annotation"));
        Ok(AlertmanagerHandler {
            url: format!("{}/api/v2/alerts", c.url.trim_end_matches('/')),
            timeout: (c.timeout.nanos() > 0)
                .then(|| Duration::from_nanos(c.timeout.nanos() as u64)),
            labels,
            annotations,
            generator_base: format!("{}/tasks/", cfg.client_url()),
        })
    }
}

/// A valid Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`): other
/// characters become `_`, a leading digit gets a `_` before it.
pub fn label_name(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 1);
    if k.is_empty() || k.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(k.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    out
}

fn time(ns: i64) -> String {
    let mut s = String::new();
    rfc3339_nano(ns, &mut s);
    s
}

fn object(m: &BTreeMap<String, String>) -> String {
    let mut o = Obj::new();
    for (k, v) in m {
        o = o.str(k, v);
    }
    o.done()
}

impl AlertmanagerHandler {
    /// The request body for one event.
    pub fn body(&self, ev: &Event) -> String {
        let mut labels = self.labels.clone();
        for (k, v) in &ev.tags {
            if !v.is_empty() {
                labels.insert(label_name(k), v.to_string());
            }
        }
        labels.insert("alertname".into(), ev.id.clone());
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_string(), ev.message.clone());
        if !ev.details.is_empty() {
            annotations.insert("description".to_string(), ev.details.clone());
        }
        annotations.insert("level".to_string(), ev.level.as_str().to_string());
        for (k, v) in &self.annotations {
            annotations.insert(k.clone(), v.clone());
        }
        let mut alert = Obj::new()
            .raw("labels", &object(&labels))
            .raw("annotations", &object(&annotations))
            .str("startsAt", &time(ev.time - ev.duration));
        if ev.level == Level::Ok {
            alert = alert.str("endsAt", &time(ev.time));
        }
        let generator = format!(
            "{}{}",
            self.generator_base,
            compiler::golang::quote::query_escape(&ev.task)
        );
        let alert = alert.str("generatorURL", &generator).done();
        format!("[{alert}]")
    }
}

impl Handler for AlertmanagerHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let body = self.body(ev);
        let headers = [("Content-Type", "application/json".to_string())];
        post(&self.url, &headers, body.as_bytes(), self.timeout).map(|_| ())
    }
}
