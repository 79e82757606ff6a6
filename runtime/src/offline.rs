//! The offline run behind `tickc run` and `tickc test`: build a task from a
//! checked pipeline, replay the loaded data through it in data time, flush.
//!
//! Points are delivered only when their db/rp is one of the task's `dbrp`
//! statements (when it has any), as Kapacitor routes writes. A bad input line
//! is reported on the diagnostic stream naming the line and skipped, unless
//! `strict` is set (then the run stops there).

use crate::config::Config;
use crate::line_protocol::Precision;
use crate::message::Point;
use crate::node::BuildError;
use crate::output::JsonLinesSink;
use crate::output::Sink;
use crate::recording;
use crate::recording::Data;
use crate::task::{Task, TaskError};
use compiler::diagnostic::render::render_text;
use compiler::ir::{Pipeline, TaskType};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Stop at the first bad input line.
    pub strict: bool,
    pub config: Config,
}

/// Why a run stopped.
#[derive(Debug)]
pub enum RunError {
    Build(BuildError),
    Task(TaskError),
    /// A bad input line under `--strict`.
    Input(String),
    /// Stream data for a batch task or the reverse.
    Mismatch(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Build(e) => write!(f, "cannot build the task: {e}"),
            RunError::Task(e) => write!(f, "task stopped: {e}"),
            RunError::Input(e) => write!(f, "{e}"),
            RunError::Mismatch(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// What happened during a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Points or batches delivered to the task.
    pub delivered: u64,
    /// Points whose db/rp the task does not read.
    pub skipped: u64,
    /// Bad input lines (reported and skipped).
    pub bad_lines: u64,
}

/// Run `pipeline` named `name` over `data`; outputs and diagnostics go to `sink`.
pub fn run(
    name: &str,
    pipeline: &Pipeline,
    data: Data,
    opts: &RunOptions,
    sink: &mut dyn Sink,
) -> Result<(Task, RunSummary), RunError> {
    let mut task = Task::build(name, pipeline, opts.config.clone()).map_err(RunError::Build)?;
    let mut summary = RunSummary::default();
    match (pipeline.task_type, data) {
        (TaskType::Stream, Data::Stream(points)) => {
            for r in points {
                match r {
                    Ok(p) => {
                        if !reads(pipeline, &p) {
                            summary.skipped += 1;
                            continue;
                        }
                        summary.delivered += 1;
                        task.push_point(Arc::new(p), sink).map_err(RunError::Task)?;
                    }
                    Err(e) => {
                        if opts.strict {
                            return Err(RunError::Input(e.to_string()));
                        }
                        summary.bad_lines += 1;
                        sink.diagnostic("input", &e.to_string());
                    }
                }
            }
        }
        (TaskType::Batch, Data::Batches(batches)) => {
            for r in batches {
                match r {
                    Ok((q, b)) => {
                        summary.delivered += 1;
                        task.push_batch(q, Arc::new(b), sink)
                            .map_err(RunError::Task)?;
                    }
                    Err(e) => {
                        if opts.strict {
                            return Err(RunError::Input(e.to_string()));
                        }
                        summary.bad_lines += 1;
                        sink.diagnostic("input", &e.to_string());
                    }
                }
            }
        }
        (TaskType::Stream, Data::Batches(_)) => {
            return Err(RunError::Mismatch(
                "a stream task needs line protocol or a stream recording (.srpl), not batches"
                    .into(),
            ))
        }
        (TaskType::Batch, Data::Stream(_)) => {
            return Err(RunError::Mismatch(
                "a batch task needs a batch recording (.brpl) or JSON batches, not points".into(),
            ))
        }
    }
    task.finish(sink).map_err(RunError::Task)?;
    Ok((task, summary))
}

/// Whether the task reads the point's db/rp (no `dbrp` statement: all).
fn reads(pipeline: &Pipeline, p: &Point) -> bool {
    pipeline.dbrps.is_empty()
        || pipeline
            .dbrps
            .iter()
            .any(|d| d.db == *p.database && d.rp == *p.retention_policy)
}

/// The db/rp given to plain line protocol when `--dbrp` is absent: the
/// script's first `dbrp`, else empty names.
pub fn default_dbrp(pipeline: &Pipeline) -> (String, String) {
    pipeline
        .dbrps
        .first()
        .map(|d| (d.db.clone(), d.rp.clone()))
        .unwrap_or_default()
}

// ---- `tickc run` as a function (the CLI and the spec harness share it) ----

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
    /// After the run, write the executing DOT (node and edge stats, api.md
    /// §5.5) to the diagnostic stream.
    pub stats: bool,
}

/// Why a run failed, with the exit code to use (1: script or task error, 2: usage/I/O).
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn usage(message: String) -> Failure {
    Failure { code: 2, message }
}

/// Run and write outputs to `out`, diagnostics to `err`.
pub fn execute(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let (source, input_name) = if args.script == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| usage(format!("<stdin>: {e}")))?;
        (s, "<stdin>".to_string())
    } else {
        let s = std::fs::read_to_string(&args.script)
            .map_err(|e| usage(format!("{}: {e}", args.script)))?;
        (s, args.script.clone())
    };
    let (pipeline, diags) = compiler::check(&source);
    if !diags.is_empty() {
        let _ = write!(err, "{}", render_text(&input_name, &source, &diags, false));
    }
    let Some(pipeline) = pipeline else {
        return Err(Failure {
            code: 1,
            message: format!("{input_name}: the script has errors"),
        });
    };
    let (db, rp) = match &args.dbrp {
        Some(s) => {
            let (db, rp) = s
                .split_once('.')
                .ok_or_else(|| usage(format!("--dbrp {s:?}: expected db.rp")))?;
            (db.to_string(), rp.to_string())
        }
        None => default_dbrp(&pipeline),
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
    let started = std::time::Instant::now();
    let mut sink = JsonLinesSink::new(out, err);
    let result = run(&name, &pipeline, data, &opts, &mut sink);
    if let Some(e) = sink.io_error.take() {
        return Err(usage(format!("writing the output: {e}")));
    }
    match result {
        Ok((task, _)) => {
            if args.stats {
                let secs = started.elapsed().as_secs_f64();
                let _ = writeln!(sink.err, "{}", task.dot_with_stats(secs));
            }
            Ok(())
        }
        Err(e) => Err(Failure {
            code: 1,
            message: e.to_string(),
        }),
    }
}

