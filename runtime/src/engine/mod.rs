//! The engine: the set of running tasks above the single-task executor
//! (`task.rs`), as Kapacitor's task master is.
//!
//! * **Routing** (`route.rs`): a write is parsed once into a `WriteBatch`
//!   (`write.rs`) shared by `Arc`; it goes to every stream task whose dbrps
//!   hold its (db, rp), and each task keeps the points whose measurement one
//!   of its `from` nodes selects. Recordings tap the same stream (`Tap`).
//! * **Execution** (`pool.rs`, `running.rs`): each task runs single-threaded
//!   (one worker at a time holds it), tasks spread over one worker thread per
//!   core. Each task's inbox is bounded in points; a slow task makes writers
//!   wait (backpressure), counted in its stats.
//! * **Clocks** (`clock.rs`): running tasks are in live mode, their
//!   time-driven nodes (`stats`, so `deadman`, and `barrier`) tick on the wall
//!   clock; replays (`replay.rs`) run on data time, as `tickc run` does.
//! * **Shared services**: one `Outputs` for every task (alert events, logs),
//!   `http_out` results and `snapshot` stats readable while a task runs.

pub mod alert_gate;
mod batch;
mod clock;
mod error;
mod outputs;
mod pool;
pub mod replay;
mod route;
mod running;
mod snapshot;
#[cfg(test)]
mod tests;
mod write;

pub use alert_gate::AlertGate;
pub use error::EngineError;
pub use outputs::{LogOutputs, Outputs};
pub use route::Subscription;
pub use snapshot::{NodeSnapshot, TaskSnapshot};
pub use write::{Tap, WriteBatch, WriteOutcome};

use crate::config::Config;
use crate::task::Task;
use compiler::ir::Pipeline;
use outputs::TaskSink;
use pool::RunQueue;
use running::{Enqueued, TaskCell};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Worker threads (default: one per core).
    pub workers: usize,
    /// Points a task may have queued before writers wait.
    pub queue_points: usize,
    /// How long one write may wait for room in full task queues before it
    /// is dropped for those tasks; `None` = as long as it takes.
    pub write_wait_limit: Option<Duration>,
    /// How often time-driven nodes of live tasks are ticked.
    pub tick_interval: Duration,
    /// The configuration tasks are built with (handler sections, ...).
    pub config: Config,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            // Kapacitor buffers 1000 messages per edge; a few write batches
            // of a few thousand points each is the same order.
            queue_points: 50_000,
            write_wait_limit: None,
            tick_interval: Duration::from_millis(100),
            config: Config::default(),
        }
    }
}

struct Inner {
    options: EngineOptions,
    /// The configuration tasks are built with from now on (starts as `options.config`;
    /// replaced by `set_config` when the server's config is overridden live).
    config: RwLock<Config>,
    /// Alert handler kinds refused at task start (`kapacitord -disable-handlers`).
    disabled_handlers: RwLock<Vec<compiler::catalog::HandlerKind>>,
    outputs: Arc<dyn Outputs>,
    queue: Arc<RunQueue>,
    /// Running tasks by ID.
    tasks: RwLock<HashMap<Arc<str>, Arc<TaskCell>>>,
    /// Stream tasks, for the write path (a copy kept beside `tasks` so a
    /// write scans a flat list).
    streams: RwLock<Vec<Arc<TaskCell>>>,
    taps: RwLock<Vec<(u64, Arc<dyn Tap>)>>,
    /// The query schedulers of running batch tasks (`batch.rs`).
    schedulers: Mutex<HashMap<Arc<str>, batch::Scheduler>>,
    next_tap: Mutex<u64>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    shutdown: std::sync::atomic::AtomicBool,
}

/// How a stream task receives its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// From every `write` whose (db, rp) it reads.
    Routed,
    /// Only from `write_task`.
    Direct,
}

/// The running tasks of one server (or of one test). Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write_lock<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

impl Engine {
    pub fn new(options: EngineOptions, outputs: Arc<dyn Outputs>) -> Engine {
        let queue = Arc::new(RunQueue::default());
        let mut threads = pool::start_workers(&queue, options.workers);
        let inner = Arc::new(Inner {
            config: RwLock::new(options.config.clone()),
            disabled_handlers: RwLock::new(Vec::new()),
            options,
            outputs,
            queue,
            tasks: RwLock::new(HashMap::new()),
            streams: RwLock::new(Vec::new()),
            taps: RwLock::new(Vec::new()),
            schedulers: Mutex::new(HashMap::new()),
            next_tap: Mutex::new(0),
            threads: Mutex::new(Vec::new()),
            shutdown: std::sync::atomic::AtomicBool::new(false),
        });
        let engine = Engine { inner };
        if let Some(t) = clock::start(&engine) {
            threads.push(t);
        }
        *engine
            .inner
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = threads;
        engine
    }

    pub fn options(&self) -> &EngineOptions {
        &self.inner.options
    }

