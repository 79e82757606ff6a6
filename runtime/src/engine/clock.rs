//! The wall clock of live tasks: a thread that, every `tick_interval`,
//! queues a tick (the current UTC time) for each running task with
//! time-driven nodes. It holds only a weak reference, so it ends when the
//! engine is dropped or shut down.

use super::{Engine, Inner};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

pub(super) fn start(engine: &Engine) -> Option<JoinHandle<()>> {
    let weak: Weak<Inner> = Arc::downgrade(&engine.inner);
    let interval = engine.inner.options.tick_interval;
    std::thread::Builder::new()
        .name("task-clock".into())
        .spawn(move || loop {
            std::thread::sleep(interval);
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let engine = Engine { inner };
            if engine.is_shut_down() {
                return;
            }
            engine.tick_all(now_ns());
        })
        .ok()
}
