//! `.pushover()`: form-urlencoded POST (keys sorted, as Go's `url.Values`).

use super::error::HandlerError;
use super::http::post;
use super::{hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::ir;

pub struct PushoverHandler {
    url: String,
    token: String,
    user: String,
    optional: Vec<(&'static str, String)>,
}

impl PushoverHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> PushoverHandler {
        let c = &cfg.pushover;
        let optional = [
            ("device", "device"),
            ("title", "title"),
            ("url", "uRL"),
            ("url_title", "uRLTitle"),
            ("sound", "sound"),
        ]
        .into_iter()
        .filter_map(|(k, p)| {
            hstr(h, p)
                .filter(|v| !v.is_empty())
                .map(|v| (k, v.to_string()))
        })
        .collect();
        PushoverHandler {
            url: c.url.clone(),
            token: c.token.clone(),
            user: or(hstr(h, "userKey"), &c.user_key).to_string(),
            optional,
        }
    }
}

/// A form value as Go's `url.Values.Encode` writes it (`url.QueryEscape`).
pub use compiler::golang::query_escape as form_escape;

impl Handler for PushoverHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let priority = match ev.level {
            Level::Ok => -2,
            Level::Info => -1,
            Level::Warning => 0,
            Level::Critical => 1,
        };
        let mut kv: Vec<(&str, String)> = vec![
            ("token", self.token.clone()),
            ("user", self.user.clone()),
            ("message", ev.message.clone()),
            ("priority", priority.to_string()),
        ];
        kv.extend(self.optional.iter().cloned());
        kv.sort_by(|a, b| a.0.cmp(b.0));
        let body: Vec<String> = kv
            .iter()
            .map(|(k, v)| format!("{k}={}", form_escape(v)))
            .collect();
        let headers = [(
            "Content-Type",
            "application/x-www-form-urlencoded".to_string(),
        )];
        post(&self.url, &headers, body.join("&").as_bytes(), None).map(|_| ())
    }
}
