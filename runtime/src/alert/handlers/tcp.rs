//! `.tcp(addr)`: dials, sends the event JSON + `\n\n`, closes.

use super::error::HandlerError;
use super::{hargs, Handler};
use crate::alert::event::Event;
use compiler::ir;
use std::io::Write;
use std::net::TcpStream;

pub struct TcpHandler {
    addr: String,
}

impl TcpHandler {
    pub fn new(h: &ir::Handler) -> Result<TcpHandler, HandlerError> {
        let addr = hargs(h)
            .into_iter()
            .next()
            .ok_or_else(|| HandlerError::Invalid("tcp handler needs an address".into()))?;
        Ok(TcpHandler { addr })
    }
}

impl Handler for TcpHandler {
    fn handle(&mut self, _ev: &Event, json: &str) -> Result<(), HandlerError> {
        let mut c = TcpStream::connect(&self.addr)
            .map_err(HandlerError::io(format!("tcp handler: dial {}", self.addr)))?;
        let mut buf = String::with_capacity(json.len() + 2);
        buf.push_str(json);
        buf.push_str("\n\n");
        c.write_all(buf.as_bytes())
            .map_err(HandlerError::io(format!(
                "tcp handler: write {}",
                self.addr
            )))
    }
}
