//! `.hipChat()`: POST `<url>/<room>/notification?auth_token=<token>` with
//! `{"color","from":"kapacitor","message","notify":true}` (a Go map, keys
//! sorted); room and token from the handler, else from `[hipchat]`.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::golang::quote::query_escape;
use compiler::ir;

pub struct HipChatHandler {
    url: String,
}

impl HipChatHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> HipChatHandler {
        let c = &cfg.hipchat;
        let room = or(hstr(h, "room"), &c.room);
        let token = or(hstr(h, "token"), &c.token);
        // Go's path.Join(u.Path, room, "notification") on the base URL, then
        // url.Values{"auth_token": token}.Encode().
        let base = c.url.trim_end_matches('/');
        let room = room.trim_matches('/');
        let path = if room.is_empty() {
            format!("{base}/notification")
        } else {
            format!("{base}/{room}/notification")
        };
        HipChatHandler {
            url: format!("{path}?auth_token={}", query_escape(token)),
        }
    }
}

impl Handler for HipChatHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let color = match ev.level {
            Level::Warning => "yellow",
            Level::Critical => "red",
            _ => "green",
        };
        let body = Obj::map()
            .str("from", "kapacitor")
            .str("color", color)
            .str("message", &ev.message)
            .bool("notify", true)
            .encoded();
        post_json(&self.url, &[], &body).map(|_| ())
    }
}
