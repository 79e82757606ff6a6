//! `.sensu()`: one JSON check result over raw TCP to the Sensu client, which
//! answers `ok`.

use super::error::HandlerError;
use super::jsonw::Obj;
use super::{hpairs, hstr, hstrs, or, Handler};
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::HandlerConfigs;
use compiler::ir;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct SensuHandler {
    addr: String,
    source: String,
    handlers: Vec<String>,
    metadata: Vec<(String, String)>,
}

impl SensuHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> SensuHandler {
        let c = &cfg.sensu;
        let handlers = hstrs(h, "handlers");
        SensuHandler {
            addr: c.addr.clone(),
            source: or(hstr(h, "source"), or(Some(&c.source), "Kapacitor")).to_string(),
            handlers: if handlers.is_empty() {
                c.handlers.clone()
            } else {
                handlers
            },
            metadata: hpairs(h, "metadata"),
        }
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
}

impl Handler for SensuHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        if !valid_name(&ev.id) {
            return Err(HandlerError::Rejected(format!(
                "invalid name {:?} for sensu alert. Must match ^[\\w\\.-]+$",
                ev.id
            )));
        }
        let status = match ev.level {
            Level::Ok | Level::Info => 0,
            Level::Warning => 1,
            Level::Critical => 2,
        };
        let mut o = Obj::map()
            .str("name", &ev.id)
            .str("source", &self.source)
            .str("output", &ev.message)
            .int("status", status);
        // Kapacitor always sets `handlers` (a nil list encodes as null);
        // metadata never overrides the standard keys.
        o = if self.handlers.is_empty() {
            o.raw("handlers", "null")
        } else {
            o.strs("handlers", &self.handlers)
        };
        for (k, v) in &self.metadata {
            if !matches!(
                k.as_str(),
                "name" | "source" | "output" | "status" | "handlers"
            ) {
                o = o.str(k, v);
            }
        }
        let body = o.encoded();
        let mut c = TcpStream::connect(&self.addr)
            .map_err(HandlerError::io(format!("sensu: dial {}", self.addr)))?;
        let _ = c.set_read_timeout(Some(Duration::from_secs(10)));
        c.write_all(body.as_bytes())
            .map_err(HandlerError::io("sensu: write"))?;
        let _ = c.shutdown(std::net::Shutdown::Write);
        let mut reply = String::new();
        let _ = c.read_to_string(&mut reply);
        if reply.trim() != "ok" {
            return Err(HandlerError::Protocol(format!(
                "sensu: unexpected response {:?}",
                reply.trim()
            )));
        }
        Ok(())
    }
}
