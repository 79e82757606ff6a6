//! One write request, parsed once: every subscribed task and recording gets
//! the same `Arc`, and each point inside is an `Arc<Point>`, so fan-out to
//! many tasks costs reference counts, never copies.

use crate::message::{Point, Str};
use std::sync::Arc;

#[derive(Debug)]
pub struct WriteBatch {
    pub database: Str,
    pub retention_policy: Str,
    /// Every point carries the same database and retention policy.
    pub points: Vec<Arc<Point>>,
}

impl WriteBatch {
    pub fn new(database: &str, retention_policy: &str, points: Vec<Point>) -> WriteBatch {
        WriteBatch {
            database: Str::from(database),
            retention_policy: Str::from(retention_policy),
            points: points.into_iter().map(Arc::new).collect(),
        }
    }
}

/// What `Engine::write` did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Tasks whose (db, rp) matched (they filter measurements themselves).
    pub tasks: usize,
    /// Stream taps (recordings) that saw the batch.
    pub taps: usize,
}

/// A consumer of the raw write stream beside the tasks (a stream recording).
/// Called on the write path, so it must be quick.
pub trait Tap: Send + Sync {
    fn write(&self, batch: &Arc<WriteBatch>);
}
