//! `.log(path)`: appends the event JSON plus `\n` to a file created with
//! `.mode(m)` (default 0600).

use super::error::HandlerError;
use super::{hargs, Handler};
use crate::alert::event::Event;
use compiler::ir;
use std::io::Write;

pub struct LogHandler {
    path: String,
    mode: u32,
}

impl LogHandler {
    pub fn new(h: &ir::Handler) -> Result<LogHandler, HandlerError> {
        let path = hargs(h)
            .into_iter()
            .next()
            .ok_or_else(|| HandlerError::Invalid("log handler needs a path".into()))?;
        if !std::path::Path::new(&path).is_absolute() {
            return Err(HandlerError::Invalid(format!(
                "log path must be absolute: {path:?} is not absolute"
            )));
        }
        let mode = h
            .prop("mode")
            .and_then(|p| p.args.first())
            .and_then(|a| a.as_int())
            .unwrap_or(0o600);
        Ok(LogHandler {
            path,
            mode: mode as u32,
        })
    }
}

impl Handler for LogHandler {
    fn handle(&mut self, _ev: &Event, json: &str) -> Result<(), HandlerError> {
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(self.mode);
        }
        let mut f = opts
            .open(&self.path)
            .map_err(HandlerError::io(format!("log handler: open {}", self.path)))?;
        let mut line = String::with_capacity(json.len() + 1);
        line.push_str(json);
        line.push('\n');
        f.write_all(line.as_bytes())
            .map_err(HandlerError::io(format!(
                "log handler: write {}",
                self.path
            )))
    }
}
