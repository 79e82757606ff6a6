//! `.slack()`: POST to the `[[slack]]` webhook URL (Bearer token when set).

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::handlers::SlackConfig;
use crate::config::HandlerConfigs;
use compiler::ir;

pub struct SlackHandler {
    cfg: SlackConfig,
    channel: String,
    username: String,
    icon_emoji: String,
}

impl SlackHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> SlackHandler {
        let c = cfg.slack(hstr(h, "workspace").unwrap_or(""));
        SlackHandler {
            channel: or(hstr(h, "channel"), &c.channel).to_string(),
            username: or(hstr(h, "username"), or(Some(&c.username), "kapacitor")).to_string(),
            icon_emoji: or(hstr(h, "iconEmoji"), &c.icon_emoji).to_string(),
            cfg: c,
        }
    }
}

pub fn color(l: Level) -> &'static str {
    match l {
        Level::Warning => "warning",
        Level::Critical => "danger",
        _ => "good",
    }
}

impl Handler for SlackHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let att = Obj::new()
            .str("fallback", &ev.message)
            .str("color", color(ev.level))
            .str("text", &ev.message)
            .raw("mrkdwn_in", "[\"text\"]")
            .done();
        // A Go map in Kapacitor: keys sorted, `as_user` always false.
        let body = Obj::map()
            .bool("as_user", false)
            .str("channel", &self.channel)
            .str("username", &self.username)
            .str("icon_emoji", &self.icon_emoji)
            .str("text", "")
            .raw("attachments", &format!("[{att}]"))
            .encoded();
        let mut extra = Vec::new();
        if !self.cfg.token.is_empty() {
            extra.push(("Authorization", format!("Bearer {}", self.cfg.token)));
        }
        post_json(&self.cfg.url, &extra, &body).map(|_| ())
    }
}
