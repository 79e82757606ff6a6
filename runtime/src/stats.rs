//! Per-node and per-edge statistics: plain integer counters owned by the
//! single-threaded executor, so the per-point path takes no lock.

/// Counters of one node.
#[derive(Debug, Clone, Default)]
pub struct NodeStats {
    /// Errors counted by `NodeCx::error` and by `process` returning `Err`.
    pub errors: u64,
    /// Live groups; nodes that keep per-group state set it.
    pub working_cardinality: i64,
    /// Kapacitor reports the maximum sampled execution time under this name.
    pub avg_exec_time_ns: i64,
    /// Points the node holds in its buffers (windows); the executor sums the
    /// changes into the task's total to enforce `max_buffered_points`. Not
    /// reported as a stat.
    pub buffered_points: i64,
    /// Node-specific counters (`alerts_triggered`, `fields_defaulted`, ...), in
    /// registration order. A short vector: names are `&'static str` compared by
    /// value, and a node has only a handful of them.
    pub counters: Vec<(&'static str, i64)>,
}

impl NodeStats {
    /// Add `delta` to the counter `name`, registering it at 0 first if needed.
    pub fn add(&mut self, name: &'static str, delta: i64) {
        match self.counters.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v += delta,
            None => self.counters.push((name, delta)),
        }
    }

    /// Set the counter `name`.
    pub fn set(&mut self, name: &'static str, value: i64) {
        match self.counters.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.counters.push((name, value)),
        }
    }

    /// Register `name` at 0 so it is reported even if never incremented.
    pub fn register(&mut self, name: &'static str) {
        self.add(name, 0);
    }

    pub fn get(&self, name: &str) -> Option<i64> {
        self.counters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// Counters of one edge (parent -> child). Stream edges count points, batch
/// edges count batches (reference §3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeStats {
    pub collected: u64,
    pub emitted: u64,
}

/// Per-group message counts of one edge, kept only for the first out-edge of
/// nodes that a `stats` node reports on (reference §3: points, also on batch
/// edges).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GroupCounts {
    pub groups: std::collections::HashMap<crate::message::Str, GroupCount>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GroupCount {
    pub emitted: i64,
    /// The group tags (dimension tags only).
    pub tags: crate::message::Tags,
    pub group: crate::message::Group,
}

impl GroupCounts {
    /// Count `n` messages of `group` (tags computed only on first sight).
    pub fn add(
        &mut self,
        group: &crate::message::Group,
        n: i64,
        tags: impl FnOnce() -> crate::message::Tags,
    ) {
        match self.groups.get_mut(&group.id) {
            Some(c) => c.emitted += n,
            None => {
                self.groups.insert(
                    group.id.clone(),
                    GroupCount {
                        emitted: n,
                        tags: tags(),
                        group: group.clone(),
                    },
                );
            }
        }
    }

    /// The groups sorted by ID (a deterministic order).
    pub fn sorted(&self) -> Vec<&GroupCount> {
        let mut v: Vec<&GroupCount> = self.groups.values().collect();
        v.sort_by(|a, b| a.group.id.cmp(&b.group.id));
        v
    }
}

/// The `&'static` name of a counter restored from a checkpoint. Counter
/// names are a small fixed set (the nodes' string literals), so each
/// distinct name is leaked once and reused.
pub fn counter_name(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}
