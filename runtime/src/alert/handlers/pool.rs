//! One handler pool for a whole server (or `tickc run`): every handler — an
//! alert node's own or a topic's — is a [`Lane`] with its own bounded queue,
//! and a few worker threads drain the lanes that have work.
//!
//! Why lanes: a slow endpoint must stall neither the task thread (sending
//! only queues, and a full queue drops the event and counts it) nor the
//! other handlers (each lane is drained on its own; while one worker waits on
//! a slow handler, the others serve the remaining lanes, and the pool grows a
//! worker when every worker is busy, up to [`MAX_WORKERS`]). A lane is served
//! by at most one worker at a time, so one handler sees its events in order.

use super::{Handler, HandlerError};
use crate::alert::event::Event;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Workers the pool may grow to (handlers block on network I/O, not CPU).
pub const MAX_WORKERS: usize = 16;
/// Events a worker delivers from one lane before serving the next lane.
const BATCH: usize = 64;
/// Handler errors kept per lane for `HandlerSet::close` (the rest are only logged).
const KEPT_ERRORS: usize = 1000;

/// One event as every lane receives it: shared, never copied per handler.
#[derive(Debug)]
pub struct Delivery {
    pub event: Event,
    /// The event JSON (api.md §5.3), no newline.
    pub json: String,
}

struct LaneQueue {
    items: VecDeque<Arc<Delivery>>,
    /// In the pool's run queue or being drained by a worker.
    scheduled: bool,
}

/// A handler and its queue.
pub struct Lane {
    name: String,
    capacity: usize,
    handler: Mutex<Box<dyn Handler>>,
    queue: Mutex<LaneQueue>,
    idle: Condvar,
    pub dropped: AtomicU64,
    pub delivered: AtomicU64,
    /// Events the handler failed to deliver (an endpoint down, a 500): the alert node's
    /// `handler_errors` stat.
    pub failed: AtomicU64,
    errors: Mutex<Vec<HandlerError>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Lane {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Queues `d`; a full queue drops it (counted in `dropped`).
    pub fn send(
        self: &Arc<Self>,
        pool: &HandlerPool,
        d: Arc<Delivery>,
    ) -> Result<(), HandlerError> {
        let mut q = lock(&self.queue);
        if q.items.len() >= self.capacity {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return Err(HandlerError::Queue(
                "alert handler queue full, event dropped",
            ));
        }
        q.items.push_back(d);
        if !q.scheduled {
            q.scheduled = true;
            drop(q);
            pool.schedule(self.clone());
        }
        Ok(())
    }

    /// Waits until every queued event was delivered.
    pub fn flush(&self) {
        let mut q = lock(&self.queue);
        while q.scheduled {
            q = self.idle.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The handler errors kept so far (taken).
    pub fn take_errors(&self) -> Vec<HandlerError> {
        std::mem::take(&mut *lock(&self.errors))
    }

    /// Delivers up to `BATCH` events; true when the lane still has work.
    fn drain(&self) -> bool {
        let mut handler = lock(&self.handler);
        for _ in 0..BATCH {
            let next = {
                let mut q = lock(&self.queue);
                match q.items.pop_front() {
                    Some(d) => d,
                    None => {
                        q.scheduled = false;
                        self.idle.notify_all();
                        return false;
                    }
                }
            };
            match handler.handle(&next.event, &next.json) {
                Ok(()) => {
                    self.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    self.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(handler = self.name, "{e}");
                    let mut errs = lock(&self.errors);
                    if errs.len() < KEPT_ERRORS {
                        errs.push(e);
                    }
                }
            }
        }
        let mut q = lock(&self.queue);
        if q.items.is_empty() {
            q.scheduled = false;
            self.idle.notify_all();
            false
        } else {
            true
        }
    }
}

struct RunQueue {
    ready: VecDeque<Arc<Lane>>,
    workers: usize,
    idle_workers: usize,
}

struct PoolInner {
    run: Mutex<RunQueue>,
    work: Condvar,
}

/// The shared pool; clones share it. Workers start on first use, so a
/// default `Config` costs no thread.
#[derive(Clone)]
pub struct HandlerPool {
    inner: Arc<PoolInner>,
}

impl std::fmt::Debug for HandlerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = lock(&self.inner.run);
        f.debug_struct("HandlerPool")
            .field("workers", &r.workers)
            .field("ready", &r.ready.len())
            .finish()
    }
}

impl Default for HandlerPool {
    fn default() -> Self {
        HandlerPool {
            inner: Arc::new(PoolInner {
                run: Mutex::new(RunQueue {
                    ready: VecDeque::new(),
                    workers: 0,
                    idle_workers: 0,
                }),
                work: Condvar::new(),
            }),
        }
    }
}

impl HandlerPool {
    /// A lane for `handler` holding at most `capacity` queued events.
    pub fn lane(
        &self,
        name: impl Into<String>,
        handler: Box<dyn Handler>,
        capacity: usize,
    ) -> Arc<Lane> {
        Arc::new(Lane {
            name: name.into(),
            capacity: capacity.max(1),
            handler: Mutex::new(handler),
            queue: Mutex::new(LaneQueue {
                items: VecDeque::new(),
                scheduled: false,
            }),
            idle: Condvar::new(),
            dropped: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            errors: Mutex::new(Vec::new()),
        })
    }

    /// Worker threads started so far.
    pub fn workers(&self) -> usize {
        lock(&self.inner.run).workers
    }

