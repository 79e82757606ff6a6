//! `.tcp(addr)`: dials, sends the event JSON + `\n\n`, closes.

use super::{hargs, Handler};
use crate::alert::event::Event;
use compiler::ir;
use std::io::Write;
use std::net::TcpStream;

pub struct TcpHandler {
    addr: String,
}

impl TcpHandler {
    pub fn new(h: &ir::Handler) -> Result<TcpHandler, String> {
        let addr = hargs(h)
            .into_iter()
            .next()
            .ok_or("tcp handler needs an address")?;
        Ok(TcpHandler { addr })
    }
}

impl Handler for TcpHandler {
    fn handle(&mut self, _ev: &Event, json: &str) -> Result<(), String> {
        let mut c = TcpStream::connect(&self.addr)
            .map_err(|e| format!("tcp handler: dial {}: {e}", self.addr))?;
        let mut buf = String::with_capacity(json.len() + 2);
        buf.push_str(json);
        buf.push_str("\n\n");
        c.write_all(buf.as_bytes())
            .map_err(|e| format!("tcp handler: write {}: {e}", self.addr))
    }
}
