//! Which node runs which task. Each enabled task has one lease key in the
//! bucket `kapacitor_leases` naming its owner; a lease changes hands only by
//! a revision compare-and-set (`create` when absent, `update` against the
//! revision read), so two nodes never both win it.
//!
//! The owner a task should have is chosen by rendezvous hashing over the
//! live nodes (`owner_of`): every node computes the same answer from the same
//! membership, a joining node takes about 1/n of the tasks and a leaving
//! node's tasks spread over the rest, while the others keep theirs. Every
//! `heartbeat-interval` (and at once after a definition changes) each node:
//!
//! * takes the tasks that should be its own when their lease is free or
//!   held by a node no longer live (a failover, counted);
//! * hands over the tasks it holds that should now be another live node's
//!   (checkpoint, stop, then delete its lease; the other node takes it on
//!   its next pass);
//! * starts the tasks whose lease it holds but does not run (after a
//!   restart) and stops those no longer enabled.
//!
//! A node that does not see itself among the live nodes takes nothing.

use super::membership::{live_nodes, NodeInfo};
use super::subjects::token;
use super::{lock, Cluster, ClusterStats};
use crate::state::AppState;
use async_nats::jetstream::kv::Operation;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Weak};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub node: String,
    /// When the node took it (RFC 3339).
    pub since: String,
}

