//! Checkpoints of a running task's state: what `NodeImpl::snapshot` returns
//! and `restore` takes, and the envelope `Task::snapshot` wraps each node's
//! state in.
//!
//! A node encodes its state with [`encode`] (serde + bincode 2) and decodes it
//! with [`decode`]; the task wraps every node's bytes in a [`NodeEnvelope`]
//! stamped with the format version, the node's kind and a fingerprint of its
//! settings, so a checkpoint of another script (or another format) is refused
//! with a typed [`SnapshotError`] before any node sees it, never restored into
//! the wrong state. Why checkpoints exist: a graceful restart and the
//! cluster's failover resume windows, alert levels and stateful functions
//! where they stopped (Kapacitor loses them).

use crate::limits::GroupTracker;
use crate::message::Group;
use crate::node::NodeError;
use crate::stats::{EdgeStats, GroupCounts, NodeStats};
use compiler::ir;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version of the checkpoint format. Bump it when any node's saved
/// state changes shape: an older checkpoint is then refused by version.
pub const FORMAT_VERSION: u16 = 1;

/// Marks the bytes as one of our checkpoints (not, say, a UDF agent's raw
/// snapshot stored by an older build).
const MAGIC: [u8; 4] = *b"KCP1";

/// The largest allocation a checkpoint may claim while decoding: a corrupt
/// length is refused, never allocated.
const DECODE_LIMIT: usize = 1 << 31;

/// The checkpoint entry holding the executor's own state (no node name
/// starts with `@`).
pub const TASK_KEY: &str = "@task";

/// Why a checkpoint cannot be taken or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// The state could not be encoded.
    Encode(String),
    /// The bytes are not a valid checkpoint of this shape.
    Decode(String),
    /// Not one of our checkpoints at all.
    NotACheckpoint,
    /// Written by another version of the format.
    Version { found: u16, supported: u16 },
    /// The node of that name is of another kind in this script.
    NodeKind {
        node: String,
        saved: String,
        built: String,
    },
    /// The node of that name has other settings in this script.
    ScriptChanged { node: String },
    /// The task has other nodes, or nodes with other settings.
    TaskChanged,
    /// The saved state does not fit the node (e.g. another number of
    /// lambdas or parents): the script changed.
    Shape(String),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Encode(e) => write!(f, "cannot encode the checkpoint: {e}"),
            SnapshotError::Decode(e) => write!(f, "cannot decode the checkpoint: {e}"),
            SnapshotError::NotACheckpoint => f.write_str("the stored state is not a checkpoint"),
            SnapshotError::Version { found, supported } => write!(
                f,
                "checkpoint format version {found} is not supported (this build reads version {supported})"
            ),
            SnapshotError::NodeKind { node, saved, built } => write!(
                f,
                "checkpoint of another script: node {node} was a {saved} node, it is now a {built} node"
            ),
            SnapshotError::ScriptChanged { node } => write!(
                f,
                "checkpoint of another script: node {node} has other settings now"
            ),
            SnapshotError::TaskChanged => f.write_str(
                "checkpoint of another script: the task's nodes or their settings differ",
            ),
            SnapshotError::Shape(e) => write!(f, "checkpoint does not fit the task: {e}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl From<SnapshotError> for NodeError {
    fn from(e: SnapshotError) -> NodeError {
        NodeError::new(e.to_string())
    }
}

impl From<vm::state::StateShapeError> for SnapshotError {
    fn from(e: vm::state::StateShapeError) -> SnapshotError {
        SnapshotError::Shape(e.to_string())
    }
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}

/// A node's state as bytes.
pub fn encode<T: Serialize>(state: &T) -> Result<Vec<u8>, SnapshotError> {
    bincode::serde::encode_to_vec(state, config()).map_err(|e| SnapshotError::Encode(e.to_string()))
}

/// A node's state from bytes `encode` wrote; trailing bytes are an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SnapshotError> {
    let (value, used) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| SnapshotError::Decode(e.to_string()))?;
    if used != bytes.len() {
        return Err(SnapshotError::Decode(format!(
            "{} bytes left over after the state",
            bytes.len() - used
        )));
    }
    Ok(value)
}

/// One node's checkpoint as the task stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEnvelope {
    pub magic: [u8; 4],
    pub version: u16,
    /// The node's kind (`window`, `alert`, …).
    pub kind: String,
    /// [`fingerprint`] of the node's settings.
    pub fingerprint: u64,
    /// What the node's `snapshot` returned.
    pub state: Vec<u8>,
}

