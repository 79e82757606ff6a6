//! `.exec(prog, args…)`: runs the program with the event JSON + `\n` on stdin;
//! its output is reported only when it fails.

use super::error::HandlerError;
use super::{hargs, Handler};
use crate::alert::event::Event;
use compiler::ir;
use std::io::Write;
use std::process::{Command, Stdio};

pub struct ExecHandler {
    prog: String,
    args: Vec<String>,
}

impl ExecHandler {
    pub fn new(h: &ir::Handler) -> Result<ExecHandler, HandlerError> {
        let mut a = hargs(h).into_iter();
        let prog = a
            .next()
            .ok_or_else(|| HandlerError::Invalid("exec handler needs a program".into()))?;
        Ok(ExecHandler {
            prog,
            args: a.collect(),
        })
    }
}

impl Handler for ExecHandler {
    fn handle(&mut self, _ev: &Event, json: &str) -> Result<(), HandlerError> {
        let mut child = Command::new(&self.prog)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(HandlerError::io(format!(
                "exec handler: start {}",
                self.prog
            )))?;
        if let Some(mut stdin) = child.stdin.take() {
            let mut buf = String::with_capacity(json.len() + 1);
            buf.push_str(json);
            buf.push('\n');
            let _ = stdin.write_all(buf.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(HandlerError::io(format!("exec handler: {}", self.prog)))?;
        if !out.status.success() {
            return Err(HandlerError::Protocol(format!(
                "exec handler: {} failed ({}): {}{}",
                self.prog,
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }
}
