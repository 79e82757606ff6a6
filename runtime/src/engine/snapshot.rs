//! A consistent copy of a task's statistics, taken under its lock between two
//! messages: what `GET /tasks/<id>` shows (`dot`, `stats`) and what a replay
//! reports when done.

use crate::task::Task;

/// One node's statistics, keyed as Kapacitor's `node-stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSnapshot {
    pub name: String,
    /// `avg_exec_time_ns`, `errors`, `working_cardinality`, node-specific
    /// counters, `collected` (messages in) and `emitted` (messages out),
    /// sorted by key.
    pub values: Vec<(String, i64)>,
}

/// What a running (or finished) task looks like now.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSnapshot {
    /// The executing DOT with node and edge stats (api.md §5.5).
    pub dot: String,
    /// Messages per second fed to the root since the task started.
    pub throughput: f64,
    pub nodes: Vec<NodeSnapshot>,
    /// Points routed to the task (after the measurement filter).
    pub points_routed: u64,
    /// Writes that had to wait for room in the task's queue (backpressure).
    pub writes_blocked: u64,
    /// Total time writers waited for this task, in ns.
    pub blocked_ns: u64,
    /// The most points ever queued for the task.
    pub queue_high_water: u64,
    /// Writes (and their points) given up at the write deadline because the
    /// task's queue stayed full (`EngineOptions::write_wait_limit`).
    pub writes_dropped: u64,
    pub points_dropped: u64,
    /// Groups whose state the task's limits evicted (`crate::limits`).
    pub groups_evicted: u64,
    /// Points held in the task's buffers (windows) now.
    pub buffered_points: i64,
    /// The fatal error that stopped the task, if any.
    pub error: Option<String>,
}

/// Node stats of `task`, each with its `collected` (sum over its in-edges;
/// the root counts what was fed to it) and `emitted` (sum over out-edges).
pub(crate) fn node_snapshots(task: &Task) -> Vec<NodeSnapshot> {
    let nodes: Vec<_> = task.node_names().collect();
    let mut collected = vec![0u64; nodes.len()];
    if let Some(c) = collected.first_mut() {
        *c = task.fed;
    }
    for (_, _, edges, children) in &nodes {
        for (k, (child, _)) in children.iter().enumerate() {
            if let (Some(c), Some(e)) = (collected.get_mut(*child as usize), edges.get(k)) {
                *c += e.collected;
            }
        }
    }
    nodes
        .iter()
        .enumerate()
        .map(|(i, (name, stats, edges, _))| {
            let mut values: Vec<(String, i64)> = vec![
                ("avg_exec_time_ns".into(), stats.avg_exec_time_ns),
                ("errors".into(), stats.errors as i64),
                ("working_cardinality".into(), stats.working_cardinality),
                ("collected".into(), collected[i] as i64),
                (
                    "emitted".into(),
                    edges.iter().map(|e| e.emitted).sum::<u64>() as i64,
                ),
            ];
            values.extend(stats.counters.iter().map(|(k, v)| (k.to_string(), *v)));
            values.sort_by(|a, b| a.0.cmp(&b.0));
            NodeSnapshot {
                name: name.to_string(),
                values,
            }
        })
        .collect()
}
