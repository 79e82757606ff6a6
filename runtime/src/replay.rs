//! Replay: build a task from a checked pipeline, feed it loaded data (points
//! or batches) in data time, flush. This is the whole runtime side of an
//! offline run; reading files, arguments and exit codes are the CLI's
//! (`cli::offline`).
//!
//! Points are delivered only when their db/rp is one of the task's `dbrp`
//! statements (when it has any), as Kapacitor routes writes. A bad input line
//! is reported on the diagnostic stream naming the line and skipped, unless
//! `strict` is set (then the run stops there).

use crate::config::Config;
use crate::message::Point;
use crate::node::BuildError;
use crate::output::Sink;
use crate::recording::Data;
use crate::task::{Task, TaskError};
use compiler::ir::{Pipeline, TaskType};
use std::fmt;
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
    for (node, w) in task.build_warnings() {
        sink.warning(node, w);
    }
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
