//! One running task: its bounded inbox (filled by the write path and the
//! clock), and its executor behind a lock that only one worker holds at a
//! time, so the task runs single-threaded whichever worker picks it up.
//!
//! The inbox is bounded in **points**: a writer that would push it past the
//! bound waits (backpressure, like Kapacitor's buffered edges blocking the
//! task master), and the wait is counted in the task's stats. A batch larger
//! than the bound is admitted alone into an empty inbox, so memory stays
//! within one bound plus one write. A writer with a deadline (the server's
//! write path: InfluxDB's subscription writes must not time out behind one
//! slow task) stops waiting at the deadline and the write is dropped for
//! this task only, counted in `points_dropped`.

use super::outputs::TaskSink;
use super::route::Subscription;
use super::snapshot::{node_snapshots, TaskSnapshot};
use super::write::WriteBatch;
use crate::message::Batch;
use crate::task::Task;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

pub(crate) enum Job {
    Write(Arc<WriteBatch>),
    /// Wall-clock tick (ns) for time-driven nodes.
    Tick(i64),
    /// A live batch task's query result: a batch for query node number
    /// `query` (`task::replay_order`), fed by its scheduler (`batch.rs`).
    Batch {
        query: usize,
        batch: Arc<Batch>,
    },
    /// That query node's query failed (counted in its stats).
    QueryFailed {
        query: usize,
        message: String,
    },
}

impl Job {
    fn points(&self) -> usize {
        match self {
            Job::Write(b) => b.points.len(),
            Job::Batch { batch, .. } => batch.points.len(),
            Job::Tick(_) | Job::QueryFailed { .. } => 0,
        }
    }
}

#[derive(Default)]
struct Inbox {
    jobs: VecDeque<Job>,
    points: usize,
    /// The cell is on the run queue or being run by a worker.
    scheduled: bool,
    /// A tick is already waiting (ticks never pile up).
    tick_pending: bool,
    /// Stopped or failed: no more jobs are taken.
    closed: bool,
}

pub(super) struct Exec {
    task: Task,
    sink: TaskSink,
    error: Option<String>,
}

pub(crate) struct TaskCell {
    pub id: Arc<str>,
    pub sub: Option<Subscription>,
    capacity: usize,
    inbox: Mutex<Inbox>,
    not_full: Condvar,
    pub(super) exec: Mutex<Exec>,
    started: Instant,
    wants_ticks: bool,
    routed: AtomicU64,
    writes_blocked: AtomicU64,
    blocked_ns: AtomicU64,
    high_water: AtomicU64,
    writes_dropped: AtomicU64,
    points_dropped: AtomicU64,
}

/// What `enqueue` did.
pub(crate) enum Enqueued {
    /// Queued; the caller must put the cell on the run queue.
    Schedule,
    Queued,
    /// The task is stopped: dropped.
    Closed,
    /// The deadline passed while the inbox stayed full: dropped.
    TimedOut,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a node is caught per job (see `run_job`); a poisoned lock
    // still holds consistent counters.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TaskCell {
    pub fn new(
        id: Arc<str>,
        sub: Option<Subscription>,
        task: Task,
        sink: TaskSink,
        capacity: usize,
    ) -> TaskCell {
        TaskCell {
            id,
            sub,
            capacity: capacity.max(1),
            inbox: Mutex::new(Inbox::default()),
            not_full: Condvar::new(),
            wants_ticks: task.wants_ticks(),
            exec: Mutex::new(Exec {
                task,
                sink,
                error: None,
            }),
            started: Instant::now(),
            routed: AtomicU64::new(0),
            writes_blocked: AtomicU64::new(0),
            blocked_ns: AtomicU64::new(0),
            high_water: AtomicU64::new(0),
            writes_dropped: AtomicU64::new(0),
            points_dropped: AtomicU64::new(0),
        }
    }

    pub fn wants_ticks(&self) -> bool {
        self.wants_ticks
    }

    /// Queue a write, waiting while the inbox is full — until `deadline`,
    /// if one is given, after which the write is dropped for this task.
    pub fn enqueue_write(&self, batch: Arc<WriteBatch>, deadline: Option<Instant>) -> Enqueued {
        let job = Job::Write(batch);
        let n = job.points();
        let mut ib = lock(&self.inbox);
        let mut waited: Option<Instant> = None;
        let mut timed_out = false;
        while !ib.closed && ib.points > 0 && ib.points + n > self.capacity {
            let start = *waited.get_or_insert_with(Instant::now);
            match deadline {
                None => ib = self.not_full.wait(ib).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now().max(start));
                    if left.is_zero() {
                        timed_out = true;
                        break;
                    }
                    ib = self
                        .not_full
                        .wait_timeout(ib, left)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
            }
        }
        if let Some(t) = waited {
            self.writes_blocked.fetch_add(1, Ordering::Relaxed);
            self.blocked_ns
                .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        if timed_out {
            self.writes_dropped.fetch_add(1, Ordering::Relaxed);
            self.points_dropped.fetch_add(n as u64, Ordering::Relaxed);
            return Enqueued::TimedOut;
        }
        self.push(ib, job)
    }

    /// Queue a query's batch (or failure), waiting while the inbox is full,
    /// as a write does.
    pub fn enqueue_query_job(&self, job: Job) -> Enqueued {
        let n = job.points();
        let mut ib = lock(&self.inbox);
        while !ib.closed && ib.points > 0 && ib.points + n > self.capacity {
            ib = self.not_full.wait(ib).unwrap_or_else(|e| e.into_inner());
        }
        self.push(ib, job)
    }

