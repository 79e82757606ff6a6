//! What `GET /kapacitor/v1/cluster` answers (from any node: the bucket
//! contents are the cluster's) and the `cluster` entry of `/debug/vars`
//! (this node's counters).

use super::leases::Lease;
use super::subjects::untoken;
use super::{lock, Cluster};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// This node's counters.
pub fn counters(c: &Cluster) -> Value {
    let s = &c.stats;
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    json!({
        "writes_published": n(&s.writes_published),
        "points_published": n(&s.points_published),
        "publish_errors": n(&s.publish_errors),
        "points_consumed": n(&s.points_consumed),
        "failovers": n(&s.failovers),
        "handoffs": n(&s.handoffs),
        "checkpoints": n(&s.checkpoints),
        "checkpoint_errors": n(&s.checkpoint_errors),
        "alerts_delivered": n(&s.alerts_delivered),
        "alerts_deduplicated": n(&s.alerts_deduplicated),
        "dedup_errors": n(&s.dedup_errors),
        "tasks_owned": lock(&c.owned).len(),
    })
}

/// How long each of the status's reads from JetStream may take: the answer
/// must come even while the cluster is busy or losing a server (what it could
/// not read is left out, and `complete` says so).
const READ_LIMIT: Duration = Duration::from_secs(2);

/// `f`'s result, or `None` when it failed or took longer than `READ_LIMIT`.
async fn bounded<T, E>(f: impl std::future::Future<Output = Result<T, E>>) -> Option<T> {
    tokio::time::timeout(READ_LIMIT, f).await.ok()?.ok()
}

/// The IDs of the tasks with a lease, sorted.
async fn leased(c: &Cluster) -> Result<Vec<String>, super::ClusterError> {
    let mut keys = c.buckets.leases.keys().await.map_err(super::nats)?;
    let mut ids = Vec::new();
    while let Some(k) = keys.next().await {
        if let Some(id) = k.ok().and_then(|k| untoken(&k)) {
            ids.push(id);
        }
    }
    ids.sort();
    Ok(ids)
}

/// The whole cluster as this node sees it: nodes, task owners with their
/// consumers' lag and checkpointed sequence, this node's counters.
pub async fn status(c: &Cluster) -> Result<Value, super::ClusterError> {
    let mut complete = true;
    let nodes = bounded(super::membership::live_nodes(c)).await;
    complete &= nodes.is_some();
    let nodes = nodes.unwrap_or_else(|| lock(&c.live).clone());
    let ids = bounded(leased(c)).await;
    complete &= ids.is_some();
    let mut tasks = Vec::new();
    for id in ids.unwrap_or_default() {
        let Some(Some((lease, _))) = bounded(super::leases::lease_of(c, &id)).await else {
            continue;
        };
        let live = nodes.iter().any(|n| n.id == lease.node);
        let lag = bounded(super::consumer::lag(c, &id)).await;
        let checkpoint = bounded(super::checkpoint::load(c, &id)).await.flatten();
        tasks.push(task_json(
            &id,
            &lease,
            live,
            lag,
            checkpoint.map(|cp| cp.seq),
        ));
    }
    let owned: Vec<Value> = {
        let owned = lock(&c.owned);
        let mut v: Vec<Value> = owned
            .iter()
            .map(|(id, o)| {
                json!({
                    "id": id,
                    "filter": o.filter,
                    "since": o.since,
                    "last_seq": o.last_seq.load(Ordering::Relaxed),
                })
            })
            .collect();
        v.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        v
    };
    Ok(json!({
        "node": c.node_id,
        "complete": complete,
        "nodes": nodes,
        "owned": owned,
        "tasks": tasks,
        "stats": counters(c),
    }))
}

fn task_json(id: &str, lease: &Lease, live: bool, lag: Option<u64>, seq: Option<u64>) -> Value {
    json!({
        "id": id,
        "owner": lease.node,
        "owner_live": live,
        "since": lease.since,
        "consumer_lag": lag,
        "checkpoint_seq": seq,
    })
}
