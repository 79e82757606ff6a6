//! The worker pool: one thread per core, a shared run queue of tasks that
//! have work. A task is on the queue at most once (its `scheduled` flag), so
//! at most one worker runs it; a worker runs a bounded number of its jobs and
//! puts it back at the end of the queue, so a busy task cannot starve others.

use super::running::TaskCell;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Jobs (writes or ticks) a worker runs for one task before moving on.
const JOBS_PER_TURN: usize = 16;

#[derive(Default)]
struct Queue {
    cells: VecDeque<Arc<TaskCell>>,
    shutdown: bool,
}

#[derive(Default)]
pub(crate) struct RunQueue {
    q: Mutex<Queue>,
    cv: Condvar,
}

impl RunQueue {
    pub fn push(&self, cell: Arc<TaskCell>) {
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        q.cells.push_back(cell);
        self.cv.notify_one();
    }

    fn pop(&self) -> Option<Arc<TaskCell>> {
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = q.cells.pop_front() {
                return Some(c);
            }
            if q.shutdown {
                return None;
            }
            q = self.cv.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub fn shutdown(&self) {
        let mut q = self.q.lock().unwrap_or_else(|e| e.into_inner());
        q.shutdown = true;
        self.cv.notify_all();
    }
}

pub(crate) fn start_workers(queue: &Arc<RunQueue>, n: usize) -> Vec<JoinHandle<()>> {
    (0..n.max(1))
        .filter_map(|i| {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("task-worker-{i}"))
                .spawn(move || {
                    while let Some(cell) = queue.pop() {
                        if cell.drain(JOBS_PER_TURN) {
                            queue.push(cell);
                        }
                    }
                })
                .ok()
        })
        .collect()
}
