//! `.opsGenie()` (API v1): alerts to `<url>/`, recoveries to `<recovery_url>/`.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hstrs, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::ir;

pub struct OpsGenieHandler {
    url: String,
    recovery_url: String,
    api_key: String,
    teams: Vec<String>,
    recipients: Vec<String>,
}

impl OpsGenieHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> OpsGenieHandler {
        let c = &cfg.opsgenie;
        let teams = hstrs(h, "teams");
        let recipients = hstrs(h, "recipients");
        OpsGenieHandler {
            url: format!("{}/", c.url.trim_end_matches('/')),
            recovery_url: format!("{}/", c.recovery_url.trim_end_matches('/')),
            api_key: c.api_key.clone(),
            teams: if teams.is_empty() {
                c.teams.clone()
            } else {
                teams
            },
            recipients: if recipients.is_empty() {
                c.recipients.clone()
            } else {
                recipients
            },
        }
    }
}

impl Handler for OpsGenieHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let recovery = ev.level == Level::Ok;
        let level = if recovery {
            "RECOVERY"
        } else {
            ev.level.as_str()
        };
        let details = Obj::map()
            .str("Level", level)
            .str("Monitoring Tool", "Kapacitor")
            .done();
        let mut o = Obj::map()
            .str("apiKey", &self.api_key)
            .str("entity", &ev.id)
            .str("alias", &ev.id)
            .str("message", &ev.message)
            .str("note", if recovery { &ev.message } else { "" })
            .str("monitoring_tool", "kapacitor")
            .raw("details", &details)
            .str("description", &ev.result_json());
        if !self.teams.is_empty() {
            o = o.strs("teams", &self.teams);
        }
        if !self.recipients.is_empty() {
            o = o.strs("recipients", &self.recipients);
        }
        let url = if recovery {
            &self.recovery_url
        } else {
            &self.url
        };
        post_json(url, &[], &o.encoded()).map(|_| ())
    }
}
