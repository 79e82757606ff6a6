//! The messages that travel on edges between nodes (reference §3).
//!
//! Points and batches travel as `Arc`s so that fan-out to many children (or
//! many tasks subscribed to the same points) costs a reference count, never a
//! copy. A node that changes a point clones it (`Arc::make_mut` clones only
//! when the point is shared).

use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use crate::point::{BatchPoint, Dimensions, FieldValue, Fields, Group, Point, Str, Tags};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Message {
    /// One stream point.
    Point(Arc<Point>),
    /// One whole (buffered) batch: Kapacitor's BeginBatch, points, EndBatch.
    Batch(Arc<Batch>),
    /// No data older than `time` will follow for `group`.
    Barrier(Barrier),
    /// Drop every piece of state held for this group.
    DeleteGroup(Group),
}

/// A batch: begin info plus its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// The measurement.
    pub name: Str,
    /// Group ID and dimensions.
    pub group: Group,
    /// The group tags only (the dimension tags), sorted by key.
    pub tags: Tags,
    /// Mirrors `group.dims.by_name` (kept for Kapacitor's BeginBatch shape).
    pub by_name: bool,
    /// The batch time (ns): a window's end, a query's stop time.
    pub tmax: i64,
    /// The points, each with all of its own tags.
    pub points: Vec<BatchPoint>,
}

/// `Barrier {group, time}`: no data older than `time` will follow for `group`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Barrier {
    pub group: Group,
    /// Nanoseconds since the Unix epoch.
    pub time: i64,
}

impl Batch {
    /// The same batch (name, group, tags, time) with other points, without
    /// cloning this batch's points.
    pub fn with_points(&self, points: Vec<BatchPoint>) -> Batch {
        Batch {
            name: self.name.clone(),
            group: self.group.clone(),
            tags: self.tags.clone(),
            by_name: self.by_name,
            tmax: self.tmax,
            points,
        }
    }
}

impl Message {
    /// The group the message belongs to.
    pub fn group(&self) -> &Group {
        match self {
            Message::Point(p) => &p.group,
            Message::Batch(b) => &b.group,
            Message::Barrier(b) => &b.group,
            Message::DeleteGroup(g) => g,
        }
    }

    /// The message time: point time, batch tmax, barrier time; `None` for DeleteGroup.
    pub fn time(&self) -> Option<i64> {
        match self {
            Message::Point(p) => Some(p.time),
            Message::Batch(b) => Some(b.tmax),
            Message::Barrier(b) => Some(b.time),
            Message::DeleteGroup(_) => None,
        }
    }
}
