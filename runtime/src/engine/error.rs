//! The engine's errors, one variant per answer the HTTP layer gives.

use crate::node::BuildError;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// A task with this ID is already running.
    AlreadyRunning(String),
    /// No running task with this ID.
    NotRunning(String),
    /// The task graph could not be built (bad node settings).
    Build { task: String, error: BuildError },
    /// A batch task's query node cannot run (bad InfluxQL, bad schedule).
    Query { task: String, message: String },
    /// The engine is shutting down and takes no more work.
    ShuttingDown,
    /// An alert node uses a handler kind disabled on this server (`-disable-handlers`).
    HandlerDisabled {
        task: String,
        node: String,
        kind: &'static str,
    },
    /// A node refused the state stored for it (a UDF agent's restore failed).
    Restore { task: String, message: String },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::AlreadyRunning(id) => write!(f, "task {id} is already executing"),
            EngineError::NotRunning(id) => write!(f, "task {id} is not executing"),
            EngineError::Build { task, error } => {
                write!(f, "failed to start task {task}: {error}")
            }
            EngineError::Query { task, message } => {
                write!(f, "failed to start task {task}: {message}")
            }
            EngineError::ShuttingDown => f.write_str("the engine is shutting down"),
            EngineError::HandlerDisabled { task, node, kind } => write!(
                f,
                "failed to start task {task}: {node}: the {kind} alert handler is disabled on this server"
            ),
            EngineError::Restore { task, message } => {
                write!(f, "failed to start task {task}: restoring its snapshot: {message}")
            }
        }
    }
}

impl std::error::Error for EngineError {}
