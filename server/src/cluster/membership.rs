//! Which nodes are alive: each node puts its heartbeat (`NodeInfo`) under its
//! ID in the bucket `kapacitor_nodes` every `heartbeat-interval`; the bucket's
//! entries expire after three intervals, so a node that died (or lost NATS)
//! drops out of the listing within three intervals without anyone deciding
//! it. A node leaving cleanly deletes its entry.

use super::{lock, Cluster};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub id: String,
    /// The node's API.
    pub url: String,
    /// When the node started (RFC 3339).
    pub started: String,
}

/// The live nodes now (read from the bucket), sorted by ID.
pub async fn live_nodes(cluster: &Cluster) -> Result<Vec<NodeInfo>, super::ClusterError> {
    let mut keys = cluster.buckets.nodes.keys().await.map_err(super::nats)?;
    let mut out = Vec::new();
    while let Some(k) = keys.next().await {
        let k = k.map_err(super::nats)?;
        if let Ok(Some(v)) = cluster.buckets.nodes.get(&k).await {
            if let Ok(info) = serde_json::from_slice::<NodeInfo>(&v) {
                out.push(info);
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The heartbeat loop (runs until the process ends).
pub async fn run(cluster: Arc<Cluster>) {
    let info = NodeInfo {
        id: cluster.node_id.clone(),
        url: lock(&cluster.advertise_url).clone(),
        started: crate::ids::go_time(crate::ids::now_ns()),
    };
    let body: bytes::Bytes = serde_json::to_vec(&info).unwrap_or_default().into();
    let every = cluster.config.heartbeat_interval.to_std();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if cluster.leaving.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if let Err(e) = cluster
            .buckets
            .nodes
            .put(&cluster.node_id, body.clone())
            .await
        {
            tracing::warn!("cluster: heartbeat not recorded: {e}");
        }
    }
}
