//! `.alerta()`: POST `<url>/alert` with `Authorization: <prefix> <token>`.
//! resource/event/group/value/environment/origin are templates rendered with
//! the alert's message data.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hpairs, hstr, hstrs, Handler};
use crate::alert::data;
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::handlers::AlertaConfig;
use crate::config::HandlerConfigs;
use crate::template::{Mode, Template, Value};
use compiler::ir;

pub struct AlertaHandler {
    cfg: AlertaConfig,
    token: String,
    resource: Template,
    event: Template,
    environment: Template,
    group: Template,
    value: Template,
    origin: String,
    services: Vec<String>,
    correlate: Vec<String>,
    attributes: Vec<(String, String)>,
    timeout: i64,
}

fn tmpl(name: &str, src: &str) -> Result<Template, HandlerError> {
    Ok(Template::parse(name, src, Mode::Text)?)
}

impl AlertaHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<AlertaHandler, HandlerError> {
        let c = cfg.alerta.clone();
        let s = |p: &str, d: &str| {
            hstr(h, p)
                .filter(|v| !v.is_empty())
                .unwrap_or(d)
                .to_string()
        };
        let timeout = h
            .prop("timeout")
            .and_then(|p| p.args.first())
            .and_then(|a| a.as_duration());
        Ok(AlertaHandler {
            token: s("token", &c.token),
            resource: tmpl("resource", &s("resource", "{{ .Name }}"))?,
            event: tmpl("event", &s("event", "{{ .ID }}"))?,
            environment: tmpl("environment", &s("environment", &c.environment))?,
            group: tmpl("group", &s("group", "{{ .Group }}"))?,
            value: tmpl("value", &s("value", ""))?,
            origin: s(
                "origin",
                if c.origin.is_empty() {
                    "kapacitor"
                } else {
                    &c.origin
                },
            ),
            services: hstrs(h, "services"),
            correlate: hstrs(h, "correlated"),
            attributes: hpairs(h, "attribute"),
            timeout: timeout.map_or(86400, |d| d / 1_000_000_000),
            cfg: c,
        })
    }

    fn data(ev: &Event) -> Value {
        let idf = data::id_fields(
            &ev.name,
            &ev.task,
            &ev.group,
            data::tags_value(&ev.tags),
            &Value::Nil,
        );
        data::message_data(data::message_fields(
            idf,
            &ev.id,
            Value::Nil,
            ev.level,
            ev.time,
            ev.duration,
        ))
    }
}

impl Handler for AlertaHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let d = Self::data(ev);
        let r = |t: &Template| t.render(&d).map_err(HandlerError::Template);
        let severity = match ev.level {
            Level::Ok => "ok",
            Level::Info => "informational",
            Level::Warning => "warning",
            Level::Critical => "critical",
        };
        let mut o = Obj::map()
            .str("resource", &r(&self.resource)?)
            .str("event", &r(&self.event)?)
            .str("environment", &r(&self.environment)?)
            .str("severity", severity)
            .str("group", &r(&self.group)?)
            .str("value", &r(&self.value)?)
            .str("text", &ev.message)
            .str("origin", &self.origin)
            .raw("rawData", &ev.result_json());
        if !self.services.is_empty() {
            o = o.strs("service", &self.services);
        }
        if !self.correlate.is_empty() {
            o = o.strs("correlate", &self.correlate);
        }
        if !self.attributes.is_empty() {
            let mut a = Obj::map();
            for (k, v) in &self.attributes {
                a = a.str(k, v);
            }
            o = o.raw("attributes", &a.done());
        }
        let tags: Vec<String> = ev.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let body = o.int("timeout", self.timeout).strs("tags", &tags).encoded();
        let prefix = if self.cfg.token_prefix.is_empty() {
            "Bearer"
        } else {
            &self.cfg.token_prefix
        };
        // Kapacitor always sends the header, even with an empty token.
        let extra = vec![("Authorization", format!("{prefix} {}", self.token))];
        post_json(
            &format!("{}/alert", self.cfg.url.trim_end_matches('/')),
            &extra,
            &body,
        )
        .map(|_| ())
    }
}
