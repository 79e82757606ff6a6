//! `watch <task> [k=v...]` and `logs [k=v...]`: stream `/kapacitor/v1preview/logs` filtered by
//! the given tags (`watch` adds `task=<id>`) to stdout until the server closes the stream or
//! the user interrupts it (which, as in Kapacitor, ends the command successfully).

use crate::kapacitor::client::{ClientError, Method};
use crate::kapacitor::error::CliError;
use crate::kapacitor::gourl::Query;
use crate::kapacitor::{page, Ctx};
use std::collections::BTreeMap;
use std::io::Read;

const LOGS_PATH: &str = "/kapacitor/v1preview/logs";

const WATCH_USAGE: &str = "Usage: kapacitor watch <task id> [<tags> ...]

\tWatch logs associated with a task.

\tExamples:

\t\t$ kapacitor watch mytask
\t\t$ kapacitor watch mytask node=log5
";

pub fn watch_usage() -> String {
    page(WATCH_USAGE, None)
}

const LOGS_USAGE: &str = "Usage: kapacitor logs [<tags> ...]

\tWatch arbitrary kapacitor logs.

\t\t$ kapacitor logs service=http lvl=error
\t\t$ kapacitor logs service=http lvl=info+
";

pub fn logs_usage() -> String {
    page(LOGS_USAGE, None)
}

/// `k=v` arguments into a map (a later key replaces an earlier one, as in Kapacitor's map).
fn pairs(args: &[String], into: &mut BTreeMap<String, String>) -> Result<(), CliError> {
    for a in args {
        let parts: Vec<&str> = a.split('=').collect();
        let [k, v] = parts.as_slice() else {
            return Err(CliError::BadPair(a.clone()));
        };
        into.insert(k.to_string(), v.to_string());
    }
    Ok(())
}

pub fn run_watch(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let Some((task, rest)) = args.split_first() else {
        return Err(CliError::Required("must provide task ID."));
    };
    let mut tags = BTreeMap::new();
    tags.insert("task".to_string(), task.clone());
    pairs(rest, &mut tags)?;
    tail(ctx, &tags)
}

pub fn run_logs(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let mut tags = BTreeMap::new();
    pairs(args, &mut tags)?;
    tail(ctx, &tags)
}

fn tail(ctx: &mut Ctx, tags: &BTreeMap<String, String>) -> Result<(), CliError> {
    interrupt::exit_quietly_on_sigint();
    let mut q = Query::new();
    for (k, v) in tags {
        q.add(k, v);
    }
    let wrap = |e: ClientError| CliError::from(e).wrap("failed to retrieve logs");
    let mut resp = ctx
        .client
        .send(Method::Get, LOGS_PATH, &q, None)
        .map_err(wrap)?;
    let status = resp.status().as_u16();
    let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
    if status != 200 {
        let mut body = Vec::new();
        let _ = reader.read_to_end(&mut body);
        let err = crate::kapacitor::client::decode::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .filter(|e| !e.is_empty())
            .map(ClientError::Server)
            .unwrap_or(ClientError::InvalidResponse {
                code: status,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        return Err(wrap(err));
    }
    let mut buf = [0u8; 8 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => ctx.out.bytes(&buf[..n]),
            Err(e) => {
                return Err(wrap(ClientError::Transport {
                    op: "Get",
                    url: LOGS_PATH.to_string(),
                    detail: e.to_string(),
                }))
            }
        }
    }
}

/// Ctrl-C while following logs ends the process with status 0, as Kapacitor's CLI cancels the
/// stream and returns no error. Output already written is complete (it is written unbuffered).
mod interrupt {
    #[cfg(unix)]
    pub fn exit_quietly_on_sigint() {
        const SIGINT: i32 = 2;
        const SIGTERM: i32 = 15;
        extern "C" {
            fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
            fn _exit(status: i32) -> !;
        }
        extern "C" fn on_signal(_: i32) {
            // SAFETY: `_exit` is async-signal-safe and takes no locks.
            unsafe { _exit(0) }
        }
        // SAFETY: installing a handler that only calls `_exit` is sound at any point.
        unsafe {
            signal(SIGINT, on_signal);
            signal(SIGTERM, on_signal);
        }
    }

    #[cfg(not(unix))]
    pub fn exit_quietly_on_sigint() {}
}