impl NodeEnvelope {
    pub fn new(node: &NodeIdentity, state: Vec<u8>) -> NodeEnvelope {
        NodeEnvelope {
            magic: MAGIC,
            version: FORMAT_VERSION,
            kind: node.kind.clone(),
            fingerprint: node.fingerprint,
            state,
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, SnapshotError> {
        encode(self)
    }

    /// Decodes and checks the envelope against the node it is restored into.
    pub fn open(bytes: &[u8], node: &NodeIdentity) -> Result<Vec<u8>, SnapshotError> {
        // The magic and version come first and are read alone, so another
        // format is reported as such rather than as a decoding failure.
        if bytes.len() < 4 || bytes[..4] != MAGIC {
            return Err(SnapshotError::NotACheckpoint);
        }
        let (version, _): (u16, usize) = bincode::serde::decode_from_slice(&bytes[4..], config())
            .map_err(|e| SnapshotError::Decode(e.to_string()))?;
        if version != FORMAT_VERSION {
            return Err(SnapshotError::Version {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let env: NodeEnvelope = decode(bytes)?;
        if env.kind != node.kind {
            return Err(SnapshotError::NodeKind {
                node: node.name.clone(),
                saved: env.kind,
                built: node.kind.clone(),
            });
        }
        if env.fingerprint != node.fingerprint {
            return Err(if node.name == TASK_KEY {
                SnapshotError::TaskChanged
            } else {
                SnapshotError::ScriptChanged {
                    node: node.name.clone(),
                }
            });
        }
        Ok(env.state)
    }
}

/// What identifies a node's state across processes: its name, kind and a
/// fingerprint of the settings that shape its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    pub name: String,
    pub kind: String,
    pub fingerprint: u64,
}

impl NodeIdentity {
    /// The executor's entry: its fingerprint covers every node's name, kind
    /// and settings in order, so a checkpoint of another script (a node
    /// added, removed or changed) is refused as a whole.
    pub fn task<'a>(nodes: impl Iterator<Item = &'a NodeIdentity>) -> NodeIdentity {
        let mut text = String::new();
        for n in nodes {
            text.push_str(&n.name);
            text.push('\u{1f}');
            text.push_str(&n.kind);
            text.push('\u{1f}');
            text.push_str(&n.fingerprint.to_string());
            text.push('\u{1e}');
        }
        NodeIdentity {
            name: TASK_KEY.to_string(),
            kind: "task".to_string(),
            fingerprint: fnv1a(text.as_bytes()),
        }
    }

    pub fn of(node: &ir::Node) -> NodeIdentity {
        NodeIdentity {
            name: node.name.clone(),
            kind: node.kind.method().to_string(),
            fingerprint: fingerprint(node),
        }
    }
}

/// A stable hash (FNV-1a, the same in every process and build) of the node's
/// settings in their text form: kind, UDF name, edge types, arguments and
/// properties. Spans are left out, so reformatting a script keeps its
/// checkpoints; alert handlers too, as they hold no node state.
pub fn fingerprint(node: &ir::Node) -> u64 {
    let mut text = String::new();
    text.push_str(node.kind.method());
    text.push('\u{1f}');
    text.push_str(node.udf.as_deref().unwrap_or(""));
    text.push('\u{1f}');
    text.push_str(node.wants.name());
    text.push('\u{1f}');
    text.push_str(node.provides.name());
    for a in &node.args {
        text.push('\u{1e}');
        text.push_str(&ir::text::arg(a));
    }
    for p in &node.props {
        text.push('\u{1d}');
        text.push_str(&p.name);
        for a in &p.args {
            text.push('\u{1e}');
            text.push_str(&ir::text::arg(a));
        }
    }
    fnv1a(text.as_bytes())
}

/// The executor's state in a checkpoint (`Task::snapshot`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutorState {
    pub now: i64,
    pub started: bool,
    pub fed: u64,
    pub buffered_points: i64,
    pub groups_evicted: u64,
    pub last_eviction: Option<i64>,
    /// One per node, in id order.
    pub nodes: Vec<SavedNode>,
}

/// What the executor keeps per node: its stats, its out-edges' counts, the
/// per-group counts a `stats` node reads and the limits' group order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedNode {
    errors: u64,
    working_cardinality: i64,
    avg_exec_time_ns: i64,
    buffered_points: i64,
    counters: Vec<(String, i64)>,
    edges: Vec<(u64, u64)>,
    group_counts: Option<GroupCounts>,
    /// The live groups, least recently seen first.
    tracker: Option<Vec<Group>>,
}

impl SavedNode {
    pub fn new(
        stats: &NodeStats,
        edges: &[EdgeStats],
        group_counts: &Option<GroupCounts>,
        tracker: &Option<GroupTracker>,
    ) -> SavedNode {
        SavedNode {
            errors: stats.errors,
            working_cardinality: stats.working_cardinality,
            avg_exec_time_ns: stats.avg_exec_time_ns,
            buffered_points: stats.buffered_points,
            counters: stats
                .counters
                .iter()
                .map(|(n, v)| (n.to_string(), *v))
                .collect(),
            edges: edges.iter().map(|e| (e.collected, e.emitted)).collect(),
            group_counts: group_counts.clone(),
            tracker: tracker.as_ref().map(GroupTracker::groups_lru_first),
        }
    }

