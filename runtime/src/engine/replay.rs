//! Replays: a task run over loaded data (a recording, line protocol, JSON
//! batches) in isolation from live data. This is the one executor loop for
//! every offline run: the server's replays (`start`, on their own thread, as
//! Kapacitor runs a replay in a private task master named by the replay ID)
//! and `tickc run` (`run`, on the caller's thread, writing to its own sink)
//! go through `run`, so the two cannot drift apart.
//!
//! Rules shared by both:
//! * **Routing** is the engine's (`Subscription`): a point reaches the task
//!   when its (db, rp) is one of the task's `dbrp`s and a `from` selects its
//!   measurement. A task without any `dbrp` reads every (db, rp): the server
//!   refuses such a task at define, `tickc run` accepts it.
//! * **Clock**: time-driven nodes tick on the replay's clock, data time (the
//!   task is not in live mode).
//!   `recording_time = false` shifts every time so the first point or batch
//!   lands at the replay's start, spacing kept; `true` keeps recorded times.
//!   `Clock::Fast` feeds without waiting; `Clock::Real` sleeps so data
//!   arrives with its recorded spacing.
//! * **Bad input lines** are reported (node `input`) and skipped, unless
//!   `strict` is set: then the run stops there.

use super::outputs::{Outputs, TaskSink};
use super::route::Subscription;
use super::snapshot::{node_snapshots, TaskSnapshot};
use crate::config::Config;
use crate::node::BuildError;
use crate::output::Sink;
use crate::recording::Data;
use crate::task::{Task, TaskError};
use compiler::ir::{Pipeline, TaskType};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Fast,
    Real,
}

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub clock: Clock,
    pub recording_time: bool,
    /// The replay's start (ns): where the first point lands when times shift.
    pub start: i64,
    pub config: Config,
    /// Stop at the first bad input line instead of skipping it.
    pub strict: bool,
}

impl ReplayOptions {
    /// As `tickc run` replays: fast, recorded times, bad lines skipped.
    pub fn offline(config: Config) -> ReplayOptions {
        ReplayOptions {
            clock: Clock::Fast,
            recording_time: true,
            start: 0,
            config,
            strict: false,
        }
    }
}

/// Why a replay stopped.
#[derive(Debug)]
pub enum ReplayError {
    Build(BuildError),
    Task(TaskError),
    /// A bad input line under `strict`.
    Input(String),
    /// Batches for a stream task, or points for a batch task.
    Mismatch(TaskType),
    /// The data could not be fetched (`replay-live`: the task's queries).
    Fetch(String),
    /// Streamed input could not be read on (I/O, invalid UTF-8).
    Read(String),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Build(e) => write!(f, "cannot build the task: {e}"),
            ReplayError::Task(e) => write!(f, "task stopped: {e}"),
            ReplayError::Input(e) | ReplayError::Fetch(e) | ReplayError::Read(e) => {
                write!(f, "{e}")
            }
            ReplayError::Mismatch(TaskType::Stream) => write!(
                f,
                "a stream task needs line protocol or a stream recording (.srpl), not batches"
            ),
            ReplayError::Mismatch(TaskType::Batch) => write!(
                f,
                "a batch task needs a batch recording (.brpl) or JSON batches, not points"
            ),
        }
    }
}

impl std::error::Error for ReplayError {}

/// What happened during a replay.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Points or batches delivered to the task.
    pub delivered: u64,
    /// Points the task does not read (another dbrp or measurement).
    pub skipped: u64,
    /// Bad input lines (reported and skipped).
    pub bad_lines: u64,
}

/// A finished replay: the task (for its stats and DOT) and what was fed.
pub struct Replayed {
    pub task: Task,
    pub summary: ReplaySummary,
    /// Wall time the replay took.
    pub elapsed: Duration,
}

impl Replayed {
    /// The task's statistics at the end, as `GET /replays/<id>` reports them.
    pub fn snapshot(&self) -> TaskSnapshot {
        let secs = self.elapsed.as_secs_f64();
        TaskSnapshot {
            dot: self.task.dot_with_stats(secs),
            throughput: if secs > 0.0 {
                self.task.fed as f64 / secs
            } else {
                0.0
            },
            nodes: node_snapshots(&self.task),
            points_routed: self.summary.delivered,
            writes_blocked: 0,
            blocked_ns: 0,
            queue_high_water: 0,
            writes_dropped: 0,
            points_dropped: 0,
            groups_evicted: self.task.groups_evicted(),
            buffered_points: self.task.buffered_points(),
            error: None,
        }
    }
}