pub fn task_name(script: &str) -> String {
    if script == "-" {
        return "stdin".into();
    }
    Path::new(script)
        .file_stem()
        .map_or_else(|| "task".into(), |s| s.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line_protocol::Precision;
    use crate::output::VecSink;
    use crate::recording::load_bytes;
    use crate::testing::PipelineBuilder;
    use compiler::catalog::NodeKind;
    use compiler::ir::{Arg, Dbrp};
    use std::path::Path;

    fn pipeline() -> Pipeline {
        let mut b = PipelineBuilder::stream();
        let f = b.add(NodeKind::From, &[0], vec![], vec![]);
        b.add(
            NodeKind::HttpOut,
            &[f],
            vec![Arg::String("out".into())],
            vec![],
        );
        let mut p = b.build();
        p.dbrps.push(Dbrp {
            db: "telegraf".into(),
            rp: "autogen".into(),
        });
        p
    }

    #[test]
    fn bad_lines_are_reported_and_skipped_unless_strict() {
        let p = pipeline();
        let text = b"cpu v=1 1\ncpu v=oops 2\ncpu v=3 3\n";
        let load = || {
            load_bytes(
                Path::new("x.lp"),
                text,
                ("telegraf", "autogen"),
                Precision::Seconds,
            )
            .unwrap()
        };
        let mut sink = VecSink::default();
        let (_, s) = run("t", &p, load(), &RunOptions::default(), &mut sink).unwrap();
        assert_eq!((s.delivered, s.bad_lines), (2, 1));
        assert_eq!(
            sink.diagnostics,
            ["input: line 2: unable to parse 'cpu v=oops 2': invalid boolean"]
        );
        assert_eq!(
            sink.lines,
            ["{\"kind\":\"httpOut\",\"node\":\"http_out2\",\"endpoint\":\"out\",\"result\":{\"series\":[{\"name\":\"cpu\",\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:03Z\",3]]}]}}\n"]
        );
        let strict = RunOptions {
            strict: true,
            ..RunOptions::default()
        };
        let err = run("t", &p, load(), &strict, &mut VecSink::default())
            .err()
            .unwrap();
        assert!(err.to_string().starts_with("line 2: "));
    }

    #[test]
    fn other_dbrps_are_not_delivered() {
        let p = pipeline();
        let data = load_bytes(
            Path::new("x.lp"),
            b"cpu v=1 1\n",
            ("other", "autogen"),
            Precision::Seconds,
        )
        .unwrap();
        let (_, s) = run(
            "t",
            &p,
            data,
            &RunOptions::default(),
            &mut VecSink::default(),
        )
        .unwrap();
        assert_eq!((s.delivered, s.skipped), (0, 1));
    }
}
