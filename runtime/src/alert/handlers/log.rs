//! `.log(path)`: appends the event JSON plus `\n` to a file created with
//! `.mode(m)` (default 0600).

use super::{hargs, Handler};
use crate::alert::event::Event;
use compiler::ir;
use std::io::Write;

pub struct LogHandler {
    path: String,
    mode: u32,
}

impl LogHandler {
    pub fn new(h: &ir::Handler) -> Result<LogHandler, String> {
        let path = hargs(h)
            .into_iter()
            .next()
            .ok_or("log handler needs a path")?;
        if !std::path::Path::new(&path).is_absolute() {
            return Err(format!(
                "log path must be absolute: {path:?} is not absolute"
            ));
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
    fn handle(&mut self, _ev: &Event, json: &str) -> Result<(), String> {
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(self.mode);
        }
        let mut f = opts
            .open(&self.path)
            .map_err(|e| format!("log handler: open {}: {e}", self.path))?;
        let mut line = String::with_capacity(json.len() + 1);
        line.push_str(json);
        line.push('\n');
        f.write_all(line.as_bytes())
            .map_err(|e| format!("log handler: write {}: {e}", self.path))
    }
}
