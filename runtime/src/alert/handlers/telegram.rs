//! `.telegram()`: POST `<url><token>/sendMessage`.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hflag, hstr, or, Handler};
use crate::alert::event::Event;
use crate::config::HandlerConfigs;
use compiler::ir;

pub struct TelegramHandler {
    url: String,
    chat_id: String,
    parse_mode: String,
    disable_preview: bool,
    disable_notification: bool,
}

impl TelegramHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> TelegramHandler {
        let c = &cfg.telegram;
        TelegramHandler {
            url: format!("{}{}/sendMessage", c.url, c.token),
            chat_id: or(hstr(h, "chatId"), &c.chat_id).to_string(),
            parse_mode: or(hstr(h, "parseMode"), &c.parse_mode).to_string(),
            disable_preview: hflag(h, "disableWebPagePreview") || c.disable_web_page_preview,
            disable_notification: hflag(h, "disableNotification") || c.disable_notification,
        }
    }
}

impl Handler for TelegramHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let mut o = Obj::map()
            .str("chat_id", &self.chat_id)
            .str("text", &ev.message);
        if !self.parse_mode.is_empty() {
            o = o.str("parse_mode", &self.parse_mode);
        }
        if self.disable_preview {
            o = o.bool("disable_web_page_preview", true);
        }
        if self.disable_notification {
            o = o.bool("disable_notification", true);
        }
        post_json(&self.url, &[], &o.encoded()).map(|_| ())
    }
}