    /// Whether the task was stopped or failed.
    pub fn is_closed(&self) -> bool {
        lock(&self.inbox).closed
    }

    /// No job waits and none is running.
    pub fn is_idle(&self) -> bool {
        let ib = lock(&self.inbox);
        ib.jobs.is_empty() && !ib.scheduled
    }

    /// Queue a clock tick unless one is already waiting (never blocks).
    pub fn enqueue_tick(&self, now: i64) -> Enqueued {
        let mut ib = lock(&self.inbox);
        if ib.tick_pending {
            return Enqueued::Queued;
        }
        ib.tick_pending = true;
        self.push(ib, Job::Tick(now))
    }

    fn push(&self, mut ib: MutexGuard<'_, Inbox>, job: Job) -> Enqueued {
        if ib.closed {
            return Enqueued::Closed;
        }
        ib.points += job.points();
        self.high_water
            .fetch_max(ib.points as u64, Ordering::Relaxed);
        ib.jobs.push_back(job);
        if ib.scheduled {
            Enqueued::Queued
        } else {
            ib.scheduled = true;
            Enqueued::Schedule
        }
    }

    /// Stop taking jobs; waiting writers are released.
    pub fn close(&self) {
        let mut ib = lock(&self.inbox);
        ib.closed = true;
        ib.jobs.clear();
        ib.points = 0;
        self.not_full.notify_all();
    }

    /// Run at most `max_jobs` jobs; returns whether jobs remain (the caller
    /// puts the cell back on the run queue, after other tasks: fairness).
    pub fn drain(&self, max_jobs: usize) -> bool {
        for _ in 0..max_jobs {
            let job = {
                let mut ib = lock(&self.inbox);
                match ib.jobs.pop_front() {
                    Some(job) => {
                        ib.points -= job.points();
                        if matches!(job, Job::Tick(_)) {
                            ib.tick_pending = false;
                        }
                        self.not_full.notify_all();
                        job
                    }
                    None => {
                        ib.scheduled = false;
                        return false;
                    }
                }
            };
            self.run_job(job);
        }
        let mut ib = lock(&self.inbox);
        if ib.jobs.is_empty() {
            ib.scheduled = false;
            false
        } else {
            true
        }
    }

    fn run_job(&self, job: Job) {
        let mut guard = lock(&self.exec);
        let exec = &mut *guard;
        if exec.error.is_some() {
            return;
        }
        let sub = self.sub.as_ref();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::Write(batch) => {
                let mut routed = 0u64;
                for p in &batch.points {
                    if sub.is_some_and(|s| s.wants_measurement(&p.name)) {
                        routed += 1;
                        exec.task.push_point(p.clone(), &mut exec.sink)?;
                    }
                }
                self.routed.fetch_add(routed, Ordering::Relaxed);
                Ok(())
            }
            Job::Tick(now) => exec.task.tick_clock(now, &mut exec.sink),
            Job::Batch { query, batch } => exec.task.push_batch(query, batch, &mut exec.sink),
            Job::QueryFailed { query, message } => {
                let node = exec
                    .task
                    .count_query_error(query)
                    .unwrap_or("query")
                    .to_string();
                crate::output::Sink::diagnostic(&mut exec.sink, &node, &message);
                Ok(())
            }
        }));
        let failure = match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some("a node panicked".to_string()),
        };
        if let Some(message) = failure {
            exec.sink.outputs.diagnostic(&self.id, "task", &message);
            exec.error = Some(message);
            drop(guard);
            self.close();
        }
    }

    /// The task's statistics now.
    pub fn snapshot(&self) -> TaskSnapshot {
        let exec = lock(&self.exec);
        let secs = self.started.elapsed().as_secs_f64();
        let throughput = if secs > 0.0 {
            exec.task.fed as f64 / secs
        } else {
            0.0
        };
        TaskSnapshot {
            dot: exec.task.dot_with_stats(secs),
            throughput,
            nodes: node_snapshots(&exec.task),
            points_routed: self.routed.load(Ordering::Relaxed),
            writes_blocked: self.writes_blocked.load(Ordering::Relaxed),
            blocked_ns: self.blocked_ns.load(Ordering::Relaxed),
            queue_high_water: self.high_water.load(Ordering::Relaxed),
            writes_dropped: self.writes_dropped.load(Ordering::Relaxed),
            points_dropped: self.points_dropped.load(Ordering::Relaxed),
            groups_evicted: exec.task.groups_evicted(),
            buffered_points: exec.task.buffered_points(),
            error: exec.error.clone(),
        }
    }

    pub fn http_out(&self, endpoint: &str) -> Option<String> {
        lock(&self.exec).task.http_out_result(endpoint)
    }

    /// The task's node states (UDF agents' snapshots), by node name.
    pub fn node_states(&self) -> Result<std::collections::BTreeMap<String, Vec<u8>>, String> {
        lock(&self.exec).task.snapshot().map_err(|e| e.to_string())
    }

    pub fn error(&self) -> Option<String> {
        lock(&self.exec).error.clone()
    }

    /// (writes, points) dropped at a deadline, read without the executor
    /// lock (tests hold it to stall the task).
    #[cfg(test)]
    pub fn dropped(&self) -> (u64, u64) {
        (
            self.writes_dropped.load(Ordering::Relaxed),
            self.points_dropped.load(Ordering::Relaxed),
        )
    }

    /// Jobs waiting (tests).
    #[cfg(test)]
    pub fn queued_points(&self) -> usize {
        lock(&self.inbox).points
    }
}
