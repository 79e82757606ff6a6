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
