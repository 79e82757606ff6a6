//! Where running tasks' outputs go: one shared `Outputs` for the whole
//! engine (the server stores alert events in its topic store and logs the
//! rest), seen by each task through a small `Sink` that names the task.

use crate::output::{Output, Sink};
use std::sync::Arc;

pub trait Outputs: Send + Sync {
    fn output(&self, task: &str, out: Output<'_>);
    /// A node error being logged.
    fn diagnostic(&self, task: &str, node: &str, message: &str);
    /// Something tolerated the user should know about (a task limit
    /// evicting groups), logged at warning level.
    fn warning(&self, task: &str, node: &str, message: &str) {
        tracing::warn!(task, node, "{message}");
    }
}

/// Logs through `tracing` and keeps nothing (the default).
#[derive(Debug, Default)]
pub struct LogOutputs;

impl Outputs for LogOutputs {
    fn output(&self, task: &str, out: Output<'_>) {
        if let Output::Log { node, line } = out {
            tracing::info!(task, node, "{line}");
        }
    }

    fn diagnostic(&self, task: &str, node: &str, message: &str) {
        tracing::error!(task, node, "{message}");
    }
}

/// A task's sink: forwards to the engine's outputs with the task ID.
pub(crate) struct TaskSink {
    pub task: Arc<str>,
    pub outputs: Arc<dyn Outputs>,
}

impl Sink for TaskSink {
    fn output(&mut self, out: Output<'_>) {
        self.outputs.output(&self.task, out);
    }

    fn diagnostic(&mut self, node: &str, message: &str) {
        self.outputs.diagnostic(&self.task, node, message);
    }

    fn warning(&mut self, node: &str, message: &str) {
        self.outputs.warning(&self.task, node, message);
    }
}
