//! `.pagerDuty2()` (Events API v2).

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hstr, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::template::gotime::rfc3339_fixed9;
use compiler::ir;
use compiler::ir::Arg;

pub struct PagerDuty2Handler {
    url: String,
    routing_key: String,
    client_url: String,
    links: Vec<(String, String)>,
}

impl PagerDuty2Handler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> PagerDuty2Handler {
        let key = hstr(h, "routingKey")
            .or_else(|| hstr(h, "serviceKey"))
            .filter(|s| !s.is_empty())
            .unwrap_or(&cfg.pagerduty2.routing_key)
            .to_string();
        let links = h
            .props
            .iter()
            .filter(|p| p.name == "link")
            .filter_map(|p| {
                let href = p.args.first().and_then(Arg::as_str)?.to_string();
                let text = p
                    .args
                    .get(1)
                    .and_then(Arg::as_str)
                    .unwrap_or(&href)
                    .to_string();
                Some((href, text))
            })
            .collect();
        PagerDuty2Handler {
            url: cfg.pagerduty2.url.clone(),
            routing_key: key,
            client_url: cfg.client_url(),
            links,
        }
    }
}

impl Handler for PagerDuty2Handler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let (action, severity) = match ev.level {
            Level::Ok => ("resolve", "info"),
            Level::Info => ("trigger", "info"),
            Level::Warning => ("trigger", "warning"),
            Level::Critical => ("trigger", "critical"),
        };
        let mut ts = String::new();
        rfc3339_fixed9(ev.time, &mut ts);
        let custom = format!("{{\"result\":{}}}", ev.result_json());
        let payload = Obj::new()
            .str("summary", &ev.message)
            .str("source", ev.tag("host").unwrap_or("unknown"))
            .str("severity", severity)
            .str("timestamp", &ts)
            .str("class", &ev.task)
            .str("component", "")
            .str("group", "")
            .raw("custom_details", &custom)
            .done();
        let links = if self.links.is_empty() {
            "null".to_string()
        } else {
            let items: Vec<String> = self
                .links
                .iter()
                .map(|(h, t)| Obj::new().str("href", h).str("text", t).done())
                .collect();
            format!("[{}]", items.join(","))
        };
        let body = Obj::new()
            .str("routing_key", &self.routing_key)
            .str("event_action", action)
            .str("dedup_key", &ev.id)
            .raw("payload", &payload)
            .raw("images", "null")
            .raw("links", &links)
            .str("client", "kapacitor")
            .str("client_url", &self.client_url)
            .done();
        post_json(&self.url, &[], &body).map(|_| ())
    }
}
