//! `.serviceNow()`: POST a ServiceNow event (`{"source","node","type",
//! "resource","metric_name","message_key","severity","description"}`, struct
//! order) to `.uRL()` or `[servicenow] url`, with basic auth from the config
//! section when both its username and password are set (as Kapacitor does,
//! the handler's own username/password are not used for the request).
//! node, type, resource, metricName and messageKey are templates over
//! `{ID, Name, TaskName, Fields, Tags}`. `.additionalInfo(k, v)` pairs
//! (templates too) are sent as an `additional_info` object after the
//! description, left out when there are none: the Kapacitor source at hand
//! predates that option, so its placement follows ServiceNow's event API.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::{cut_bytes, Obj};
use super::{hpairs, hstr, or, Handler};
use crate::alert::data::{fields_value, tags_value};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::template::{Mode, Struct, Template, Value};
use base64::Engine as _;
use compiler::ir;
use std::sync::Arc;

/// Kapacitor's cut-off for most fields, in bytes.
const USUAL_CUTOFF: usize = 100;

pub struct ServiceNowHandler {
    url: String,
    source: String,
    auth: Option<String>,
    node: Option<Template>,
    kind: Option<Template>,
    resource: Option<Template>,
    metric_name: Option<Template>,
    message_key: Option<Template>,
    additional_info: Vec<(String, Template)>,
}

/// A template when the option is set (an empty one renders as "").
pub fn optional_template(
    h: &ir::Handler,
    prop: &str,
    name: &str,
) -> Result<Option<Template>, HandlerError> {
    match hstr(h, prop).filter(|s| !s.is_empty()) {
        Some(src) => Ok(Some(Template::parse(name, src, Mode::Text)?)),
        None => Ok(None),
    }
}

pub fn render(t: &Option<Template>, data: &Value) -> Result<String, HandlerError> {
    match t {
        Some(t) => Ok(t.render(data)?),
        None => Ok(String::new()),
    }
}

/// `Authorization: Basic …` for Go's `req.SetBasicAuth(user, password)`.
pub fn basic_auth(user: &str, password: &str) -> Option<String> {
    (!user.is_empty() && !password.is_empty()).then(|| {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {token}")
    })
}

impl ServiceNowHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<ServiceNowHandler, HandlerError> {
        let c = &cfg.servicenow;
        Ok(ServiceNowHandler {
            url: or(hstr(h, "uRL"), &c.url).to_string(),
            source: or(hstr(h, "source"), &c.source).to_string(),
            auth: basic_auth(&c.username, &c.password),
            node: optional_template(h, "node", "node")?,
            kind: optional_template(h, "type", "type")?,
            resource: optional_template(h, "resource", "resource")?,
            metric_name: optional_template(h, "metricName", "metricName")?,
            message_key: optional_template(h, "messageKey", "messageKey")?,
            additional_info: hpairs(h, "additionalInfo")
                .into_iter()
                .map(|(k, v)| {
                    let t = Template::parse(&format!("additionalInfo.{k}"), &v, Mode::Text)?;
                    Ok((k, t))
                })
                .collect::<Result<_, HandlerError>>()?,
        })
    }
}

fn data(ev: &Event) -> Value {
    Value::Struct(Arc::new(Struct {
        type_name: "servicenow.dataInfo",
        fields: vec![
            ("ID", Value::str(&ev.id)),
            ("Name", Value::Str(ev.name.clone())),
            ("TaskName", Value::Str(ev.task.clone())),
            ("Fields", fields_value(&ev.fields)),
            ("Tags", tags_value(&ev.tags)),
        ],
    }))
}

impl Handler for ServiceNowHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let d = data(ev);
        let node = render(&self.node, &d)?;
        let kind = render(&self.kind, &d)?;
        let resource = render(&self.resource, &d)?;
        let metric_name = render(&self.metric_name, &d)?;
        let mut message_key = render(&self.message_key, &d)?;
        if message_key.is_empty() {
            message_key = ev.id.clone();
        }
        let severity = match ev.level {
            Level::Ok | Level::Info => "5",
            Level::Warning => "4",
            Level::Critical => "1",
        };
        let body = Obj::new()
            .str("source", cut_bytes(&self.source, USUAL_CUTOFF))
            .str("node", cut_bytes(&node, USUAL_CUTOFF))
            .str("type", cut_bytes(&kind, USUAL_CUTOFF))
            .str("resource", cut_bytes(&resource, USUAL_CUTOFF))
            .str("metric_name", cut_bytes(&metric_name, USUAL_CUTOFF))
            .str("message_key", cut_bytes(&message_key, 1024))
            .str("severity", severity)
            .str("description", cut_bytes(&ev.message, 4000));
        let body = if self.additional_info.is_empty() {
            body.done()
        } else {
            let mut info = Obj::map();
            for (k, t) in &self.additional_info {
                info = info.str(k, &t.render(&d)?);
            }
            body.raw("additional_info", &info.done()).done()
        };
        let mut extra = Vec::new();
        if let Some(a) = &self.auth {
            extra.push(("Authorization", a.clone()));
        }
        post_json(&self.url, &extra, &body).map(|_| ())
    }
}
