//! What `GET /kapacitor/v1/cluster` answers (from any node: the bucket
//! contents are the cluster's) and the `cluster` entry of `/debug/vars`
//! (this node's counters).

use super::leases::Lease;
use super::subjects::untoken;
use super::{lock, Cluster};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

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

/// The whole cluster as this node sees it: nodes, task owners with their
/// consumers' lag and checkpointed sequence, this node's counters.
pub async fn status(c: &Cluster) -> Result<Value, super::ClusterError> {
    let nodes = super::membership::live_nodes(c).await?;
    let mut tasks = Vec::new();
    let mut keys = c.buckets.leases.keys().await.map_err(super::nats)?;
    let mut ids = Vec::new();
    while let Some(k) = keys.next().await {
        if let Some(id) = k.ok().and_then(|k| untoken(&k)) {
            ids.push(id);
        }
    }
    ids.sort();
    for id in ids {
        let Ok(Some((lease, _))) = super::leases::lease_of(c, &id).await else {
            continue;
        };
        let live = nodes.iter().any(|n| n.id == lease.node);
        let lag = super::consumer::lag(c, &id).await.ok();
        let checkpoint = super::checkpoint::load(c, &id).await.ok().flatten();
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
