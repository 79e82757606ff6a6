//! `.teams()`: POST a Microsoft Teams MessageCard to the channel webhook
//! (`.channelURL()`, else `[teams] channel-url`).

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::{cut_bytes, Obj};
use super::{hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::ir;

/// Kapacitor cuts the card summary to this many bytes (then adds "...").
const SUMMARY_CUTOFF: usize = 70;

pub struct TeamsHandler {
    url: String,
}

impl TeamsHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> TeamsHandler {
        TeamsHandler {
            url: or(hstr(h, "channelURL"), &cfg.teams.channel_url).to_string(),
        }
    }
}

fn theme_color(l: Level) -> &'static str {
    match l {
        Level::Warning => "FFA533",
        Level::Critical => "CC4A31",
        _ => "34CC25",
    }
}

impl Handler for TeamsHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        // Kapacitor also falls back to the event's topic when the ID is
        // empty; alert events always carry an ID here.
        let level = ev.level.as_str();
        let (title, summary) = if ev.id.is_empty() {
            (level.to_string(), format!("{level}: {}", ev.message))
        } else {
            let title = format!("{level}: [{}]", ev.id);
            let summary = format!("{title} - {}", ev.message);
            (title, summary)
        };
        let summary = format!("{}...", cut_bytes(&summary, SUMMARY_CUTOFF));
        let body = Obj::new()
            .str("@type", "MessageCard")
            .str("@context", "http://schema.org/extensions")
            .str("title", &title)
            .str("text", &ev.message)
            .str("summary", &summary)
            .str("themeColor", theme_color(ev.level))
            .done();
        post_json(&self.url, &[], &body).map(|_| ())
    }
}
