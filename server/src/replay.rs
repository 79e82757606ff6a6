//! Replays (api.md §1.8): a recording fed to a task in isolation from live
//! data, by the engine's replay runner on data time. Replay state lives in
//! memory (a restart forgets replays, not recordings).

use crate::topics::Topics;
use runtime::engine::replay::ReplayHandle;
use runtime::engine::Outputs;
use runtime::output::Output;
use std::sync::Arc;

pub struct ReplayEntry {
    pub id: String,
    pub task: String,
    pub recording: String,
    pub recording_time: bool,
    pub clock: &'static str,
    pub date: i64,
    pub handle: ReplayHandle,
}

/// A replay's outputs: alerts land in anonymous topics named by the replay
/// (its private task master) — a `.topic()` publishes to that topic, as
/// Kapacitor's one alert service shared by every task master does; logs go
/// to the server log.
pub struct ReplayOutputs {
    pub replay: String,
    pub topics: Arc<Topics>,
}

impl Outputs for ReplayOutputs {
    fn output(&self, task: &str, out: Output<'_>) {
        match out {
            Output::Alert { node, .. } => self.topics.record_output(&self.replay, task, node, &out),
            other => self.topics.output(task, other),
        }
    }

    fn diagnostic(&self, task: &str, node: &str, message: &str) {
        tracing::error!(replay = self.replay, task, node, "{message}");
    }
}
