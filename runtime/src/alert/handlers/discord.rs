//! `.discord()`: POST a webhook message with one rich embed to the
//! `[[discord]]` workspace URL. As in Kapacitor's service, the handler's
//! `username`, `avatarURL` and `embedTitle` are sent as given (an empty one
//! is left out), and the embed's timestamp is set only when the handler
//! asks for it (topic-handler option `timestamp`).

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hflag, hstr, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::template::gotime::civil;
use compiler::ir;

pub struct DiscordHandler {
    url: String,
    username: String,
    avatar_url: String,
    embed_title: String,
    timestamp: bool,
}

impl DiscordHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<DiscordHandler, HandlerError> {
        let workspace = hstr(h, "workspace").unwrap_or("");
        let c = cfg.discord(workspace).ok_or_else(|| {
            HandlerError::Invalid(if cfg.discord.is_empty() {
                "no discord configuration found".to_string()
            } else {
                format!("discord workspace {workspace:?} not found")
            })
        })?;
        let s = |name: &str| hstr(h, name).unwrap_or("").to_string();
        Ok(DiscordHandler {
            url: c.url.clone(),
            username: s("username"),
            avatar_url: s("avatarURL"),
            embed_title: s("embedTitle"),
            timestamp: hflag(h, "timestamp"),
        })
    }
}

/// The embed's colour per level (Kapacitor's constants).
fn color(l: Level) -> i64 {
    match l {
        Level::Critical => 0xF95F53,
        Level::Warning => 0xF48D38,
        _ => 0x7A65F2,
    }
}

/// Go's `time.RFC3339` of a UTC time (no fraction).
fn rfc3339(ns: i64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(ns);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

impl Handler for DiscordHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let timestamp = if self.timestamp {
            rfc3339(ev.time)
        } else {
            String::new()
        };
        let embed = Obj::new()
            .int("color", color(ev.level))
            .str("title", &self.embed_title)
            .str("description", &ev.message)
            .str("timestamp", &timestamp)
            .done();
        // A Go map: keys sorted, empty username/avatar left out.
        let mut body = Obj::map().raw("embeds", &format!("[{embed}]"));
        if !self.username.is_empty() {
            body = body.str("username", &self.username);
        }
        if !self.avatar_url.is_empty() {
            body = body.str("avatar_url", &self.avatar_url);
        }
        post_json(&self.url, &[], &body.encoded()).map(|_| ())
    }
}