    /// The configuration the next task is built with.
    pub fn config(&self) -> Config {
        read(&self.inner.config).clone()
    }

    /// Build tasks started from now on with `config` (running tasks keep theirs until
    /// restarted).
    pub fn set_config(&self, config: Config) {
        *write_lock(&self.inner.config) = config;
    }

    /// Refuse to start tasks whose alert nodes use one of `kinds`.
    pub fn set_disabled_handlers(&self, kinds: Vec<compiler::catalog::HandlerKind>) {
        *write_lock(&self.inner.disabled_handlers) = kinds;
    }

    /// The first disabled handler `pipeline` uses, with the alert node using it.
    pub fn disabled_handler_in(
        &self,
        pipeline: &Pipeline,
    ) -> Option<(String, compiler::catalog::HandlerKind)> {
        let disabled = read(&self.inner.disabled_handlers);
        if disabled.is_empty() {
            return None;
        }
        pipeline.nodes.iter().find_map(|n| {
            n.handlers
                .iter()
                .find(|h| disabled.contains(&h.kind))
                .map(|h| (n.name.clone(), h.kind))
        })
    }

    pub fn outputs(&self) -> &Arc<dyn Outputs> {
        &self.inner.outputs
    }

    /// Build `pipeline` and start it as task `id` (live clock).
    pub fn start_task(&self, id: &str, pipeline: &Pipeline) -> Result<(), EngineError> {
        self.start_task_with_state(id, pipeline, &Default::default())
    }

    /// Start task `id` with its nodes' states restored from `state` (what
    /// `task_state` returned before it stopped; Kapacitor's task snapshot).
    pub fn start_task_with_state(
        &self,
        id: &str,
        pipeline: &Pipeline,
        state: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<(), EngineError> {
        self.start(id, pipeline, state, Feed::Routed)
    }

    /// Start stream task `id` fed only through `write_task`, never by
    /// `write`'s routing: a cluster node feeds each task it owns from that
    /// task's own consumer, in the stream's order.
    pub fn start_task_fed_directly(
        &self,
        id: &str,
        pipeline: &Pipeline,
        state: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<(), EngineError> {
        self.start(id, pipeline, state, Feed::Direct)
    }

    fn start(
        &self,
        id: &str,
        pipeline: &Pipeline,
        state: &std::collections::BTreeMap<String, Vec<u8>>,
        feed: Feed,
    ) -> Result<(), EngineError> {
        if self.is_shut_down() {
            return Err(EngineError::ShuttingDown);
        }
        if let Some((node, kind)) = self.disabled_handler_in(pipeline) {
            return Err(EngineError::HandlerDisabled {
                task: id.to_string(),
                node,
                kind: kind.kind(),
            });
        }
        let mut task =
            Task::build(id, pipeline, self.config()).map_err(|error| EngineError::Build {
                task: id.to_string(),
                error,
            })?;
        if !state.is_empty() {
            task.restore(state).map_err(|e| EngineError::Restore {
                task: id.to_string(),
                message: e.to_string(),
            })?;
        }
        task.set_live_clock(true);
        let id: Arc<str> = Arc::from(id);
        let sink = TaskSink {
            task: id.clone(),
            outputs: self.inner.outputs.clone(),
        };
        let queries = match pipeline.task_type {
            compiler::ir::TaskType::Batch => Some(
                crate::batch::task_queries(pipeline)
                    .and_then(|q| crate::batch::check_dbrps(&q, &pipeline.dbrps).map(|()| q))
                    .map_err(|e| EngineError::Query {
                        task: id.to_string(),
                        message: e.to_string(),
                    })?,
            ),
            compiler::ir::TaskType::Stream => None,
        };
        let sub = Subscription::of(pipeline);
        let is_stream = sub.is_some();
        let cell = Arc::new(TaskCell::new(
            id.clone(),
            sub,
            task,
            sink,
            self.inner.options.queue_points,
        ));
        {
            let mut tasks = write_lock(&self.inner.tasks);
            if tasks.contains_key(&id) {
                return Err(EngineError::AlreadyRunning(id.to_string()));
            }
            tasks.insert(id.clone(), cell.clone());
        }
        if let Some(queries) = queries.filter(|q| !q.is_empty()) {
            let scheduler = batch::start(
                queries,
                self.inner.options.config.influxdb.clone(),
                cell.clone(),
                self.inner.queue.clone(),
            );
            if let Some(old) = self
                .inner
                .schedulers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, scheduler)
            {
                old.stop();
            }
        }
        if is_stream && feed == Feed::Routed {
            write_lock(&self.inner.streams).push(cell);
        }
        Ok(())
    }

    /// Queue `batch` for task `id` alone (a task started with
    /// `start_task_fed_directly`), waiting while its inbox is full: nothing
    /// is dropped. Points of other (db, rp)s than the task's are skipped, as
    /// routing would. Returns whether the task is running.
    pub fn write_task(&self, id: &str, batch: WriteBatch) -> bool {
        let Some(cell) = read(&self.inner.tasks).get(id).cloned() else {
            return false;
        };
        if !cell
            .sub
            .as_ref()
            .is_some_and(|s| s.wants_dbrp(&batch.database, &batch.retention_policy))
        {
            return !cell.is_closed();
        }
        match cell.enqueue_write(Arc::new(batch), None) {
            Enqueued::Schedule => {
                self.inner.queue.push(cell);
                true
            }
            Enqueued::Queued => true,
            Enqueued::Closed | Enqueued::TimedOut => false,
        }
    }

    /// Whether task `id` has run every job queued so far (`None` when it is
    /// not running): a consistent moment for its snapshot.
    pub fn task_idle(&self, id: &str) -> Option<bool> {
        let cell = read(&self.inner.tasks).get(id).cloned()?;
        Some(cell.is_idle())
    }

    /// Stop task `id`; returns whether it was running.
    pub fn stop_task(&self, id: &str) -> bool {
        let Some(cell) = write_lock(&self.inner.tasks).remove(id) else {
            return false;
        };
        write_lock(&self.inner.streams).retain(|c| !Arc::ptr_eq(c, &cell));
        if let Some(s) = self
            .inner
            .schedulers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
        {
            s.stop();
        }
        cell.close();
        true
    }

    /// Whether task `id` is executing (started and not failed).
    pub fn is_executing(&self, id: &str) -> bool {
        read(&self.inner.tasks)
            .get(id)
            .is_some_and(|c| c.error().is_none())
    }

    /// IDs of the tasks started and not stopped (failed ones included).
    pub fn task_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = read(&self.inner.tasks)
            .keys()
            .map(|k| k.to_string())
            .collect();
        v.sort();
        v
    }