/// 64-bit FNV-1a followed by a SplitMix64 finalizer: stable across builds
/// and platforms (every node must compute the same owners).
fn score(task: &str, node: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in task.bytes().chain([0u8]).chain(node.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The node that should own `task` among `nodes` (highest score; ties by ID).
pub fn owner_of<'a>(task: &str, nodes: &'a [&'a str]) -> Option<&'a str> {
    nodes
        .iter()
        .copied()
        .max_by(|a, b| score(task, a).cmp(&score(task, b)).then(b.cmp(a)))
}

/// Task `id`'s lease and its revision (`None` when free).
pub async fn lease_of(
    cluster: &Cluster,
    id: &str,
) -> Result<Option<(Lease, u64)>, super::ClusterError> {
    let e = cluster
        .buckets
        .leases
        .entry(token(id))
        .await
        .map_err(super::nats)?;
    Ok(e.filter(|e| e.operation == Operation::Put).and_then(|e| {
        serde_json::from_slice::<Lease>(&e.value)
            .ok()
            .map(|l| (l, e.revision))
    }))
}

/// Take task `id`'s lease: from nobody (`rev` = None) or from a dead holder.
async fn acquire(cluster: &Cluster, id: &str, rev: Option<u64>) -> bool {
    let lease = Lease {
        node: cluster.node_id.clone(),
        since: crate::ids::go_time(crate::ids::now_ns()),
    };
    let body: bytes::Bytes = serde_json::to_vec(&lease).unwrap_or_default().into();
    let kv = &cluster.buckets.leases;
    let r = match rev {
        None => kv
            .create(token(id), body)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Some(rev) => kv
            .update(token(id), body, rev)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
    };
    match r {
        Ok(()) => true,
        Err(e) => {
            tracing::debug!(task = id, "cluster: lease taken by another node: {e}");
            false
        }
    }
}

/// Start task `id` here (this node holds its lease).
async fn start_local(cluster: &Arc<Cluster>, state: &Arc<AppState>, id: &str) {
    let Ok(Some(mut rec)) = state.store.task(id) else {
        return;
    };
    match super::consumer::start(cluster, state, &rec).await {
        Ok(owned) => {
            tracing::info!(task = id, node = cluster.node_id, "cluster: running task");
            lock(&cluster.owned).insert(id.to_string(), owned);
        }
        Err(e) => {
            tracing::error!(task = id, "cluster: cannot start task: {e}");
            rec.error = e;
            let _ = state.store.put_task(&rec, None, &state.build);
        }
    }
}

/// Stop task `id` here (checkpointed), keeping its lease.
pub async fn stop_local(cluster: &Cluster, _state: &AppState, id: &str) {
    let owned = lock(&cluster.owned).remove(id);
    if let Some(o) = owned {
        o.stop().await;
    }
}

/// Stop task `id` here and give up its lease.
pub async fn release(cluster: &Cluster, state: &AppState, id: &str) {
    stop_local(cluster, state, id).await;
    if let Ok(Some((lease, rev))) = lease_of(cluster, id).await {
        if lease.node == cluster.node_id {
            if let Err(e) = cluster
                .buckets
                .leases
                .delete_expect_revision(token(id), Some(rev))
                .await
            {
                tracing::warn!(task = id, "cluster: cannot release the lease: {e}");
            }
        }
    }
    let _ = cluster
        .stream
        .delete_consumer(&super::subjects::consumer_name(id))
        .await;
}

/// One pass over every task (see the module doc).
async fn reconcile(cluster: &Arc<Cluster>, state: &Arc<AppState>) {
    // Bounded: a listing that hangs must not stop the passes (failover).
    let limit = cluster.config.heartbeat_interval.to_std() * 3;
    let live: Vec<NodeInfo> = match tokio::time::timeout(limit, live_nodes(cluster)).await {
        Ok(Ok(l)) => l,
        Ok(Err(e)) => {
            tracing::warn!("cluster: cannot list live nodes: {e}");
            return;
        }
        Err(_) => {
            tracing::warn!("cluster: live nodes not listed within {limit:?}");
            return;
        }
    };
    *lock(&cluster.live) = live.clone();
    let ids: Vec<&str> = live.iter().map(|n| n.id.as_str()).collect();
    let me = cluster.node_id.as_str();
    if !ids.contains(&me) {
        return;
    }
    let Ok(tasks) = state.store.tasks() else {
        return;
    };
    let enabled: Vec<&str> = tasks
        .iter()
        .filter(|t| t.enabled)
        .map(|t| t.id.as_str())
        .collect();
    let owned: Vec<String> = lock(&cluster.owned).keys().cloned().collect();
    for id in owned.iter().filter(|id| !enabled.contains(&id.as_str())) {
        release(cluster, state, id).await;
    }
    let mut holders = std::collections::HashMap::new();
    for id in enabled {
        let desired = owner_of(id, &ids);
        let lease = match lease_of(cluster, id).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(task = id, "cluster: cannot read the lease: {e}");
                continue;
            }
        };
        if let Some((l, _)) = &lease {
            holders.insert(id.to_string(), l.node.clone());
        }
        let running = lock(&cluster.owned).contains_key(id);
        match lease {
            Some((l, _)) if l.node == me => {
                if desired != Some(me) {
                    release(cluster, state, id).await;
                    ClusterStats::add(&cluster.stats.handoffs, 1);
                    tracing::info!(task = id, to = desired, "cluster: handed the task over");
                } else if !running {
                    start_local(cluster, state, id).await;
                }
            }
            Some((l, _)) if ids.contains(&l.node.as_str()) => {
                if running {
                    // Another live node holds it: never run it twice.
                    stop_local(cluster, state, id).await;
                }
            }
            Some((l, rev)) => {
                if desired == Some(me) && acquire(cluster, id, Some(rev)).await {
                    holders.insert(id.to_string(), me.to_string());
                    ClusterStats::add(&cluster.stats.failovers, 1);
                    tracing::info!(task = id, from = l.node, "cluster: took over the task");
                    start_local(cluster, state, id).await;
                }
            }
            None => {
                if desired == Some(me) && acquire(cluster, id, None).await {
                    holders.insert(id.to_string(), me.to_string());
                    start_local(cluster, state, id).await;
                }
            }
        }
    }
    *lock(&cluster.owners) = holders;
}

/// The lease loop (runs until the server's state is gone).
pub async fn run(cluster: Arc<Cluster>, state: Weak<AppState>) {
    let every = cluster.config.heartbeat_interval.to_std();
    // A task taken before this node knows the topic handlers would send its
    // first events to no handler.
    // Bounded: a bucket whose stream has no leader yet (a cluster just started)
    // must not keep the node from taking tasks; the watch brings the handlers.
    if let Some(state) = state.upgrade() {
        let sync = super::definitions::sync_topic_handlers(&cluster, &state);
        if tokio::time::timeout(every * 5, sync).await.is_err() {
            tracing::warn!("cluster: topic handlers not listed within {:?}", every * 5);
        }
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = cluster.wake.notified() => {}
        }
        if cluster.leaving.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Some(state) = state.upgrade() else { return };
        reconcile(&cluster, &state).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendezvous_moves_only_what_it_must() {
        let tasks: Vec<String> = (0..300).map(|i| format!("task{i}")).collect();
        let three = ["n1", "n2", "n3"];
        let two = ["n1", "n2"];
        let mut counts = [0usize; 3];
        for t in &tasks {
            let o3 = owner_of(t, &three).unwrap();
            counts[three.iter().position(|n| *n == o3).unwrap()] += 1;
            let o2 = owner_of(t, &two).unwrap();
            // Removing n3 moves only n3's tasks.
            if o3 != "n3" {
                assert_eq!(o2, o3, "{t}");
            }
        }
        // Each node takes a share (300 tasks: far from 0 for each).
        assert!(counts.iter().all(|&c| c > 50), "{counts:?}");
        assert_eq!(owner_of("x", &[]), None);
    }
}
