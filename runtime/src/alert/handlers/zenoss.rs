//! `.zenoss()`: POST a Zenoss JSON-RPC router call to `.uRL()` or
//! `[zenoss] url` (basic auth from the section when username and password
//! are set): `{"action","method","data":[<event>],"type","tid"}` where the
//! event is a Go map (keys sorted) of summary (default the message), device,
//! component, severity (from `severity-map`), evclasskey, evclass,
//! collector and message (both left out when empty) plus the
//! `.customField(k, v)` entries. The text options are templates over
//! `{Name, TaskName, ID, Message, Details, Time, Duration, Level,
//! Recoverable, Tags}`.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::{cut_bytes, json_str, Obj};
use super::servicenow::{basic_auth, optional_template, render};
use super::{hpairs, hstr, or, Handler};
use crate::alert::data::tags_value;
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::handlers::{ZenossSeverity, ZenossSeverityMap};
use crate::config::HandlerConfigs;
use crate::result::{write_float, write_str};
use crate::template::{Mode, Struct, Template, Value};
use compiler::ir;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct ZenossHandler {
    url: String,
    auth: Option<String>,
    action: String,
    method: String,
    kind: String,
    tid: i64,
    default_collector: String,
    severity: ZenossSeverityMap,
    summary: Option<Template>,
    device: Option<Template>,
    component: Option<Template>,
    event_class_key: Option<Template>,
    event_class: Option<Template>,
    message: Option<Template>,
    collector: Option<Template>,
    custom: Vec<(String, Template)>,
}

impl ZenossHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<ZenossHandler, HandlerError> {
        let c = &cfg.zenoss;
        let tid = h
            .prop("tid")
            .and_then(|p| p.args.first())
            .and_then(|a| a.as_int())
            .filter(|t| *t != 0)
            .unwrap_or(c.tid);
        let mut custom = Vec::new();
        for (k, v) in hpairs(h, "customField") {
            let t = Template::parse(&format!("customData.{k}"), &v, Mode::Text)?;
            custom.push((k, t));
        }
        Ok(ZenossHandler {
            url: or(hstr(h, "uRL"), &c.url).to_string(),
            auth: basic_auth(&c.username, &c.password),
            action: or(hstr(h, "action"), &c.action).to_string(),
            method: or(hstr(h, "method"), &c.method).to_string(),
            kind: or(hstr(h, "type"), &c.event_type).to_string(),
            tid,
            default_collector: c.collector.clone(),
            severity: c.severity_map.clone(),
            summary: optional_template(h, "summary", "summary")?,
            device: optional_template(h, "device", "device")?,
            component: optional_template(h, "component", "component")?,
            event_class_key: optional_template(h, "eventClassKey", "evclasskey")?,
            event_class: optional_template(h, "eventClass", "evclass")?,
            message: optional_template(h, "message", "message")?,
            collector: optional_template(h, "collector", "collector")?,
            custom,
        })
    }
}

fn data(ev: &Event) -> Value {
    Value::Struct(Arc::new(Struct {
        type_name: "zenoss.info",
        fields: vec![
            ("Name", Value::Str(ev.name.clone())),
            ("TaskName", Value::Str(ev.task.clone())),
            ("ID", Value::str(&ev.id)),
            ("Message", Value::str(&ev.message)),
            ("Details", Value::str(&ev.details)),
            ("Time", Value::Time(ev.time)),
            ("Duration", Value::Duration(ev.duration)),
            ("Level", Value::str(ev.level.as_str())),
            ("Recoverable", Value::Bool(ev.recoverable)),
            ("Tags", tags_value(&ev.tags)),
        ],
    }))
}

fn severity_json(s: &ZenossSeverity) -> String {
    match s {
        ZenossSeverity::Number(n) => n.to_string(),
        ZenossSeverity::Name(n) => json_str(n),
    }
}

/// A custom field's value: text that looks like JSON (`{…}`, `[…]`) and
/// parses is sent as that JSON value, anything else as a string.
fn custom_value(v: &str) -> String {
    if v.starts_with('{') || v.starts_with('[') {
        if let Ok(parsed) = serde_json::from_str::<serde_json::Value>(v) {
            let mut out = String::new();
            write_go_json(&mut out, &parsed);
            return out;
        }
    }
    json_str(v)
}

/// A value as Go re-marshals an `interface{}` it decoded: objects with
/// sorted keys, every number a float64, strings HTML-escaped.
fn write_go_json(out: &mut String, v: &serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => write_float(out, n.as_f64().unwrap_or(0.0)),
        J::String(s) => write_str(out, s),
        J::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(out, x);
            }
            out.push(']');
        }
        J::Object(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_go_json(out, x);
            }
            out.push('}');
        }
    }
}

impl Handler for ZenossHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let d = data(ev);
        let mut summary = render(&self.summary, &d)?;
        if summary.is_empty() {
            summary = ev.message.clone();
        }
        let mut collector = render(&self.collector, &d)?;
        if collector.is_empty() {
            collector = self.default_collector.clone();
        }
        let message = render(&self.message, &d)?;
        let severity = match ev.level {
            Level::Ok => &self.severity.ok,
            Level::Info => &self.severity.info,
            Level::Warning => &self.severity.warning,
            Level::Critical => &self.severity.critical,
        };
        // The event goes through a Go map: keys sorted, custom fields last
        // (replacing a standard key of the same name).
        let mut m: BTreeMap<String, String> = BTreeMap::new();
        m.insert("summary".into(), json_str(cut_bytes(&summary, 256)));
        m.insert("device".into(), json_str(&render(&self.device, &d)?));
        m.insert("component".into(), json_str(&render(&self.component, &d)?));
        m.insert("severity".into(), severity_json(severity));
        m.insert(
            "evclasskey".into(),
            json_str(&render(&self.event_class_key, &d)?),
        );
        m.insert("evclass".into(), json_str(&render(&self.event_class, &d)?));
        if !collector.is_empty() {
            m.insert("collector".into(), json_str(&collector));
        }
        let message = cut_bytes(&message, 4096);
        if !message.is_empty() {
            m.insert("message".into(), json_str(message));
        }
        for (k, t) in &self.custom {
            m.insert(k.clone(), custom_value(&t.render(&d)?));
        }
        let mut event = Obj::new();
        for (k, raw) in &m {
            event = event.raw(k, raw);
        }
        let body = Obj::new()
            .str("action", &self.action)
            .str("method", &self.method)
            .raw("data", &format!("[{}]", event.done()))
            .str("type", &self.kind)
            .int("tid", self.tid)
            .done();
        let mut extra = Vec::new();
        if let Some(a) = &self.auth {
            extra.push(("Authorization", a.clone()));
        }
        post_json(&self.url, &extra, &body).map(|_| ())
    }
}
