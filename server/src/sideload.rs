//! Sideload reload (`POST /kapacitor/v1/sideload/reload`, and SIGHUP as Kapacitor does):
//! `sideload()` nodes read their source files when the task is built, so reloading the
//! sources restarts the running tasks that have a `sideload()` node; the next point sees the
//! files as they are now. (Kapacitor swaps the sources in place; here the restart also
//! resets those tasks' other state, e.g. open windows.)

use crate::state::AppState;
use compiler::catalog::NodeKind;
use std::fmt;
use std::sync::Arc;

/// Tasks whose restart failed, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadError(pub Vec<(String, String)>);

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(t, e)| format!("{t}: {e}")).collect();
        write!(f, "failed to reload sideload sources: {}", parts.join("; "))
    }
}

impl std::error::Error for ReloadError {}

/// Restart every running task with a `sideload()` node; returns the IDs restarted.
pub async fn reload(state: &Arc<AppState>) -> Result<Vec<String>, ReloadError> {
    let _guard = state.task_lock.lock().await;
    let tasks = state
        .store
        .tasks()
        .map_err(|e| ReloadError(vec![(String::new(), e.to_string())]))?;
    let mut restarted = Vec::new();
    let mut failed = Vec::new();
    for rec in tasks {
        if !rec.enabled || !state.engine.is_executing(&rec.id) {
            continue;
        }
        let Ok(p) = state.pipeline(&rec) else {
            continue;
        };
        if !p.nodes.iter().any(|n| n.kind == NodeKind::Sideload) {
            continue;
        }
        match state.start(&rec) {
            Ok(()) => restarted.push(rec.id),
            Err(e) => {
                tracing::error!(service = "sideload", task = rec.id, "cannot reload: {e}");
                failed.push((rec.id, e));
            }
        }
    }
    if failed.is_empty() {
        tracing::info!(
            service = "sideload",
            tasks = restarted.len(),
            "sideload sources reloaded"
        );
        Ok(restarted)
    } else {
        Err(ReloadError(failed))
    }
}
