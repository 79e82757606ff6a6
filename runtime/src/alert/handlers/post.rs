//! `.post([url])`: POSTs the event JSON (`Content-Type: application/json`),
//! or, with an `[[httppost]]` endpoint's alert template, the rendered
//! template without a content type. Headers come from the endpoint config,
//! then `.header(k, v)`; the URL may itself be a template.

use super::error::HandlerError;
use super::http::post;
use super::{hargs, hpairs, hstr, Handler};
use crate::alert::data::{field_value, tags_value};
use crate::alert::event::Event;
use crate::config::HandlerConfigs;
use crate::result::Cell;
use crate::template::{Mode, Struct, Template, Value};
use base64::Engine as _;
use compiler::ir;
use std::sync::Arc;
use std::time::Duration;

pub struct PostHandler {
    url: Template,
    headers: Vec<(String, String)>,
    body_template: Option<Template>,
    timeout: Option<Duration>,
}

/// The template data of handler templates: Kapacitor's `alert.Data`.
pub fn event_value(ev: &Event) -> Value {
    let row = &ev.data;
    let values: Vec<Value> = row
        .values
        .iter()
        .map(|(t, cells)| {
            let mut r = vec![Value::Time(*t)];
            r.extend(cells.iter().map(|c| match c {
                Cell::Field(f) => field_value(f),
                Cell::Tag(s) => Value::Str(s.clone()),
                Cell::Null => Value::Nil,
            }));
            Value::List(Arc::new(r))
        })
        .collect();
    let series = Value::Struct(Arc::new(Struct {
        type_name: "models.Row",
        fields: vec![
            ("Name", Value::Str(row.name.clone())),
            ("Tags", tags_value(&row.tags)),
            (
                "Columns",
                Value::List(Arc::new(
                    row.columns.iter().map(|c| Value::Str(c.clone())).collect(),
                )),
            ),
            ("Values", Value::List(Arc::new(values))),
        ],
    }));
    let data = Value::Struct(Arc::new(Struct {
        type_name: "models.Result",
        fields: vec![("Series", Value::List(Arc::new(vec![series])))],
    }));
    Value::Struct(Arc::new(Struct {
        type_name: "alert.Data",
        fields: vec![
            ("ID", Value::str(&ev.id)),
            ("Message", Value::str(&ev.message)),
            ("Details", Value::str(&ev.details)),
            ("Time", Value::Time(ev.time)),
            ("Duration", Value::Duration(ev.duration)),
            ("Level", Value::str(ev.level.as_str())),
            ("Data", data),
            ("PreviousLevel", Value::str(ev.previous_level.as_str())),
            ("Recoverable", Value::Bool(ev.recoverable)),
        ],
    }))
}

impl PostHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<PostHandler, HandlerError> {
        let mut url = hargs(h).into_iter().next().unwrap_or_default();
        let mut headers = Vec::new();
        let mut body_template = None;
        if let Some(ep) = hstr(h, "endpoint") {
            let c = cfg.httppost(ep).ok_or_else(|| {
                HandlerError::Invalid(format!("no [[httppost]] endpoint named {ep:?}"))
            })?;
            if url.is_empty() {
                url = c.url.clone();
            }
            headers.extend(c.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
            if let Some(b) = &c.basic_auth {
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", b.username, b.password));
                headers.push(("Authorization".into(), format!("Basic {token}")));
            }
            let tsrc = if !c.alert_template.is_empty() {
                Some(c.alert_template.clone())
            } else if !c.alert_template_file.is_empty() {
                Some(
                    std::fs::read_to_string(&c.alert_template_file)
                        .map_err(HandlerError::io("alert-template-file"))?,
                )
            } else {
                None
            };
            if let Some(src) = tsrc {
                body_template = Some(Template::parse("alert-template", &src, Mode::Text)?);
            }
        }
        if url.is_empty() {
            return Err(HandlerError::Invalid(
                "post handler needs a URL or an endpoint".into(),
            ));
        }
        for (k, v) in hpairs(h, "header") {
            if k.eq_ignore_ascii_case("authenticate") {
                return Err(HandlerError::Invalid(
                    "header 'Authenticate' is not allowed".into(),
                ));
            }
            headers.push((k, v));
        }
        let timeout = h
            .prop("timeout")
            .and_then(|p| p.args.first())
            .and_then(|a| a.as_duration())
            .filter(|d| *d > 0);
        Ok(PostHandler {
            url: Template::parse("url", &url, Mode::Text)?,
            headers,
            body_template,
            timeout: timeout.map(|d| Duration::from_nanos(d as u64)),
        })
    }
}

impl Handler for PostHandler {
    fn handle(&mut self, ev: &Event, json: &str) -> Result<(), HandlerError> {
        let needs_data = self.body_template.is_some() || self.url.is_constant().is_none();
        let data = if needs_data {
            Some(event_value(ev))
        } else {
            None
        };
        let url = match (self.url.is_constant(), &data) {
            (Some(u), _) => u.to_string(),
            (None, Some(d)) => self.url.render(d)?,
            // Not reached: data is built whenever the URL is a template.
            (None, None) => self.url.source().to_string(),
        };
        let mut headers: Vec<(&str, String)> = Vec::new();
        let body = match (&self.body_template, &data) {
            (Some(t), Some(d)) => t.render(d)?,
            _ => {
                headers.push(("Content-Type", "application/json".into()));
                let mut b = String::with_capacity(json.len() + 1);
                b.push_str(json);
                b.push('\n');
                b
            }
        };
        headers.extend(self.headers.iter().map(|(k, v)| (k.as_str(), v.clone())));
        post(&url, &headers, body.as_bytes(), self.timeout).map(|_| ())
    }
}
