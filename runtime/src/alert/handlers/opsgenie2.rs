//! `.opsGenie2()` (API v2, `Authorization: GenieKey <key>`); recoveries add a
//! note to (or close) the alert by its base64url alias.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::Obj;
use super::{hflag, hstr, hstrs, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use crate::result::write_str;
use base64::Engine as _;
use compiler::ir;

pub struct OpsGenie2Handler {
    url: String,
    api_key: String,
    teams: Vec<String>,
    recipients: Vec<String>,
    recovery_action: String,
    details: bool,
}

impl OpsGenie2Handler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> OpsGenie2Handler {
        let c = &cfg.opsgenie2;
        let teams = hstrs(h, "teams");
        let recipients = hstrs(h, "recipients");
        OpsGenie2Handler {
            url: c.url.trim_end_matches('/').to_string(),
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
            recovery_action: or(
                hstr(h, "recoveryAction"),
                or(Some(&c.recovery_action), "notes"),
            )
            .to_string(),
            details: hflag(h, "details") || c.details,
        }
    }
}

impl Handler for OpsGenie2Handler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let alias = base64::engine::general_purpose::URL_SAFE.encode(ev.id.as_bytes());
        let auth = [("Authorization", format!("GenieKey {}", self.api_key))];
        if ev.level == Level::Ok {
            let url = format!(
                "{}/{}/{}?identifierType=alias",
                self.url, alias, self.recovery_action
            );
            let body = Obj::new().str("note", &ev.message).done();
            return post_json(&url, &auth, &body).map(|_| ());
        }
        let priority = match ev.level {
            Level::Critical => "P1",
            Level::Warning => "P3",
            _ => "P5",
        };
        let description = if self.details && !ev.details.is_empty() {
            ev.details.clone()
        } else {
            ev.result_json()
        };
        let mut det = String::from("{\"Monitoring Tool\":\"Kapacitor\",\"Level\":");
        write_str(&mut det, ev.level.as_str());
        for (k, v) in &ev.data.tags {
            det.push(',');
            write_str(&mut det, k);
            det.push(':');
            write_str(&mut det, v);
        }
        det.push_str(",\"Kapacitor Task Name\":");
        write_str(&mut det, &ev.data.name);
        det.push('}');
        let mut o = Obj::new()
            .str("entity", &ev.id)
            .str("alias", &alias)
            .str("message", &ev.message)
            .str("note", "")
            .str("priority", priority)
            .str("description", &description)
            .raw("details", &det);
        if !self.teams.is_empty() || !self.recipients.is_empty() {
            let mut r: Vec<String> = self
                .teams
                .iter()
                .map(|t| Obj::new().str("name", t).str("type", "team").done())
                .collect();
            r.extend(
                self.recipients
                    .iter()
                    .map(|u| Obj::new().str("username", u).str("type", "user").done()),
            );
            o = o.raw("responders", &format!("[{}]", r.join(",")));
        }
        post_json(&self.url, &auth, &o.done()).map(|_| ())
    }
}
