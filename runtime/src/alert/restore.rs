//! Restoring an alert's level across restarts (Kapacitor's
//! `restoreEventState`): when a group first appears, the alert node renders
//! its event ID and asks the topic store for that event's last state — the
//! node's anonymous topic first, then its `.topic()`. A level other than OK
//! is entered at the point's time and its trigger time restored, so the
//! next event's `previousLevel` and `duration` continue from before.

use super::level::Level;
use std::fmt::Debug;

/// The topic store as the alert node sees it.
pub trait EventStates: Send + Sync + Debug {
    /// The last `(level, time)` of event `id` of task `task`'s node `node`
    /// (its anonymous topic, else its named `topic`).
    fn restore(
        &self,
        task: &str,
        node: &str,
        topic: Option<&str>,
        id: &str,
    ) -> Option<(Level, i64)>;
}
