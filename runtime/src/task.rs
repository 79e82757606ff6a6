//! A runnable task: one `NodeImpl` per IR node, edges from parents/children,
//! executed single-threaded.
//!
//! Messages are pushed depth-first: after a node's `process` returns, each
//! message it emitted is delivered to its children (in creation order) before
//! the next one. Node ids are creation order, which is a topological order,
//! so `tick` and `finish` walk the nodes by id.
//!
//! Time is data time: before a point or batch newer than anything seen is
//! delivered, every node whose `wants_ticks()` is true gets `tick(now)` (in
//! id order), so time-driven nodes (barrier, stats) act on what precedes it.
//!
//! Stats are plain integers: per node `errors`, `working_cardinality`,
//! node-specific counters and a sampled execution time (one call in
//! `TIMING_SAMPLE` is timed, the rest cost nothing); per edge
//! `collected`/`emitted` (points on stream edges, batches on batch edges).

use crate::config::Config;
use crate::group::group_tags;
use crate::limits::{GroupTracker, TaskLimits};
use crate::message::{Batch, Group, Message, Point};
use crate::node::{self, BuildEnv, BuildError, NodeCx, NodeError, NodeImpl, Target};
use crate::output::Sink;
use crate::snapshot::{ExecutorState, NodeEnvelope, NodeIdentity, SavedNode, SnapshotError};
use crate::stats::{EdgeStats, GroupCounts, NodeStats};
use compiler::catalog::{EdgeType, NodeKind};
use compiler::ir::{self, NodeId, TaskType};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

/// One call in this many has its execution time measured (Kapacitor samples 10%).
const TIMING_SAMPLE: u32 = 16;

struct Slot {
    imp: Box<dyn NodeImpl>,
    name: String,
    kind: NodeKind,
    provides: EdgeType,
    /// (child id, the parent index this node has in the child).
    children: Vec<(NodeId, usize)>,
    /// One per child, same order.
    edges: Vec<EdgeStats>,
    stats: NodeStats,
    quiet: bool,
    /// Reused emit buffer (taken while the node runs, put back empty).
    out: Vec<(Target, Message)>,
    calls: u32,
    /// What a checkpoint of this node is checked against on restore.
    identity: NodeIdentity,
}

/// Whether nodes of `kind` give messages their group (where groups are
/// born, so where the task's limits track them).
fn sets_groups(kind: NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::From | NodeKind::GroupBy | NodeKind::Query | NodeKind::QueryFlux | NodeKind::Join
    )
}

/// A task ready to run.
pub struct Task {
    name: String,
    task_type: TaskType,
    slots: Vec<Slot>,
    /// Nodes whose `tick` does something, in id order.
    tick_nodes: Vec<usize>,
    /// Per node: per-group counts of its first out-edge, kept only for the
    /// sources of `stats` nodes.
    group_counts: Vec<Option<GroupCounts>>,
    /// Per node: the node a `stats` node reports on.
    stats_source: Vec<Option<usize>>,
    /// The batch node's query children (`query` and `queryFlux`) in the order
    /// Kapacitor links them (see `replay_order`): recording entry i feeds
    /// `queries[i]`.
    queries: Vec<NodeId>,
    config: Config,
    /// Per node: its live groups, kept for the nodes that set groups when
    /// the task is bounded (see `crate::limits`).
    trackers: Vec<Option<GroupTracker>>,
    limits: TaskLimits,
    /// Points buffered by all nodes (the sum of their `buffered_points`).
    buffered_points: i64,
    /// Groups evicted by the limits, over all nodes.
    groups_evicted: u64,
    /// Data time of the last eviction: a burst is logged once, when it
    /// starts after a quiet minute.
    last_eviction: Option<i64>,
    now: i64,
    started: bool,
    /// Live mode (the server's running tasks): time-driven nodes tick on the
    /// wall clock through `tick_clock`, not on data time (see `set_live_clock`).
    live_clock: bool,
    /// Messages fed to the root (points or batches), for the throughput line.
    pub fed: u64,
}

/// A task that failed while running (a fatal node error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    pub node: String,
    pub error: NodeError,
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.node, self.error)
    }
}

impl std::error::Error for TaskError {}

