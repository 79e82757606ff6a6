//! Replays (api.md §1.8): a recording fed to a task in isolation from live data, by the
//! engine's replay runner on data time.
//!
//! Durability: a replay's record is stored when it starts (`running`) and again when it ends
//! with its final status, error, progress and stats, so `GET /replays` lists it after a
//! restart. A replay stored as `running` at start-up was cut short by a crash and is marked
//! `failed`, as interrupted recordings are.

use crate::store::{Store, StoreError};
use crate::topics::Topics;
use runtime::engine::replay::ReplayHandle;
use runtime::engine::{Outputs, TaskSnapshot};
use runtime::output::Output;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A replay as stored and as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayRecord {
    pub id: String,
    pub task: String,
    pub recording: String,
    pub recording_time: bool,
    /// `fast` or `real`.
    pub clock: String,
    pub date: i64,
    /// `running`, `finished` or `failed`.
    pub status: String,
    pub error: String,
    pub progress: f64,
    /// `{"task-stats": …, "node-stats": …}` once finished, `{}` before.
    #[serde(default)]
    pub stats: Value,
    /// The task's DOT with its final stats (for `show -replay`).
    #[serde(default)]
    pub dot: String,
}

/// A replay the server knows: running here, or ended (here or before a restart).
pub struct ReplayEntry {
    pub record: ReplayRecord,
    /// The runner while this process runs it; `None` once restored from the store.
    pub handle: Option<ReplayHandle>,
}

/// Task stats in the API's shape.
pub fn stats_json(s: &TaskSnapshot) -> Value {
    let nodes: BTreeMap<&str, BTreeMap<&str, i64>> = s
        .nodes
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                n.values.iter().map(|(k, v)| (k.as_str(), *v)).collect(),
            )
        })
        .collect();
    json!({"task-stats": {"throughput": s.throughput}, "node-stats": nodes})
}

impl ReplayEntry {
    /// The record now: from the runner when there is one.
    pub fn current(&self) -> ReplayRecord {
        let Some(h) = &self.handle else {
            return self.record.clone();
        };
        let st = h.status();
        let mut r = self.record.clone();
        r.status = match (st.finished, &st.error) {
            (false, _) => "running",
            (true, None) => "finished",
            (true, Some(_)) => "failed",
        }
        .into();
        r.error = st.error.clone().unwrap_or_default();
        r.progress = st.progress;
        r.stats = st.stats.as_ref().map_or_else(|| json!({}), stats_json);
        r.dot = st.stats.as_ref().map(|s| s.dot.clone()).unwrap_or_default();
        r
    }
}

/// The stored replays at start-up, those cut short by a crash marked failed.
pub fn restore(store: &Store) -> Result<HashMap<String, ReplayEntry>, StoreError> {
    let mut out = HashMap::new();
    for mut r in store.replays::<ReplayRecord>()? {
        if r.status == "running" {
            r.status = "failed".into();
            r.error = "unexpected Kapacitor shutdown".into();
            store.put_replay(&r.id, &r)?;
        }
        out.insert(
            r.id.clone(),
            ReplayEntry {
                record: r,
                handle: None,
            },
        );
    }
    Ok(out)
}

/// Store replay `id`'s final record once its runner ends (polled: the runner is a plain
/// thread that reports through its status).
pub async fn persist_when_done(state: Arc<crate::state::AppState>, id: String) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let rec = {
            let replays = state.replays.lock().unwrap_or_else(|e| e.into_inner());
            match replays.get(&id) {
                None => return,
                Some(e) => e.current(),
            }
        };
        if rec.status != "running" {
            if let Err(e) = state.store.put_replay(&rec.id, &rec) {
                tracing::error!(replay = rec.id, "cannot store the replay's status: {e}");
            }
            return;
        }
    }
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