/// Where a replay stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayStatus {
    pub finished: bool,
    pub error: Option<String>,
    /// 0..1, messages fed over messages recorded.
    pub progress: f64,
    /// Task stats once finished.
    pub stats: Option<TaskSnapshot>,
}

pub struct ReplayHandle {
    pub status: Arc<Mutex<ReplayStatus>>,
    pub thread: Option<JoinHandle<()>>,
}

impl ReplayHandle {
    pub fn status(&self) -> ReplayStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Wait for the end (tests, the CLI's waiting mode).
    pub fn join(mut self) -> ReplayStatus {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.status()
    }
}

/// Start replaying `data` through task `name` built from `pipeline` on a
/// thread of its own; outputs go to `outputs`. The task is built before the
/// thread starts, so a build error is returned here.
pub fn start(
    name: &str,
    pipeline: &Pipeline,
    data: Data,
    opts: ReplayOptions,
    outputs: Arc<dyn Outputs>,
) -> Result<ReplayHandle, BuildError> {
    start_with(name, pipeline, move || Ok(data), opts, outputs)
}

/// [`start`] with data that is fetched on the replay's thread first
/// (`replay-live`: the task's queries run against InfluxDB); a fetch error
/// fails the replay with that message.
pub fn start_with(
    name: &str,
    pipeline: &Pipeline,
    fetch: impl FnOnce() -> Result<Data, String> + Send + 'static,
    opts: ReplayOptions,
    outputs: Arc<dyn Outputs>,
) -> Result<ReplayHandle, BuildError> {
    let task = Task::build(name, pipeline, opts.config.clone())?;
    let sub = Routing::of(pipeline);
    let status = Arc::new(Mutex::new(ReplayStatus::default()));
    let st = status.clone();
    let mut sink = TaskSink {
        task: Arc::from(name),
        outputs,
    };
    let thread = std::thread::Builder::new()
        .name(format!("replay-{name}"))
        .spawn(move || {
            let progress = |p: f64| st.lock().unwrap_or_else(|e| e.into_inner()).progress = p;
            let outcome = fetch()
                .map_err(ReplayError::Fetch)
                .and_then(|data| feed(task, &sub, data.into(), &opts, &mut sink, &progress, None));
            let mut s = st.lock().unwrap_or_else(|e| e.into_inner());
            s.finished = true;
            match outcome {
                Ok(done) => {
                    s.progress = 1.0;
                    s.stats = Some(done.snapshot());
                }
                Err(e) => s.error = Some(e.to_string()),
            }
        })
        .ok();
    Ok(ReplayHandle { status, thread })
}

/// Replay `data` through task `name` built from `pipeline` on this thread;
/// outputs and diagnostics go to `sink` (`tickc run`).
pub fn run(
    name: &str,
    pipeline: &Pipeline,
    data: Data,
    opts: &ReplayOptions,
    sink: &mut dyn Sink,
) -> Result<Replayed, ReplayError> {
    let task = Task::build(name, pipeline, opts.config.clone()).map_err(ReplayError::Build)?;
    feed(
        task,
        &Routing::of(pipeline),
        data.into(),
        opts,
        sink,
        &|_| {},
        None,
    )
}

/// Hands the task over at a checkpoint and gets back the task that goes on.
pub type Resume<'a> = &'a mut dyn FnMut(Task) -> Result<Task, ReplayError>;

/// [`run`] with a checkpoint before input entry `at` (or before the final
/// flush when `at` is past the end): the task is handed to `resume`, and the
/// task it returns takes the rest. The checkpoint tests pass a snapshot
/// restored into a freshly built task, which must give what `run` gives.
pub fn run_resumed(
    name: &str,
    pipeline: &Pipeline,
    data: Data,
    opts: &ReplayOptions,
    sink: &mut dyn Sink,
    at: usize,
    resume: Resume<'_>,
) -> Result<Replayed, ReplayError> {
    let task = Task::build(name, pipeline, opts.config.clone()).map_err(ReplayError::Build)?;
    feed(
        task,
        &Routing::of(pipeline),
        data.into(),
        opts,
        sink,
        &|_| {},
        Some((at, resume)),
    )
}

/// Points read while they are replayed (`tickc run` over line protocol, see
/// `line_protocol::LineStream`): a point or a bad line per item; an `Err`
/// (the input cannot be read on) ends the replay with `ReplayError::Read`.
pub type PointStream<'a> = Box<dyn Iterator<Item = Result<PointOrBadLine, String>> + 'a>;

/// One line of streamed input.
pub type PointOrBadLine = Result<crate::message::Point, crate::line_protocol::LineError>;

/// [`run`] over points read as they are fed, so memory does not grow with
/// the input.
pub fn run_stream(
    name: &str,
    pipeline: &Pipeline,
    points: PointStream<'_>,
    opts: &ReplayOptions,
    sink: &mut dyn Sink,
) -> Result<Replayed, ReplayError> {
    let task = Task::build(name, pipeline, opts.config.clone()).map_err(ReplayError::Build)?;
    feed(
        task,
        &Routing::of(pipeline),
        Input::Points(points, None),
        opts,
        sink,
        &|_| {},
        None,
    )
}

/// What `feed` replays: points (loaded, with their count for progress, or
/// streamed) or loaded batches.
enum Input<'a> {
    Points(PointStream<'a>, Option<usize>),
    Batches(Vec<Result<(usize, crate::message::Batch), crate::line_protocol::LineError>>),
}

impl From<Data> for Input<'static> {
    fn from(data: Data) -> Self {
        match data {
            Data::Stream(v) => {
                let n = v.len();
                Input::Points(Box::new(v.into_iter().map(Ok)), Some(n))
            }
            Data::Batches(v) => Input::Batches(v),
        }
    }
}

