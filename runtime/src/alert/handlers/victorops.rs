//! `.victorOps()`: POST `<url>/<api-key>/<routing-key>`.

use super::error::HandlerError;
use super::http::post_json;
use super::jsonw::{json_str, Obj};
use super::{hstr, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::ir;

pub struct VictorOpsHandler {
    url: String,
    json_data: bool,
}

impl VictorOpsHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> VictorOpsHandler {
        let c = &cfg.victorops;
        let rk = or(hstr(h, "routingKey"), &c.routing_key);
        VictorOpsHandler {
            url: format!("{}/{}/{}", c.url.trim_end_matches('/'), c.api_key, rk),
            json_data: c.json_data,
        }
    }
}

impl Handler for VictorOpsHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let mt = match ev.level {
            Level::Ok => "RECOVERY",
            l => l.as_str(),
        };
        let result = ev.result_json();
        let data = if self.json_data {
            result
        } else {
            json_str(&result)
        };
        let body = Obj::map()
            .str("message_type", mt)
            .str("entity_id", &ev.id)
            .str("state_message", &ev.message)
            .int("timestamp", ev.time.div_euclid(1_000_000_000))
            .str("monitoring_tool", "kapacitor")
            .raw("data", &data)
            .encoded();
        post_json(&self.url, &[], &body).map(|_| ())
    }
}
