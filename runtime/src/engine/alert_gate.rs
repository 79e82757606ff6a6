//! A hook between an alert node's state machine and its outputs: the server
//! of a cluster (`server/src/cluster/dedup.rs`) decides there whether an
//! event was already delivered by another node (a task replayed after a
//! failover regenerates the events its previous owner sent) and records
//! each delivered one. Without a gate (one server, `tickc run`) every event
//! is delivered as before.

use crate::alert::event::Event;
use std::fmt::Debug;

pub trait AlertGate: Send + Sync + Debug {
    /// Deliver `event` of alert node `node` by calling `deliver` (which hands
    /// it to the topic store and to the node's handlers, and returns once
    /// those handlers finished with it), or drop it as a duplicate. `topic` is
    /// the node's `.topic()` (`None`: its anonymous topic), whose handlers the
    /// gate waits for itself. Called on the task's worker thread, once per event.
    fn publish(&self, node: &str, topic: Option<&str>, event: &Event, deliver: &mut dyn FnMut());
}
