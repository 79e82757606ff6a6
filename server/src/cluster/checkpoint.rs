//! A task's checkpoint: its nodes' states (`Task::snapshot`, by node name)
//! together with the stream sequence they cover — every message up to `seq`
//! was fed and run, none after it. The owner takes one at a moment the
//! task is idle with delivery paused (`consumer.rs`), so the pair is
//! consistent; a new owner restores the states and resumes at `seq + 1`.
//! What the states hold is what the runtime's nodes snapshot.

use super::subjects::token;
use super::{nats, Cluster, ClusterError};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last stream sequence the states include (0 = none yet).
    pub seq: u64,
    /// When it was taken (ns), by which node.
    pub taken: i64,
    pub node: String,
    /// Node name -> its state, base64.
    pub states: BTreeMap<String, String>,
}

impl Checkpoint {
    pub fn new(seq: u64, node: &str, states: &BTreeMap<String, Vec<u8>>) -> Checkpoint {
        Checkpoint {
            seq,
            taken: crate::ids::now_ns(),
            node: node.to_string(),
            states: states
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        base64::engine::general_purpose::STANDARD.encode(v),
                    )
                })
                .collect(),
        }
    }

    /// The node states to restore (an undecodable one is left out, logged).
    pub fn node_states(&self) -> BTreeMap<String, Vec<u8>> {
        self.states
            .iter()
            .filter_map(
                |(k, v)| match base64::engine::general_purpose::STANDARD.decode(v) {
                    Ok(b) => Some((k.clone(), b)),
                    Err(e) => {
                        tracing::error!(node = k, "cluster: undecodable checkpoint state: {e}");
                        None
                    }
                },
            )
            .collect()
    }
}

/// Task `id`'s checkpoint, if one was taken.
pub async fn load(cluster: &Cluster, id: &str) -> Result<Option<Checkpoint>, ClusterError> {
    match cluster
        .buckets
        .checkpoints
        .get(token(id))
        .await
        .map_err(nats)?
    {
        Some(b) => Ok(serde_json::from_slice(&b).ok()),
        None => Ok(None),
    }
}

/// Store `cp` as task `id`'s checkpoint; returns once replicated.
pub async fn save(cluster: &Cluster, id: &str, cp: &Checkpoint) -> Result<(), ClusterError> {
    let body = serde_json::to_vec(cp).map_err(nats)?;
    cluster
        .buckets
        .checkpoints
        .put(token(id), body.into())
        .await
        .map_err(nats)?;
    Ok(())
}
