//! Live batch tasks: one scheduler thread per running batch task, doing what
//! Kapacitor's `QueryNode.doQuery` does for each of the task's query nodes —
//! at each tick T of the node's schedule, run its InfluxQL for the window
//! [T − offset − period, T − offset) through the `[[influxdb]]` client of
//! its cluster, and feed the result's batches to the node through the task's
//! bounded inbox (the same queue writes use, so a slow task slows its
//! queries rather than growing memory).
//!
//! A failed query is logged and counted in the node's `query_errors` stat;
//! the task keeps running and ticking, as Kapacitor's node logs and waits
//! for its next tick. Stopping the task wakes and ends its scheduler (a
//! query in flight finishes first, bounded by the client's timeout; its
//! batches are dropped by the closed inbox).

use super::pool::RunQueue;
use super::running::{Enqueued, Job, TaskCell};
use crate::batch::{BatchQuery, Stamp};
use crate::influxdb::Clusters;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wakes a scheduler early: set when its task stops.
#[derive(Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    cv: Condvar,
}

impl StopSignal {
    fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleep until wall-clock `due` (ns); true when stopped meanwhile.
    fn sleep_until(&self, due: i64) -> bool {
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *stopped {
                return true;
            }
            let now = wall_ns();
            if now >= due {
                return false;
            }
            let wait = Duration::from_nanos((due - now) as u64);
            stopped = self
                .cv
                .wait_timeout(stopped, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// A running scheduler; dropping it does not stop it, `stop` does.
pub(crate) struct Scheduler {
    signal: Arc<StopSignal>,
}

impl Scheduler {
    pub fn stop(&self) {
        *self
            .signal
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = true;
        self.signal.cv.notify_all();
    }
}

pub(crate) fn wall_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

struct Runner {
    task: Arc<str>,
    queries: Vec<BatchQuery>,
    clusters: Clusters,
    cell: Arc<TaskCell>,
    queue: Arc<RunQueue>,
    signal: Arc<StopSignal>,
}

/// Start the scheduler of batch task `cell` with its query nodes (in
/// `task::replay_order`).
pub(crate) fn start(
    queries: Vec<BatchQuery>,
    clusters: Clusters,
    cell: Arc<TaskCell>,
    queue: Arc<RunQueue>,
) -> Scheduler {
    let signal = Arc::new(StopSignal::default());
    let runner = Runner {
        task: cell.id.clone(),
        queries,
        clusters,
        cell,
        queue,
        signal: signal.clone(),
    };
    let name = format!("batch-{}", runner.task);
    if let Err(e) = std::thread::Builder::new()
        .name(name)
        .spawn(move || runner.run())
    {
        tracing::error!("cannot start a batch scheduler thread: {e}");
    }
    Scheduler { signal }
}

impl Runner {
    fn run(self) {
        let now = wall_ns();
        let mut next: Vec<Option<i64>> = self
            .queries
            .iter()
            .map(|q| q.schedule.first_live_tick(now))
            .collect();
        loop {
            let Some((i, due)) = next
                .iter()
                .enumerate()
                .filter_map(|(i, t)| t.map(|t| (i, t)))
                .min_by_key(|&(_, t)| t)
            else {
                // No query has another instant (a cron that ended).
                return;
            };
            if self.signal.sleep_until(due) || self.cell.is_closed() {
                return;
            }
            self.run_query(i, due);
            // Like Go's ticker, ticks missed while a query ran are dropped.
            let now = wall_ns();
            let mut t = self.queries[i].schedule.next_live_tick(due);
            while let Some(v) = t.filter(|&v| v <= now) {
                t = self.queries[i].schedule.next_live_tick(v);
            }
            next[i] = t;
        }
    }

    fn send(&self, job: Job) {
        if let Enqueued::Schedule = self.cell.enqueue_query_job(job) {
            self.queue.push(self.cell.clone());
        }
    }

    fn fail(&self, query: usize, message: String) {
        self.send(Job::QueryFailed { query, message });
    }

    fn run_query(&self, i: usize, tick: i64) {
        let q = &self.queries[i];
        let run = q.live_run(tick);
        tracing::debug!(
            task = &*self.task,
            query = run.text,
            "starting next batch query"
        );
        if self.clusters.is_empty() {
            return self.fail(
                i,
                "InfluxDB not configured, cannot query InfluxDB for batch query".into(),
            );
        }
        let client = match self.clusters.get(&q.cluster) {
            Ok(c) => c,
            Err(e) => return self.fail(i, format!("failed to get InfluxDB client: {e}")),
        };
        let results = match q.execute(&client, &run, Stamp::Live) {
            Ok(r) => r,
            Err(e) => return self.fail(i, format!("error executing query: {e}")),
        };
        if self.signal.is_stopped() {
            return;
        }
        for result in results {
            match result {
                Ok(batches) => {
                    for b in batches {
                        self.send(Job::Batch {
                            query: i,
                            batch: Arc::new(b),
                        });
                    }
                }
                Err(e) => self.fail(i, format!("failed to understand query result: {e}")),
            }
        }
    }
}
