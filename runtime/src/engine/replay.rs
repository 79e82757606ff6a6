//! Replays: a task run over a recording in isolation from live data, on its
//! own thread and with its own executor (Kapacitor runs it in a private task
//! master named by the replay ID). Time-driven nodes tick on the replay's
//! clock — data time — as in `tickc run`.
//!
//! * `recording_time = false` shifts every time so the first point or batch
//!   lands at the replay's start, spacing kept; `true` keeps recorded times.
//! * `Clock::Fast` feeds without waiting; `Clock::Real` sleeps so data arrives
//!   with its recorded spacing.

use super::outputs::{Outputs, TaskSink};
use super::snapshot::{node_snapshots, TaskSnapshot};
use crate::config::Config;
use crate::message::Point;
use crate::recording::Data;
use crate::task::Task;
use compiler::ir::{Pipeline, TaskType};
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

/// Start replaying `data` through task `name` built from `pipeline`.
/// Bad recorded lines are reported to `outputs` and skipped.
pub fn start(
    name: &str,
    pipeline: &Pipeline,
    data: Data,
    opts: ReplayOptions,
    outputs: Arc<dyn Outputs>,
) -> Result<ReplayHandle, crate::node::BuildError> {
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
) -> Result<ReplayHandle, crate::node::BuildError> {
    let task = Task::build(name, pipeline, opts.config.clone())?;
    let status = Arc::new(Mutex::new(ReplayStatus::default()));
    let st = status.clone();
    let sink = TaskSink {
        task: Arc::from(name),
        outputs,
    };
    let task_type = pipeline.task_type;
    let thread = std::thread::Builder::new()
        .name(format!("replay-{name}"))
        .spawn(move || {
            let outcome = fetch().and_then(|data| run(task, task_type, data, &opts, sink, &st));
            let mut s = st.lock().unwrap_or_else(|e| e.into_inner());
            s.finished = true;
            match outcome {
                Ok(snapshot) => {
                    s.progress = 1.0;
                    s.stats = Some(snapshot);
                }
                Err(e) => s.error = Some(e),
            }
        })
        .ok();
    Ok(ReplayHandle { status, thread })
}

fn run(
    mut task: Task,
    task_type: TaskType,
    data: Data,
    opts: &ReplayOptions,
    mut sink: TaskSink,
    status: &Mutex<ReplayStatus>,
) -> Result<TaskSnapshot, String> {
    let started = Instant::now();
    let first_time = match &data {
        Data::Stream(v) => v.iter().find_map(|r| r.as_ref().ok().map(|p| p.time)),
        Data::Batches(v) => v.iter().find_map(|r| r.as_ref().ok().map(|(_, b)| b.tmax)),
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
    let set_progress = |i: usize, n: usize| {
        if i.is_multiple_of(1024) && n > 0 {
            status.lock().unwrap_or_else(|e| e.into_inner()).progress = i as f64 / n as f64;
        }
    };
    let err = |e: crate::task::TaskError| e.to_string();
    match (task_type, data) {
        (TaskType::Stream, Data::Stream(points)) => {
            let n = points.len();
            for (i, r) in points.into_iter().enumerate() {
                match r {
                    Ok(mut p) => {
                        pace(p.time);
                        p.time += shift;
                        let p: Point = p;
                        task.push_point(Arc::new(p), &mut sink).map_err(err)?;
                    }
                    Err(e) => crate::output::Sink::diagnostic(&mut sink, "replay", &e.to_string()),
                }
                set_progress(i, n);
            }
        }
        (TaskType::Batch, Data::Batches(batches)) => {
            let n = batches.len();
            for (i, r) in batches.into_iter().enumerate() {
                match r {
                    Ok((q, mut b)) => {
                        pace(b.tmax);
                        b.tmax += shift;
                        for p in &mut b.points {
                            p.time += shift;
                        }
                        task.push_batch(q, Arc::new(b), &mut sink).map_err(err)?;
                    }
                    Err(e) => crate::output::Sink::diagnostic(&mut sink, "replay", &e.to_string()),
                }
                set_progress(i, n);
            }
        }
        (TaskType::Stream, Data::Batches(_)) => {
            return Err("cannot replay a batch recording against a stream task".into())
        }
        (TaskType::Batch, Data::Stream(_)) => {
            return Err("cannot replay a stream recording against a batch task".into())
        }
    }
    task.finish(&mut sink).map_err(err)?;
    let secs = started.elapsed().as_secs_f64();
    Ok(TaskSnapshot {
        dot: task.dot_with_stats(secs),
        throughput: if secs > 0.0 {
            task.fed as f64 / secs
        } else {
            0.0
        },
        nodes: node_snapshots(&task),
        points_routed: task.fed,
        writes_blocked: 0,
        blocked_ns: 0,
        queue_high_water: 0,
        writes_dropped: 0,
        points_dropped: 0,
        error: None,
    })
}
