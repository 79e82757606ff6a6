//! Alert events across owners. When a task moves, its new owner replays the
//! points after the last checkpoint and so regenerates the events its
//! previous owner may already have delivered. Each delivered event is
//! recorded in the bucket `kapacitor_alerts` under (task, alert node, alert
//! ID) with its level and time. While a task replays (`consumer.rs`: the
//! messages the stream held when this node took it), an event whose (level,
//! time) is the one recorded, or older than it, is a duplicate: dropped and
//! counted (`alerts_deduplicated`), and records are written by revision
//! compare-and-set. Past the replay every event is new: delivered without a
//! read, so a late out-of-order point changes a level as on one server.
//!
//! An event is recorded after the alert node's own handlers and its topic's
//! handlers delivered it, so a handler sees each state change at least once,
//! and twice only when a node dies between delivering it and recording it.
//!
//! The same records restore an alert's level when a group first appears on
//! its new owner (`ClusterEventStates`), so a state the old owner already
//! announced is not announced again.

use super::ingest::wait;
use super::subjects::token;
use super::{Cluster, ClusterStats};
use runtime::alert::event::Event;
use runtime::alert::level::Level;
use runtime::alert::restore::EventStates;
use runtime::engine::AlertGate;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Delivered {
    /// `Level` as its index (0 = OK).
    level: usize,
    time: i64,
    /// When the alert left OK (ns), for `duration` after a restore.
    triggered: i64,
}

fn key(task: &str, node: &str, id: &str) -> String {
    format!("{}.{}.{}", token(task), token(node), token(id))
}

async fn last(cluster: &Cluster, key: &str) -> Result<Option<(Delivered, u64)>, String> {
    let e = cluster
        .buckets
        .alerts
        .entry(key)
        .await
        .map_err(|e| e.to_string())?;
    Ok(
        e.filter(|e| e.operation == async_nats::jetstream::kv::Operation::Put)
            .and_then(|e| {
                serde_json::from_slice::<Delivered>(&e.value)
                    .ok()
                    .map(|d| (d, e.revision))
            }),
    )
}

/// The cluster's `AlertGate`.
pub struct Dedup {
    pub cluster: Arc<Cluster>,
    /// The node's topics, whose handlers an event is delivered through too.
    pub topics: Arc<crate::topics::Topics>,
}

impl std::fmt::Debug for Dedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dedup")
            .field("node", &self.cluster.node_id)
            .finish()
    }
}

impl AlertGate for Dedup {
    fn publish(&self, node: &str, topic: Option<&str>, ev: &Event, deliver: &mut dyn FnMut()) {
        let c = &self.cluster;
        let key = key(&ev.task, node, &ev.id);
        // Past its replay a task's events are all new: delivered without reading
        // the record, so a late point that changes a level is delivered as one
        // server delivers it.
        let replaying = c.replaying(&ev.task);
        let seen = if replaying {
            match wait(&c.handle, last(c, &key)) {
                Ok(s) => s,
                Err(e) => {
                    // Unknown: deliver (at least once) and say so.
                    ClusterStats::add(&c.stats.dedup_errors, 1);
                    tracing::warn!(task = &*ev.task, "cluster: alert record unreadable: {e}");
                    None
                }
            }
        } else {
            None
        };
        if let Some((d, _)) = &seen {
            if d.time > ev.time || (d.time == ev.time && d.level == ev.level as usize) {
                ClusterStats::add(&c.stats.alerts_deduplicated, 1);
                return;
            }
        }
        deliver();
        // Handed over is not delivered: the topic's handlers finish first, so a
        // node dying before the record below means a duplicate, never a loss.
        self.topics
            .flush_output(crate::topics::TASK_MASTER, &ev.task, node, topic);
        ClusterStats::add(&c.stats.alerts_delivered, 1);
        let rec = Delivered {
            level: ev.level as usize,
            time: ev.time,
            triggered: ev.time - ev.duration,
        };
        let body: bytes::Bytes = serde_json::to_vec(&rec).unwrap_or_default().into();
        let kv = &c.buckets.alerts;
        let stored = wait(&c.handle, async {
            match (replaying, seen) {
                // Replaying, compare-and-set: two owners for a moment must not
                // both record.
                (true, Some((_, rev))) => kv
                    .update(&key, body, rev)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                (true, None) => kv
                    .create(&key, body)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                // The sole owner past its replay: the record is its own. (A
                // stale owner overwriting it can only cause a duplicate later.)
                (false, _) => kv
                    .put(&key, body)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            }
        });
        if let Err(e) = stored {
            // Another node recorded it meanwhile (two owners for a moment).
            ClusterStats::add(&c.stats.dedup_errors, 1);
            tracing::warn!(task = &*ev.task, "cluster: alert record not written: {e}");
        }
    }
}

/// Alert levels restored from the delivered records, else from the topic
/// store (the one-server source).
pub struct ClusterEventStates {
    pub cluster: Arc<Cluster>,
    pub fallback: Arc<dyn EventStates>,
}

impl std::fmt::Debug for ClusterEventStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterEventStates").finish()
    }
}

impl EventStates for ClusterEventStates {
    fn restore(
        &self,
        task: &str,
        node: &str,
        topic: Option<&str>,
        id: &str,
    ) -> Option<(Level, i64)> {
        let c = &self.cluster;
        match wait(&c.handle, last(c, &key(task, node, id))) {
            Ok(Some((d, _))) => Some((Level::from_index(d.level), d.triggered)),
            Ok(None) => self.fallback.restore(task, node, topic, id),
            Err(e) => {
                tracing::warn!(task, "cluster: alert record unreadable: {e}");
                self.fallback.restore(task, node, topic, id)
            }
        }
    }
}
