//! `.talk()`: POST `{"authorName","text","title"}` (a Go map, keys sorted)
//! to the `[talk]` URL; the title is the alert ID.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::Handler;
use crate::alert::event::Event;
use crate::config::HandlerConfigs;

pub struct TalkHandler {
    url: String,
    author_name: String,
}

impl TalkHandler {
    pub fn new(cfg: &HandlerConfigs) -> TalkHandler {
        TalkHandler {
            url: cfg.talk.url.clone(),
            author_name: cfg.talk.author_name.clone(),
        }
    }
}

impl Handler for TalkHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let body = Obj::map()
            .str("title", &ev.id)
            .str("text", &ev.message)
            .str("authorName", &self.author_name)
            .encoded();
        post_json(&self.url, &[], &body).map(|_| ())
    }
}
