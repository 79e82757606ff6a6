//! `tickc run SCRIPT --data FILE`: run a task offline over line protocol, a
//! stream recording (`.srpl`), a batch recording (`.brpl`) or JSON batches,
//! printing one JSON object per output on stdout (issue 4 item 4):
//! `{"kind":"alert"|"point"|"log"|"httpOut","node":NAME,...}`. NAME is the
//! node's Kapacitor name (`alert2`, `http_out3`, `influxdb_out4`), the name
//! the DOT and the stats use. Bad input lines are reported on stderr with
//! their line number and skipped, unless `--strict`.

use super::{read_input, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use compiler::diagnostic::render::render_text;
use runtime::config::Config;
use runtime::line_protocol::Precision;
use runtime::offline::{self, RunOptions};
use runtime::output::JsonLinesSink;
use runtime::recording;
use std::io::Write;
use std::path::Path;

/// The options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub script: String,
    pub data: String,
    /// `db.rp` given to plain line protocol (default: the script's first dbrp).
    pub dbrp: Option<String>,
    /// `ns` (default), `u`, `ms`, `s`, `m`, `h`.
    pub precision: Option<String>,
    pub strict: bool,
    pub handlers: bool,
    /// A Kapacitor config file (handler sections).
    pub config: Option<String>,
}

/// Why a run failed, with the exit code to use.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn usage(message: String) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message,
    }
}

/// Run and write outputs to `out`, diagnostics to `err`.
pub fn execute(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let input = read_input(&args.script).map_err(usage)?;
    let (pipeline, diags) = compiler::check(&input.source);
    if !diags.is_empty() {
        let _ = write!(
            err,
            "{}",
            render_text(&input.name, &input.source, &diags, false)
        );
    }
    let Some(pipeline) = pipeline else {
        return Err(Failure {
            code: EXIT_ERRORS,
            message: format!("{}: the script has errors", input.name),
        });
    };
    let (db, rp) = match &args.dbrp {
        Some(s) => {
            let (db, rp) = s
                .split_once('.')
                .ok_or_else(|| usage(format!("--dbrp {s:?}: expected db.rp")))?;
            (db.to_string(), rp.to_string())
        }
        None => offline::default_dbrp(&pipeline),
    };
    let precision = match &args.precision {
        Some(p) => Precision::parse(p)
            .ok_or_else(|| usage(format!("--precision {p:?}: expected ns, u, ms, s, m or h")))?,
        None => Precision::Nanoseconds,
    };
    let mut config = match &args.config {
        Some(path) => {
            let src = std::fs::read_to_string(path).map_err(|e| usage(format!("{path}: {e}")))?;
            Config::from_toml(&src).map_err(|e| usage(format!("{path}: {e}")))?
        }
        None => Config::default(),
    };
    config.handlers_enabled = args.handlers;
    let data = recording::load(Path::new(&args.data), (&db, &rp), precision)
        .map_err(|e| usage(e.to_string()))?;
    let name = task_name(&args.script);
    let opts = RunOptions {
        strict: args.strict,
        config,
    };
    let mut sink = JsonLinesSink::new(out, err);
    let result = offline::run(&name, &pipeline, data, &opts, &mut sink);
    if let Some(e) = sink.io_error.take() {
        return Err(usage(format!("writing the output: {e}")));
    }
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure {
            code: EXIT_ERRORS,
            message: e.to_string(),
        }),
    }
}

/// The task name: the script's file stem (`stdin` for `-`).
pub fn task_name(script: &str) -> String {
    if script == "-" {
        return "stdin".into();
    }
    Path::new(script)
        .file_stem()
        .map_or_else(|| "task".into(), |s| s.to_string_lossy().into_owned())
}

pub fn run(args: &RunArgs) -> u8 {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let result = execute(args, &mut out, &mut err);
    let _ = out.flush();
    match result {
        Ok(()) => EXIT_OK,
        Err(f) => {
            let _ = writeln!(err, "error: {}", f.message);
            f.code
        }
    }
}