    fn schedule(&self, lane: Arc<Lane>) {
        let mut r = lock(&self.inner.run);
        r.ready.push_back(lane);
        // A worker counts as idle until it wakes and takes the lock, so an idle
        // worker already woken for an earlier lane must not be woken again: with
        // more lanes ready than idle workers, the pool grows instead (a lost
        // wake-up here left a healthy lane waiting behind a hung one).
        if r.ready.len() > r.idle_workers && r.workers < MAX_WORKERS {
            let inner = self.inner.clone();
            let spawned = std::thread::Builder::new()
                .name("alert-handlers".into())
                .spawn(move || worker(inner));
            match spawned {
                Ok(_) => r.workers += 1,
                Err(e) => tracing::error!("cannot start an alert handler worker: {e}"),
            }
        } else {
            self.inner.work.notify_one();
        }
    }
}

fn worker(inner: Arc<PoolInner>) {
    loop {
        let lane = {
            let mut r = lock(&inner.run);
            loop {
                if let Some(l) = r.ready.pop_front() {
                    break l;
                }
                r.idle_workers += 1;
                r = inner.work.wait(r).unwrap_or_else(|e| e.into_inner());
                r.idle_workers -= 1;
            }
        };
        if lane.drain() {
            // Back of the queue: other lanes get their turn first.
            lock(&inner.run).ready.push_back(lane);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Sender};
    use std::time::{Duration, Instant};

    /// Blocks until released, then reports each event ID.
    struct Gate(Arc<(Mutex<bool>, Condvar)>, Sender<String>);

    impl Handler for Gate {
        fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
            let (open, cv) = &*self.0;
            let mut o = lock(open);
            while !*o {
                o = cv.wait(o).unwrap();
            }
            let _ = self.1.send(ev.id.clone());
            Ok(())
        }
    }

    struct Report(Sender<String>);

    impl Handler for Report {
        fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
            let _ = self.0.send(ev.id.clone());
            Ok(())
        }
    }

    fn delivery(id: &str) -> Arc<Delivery> {
        Arc::new(Delivery {
            event: Event {
                id: id.into(),
                ..Event::default()
            },
            json: String::new(),
        })
    }

    /// Two lanes scheduled back to back while the pool's one worker sleeps: the
    /// first wakes it, and the second must get a worker of its own, since the
    /// woken one then blocks on the first lane.
    #[test]
    fn a_lane_scheduled_while_the_idle_worker_wakes_is_still_served() {
        for round in 0..50 {
            let pool = HandlerPool::default();
            let (warm_tx, warm_rx) = channel();
            let warm = pool.lane("warm", Box::new(Report(warm_tx)), 10);
            warm.send(&pool, delivery("w")).unwrap();
            warm_rx.recv_timeout(Duration::from_secs(5)).unwrap();
            warm.flush();
            // Let the worker reach its wait.
            let deadline = Instant::now() + Duration::from_secs(5);
            while lock(&pool.inner.run).idle_workers == 0 {
                assert!(Instant::now() < deadline, "worker never idle");
                std::thread::yield_now();
            }
            let gate = Arc::new((Mutex::new(false), Condvar::new()));
            let (slow_tx, _slow_rx) = channel();
            let (fast_tx, fast_rx) = channel();
            let slow = pool.lane("slow", Box::new(Gate(gate.clone(), slow_tx)), 10);
            let fast = pool.lane("fast", Box::new(Report(fast_tx)), 10);
            slow.send(&pool, delivery("s")).unwrap();
            fast.send(&pool, delivery("f")).unwrap();
            let got = fast_rx.recv_timeout(Duration::from_secs(10));
            *lock(&gate.0) = true;
            gate.1.notify_all();
            assert_eq!(
                got.as_deref(),
                Ok("f"),
                "round {round}: fast lane not served"
            );
            slow.flush();
        }
    }

    #[test]
    fn a_stuck_handler_blocks_neither_sender_nor_other_handlers() {
        let pool = HandlerPool::default();
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let (slow_tx, slow_rx) = channel();
        let (fast_tx, fast_rx) = channel();
        let slow = pool.lane("slow", Box::new(Gate(gate.clone(), slow_tx)), 2);
        let fast = pool.lane("fast", Box::new(Report(fast_tx)), 10);
        let start = Instant::now();
        // "1" is taken by the stuck worker; "2" and "3" fill the queue of 2;
        // "4" and "5" are dropped, without waiting.
        for id in ["1", "2", "3", "4", "5"] {
            let _ = slow.send(&pool, delivery(id));
            fast.send(&pool, delivery(id)).unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(1));
        let fast_got: Vec<String> = (0..5)
            .map(|_| fast_rx.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        assert_eq!(fast_got, ["1", "2", "3", "4", "5"]);
        assert!(slow_rx.try_recv().is_err());
        // The first event may still be queued when 4 and 5 arrive (2 or 3
        // dropped then), or taken by the worker already (2 dropped).
        let dropped = slow.dropped.load(Ordering::Relaxed);
        assert!((2..=3).contains(&dropped), "dropped {dropped}");
        *lock(&gate.0) = true;
        gate.1.notify_all();
        slow.flush();
        let slow_got: Vec<String> = slow_rx.try_iter().collect();
        assert_eq!(slow_got.len() as u64, 5 - dropped);
        assert_eq!(slow_got[0], "1", "in order");
        assert_eq!(slow.delivered.load(Ordering::Relaxed), 5 - dropped);
    }
}