    /// Puts the saved values into a freshly built node's slots (the shapes
    /// match: the task fingerprint was checked first).
    pub fn load(
        self,
        stats: &mut NodeStats,
        edges: &mut [EdgeStats],
        group_counts: &mut Option<GroupCounts>,
        tracker: &mut Option<GroupTracker>,
    ) {
        stats.errors = self.errors;
        stats.working_cardinality = self.working_cardinality;
        stats.avg_exec_time_ns = self.avg_exec_time_ns;
        stats.buffered_points = self.buffered_points;
        for (name, v) in self.counters {
            stats.set(crate::stats::counter_name(&name), v);
        }
        for (e, (collected, emitted)) in edges.iter_mut().zip(self.edges) {
            e.collected = collected;
            e.emitted = emitted;
        }
        if group_counts.is_some() {
            *group_counts = self.group_counts.or_else(|| Some(GroupCounts::default()));
        }
        if let (Some(t), Some(groups)) = (tracker.as_mut(), self.tracker) {
            for g in &groups {
                t.touch(g);
            }
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(kind: &str, fingerprint: u64) -> NodeIdentity {
        NodeIdentity {
            name: "window2".into(),
            kind: kind.into(),
            fingerprint,
        }
    }

    #[test]
    fn an_envelope_opens_only_for_the_same_node() {
        let node = identity("window", 7);
        let bytes = NodeEnvelope::new(&node, vec![1, 2, 3]).to_bytes().unwrap();
        assert_eq!(NodeEnvelope::open(&bytes, &node).unwrap(), vec![1, 2, 3]);
        assert_eq!(
            NodeEnvelope::open(&bytes, &identity("window", 8)),
            Err(SnapshotError::ScriptChanged {
                node: "window2".into()
            })
        );
        assert!(matches!(
            NodeEnvelope::open(&bytes, &identity("alert", 7)),
            Err(SnapshotError::NodeKind { .. })
        ));
        assert_eq!(
            NodeEnvelope::open(b"raw udf bytes", &node),
            Err(SnapshotError::NotACheckpoint)
        );
    }

    #[test]
    fn another_version_is_refused_by_version() {
        let node = identity("window", 7);
        let mut env = NodeEnvelope::new(&node, vec![]);
        env.version = FORMAT_VERSION + 1;
        let bytes = env.to_bytes().unwrap();
        assert_eq!(
            NodeEnvelope::open(&bytes, &node),
            Err(SnapshotError::Version {
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION
            })
        );
    }

    #[test]
    fn truncated_or_padded_bytes_are_decode_errors_never_panics() {
        let node = identity("window", 7);
        let bytes = NodeEnvelope::new(&node, vec![9; 100]).to_bytes().unwrap();
        for cut in 0..bytes.len() {
            assert!(NodeEnvelope::open(&bytes[..cut], &node).is_err());
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(matches!(
            NodeEnvelope::open(&padded, &node),
            Err(SnapshotError::Decode(_))
        ));
        // A huge claimed length is refused, not allocated.
        let huge: Result<Vec<u64>, _> =
            decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(huge.is_err());
    }

    #[test]
    fn fingerprints_ignore_formatting_but_not_settings() {
        let a = compiler::check("stream|from().measurement('cpu')|window().period(10s).every(5s)")
            .0
            .unwrap();
        let b = compiler::check(
            "// a comment\nstream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(5s)\n",
        )
        .0
        .unwrap();
        let c = compiler::check("stream|from().measurement('cpu')|window().period(10s).every(6s)")
            .0
            .unwrap();
        assert_eq!(fingerprint(&a.nodes[2]), fingerprint(&b.nodes[2]));
        assert_ne!(fingerprint(&a.nodes[2]), fingerprint(&c.nodes[2]));
    }
}
