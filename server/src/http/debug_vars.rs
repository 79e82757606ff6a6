//! `GET /kapacitor/v1/debug/vars` (api.md §1.11): the server's identity and
//! counters, with one `nodes` and one `edges` stat per running task node
//! and edge. Keys at the top level in sorted order, as Kapacitor writes them.

use super::{raw_json, ApiError, Resp};
use crate::state::AppState;
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub fn get(state: &Arc<AppState>) -> Result<Resp, ApiError> {
    let base = |extra: Value| -> Value {
        let mut tags = extra.as_object().cloned().unwrap_or_default();
        tags.insert("cluster_id".into(), json!(state.cluster_id));
        tags.insert("server_id".into(), json!(state.server_id));
        tags.insert("host".into(), json!(state.opts.hostname));
        Value::Object(tags)
    };
    let mut stats = Map::new();
    let mut n = 0usize;
    let mut key = || {
        n += 1;
        format!("{n:08x}")
    };
    stats.insert(
        key(),
        json!({"name": "write", "tags": base(json!({})), "values": {
            "points_written_ok": state.stats.points_written_ok.load(Ordering::Relaxed),
            "points_written_fail": state.stats.points_written_fail.load(Ordering::Relaxed),
        }}),
    );
    // Outbound connections refused by `-blacklist-cidrs`.
    stats.insert(
        key(),
        json!({"name": "net_policy", "tags": base(json!({})), "values": {
            "denied": runtime::net_policy::denied(),
        }}),
    );
    stats.insert(
        key(),
        json!({"name": "load", "tags": base(json!({})), "values": {
            "errors": crate::load::errors(),
        }}),
    );
    // `[cluster]`: this node's publishes, consumption, failovers, deduplication.
    if let Some(c) = &state.cluster {
        stats.insert(
            key(),
            json!({"name": "cluster", "tags": base(json!({"node": c.node_id})),
                "values": crate::cluster::status::counters(c)}),
        );
    }
    // The kafka handler's writers, one per (cluster, topic) written to.
    for (cluster, topic, w) in runtime::alert::handlers::kafka_producer::writer_stats() {
        stats.insert(
            key(),
            json!({"name": "kafka", "tags": base(json!({"cluster": cluster, "topic": topic})), "values": {
                "write_errors": w.write_errors,
                "write_messages": w.write_messages,
            }}),
        );
    }
    let tasks = state.store.tasks()?;
    let ids = state.engine.task_ids();
    for id in &ids {
        let Some(snap) = state.engine.snapshot(id) else {
            continue;
        };
        for node in &snap.nodes {
            let values: Map<String, Value> = node
                .values
                .iter()
                .filter(|(k, _)| k != "collected" && k != "emitted")
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            stats.insert(
                key(),
                json!({"name": "nodes", "tags": base(json!({"task": id, "node": node.name})), "values": values}),
            );
        }
        for line in snap.dot.lines() {
            // `a -> b [processed="N"];` lines are the edges.
            let Some((edge, rest)) = line.split_once(" [processed=\"") else {
                continue;
            };
            let Some((parent, child)) = edge.split_once(" -> ") else {
                continue;
            };
            let count: u64 = rest.trim_end_matches("\"];").parse().unwrap_or(0);
            stats.insert(
                key(),
                json!({"name": "edges", "tags": base(json!({"task": id, "parent": parent, "child": child})),
                       "values": {"collected": count, "emitted": count}}),
            );
        }
    }
    let enabled = tasks.iter().filter(|t| t.enabled).count();
    let cmdline: Vec<String> = std::env::args().collect();
    let fields: Vec<(&str, Value)> = vec![
        ("cluster_id", json!(state.cluster_id)),
        ("cmdline", json!(cmdline)),
        ("host", json!(state.opts.hostname)),
        ("kapacitor", Value::Object(stats)),
        ("num_enabled_tasks", json!(enabled)),
        (
            "num_subscriptions",
            json!(state.influxdb.subscription_count()),
        ),
        ("num_tasks", json!(tasks.len())),
        ("platform", json!("OSS")),
        ("product", json!("kapacitor")),
        ("server_id", json!(state.server_id)),
        ("version", json!(super::VERSION)),
    ];
    let mut out = String::from("{\n");
    for (i, (k, v)) in fields.iter().enumerate() {
        let sep = if i + 1 == fields.len() { "\n" } else { ",\n" };
        out.push_str(&format!("{}: {v}{sep}", json!(k)));
    }
    out.push_str("}\n");
    Ok(raw_json(200, out))
}
