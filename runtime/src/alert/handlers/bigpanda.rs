//! `.bigPanda()`: POST a BigPanda alert (`Authorization: Bearer <token>`)
//! to the `[bigpanda]` URL. The body is a Go map (keys sorted): status,
//! check (alert ID), description (message), details (unless it is the
//! default JSON details), `task` = `<task>:<measurement>`, unix timestamp,
//! app_key, then the event's tags and its fields (non-strings as their JSON
//! text), the handler's host and primary/secondary properties, and finally
//! its `.attribute(k, v)` pairs.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hpairs, hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::message::FieldValue;
use crate::result::write_field;
use compiler::ir;
use std::collections::BTreeMap;

pub struct BigPandaHandler {
    url: String,
    token: String,
    app_key: String,
    host: String,
    primary_property: String,
    secondary_property: String,
    attributes: Vec<(String, String)>,
}

impl BigPandaHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> BigPandaHandler {
        let c = &cfg.bigpanda;
        let s = |name: &str| hstr(h, name).unwrap_or("").to_string();
        BigPandaHandler {
            url: c.url.clone(),
            token: c.token.clone(),
            app_key: or(hstr(h, "appKey"), &c.app_key).to_string(),
            host: s("host"),
            primary_property: s("primaryProperty"),
            secondary_property: s("secondaryProperty"),
            attributes: hpairs(h, "attribute"),
        }
    }
}

/// The subset of `html.UnescapeString` alert details need: the entities Go's
/// html/template writes (`&#34;`, `&#39;`, `&amp;`, `&lt;`, `&gt;`, `&quot;`,
/// `&#43;`, numeric references).
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(';').map(|j| j + 1);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            ch.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Handler for BigPandaHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let status = match ev.level {
            Level::Warning => "warning",
            Level::Critical => "critical",
            Level::Ok | Level::Info => "ok",
        };
        // Later entries replace earlier ones, as assignments to a Go map do.
        let mut m: BTreeMap<String, String> = BTreeMap::new();
        let mut put = |k: &str, raw: String| {
            m.insert(k.to_string(), raw);
        };
        let js = super::jsonw::json_str;
        if !ev.message.is_empty() {
            put("description", js(&ev.message));
        }
        if !ev.details.is_empty() {
            let d = html_unescape(&ev.details);
            if !d.starts_with('{') {
                put("details", js(&d));
            }
        }
        if !ev.id.is_empty() {
            put("check", js(&ev.id));
        }
        put("task", js(&format!("{}:{}", ev.task, ev.name)));
        put("timestamp", ev.time.div_euclid(1_000_000_000).to_string());
        put("status", js(status));
        put("app_key", js(&self.app_key));
        for (k, v) in &ev.tags {
            put(k, js(v));
        }
        for (k, v) in &ev.fields {
            let text = match v {
                FieldValue::String(s) => s.to_string(),
                other => {
                    let mut t = String::new();
                    write_field(&mut t, other);
                    t
                }
            };
            put(k, js(&text));
        }
        if !self.host.is_empty() {
            put("host", js(&self.host));
        }
        if !self.primary_property.is_empty() {
            put("primary_property", js(&self.primary_property));
        }
        if !self.secondary_property.is_empty() {
            put("secondary_property", js(&self.secondary_property));
        }
        for (k, v) in &self.attributes {
            put(k, js(v));
        }
        let mut body = Obj::map();
        for (k, raw) in &m {
            body = body.raw(k, raw);
        }
        let auth = [("Authorization", format!("Bearer {}", self.token))];
        post_json(&self.url, &auth, &body.encoded()).map(|_| ())
    }
}
