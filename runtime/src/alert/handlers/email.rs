//! `.email(to…)`: a minimal SMTP client over `std::net` (EHLO, optional AUTH
//! PLAIN, MAIL, RCPT, DATA with dot-stuffing, QUIT). Subject = message, the
//! `text/html` body = details.

use super::error::HandlerError;
use super::{hargs, hstrs, Handler};
use crate::alert::event::Event;
use crate::config::handlers::SmtpConfig;
use crate::config::HandlerConfigs;
use base64::Engine as _;
use compiler::ir;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct EmailHandler {
    cfg: SmtpConfig,
    to: Vec<String>,
}

impl EmailHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> EmailHandler {
        let mut to = hargs(h);
        to.extend(hstrs(h, "to"));
        if to.is_empty() {
            to = cfg.smtp.to.clone();
        }
        EmailHandler {
            cfg: cfg.smtp.clone(),
            to,
        }
    }
}

struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    /// Reads a (possibly multi-line) reply and checks its code.
    fn expect(&mut self, code: u16) -> Result<(), HandlerError> {
        loop {
            let mut line = String::new();
            let n = self
                .r
                .read_line(&mut line)
                .map_err(HandlerError::io("smtp: read"))?;
            if n == 0 {
                return Err(HandlerError::Protocol("smtp: connection closed".into()));
            }
            let got: u16 = line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| HandlerError::Protocol(format!("smtp: bad reply {line:?}")))?;
            if line.as_bytes().get(3) == Some(&b'-') {
                continue;
            }
            if got != code {
                return Err(HandlerError::Protocol(format!(
                    "smtp: expected {code}, got {}",
                    line.trim_end()
                )));
            }
            return Ok(());
        }
    }

    fn cmd(&mut self, line: &str, code: u16) -> Result<(), HandlerError> {
        self.w
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(HandlerError::io("smtp: write"))?;
        self.expect(code)
    }
}

impl Handler for EmailHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        if self.to.is_empty() {
            return Err(HandlerError::Rejected("smtp: no recipients".into()));
        }
        let addr = format!("{}:{}", self.cfg.host, self.cfg.port);
        let s =
            TcpStream::connect(&addr).map_err(HandlerError::io(format!("smtp: dial {addr}")))?;
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        let w = s.try_clone().map_err(HandlerError::io("smtp"))?;
        let mut c = Conn {
            r: BufReader::new(s),
            w,
        };
        c.expect(220)?;
        c.cmd("EHLO localhost", 250)?;
        if !self.cfg.username.is_empty() {
            let tok = base64::engine::general_purpose::STANDARD
                .encode(format!("\0{}\0{}", self.cfg.username, self.cfg.password));
            c.cmd(&format!("AUTH PLAIN {tok}"), 235)?;
        }
        c.cmd(&format!("MAIL FROM:<{}>", self.cfg.from), 250)?;
        for t in &self.to {
            c.cmd(&format!("RCPT TO:<{t}>"), 250)?;
        }
        c.cmd("DATA", 354)?;
        let mut msg = String::new();
        msg.push_str(&format!("From: {}\r\n", self.cfg.from));
        msg.push_str(&format!("To: {}\r\n", self.to.join(", ")));
        msg.push_str(&format!(
            "Subject: {}\r\n",
            ev.message.replace(['\r', '\n'], " ")
        ));
        msg.push_str("MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n");
        for line in ev.details.split('\n') {
            let line = line.trim_end_matches('\r');
            if line.starts_with('.') {
                msg.push('.');
            }
            msg.push_str(line);
            msg.push_str("\r\n");
        }
        msg.push_str(".\r\n");
        c.w.write_all(msg.as_bytes())
            .map_err(HandlerError::io("smtp: write"))?;
        c.expect(250)?;
        let _ = c.cmd("QUIT", 221);
        Ok(())
    }
}
