//! `[alert] persist-topics`: topic event states survive a restart.
//!
//! Kapacitor writes a topic's whole state on every event; a redb commit
//! (an fsync) per event would bound alert throughput by the disk, so the
//! topics mark themselves dirty and this flusher writes every dirty topic in
//! one transaction each [`INTERVAL`] (and once more when asked, e.g. on
//! shutdown). A crash loses at most the last interval's level changes; task
//! and handler definitions are committed before their answer as before.

use super::Topics;
use crate::store::{Store, StoreError};
use std::sync::{Arc, Weak};
use std::time::Duration;

pub const INTERVAL: Duration = Duration::from_secs(1);

/// Writes the dirty topics' states now.
pub fn flush(topics: &Topics, store: &Store) -> Result<(), StoreError> {
    let dirty = topics.take_dirty();
    if dirty.is_empty() {
        return Ok(());
    }
    store.put_topic_states(&dirty)
}

/// Flushes every `INTERVAL` while `owner` lives; `parts` gets the topics
/// and the store out of it.
pub fn spawn_flusher<T, F>(owner: &Arc<T>, parts: F)
where
    T: Send + Sync + 'static,
    F: Fn(&T) -> (&Topics, &Store) + Send + 'static,
{
    let weak: Weak<T> = Arc::downgrade(owner);
    let spawned = std::thread::Builder::new()
        .name("topic-persist".into())
        .spawn(move || loop {
            std::thread::sleep(INTERVAL);
            let Some(owner) = weak.upgrade() else {
                return;
            };
            let (topics, store) = parts(&owner);
            if let Err(e) = flush(topics, store) {
                tracing::error!("failed to persist topic states: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the topic persister: {e}");
    }
}
