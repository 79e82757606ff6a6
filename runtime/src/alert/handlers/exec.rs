//! `.exec(prog, args…)`: runs the program with the event JSON + `\n` on stdin;
//! its output is reported only when it fails.

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
    pub fn new(h: &ir::Handler) -> Result<ExecHandler, String> {
        let mut a = hargs(h).into_iter();
        let prog = a.next().ok_or("exec handler needs a program")?;
        Ok(ExecHandler {
            prog,
            args: a.collect(),
        })
    }
}

impl Handler for ExecHandler {
    fn handle(&mut self, _ev: &Event, json: &str) -> Result<(), String> {
        let mut child = Command::new(&self.prog)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("exec handler: start {}: {e}", self.prog))?;
        if let Some(mut stdin) = child.stdin.take() {
            let mut buf = String::with_capacity(json.len() + 1);
            buf.push_str(json);
            buf.push('\n');
            let _ = stdin.write_all(buf.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("exec handler: {}: {e}", self.prog))?;
        if !out.status.success() {
            return Err(format!(
                "exec handler: {} failed ({}): {}{}",
                self.prog,
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}