/// The query nodes (`query`, `queryFlux`) in the order Kapacitor numbers
/// them for batch recordings and replays: the executing task links each node
/// to its parents while walking the pipeline in `Pipeline::walk_order`, so the
/// batch node's children are numbered in walk order, and a recording's entry
/// `i` is written from, and replayed into, child `i`. The walk places the
/// last-created branch first, so independent queries count from the last one
/// in the script.
pub fn replay_order(pipeline: &ir::Pipeline) -> Vec<NodeId> {
    pipeline
        .walk_order()
        .into_iter()
        .filter(|&id| {
            matches!(
                pipeline.nodes[id as usize].kind,
                NodeKind::Query | NodeKind::QueryFlux
            )
        })
        .collect()
}

impl Task {
    /// Build every node of `pipeline`.
    pub fn build(name: &str, pipeline: &ir::Pipeline, config: Config) -> Result<Task, BuildError> {
        let env = BuildEnv {
            task_name: name,
            task_type: pipeline.task_type,
            config: &config,
        };
        let mut slots = Vec::with_capacity(pipeline.nodes.len());
        for (i, n) in pipeline.nodes.iter().enumerate() {
            if n.id as usize != i {
                return Err(BuildError::new(n, "node ids must equal their index"));
            }
            let imp = node::build(n, pipeline, &env)?;
            let mut children = Vec::with_capacity(n.children.len());
            for &c in &n.children {
                let child = pipeline
                    .nodes
                    .get(c as usize)
                    .ok_or_else(|| BuildError::new(n, format!("unknown child node {c}")))?;
                let input = child
                    .parents
                    .iter()
                    .position(|&p| p == n.id)
                    .ok_or_else(|| BuildError::new(child, format!("{} is not a parent", n.name)))?;
                children.push((c, input));
            }
            slots.push(Slot {
                name: n.name.clone(),
                kind: n.kind,
                provides: n.provides,
                edges: vec![EdgeStats::default(); children.len()],
                children,
                stats: NodeStats::default(),
                quiet: n.flag("quiet"),
                out: Vec::new(),
                calls: 0,
                identity: NodeIdentity::of(n),
                imp,
            });
        }
        let tick_nodes = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.imp.wants_ticks())
            .map(|(i, _)| i)
            .collect();
        let queries = replay_order(pipeline);
        let stats_source: Vec<Option<usize>> = pipeline
            .nodes
            .iter()
            .map(|n| {
                (n.kind == NodeKind::Stats)
                    .then_some(n.source)
                    .flatten()
                    .map(|s| s as usize)
                    .filter(|&s| s < pipeline.nodes.len())
            })
            .collect();
        let mut group_counts: Vec<Option<GroupCounts>> = vec![None; pipeline.nodes.len()];
        for s in stats_source.iter().flatten() {
            group_counts[*s] = Some(GroupCounts::default());
        }
        let limits = config.task_limits;
        let trackers = pipeline
            .nodes
            .iter()
            .map(|n| (limits.is_bounded() && sets_groups(n.kind)).then(GroupTracker::default))
            .collect();
        Ok(Task {
            name: name.to_string(),
            group_counts,
            stats_source,
            task_type: pipeline.task_type,
            slots,
            tick_nodes,
            queries,
            config,
            trackers,
            limits,
            buffered_points: 0,
            groups_evicted: 0,
            last_eviction: None,
            now: i64::MIN,
            started: false,
            live_clock: false,
            fed: 0,
        })
    }

    /// What the nodes' builds tolerated but the user should hear about, as
    /// (node name, warning), in node order.
    pub fn build_warnings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.slots.iter().flat_map(|s| {
            s.imp
                .build_warnings()
                .iter()
                .map(move |w| (s.name.as_str(), w.as_str()))
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn task_type(&self) -> TaskType {
        self.task_type
    }

    /// Groups evicted by the task's limits so far (all nodes).
    pub fn groups_evicted(&self) -> u64 {
        self.groups_evicted
    }

    /// Points buffered by the task's nodes now.
    pub fn buffered_points(&self) -> i64 {
        self.buffered_points
    }

    /// Live groups tracked at node `id` (a node that sets groups), if the
    /// task is bounded.
    pub fn live_groups(&self, id: NodeId) -> Option<usize> {
        self.trackers.get(id as usize)?.as_ref().map(|t| t.len())
    }

    /// Current stream time (ns); `i64::MIN` before any data.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Live mode: `stats` (and so `deadman`) and `barrier` are ticked by the
    /// caller on the wall clock (`tick_clock`), as Kapacitor's tickers and
    /// timers run, so a deadman fires when data stops arriving. Data still
    /// advances the stream time but no longer ticks. Offline runs and
    /// replays keep the default (data time ticks).
    pub fn set_live_clock(&mut self, live: bool) {
        self.live_clock = live;
    }

    /// Whether any node acts on ticks (a live host only needs a clock for these).
    pub fn wants_ticks(&self) -> bool {
        !self.tick_nodes.is_empty()
    }

    /// Live mode: tick the time-driven nodes at clock time `now` (ns).
    pub fn tick_clock(&mut self, now: i64, sink: &mut dyn Sink) -> Result<(), TaskError> {
        for k in 0..self.tick_nodes.len() {
            let id = self.tick_nodes[k];
            self.run(id, sink, |imp, cx| imp.tick(now, cx))?;
        }
        Ok(())
    }

    /// The task's checkpoint (Kapacitor's `TaskSnapshot`, extended): each
    /// stateful node's state by node name, wrapped in a `NodeEnvelope`, and
    /// the executor's own state (stream time, stats, the limits' group
    /// order) under `snapshot::TASK_KEY`. What a server stores with the task
    /// so a restart resumes where it stopped, and what the cluster
    /// checkpoints for failover.
    pub fn snapshot(&mut self) -> Result<std::collections::BTreeMap<String, Vec<u8>>, TaskError> {
        let mut out = std::collections::BTreeMap::new();
        for slot in &mut self.slots {
            let wrapped = match slot.imp.snapshot() {
                Ok(Some(s)) => NodeEnvelope::new(&slot.identity, s).to_bytes(),
                Ok(None) => continue,
                Err(error) => {
                    return Err(TaskError {
                        node: slot.name.clone(),
                        error,
                    })
                }
            };
            let bytes = wrapped.map_err(|e| TaskError {
                node: slot.name.clone(),
                error: e.into(),
            })?;
            out.insert(slot.name.clone(), bytes);
        }
        let bytes = self
            .executor_state()
            .and_then(|state| NodeEnvelope::new(&self.task_identity(), state).to_bytes())
            .map_err(|e| TaskError {
                node: crate::snapshot::TASK_KEY.to_string(),
                error: e.into(),
            })?;
        out.insert(crate::snapshot::TASK_KEY.to_string(), bytes);
        Ok(out)
    }

    /// Restores a checkpoint `snapshot` returned, into a task freshly built
    /// from the same script: every envelope is checked (format version, node
    /// kind and settings, the task's node list) before any node is touched,
    /// so a checkpoint of another script is refused with a typed error and
    /// leaves the task as built. Nodes not named keep their fresh state; a
    /// checkpoint without the executor's entry restores the nodes alone.
    pub fn restore(
        &mut self,
        snapshot: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<(), TaskError> {
        let fail = |node: &str, e: SnapshotError| TaskError {
            node: node.to_string(),
            error: e.into(),
        };
        let executor = match snapshot.get(crate::snapshot::TASK_KEY) {
            Some(bytes) => {
                let key = crate::snapshot::TASK_KEY;
                let state =
                    NodeEnvelope::open(bytes, &self.task_identity()).map_err(|e| fail(key, e))?;
                Some(crate::snapshot::decode::<ExecutorState>(&state).map_err(|e| fail(key, e))?)
            }
            None => None,
        };
        let mut states = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(bytes) = snapshot.get(&slot.name) {
                let state =
                    NodeEnvelope::open(bytes, &slot.identity).map_err(|e| fail(&slot.name, e))?;
                states.push((i, state));
            }
        }
        if let Some(ex) = &executor {
            if ex.nodes.len() != self.slots.len() {
                return Err(fail(
                    crate::snapshot::TASK_KEY,
                    SnapshotError::Shape(format!(
                        "{} nodes saved, the task has {}",
                        ex.nodes.len(),
                        self.slots.len()
                    )),
                ));
            }
        }
        for (i, state) in states {
            let slot = &mut self.slots[i];
            slot.imp.restore(&state).map_err(|error| TaskError {
                node: slot.name.clone(),
                error,
            })?;
        }
        if let Some(ex) = executor {
            self.load_executor_state(ex);
        }
        Ok(())
    }

    /// What identifies the task's executor entry: the node list with each
    /// node's settings, so another script's checkpoint is refused as a whole.
    fn task_identity(&self) -> NodeIdentity {
        NodeIdentity::task(self.slots.iter().map(|s| &s.identity))
    }

    fn executor_state(&self) -> Result<Vec<u8>, SnapshotError> {
        let nodes = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                SavedNode::new(&s.stats, &s.edges, &self.group_counts[i], &self.trackers[i])
            })
            .collect();
        let state = ExecutorState {
            now: self.now,
            started: self.started,
            fed: self.fed,
            buffered_points: self.buffered_points,
            groups_evicted: self.groups_evicted,
            last_eviction: self.last_eviction,
            nodes,
        };
        crate::snapshot::encode(&state)
    }

    fn load_executor_state(&mut self, ex: ExecutorState) {
        self.now = ex.now;
        self.started = ex.started;
        self.fed = ex.fed;
        self.buffered_points = ex.buffered_points;
        self.groups_evicted = ex.groups_evicted;
        self.last_eviction = ex.last_eviction;
        for (i, saved) in ex.nodes.into_iter().enumerate() {
            let slot = &mut self.slots[i];
            saved.load(
                &mut slot.stats,
                &mut slot.edges,
                &mut self.group_counts[i],
                &mut self.trackers[i],
            );
        }
    }

    /// The current result of the `httpOut` node serving `endpoint`.
    pub fn http_out_result(&self, endpoint: &str) -> Option<String> {
        self.slots
            .iter()
            .find_map(|s| s.imp.http_out_result(endpoint))
    }

    /// Per node in id order: its name, stats, out-edge stats and children
    /// (child id, the parent index this node has in the child), same order.
    #[allow(clippy::type_complexity)]
    pub fn node_names(
        &self,
    ) -> impl Iterator<Item = (&str, &NodeStats, &[EdgeStats], &[(NodeId, usize)])> {
        self.slots.iter().map(|s| {
            (
                s.name.as_str(),
                &s.stats,
                s.edges.as_slice(),
                s.children.as_slice(),
            )
        })
    }

    /// Feed one stream point to the root.
    pub fn push_point(&mut self, p: Arc<Point>, sink: &mut dyn Sink) -> Result<(), TaskError> {
        if self.live_clock {
            self.started = true;
            self.now = self.now.max(p.time);
        } else {
            self.advance(p.time, sink)?;
        }
        self.fed += 1;
        self.deliver(0, 0, Message::Point(p), sink)
    }

    /// Feed one batch to the query node number `query_index` in Kapacitor's
    /// numbering (`replay_order`), as a replay of recording entry
    /// `query_index` does.
    pub fn push_batch(
        &mut self,
        query_index: usize,
        b: Arc<Batch>,
        sink: &mut dyn Sink,
    ) -> Result<(), TaskError> {
        let Some(&q) = self.queries.get(query_index) else {
            return Err(TaskError {
                node: self
                    .slots
                    .first()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                error: NodeError::new(format!(
                    "no query node number {query_index} (the task has {})",
                    self.queries.len()
                )),
            });
        };
        self.advance(b.tmax, sink)?;
        self.fed += 1;
        self.deliver(q as usize, 0, Message::Batch(b), sink)
    }

    /// A live batch task's query of query node number `query_index` failed:
    /// counted in that node's `errors` and `query_errors` stats (the task
    /// goes on, as Kapacitor's query node logs and keeps ticking). Returns
    /// the node's name for the log.
    pub fn count_query_error(&mut self, query_index: usize) -> Option<&str> {
        let &q = self.queries.get(query_index)?;
        let slot = &mut self.slots[q as usize];
        slot.stats.errors += 1;
        slot.stats.add("query_errors", 1);
        Some(&slot.name)
    }

    /// Advance stream time to `now`, ticking the nodes that want it.
    pub fn advance(&mut self, now: i64, sink: &mut dyn Sink) -> Result<(), TaskError> {
        if now <= self.now && self.started {
            return Ok(());
        }
        self.started = true;
        self.now = now;
        for k in 0..self.tick_nodes.len() {
            let id = self.tick_nodes[k];
            self.run(id, sink, |imp, cx| imp.tick(now, cx))?;
        }
        Ok(())
    }

    /// End of input: every node flushes, in topological order.
    pub fn finish(&mut self, sink: &mut dyn Sink) -> Result<(), TaskError> {
        for id in 0..self.slots.len() {
            self.run(id, sink, |imp, cx| imp.finish(cx))?;
        }
        Ok(())
    }

    /// Deliver `msg` to node `id` as its parent number `input`.
    fn deliver(
        &mut self,
        id: usize,
        input: usize,
        msg: Message,
        sink: &mut dyn Sink,
    ) -> Result<(), TaskError> {
        self.run(id, sink, move |imp, cx| imp.process(input, msg, cx))
    }

    /// Run one call on node `id`, then deliver what it emitted.
    fn run(
        &mut self,
        id: usize,
        sink: &mut dyn Sink,
        call: impl FnOnce(&mut dyn NodeImpl, &mut NodeCx<'_>) -> Result<(), NodeError>,
    ) -> Result<(), TaskError> {
        let now = self.now;
        let source_counts = self.stats_source[id].and_then(|s| self.group_counts[s].as_ref());
        let slot = &mut self.slots[id];
        let buffered_before = slot.stats.buffered_points;
        let mut out = std::mem::take(&mut slot.out);
        slot.calls = slot.calls.wrapping_add(1);
        let timed = slot.calls % TIMING_SAMPLE == 1;
        let start = timed.then(Instant::now);
        let result = {
            let mut cx = NodeCx::new(
                &self.name,
                &slot.name,
                id as NodeId,
                now,
                &mut slot.stats,
                sink,
                &self.config,
                slot.quiet,
                &mut out,
            );
            cx.source_counts = source_counts;
            call(slot.imp.as_mut(), &mut cx)
        };
        self.buffered_points += slot.stats.buffered_points - buffered_before;
        if let Some(start) = start {
            let ns = start.elapsed().as_nanos() as i64;
            if ns > slot.stats.avg_exec_time_ns {
                slot.stats.avg_exec_time_ns = ns;
            }
        }
        if let Err(error) = result {
            slot.stats.errors += 1;
            out.clear();
            self.slots[id].out = out;
            return Err(TaskError {
                node: self.slots[id].name.clone(),
                error,
            });
        }
        let mut outcome = Ok(());
        for (target, msg) in out.drain(..) {
            if outcome.is_err() {
                continue;
            }
            outcome = self.fan_out(id, target, msg, sink);
        }
        self.slots[id].out = out;
        outcome
    }

    fn fan_out(
        &mut self,
        id: usize,
        target: Target,
        msg: Message,
        sink: &mut dyn Sink,
    ) -> Result<(), TaskError> {
        let counts = matches!(msg, Message::Point(_) | Message::Batch(_));
        if self.trackers[id].is_some() {
            match &msg {
                Message::Point(p) => self.enforce_limits(id, &p.group, sink)?,
                Message::Batch(b) => self.enforce_limits(id, &b.group, sink)?,
                Message::DeleteGroup(g) => {
                    if let Some(t) = self.trackers[id].as_mut() {
                        t.forget(&g.id);
                    }
                }
                Message::Barrier(_) => {}
            }
        }
        let n = self.slots[id].children.len();
        let (lo, hi) = match target {
            Target::All => (0, n),
            Target::Child(c) => {
                let c = c as usize;
                if c >= n {
                    return Ok(());
                }
                (c, c + 1)
            }
        };
        if lo == hi {
            return Ok(());
        }
        if lo == 0 {
            if let Some(gc) = self.group_counts[id].as_mut() {
                match &msg {
                    Message::Point(p) => gc.add(&p.group, 1, || group_tags(&p.tags, &p.group.dims)),
                    Message::Batch(b) => gc.add(&b.group, b.points.len() as i64, || b.tags.clone()),
                    _ => {}
                }
            }
        }
        for k in lo..hi {
            let (child, input) = self.slots[id].children[k];
            if counts {
                let e = &mut self.slots[id].edges[k];
                e.emitted += 1;
                e.collected += 1;
            }
            let m = if k + 1 == hi { None } else { Some(msg.clone()) };
            match m {
                Some(m) => self.deliver(child as usize, input, m, sink)?,
                None => return self.deliver(child as usize, input, msg, sink),
            }
        }
        Ok(())
    }

    /// Node `id` is about to pass on a message of group `g`: mark the group
    /// seen and, while a limit is exceeded, evict the least recently seen
    /// group by sending its children a `DeleteGroup` (delivered at once, so
    /// the buffered-point total is current on the next turn). For the
    /// points bound the group being delivered is never the one evicted.
    fn enforce_limits(
        &mut self,
        id: usize,
        g: &Group,
        sink: &mut dyn Sink,
    ) -> Result<(), TaskError> {
        let max_groups = self.limits.max_groups;
        let max_points = self.limits.max_buffered_points as i64;
        let mut evicted = 0u64;
        loop {
            let Some(tracker) = self.trackers[id].as_mut() else {
                return Ok(());
            };
            if evicted == 0 {
                tracker.touch(g);
            }
            let over_groups = max_groups > 0 && tracker.len() > max_groups;
            let over_points =
                max_points > 0 && self.buffered_points > max_points && tracker.len() > 1;
            if !over_groups && !over_points {
                break;
            }
            let Some(victim) = tracker.evict_lru() else {
                break;
            };
            evicted += 1;
            if let Some(gc) = self.group_counts[id].as_mut() {
                gc.groups.remove(&victim.id);
            }
            self.fan_out(id, Target::All, Message::DeleteGroup(victim), sink)?;
        }
        if evicted > 0 {
            self.count_evictions(id, evicted, sink);
        }
        Ok(())
    }

    /// Counts evictions at node `id` (its `groups_evicted` stat and the
    /// task's) and logs the first of a burst.
    fn count_evictions(&mut self, id: usize, evicted: u64, sink: &mut dyn Sink) {
        const QUIET_NS: i64 = 60_000_000_000;
        self.groups_evicted += evicted;
        let slot = &mut self.slots[id];
        slot.stats.add("groups_evicted", evicted as i64);
        let burst_starts = self
            .last_eviction
            .is_none_or(|t| self.now.saturating_sub(t) > QUIET_NS);
        self.last_eviction = Some(self.now);
        if burst_starts {
            let msg = format!(
                "task limits reached (max-groups {}, max-buffered-points {}, {} points buffered): \
                 evicting the least recently seen groups' state; {} evicted by this node so far",
                self.limits.max_groups,
                self.limits.max_buffered_points,
                self.buffered_points,
                slot.stats.get("groups_evicted").unwrap_or(0),
            );
            sink.warning(&slot.name, &msg);
        }
    }

    pub fn node_stats(&self, id: NodeId) -> Option<&NodeStats> {
        self.slots.get(id as usize).map(|s| &s.stats)
    }

    /// Stats of the edge from node `id` to its child number `k`.
    pub fn edge_stats(&self, id: NodeId, k: usize) -> Option<&EdgeStats> {
        self.slots.get(id as usize)?.edges.get(k)
    }

    /// The executing DOT of api.md §5.5 (`dot-view=attributes`), given the
    /// elapsed (wall or data) seconds for the throughput figure.
    pub fn dot_with_stats(&self, elapsed_secs: f64) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "digraph {} {{", self.name);
        let (unit, skip_root) = match self.task_type {
            TaskType::Stream => ("points/s", false),
            TaskType::Batch => ("batches/s", true),
        };
        let throughput = if elapsed_secs > 0.0 {
            self.fed as f64 / elapsed_secs
        } else {
            0.0
        };
        let _ = writeln!(s, "graph [throughput=\"{throughput:.2} {unit}\"];");
        for (id, slot) in self.slots.iter().enumerate() {
            if skip_root && id == 0 {
                continue;
            }
            let mut kv: Vec<(&str, String)> = vec![
                (
                    "avg_exec_time_ns",
                    crate::time::go_duration(slot.stats.avg_exec_time_ns),
                ),
                ("errors", slot.stats.errors.to_string()),
                (
                    "working_cardinality",
                    slot.stats.working_cardinality.to_string(),
                ),
            ];
            for (k, v) in &slot.stats.counters {
                kv.push((k, v.to_string()));
            }
            kv.sort_by(|a, b| a.0.cmp(b.0));
            s.push('\n');
            let _ = write!(s, "{} [", slot.name);
            for (k, v) in &kv {
                let _ = write!(s, "{k}=\"{v}\" ");
            }
            s.push_str("];\n");
            if slot.provides == EdgeType::None {
                continue;
            }
            for (k, (child, _)) in slot.children.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "{} -> {} [processed=\"{}\"];",
                    slot.name, self.slots[*child as usize].name, slot.edges[k].collected
                );
            }
        }
        s.push('}');
        s
    }

    /// The kind of node `id`.
    pub fn node_kind(&self, id: NodeId) -> Option<NodeKind> {
        self.slots.get(id as usize).map(|s| s.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::FieldValue;
    use crate::output::VecSink;
    use crate::testing::{apoint, secs, PipelineBuilder};
    use compiler::ir::Arg;

    #[test]
    fn counts_edges_and_prints_dot() {
        let mut b = PipelineBuilder::stream();
        let from = b.add(
            NodeKind::From,
            &[0],
            vec![],
            vec![
                ("measurement", vec![Arg::String("cpu".into())]),
                ("groupBy", vec![Arg::String("host".into())]),
            ],
        );
        b.add(NodeKind::NoOp, &[from], vec![], vec![]);
        let p = b.build();
        let mut task = Task::build("t", &p, Config::default()).unwrap();
        let mut sink = VecSink::default();
        for (i, (m, h)) in [("cpu", "a"), ("mem", "a"), ("cpu", "b")]
            .iter()
            .enumerate()
        {
            let pt = apoint(
                m,
                &[("host", h)],
                &[("v", FieldValue::Float(1.0))],
                secs(i as i64),
            );
            task.push_point(pt, &mut sink).unwrap();
        }
        task.finish(&mut sink).unwrap();
        assert_eq!(task.edge_stats(0, 0).unwrap().collected, 3);
        assert_eq!(task.edge_stats(1, 0).unwrap().collected, 2);
        let dot = task.dot_with_stats(0.0);
        assert!(dot.starts_with("digraph t {\ngraph [throughput=\"0.00 points/s\"];\n\nstream0 ["));
        assert!(dot.contains("stream0 -> from1 [processed=\"3\"];\n"));
        assert!(dot.contains("from1 -> noop2 [processed=\"2\"];\n"));
        assert!(dot.contains("noop2 [avg_exec_time_ns=\""));
        assert!(dot.ends_with("working_cardinality=\"0\" ];\n}"));
    }

    #[test]
    fn batch_tasks_feed_query_nodes_and_reject_unknown_indexes() {
        let mut b = PipelineBuilder::batch();
        b.add(NodeKind::NoOp, &[0], vec![], vec![]);
        let p = b.build();
        let mut task = Task::build("t", &p, Config::default()).unwrap();
        let mut sink = VecSink::default();
        let batch = Arc::new(Batch {
            name: "cpu".into(),
            group: crate::group::nil_group(),
            tags: vec![],
            by_name: false,
            tmax: 0,
            points: vec![],
        });
        let err = task.push_batch(0, batch, &mut sink).unwrap_err();
        assert!(err.error.message.contains("no query node number 0"));
    }

    #[test]
    fn replay_numbers_queries_in_kapacitors_link_order() {
        // batch0 -> query1 -> log2, batch0 -> queryFlux3 -> log4,
        // batch0 -> query5 -> join with query1's branch. Kapacitor's walk
        // visits the batch node's children last-created first, so the
        // recording entries 0, 1, 2 belong to query5, queryFlux3, query1.
        let mut b = PipelineBuilder::batch();
        let q1 = b.add(
            NodeKind::Query,
            &[0],
            vec![Arg::String("q1".into())],
            vec![],
        );
        let l2 = b.add(NodeKind::Log, &[q1], vec![], vec![]);
        let q3 = b.add(
            NodeKind::QueryFlux,
            &[0],
            vec![Arg::String("q3".into())],
            vec![],
        );
        b.add(NodeKind::Log, &[q3], vec![], vec![]);
        let q5 = b.add(
            NodeKind::Query,
            &[0],
            vec![Arg::String("q5".into())],
            vec![],
        );
        b.add(NodeKind::Join, &[l2, q5], vec![], vec![]);
        let p = b.build();
        assert_eq!(replay_order(&p), vec![q5, q3, q1]);
    }
}
