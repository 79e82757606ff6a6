//! `.pagerDuty()` (Events API v1).

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::ir;

pub struct PagerDutyHandler {
    url: String,
    service_key: String,
    client_url: String,
}

impl PagerDutyHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> PagerDutyHandler {
        PagerDutyHandler {
            url: cfg.pagerduty.url.clone(),
            service_key: or(hstr(h, "serviceKey"), &cfg.pagerduty.service_key).to_string(),
            client_url: cfg.client_url(),
        }
    }
}

impl Handler for PagerDutyHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let event_type = match ev.level {
            Level::Warning | Level::Critical => "trigger",
            Level::Ok => "resolve",
            Level::Info => {
                return Err(HandlerError::Rejected(
                    "AlertLevel 'info' is currently ignored by the PagerDuty service".into(),
                ))
            }
        };
        let body = Obj::map()
            .str("service_key", &self.service_key)
            .str("event_type", event_type)
            .str("description", &ev.message)
            .str("incident_key", &ev.id)
            .str("client", "kapacitor")
            .str("client_url", &self.client_url)
            .str("details", &ev.details)
            .encoded();
        post_json(&self.url, &[], &body).map(|_| ())
    }
}