    /// The stats of task `id`, if started.
    pub fn snapshot(&self, id: &str) -> Option<TaskSnapshot> {
        let cell = read(&self.inner.tasks).get(id).cloned()?;
        Some(cell.snapshot())
    }

    /// The node states of running task `id` (its UDF agents' snapshots).
    pub fn task_state(
        &self,
        id: &str,
    ) -> Option<Result<std::collections::BTreeMap<String, Vec<u8>>, String>> {
        let cell = read(&self.inner.tasks).get(id).cloned()?;
        Some(cell.node_states())
    }

    /// The current result of task `id`'s `httpOut(endpoint)`.
    pub fn http_out(&self, id: &str, endpoint: &str) -> Option<String> {
        let cell = read(&self.inner.tasks).get(id).cloned()?;
        cell.http_out(endpoint)
    }

    /// Route one parsed write to the tasks and taps that want it. Blocks while
    /// a subscribed task's queue is full (call it off the async executor).
    pub fn write(&self, batch: WriteBatch) -> WriteOutcome {
        let batch = Arc::new(batch);
        let mut outcome = WriteOutcome::default();
        for (_, tap) in read(&self.inner.taps).iter() {
            tap.write(&batch);
            outcome.taps += 1;
        }
        let targets: Vec<Arc<TaskCell>> = read(&self.inner.streams)
            .iter()
            .filter(|c| {
                c.sub
                    .as_ref()
                    .is_some_and(|s| s.wants_dbrp(&batch.database, &batch.retention_policy))
            })
            .cloned()
            .collect();
        let deadline = self
            .inner
            .options
            .write_wait_limit
            .map(|d| std::time::Instant::now() + d);
        for cell in targets {
            outcome.tasks += 1;
            if let Enqueued::Schedule = cell.enqueue_write(batch.clone(), deadline) {
                self.inner.queue.push(cell);
            }
        }
        outcome
    }

    /// Tick every live task with time-driven nodes at `now` (ns).
    pub(crate) fn tick_all(&self, now: i64) {
        let cells: Vec<Arc<TaskCell>> = read(&self.inner.tasks)
            .values()
            .filter(|c| c.wants_ticks())
            .cloned()
            .collect();
        for cell in cells {
            if let Enqueued::Schedule = cell.enqueue_tick(now) {
                self.inner.queue.push(cell);
            }
        }
    }

    /// Add a tap on the write stream; returns its handle for `remove_tap`.
    pub fn add_tap(&self, tap: Arc<dyn Tap>) -> u64 {
        let mut n = self
            .inner
            .next_tap
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *n += 1;
        write_lock(&self.inner.taps).push((*n, tap));
        *n
    }

    pub fn remove_tap(&self, handle: u64) {
        write_lock(&self.inner.taps).retain(|(h, _)| *h != handle);
    }

    fn is_shut_down(&self) -> bool {
        self.inner
            .shutdown
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stop every task and join the worker and clock threads.
    pub fn shutdown(&self) {
        if self
            .inner
            .shutdown
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        for id in self.task_ids() {
            self.stop_task(&id);
        }
        self.inner.queue.shutdown();
        let threads =
            std::mem::take(&mut *self.inner.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for t in threads {
            let _ = t.join();
        }
    }
}