/// Which points of the replayed data the task reads.
struct Routing {
    /// `None` for batch tasks (they read their queries' batches).
    sub: Option<Subscription>,
    /// The pipeline has no `dbrp`: every (db, rp) is read.
    any_dbrp: bool,
}

impl Routing {
    fn of(pipeline: &Pipeline) -> Routing {
        Routing {
            sub: Subscription::of(pipeline),
            any_dbrp: pipeline.dbrps.is_empty(),
        }
    }

    fn wants(&self, p: &crate::message::Point) -> bool {
        self.sub.as_ref().is_none_or(|s| {
            (self.any_dbrp || s.wants_dbrp(&p.database, &p.retention_policy))
                && s.wants_measurement(&p.name)
        })
    }
}

/// The executor loop: feed every message in order, then flush.
fn feed(
    mut task: Task,
    routing: &Routing,
    data: Input<'_>,
    opts: &ReplayOptions,
    sink: &mut dyn Sink,
    progress: &dyn Fn(f64),
    mut checkpoint: Option<(usize, Resume<'_>)>,
) -> Result<Replayed, ReplayError> {
    let mut resume_at = |i: usize, task: Task| match checkpoint.as_mut() {
        Some((at, resume)) if *at <= i => {
            let task = resume(task);
            checkpoint = None;
            task
        }
        _ => Ok(task),
    };
    for (node, w) in task.build_warnings() {
        sink.warning(node, w);
    }
    let started = Instant::now();
    // The first time is needed only to shift times or to pace; a stream is
    // read up to its first point for it (and those items replayed first).
    let needs_first = !opts.recording_time || opts.clock == Clock::Real;
    let mut prefix = Vec::new();
    let (first_time, data) = match data {
        Input::Points(mut points, n) => {
            let mut first = None;
            if needs_first {
                for item in points.by_ref() {
                    let t = item
                        .as_ref()
                        .ok()
                        .and_then(|r| r.as_ref().ok())
                        .map(|p| p.time);
                    prefix.push(item);
                    if t.is_some() {
                        first = t;
                        break;
                    }
                }
            }
            (first, Input::Points(points, n))
        }
        Input::Batches(v) => (
            v.iter().find_map(|r| r.as_ref().ok().map(|(_, b)| b.tmax)),
            Input::Batches(v),
        ),
    };
    let shift = match (opts.recording_time, first_time) {
        (false, Some(t)) => opts.start - t,
        _ => 0,
    };
    let pace = |t: i64| {
        if opts.clock == Clock::Real {
            if let Some(first) = first_time {
                let due = Duration::from_nanos((t - first).max(0) as u64);
                let spent = started.elapsed();
                if due > spent {
                    std::thread::sleep(due - spent);
                }
            }
        }
    };
    // Progress is published every 1024 messages: often enough for a status
    // poll, rarely enough to keep the status lock off the per-point path.
    let set_progress = |i: usize, n: Option<usize>| {
        if let Some(n) = n.filter(|&n| n > 0 && i.is_multiple_of(1024)) {
            progress(i as f64 / n as f64);
        }
    };
    let mut summary = ReplaySummary::default();
    match (task.task_type(), data) {
        (TaskType::Stream, Input::Points(points, n)) => {
            for (i, item) in prefix.into_iter().chain(points).enumerate() {
                task = resume_at(i, task)?;
                match item.map_err(ReplayError::Read)? {
                    Ok(mut p) => {
                        if !routing.wants(&p) {
                            summary.skipped += 1;
                            continue;
                        }
                        pace(p.time);
                        p.time += shift;
                        summary.delivered += 1;
                        task.push_point(Arc::new(p), sink)
                            .map_err(ReplayError::Task)?;
                    }
                    Err(e) => bad_line(&e, opts.strict, &mut summary, sink)?,
                }
                set_progress(i, n);
            }
        }
        (TaskType::Batch, Input::Batches(batches)) => {
            let n = batches.len();
            for (i, r) in batches.into_iter().enumerate() {
                task = resume_at(i, task)?;
                match r {
                    Ok((q, mut b)) => {
                        pace(b.tmax);
                        if shift != 0 {
                            b.tmax += shift;
                            for p in &mut b.points {
                                p.time += shift;
                            }
                        }
                        summary.delivered += 1;
                        task.push_batch(q, Arc::new(b), sink)
                            .map_err(ReplayError::Task)?;
                    }
                    Err(e) => bad_line(&e, opts.strict, &mut summary, sink)?,
                }
                set_progress(i, Some(n));
            }
        }
        (t, _) => return Err(ReplayError::Mismatch(t)),
    }
    task = resume_at(usize::MAX, task)?;
    task.finish(sink).map_err(ReplayError::Task)?;
    Ok(Replayed {
        task,
        summary,
        elapsed: started.elapsed(),
    })
}

/// A bad input line: the end of a strict replay, else reported and skipped.
fn bad_line(
    e: &dyn fmt::Display,
    strict: bool,
    summary: &mut ReplaySummary,
    sink: &mut dyn Sink,
) -> Result<(), ReplayError> {
    if strict {
        return Err(ReplayError::Input(e.to_string()));
    }
    summary.bad_lines += 1;
    sink.diagnostic("input", &e.to_string());
    Ok(())
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
        let s = run(
            "t",
            &p,
            load(),
            &ReplayOptions::offline(Config::default()),
            &mut sink,
        )
        .unwrap()
        .summary;
        assert_eq!((s.delivered, s.bad_lines), (2, 1));
        assert_eq!(
            sink.diagnostics,
            ["input: line 2: unable to parse 'cpu v=oops 2': invalid boolean"]
        );
        assert_eq!(
            sink.lines,
            ["{\"kind\":\"httpOut\",\"node\":\"http_out2\",\"endpoint\":\"out\",\"result\":{\"series\":[{\"name\":\"cpu\",\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:03Z\",3]]}]}}\n"]
        );
        let strict = ReplayOptions {
            strict: true,
            ..ReplayOptions::offline(Config::default())
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
        let s = run(
            "t",
            &p,
            data,
            &ReplayOptions::offline(Config::default()),
            &mut VecSink::default(),
        )
        .unwrap()
        .summary;
        assert_eq!((s.delivered, s.skipped), (0, 1));
    }

    /// Points of `text` (seconds) under `db`.`rp`, through a checked script.
    fn replay_script(script: &str, db: &str, text: &[u8]) -> ReplaySummary {
        let (p, diags) = compiler::check(script);
        let p = p.unwrap_or_else(|| panic!("{diags:?}"));
        let data =
            load_bytes(Path::new("x.lp"), text, (db, "autogen"), Precision::Seconds).unwrap();
        run(
            "t",
            &p,
            data,
            &ReplayOptions::offline(Config::default()),
            &mut VecSink::default(),
        )
        .unwrap()
        .summary
    }

    #[test]
    fn a_script_without_dbrp_reads_every_dbrp() {
        // `tickc run` accepts a script without `dbrp` (the server does not).
        let s = replay_script("stream\n    |from()\n", "any", b"cpu v=1 1\nmem v=2 2\n");
        assert_eq!((s.delivered, s.skipped), (2, 0));
    }

    #[test]
    fn points_of_measurements_no_from_selects_are_not_delivered() {
        // As Kapacitor's task master forks by (db, rp, measurement): `mem`
        // never reaches the task; a `from()` without a measurement takes all.
        let only_cpu =
            "dbrp \"db\".\"autogen\"\nstream\n    |from()\n        .measurement('cpu')\n";
        let s = replay_script(only_cpu, "db", b"cpu v=1 1\nmem v=2 2\ncpu v=3 3\n");
        assert_eq!((s.delivered, s.skipped), (2, 1));
        let both =
            "dbrp \"db\".\"autogen\"\nvar c = stream|from().measurement('cpu')\nstream|from()\n";
        let s = replay_script(both, "db", b"cpu v=1 1\nmem v=2 2\n");
        assert_eq!((s.delivered, s.skipped), (2, 0));
    }
}
