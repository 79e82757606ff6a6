//! The node contract every runtime node implements, and the registry that
//! builds a node from its IR description.
//!
//! Execution model (see `task.rs`): one task runs single-threaded. The
//! executor hands each message to a node's `process`; whatever the node
//! `emit`s is delivered depth-first to its children before the executor moves
//! on. Time is **data time**: `tick(now)` is called as the stream time
//! advances, never from the wall clock, so a replay gives what a live run gives.
//!
//! Errors: a per-point problem (a lambda error, a missing field) is reported
//! with `cx.error(..)` — it counts the node's `errors` stat and is logged unless
//! the node is `.quiet()` — and the node carries on. Returning `Err` from
//! `process`/`tick`/`finish` is **fatal**: the task stops with that error, as a
//! Kapacitor node whose runner returns an error stops its task.

pub mod api_client;
pub mod autoscale;
#[cfg(test)]
mod autoscale_tests;
pub mod barrier;
pub mod change_detect;
pub mod combine;
pub mod default;
pub mod delete;
pub mod derivative;
pub mod ec2_autoscale;
pub mod edit;
pub mod eval;
pub mod flatten;
pub mod from;
pub mod group_by;
pub mod group_map;
#[cfg(test)]
pub(crate) mod harness;
pub mod http_out;
pub mod http_post;
pub mod influxdb_out;
pub mod influxql;
pub mod join;
pub mod k8s_autoscale;
pub mod kapacitor_loopback;
pub mod lambda;
pub mod log;
pub mod noop;
pub mod query;
pub mod sample;
pub mod shift;
pub mod sideload;
pub mod sideload_http;
pub mod state_tracking;
pub mod stats;
pub mod stream;
pub mod swarm_autoscale;
pub mod trickle;
pub mod udf;
pub mod union;
pub mod where_;
pub mod window;

use crate::config::Config;
use crate::message::Message;
use crate::output::{Output, Sink};
use crate::stats::NodeStats;
use compiler::catalog::NodeKind;
use compiler::ir::{self, NodeId, TaskType};
use std::fmt;

pub trait NodeImpl: Send {
    /// One message from parent number `input` (index into `ir::Node::parents`).
    fn process(&mut self, input: usize, msg: Message, cx: &mut NodeCx<'_>)
        -> Result<(), NodeError>;

    /// Stream time advanced to `now` (ns): drive time-based behaviour (barrier
    /// idle, stats, deadman) from data time, never the wall clock.
    fn tick(&mut self, _now: i64, _cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        Ok(())
    }

    /// Whether `tick` does anything; the executor only ticks nodes that do.
    fn wants_ticks(&self) -> bool {
        false
    }

    /// An `httpOut` node serving `endpoint`: its current result JSON (the
    /// server reads it while the task runs).
    fn http_out_result(&self, _endpoint: &str) -> Option<String> {
        None
    }

    /// End of input (`tickc run`): flush what Kapacitor would flush on stop.
    fn finish(&mut self, _cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        Ok(())
    }

    /// What the build noticed but tolerated (e.g. an alert handler this
    /// runtime cannot call, in a run that calls none): logged once as a
    /// warning before the first message, so nothing is dropped silently.
    fn build_warnings(&self) -> &[String] {
        &[]
    }

    /// The node's state to store with the task (Kapacitor's node snapshot;
    /// only UDF nodes have one: their agent's).
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(None)
    }

    /// Restores a state `snapshot` returned before (a task restarting).
    fn restore(&mut self, _data: &[u8]) -> Result<(), NodeError> {
        Ok(())
    }
}

/// A fatal node error: stops the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeError {
    pub message: String,
}

impl NodeError {
    pub fn new(message: impl Into<String>) -> Self {
        NodeError {
            message: message.into(),
        }
    }
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NodeError {}

/// A node that cannot be built from its IR (bad or unsupported settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// The node's name (`window3`).
    pub node: String,
    pub message: String,
}

impl BuildError {
    pub fn new(node: &ir::Node, message: impl Into<String>) -> Self {
        BuildError {
            node: node.name.clone(),
            message: message.into(),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.node, self.message)
    }
}

impl std::error::Error for BuildError {}

/// What a node constructor may read besides its own IR node.
#[derive(Debug, Clone, Copy)]
pub struct BuildEnv<'a> {
    pub task_name: &'a str,
    pub task_type: TaskType,
    pub config: &'a Config,
}

/// Where an emitted message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every child, in creation order.
    All,
    /// Only child number `i` (index into `ir::Node::children`; trickle uses 0).
    Child(u32),
}

/// The node's view of the executor while it handles one call.
pub struct NodeCx<'a> {
    pub task: &'a str,
    /// The node's name (`window3`).
    pub node: &'a str,
    pub node_id: NodeId,
    /// Current stream time (ns): the newest point time seen by the task.
    pub now: i64,
    pub stats: &'a mut NodeStats,
    pub sink: &'a mut dyn Sink,
    pub config: &'a Config,
    /// `.quiet()` was set on the node: errors are counted, not logged.
    pub quiet: bool,
    pub(crate) out: &'a mut Vec<(Target, Message)>,
    /// For a `stats` node: the per-group counts of its source node's first
    /// out-edge (set by the executor; `None` elsewhere).
    pub source_counts: Option<&'a crate::stats::GroupCounts>,
}

impl<'a> NodeCx<'a> {
    /// A context writing into `out` (the executor builds these; tests may too).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        task: &'a str,
        node: &'a str,
        node_id: NodeId,
        now: i64,
        stats: &'a mut NodeStats,
        sink: &'a mut dyn Sink,
        config: &'a Config,
        quiet: bool,
        out: &'a mut Vec<(Target, Message)>,
    ) -> Self {
        NodeCx {
            task,
            node,
            node_id,
            now,
            stats,
            sink,
            config,
            quiet,
            out,
            source_counts: None,
        }
    }

    /// Send `msg` to every child.
    #[inline]
    pub fn emit(&mut self, msg: Message) {
        self.out.push((Target::All, msg));
    }

    /// Send `msg` to child number `child` only.
    #[inline]
    pub fn emit_to(&mut self, child: u32, msg: Message) {
        self.out.push((Target::Child(child), msg));
    }

    /// A non-fatal error: counted in `errors`, logged unless `.quiet()`.
    pub fn error(&mut self, message: impl fmt::Display) {
        self.stats.errors += 1;
        if !self.quiet {
            let text = message.to_string();
            self.sink.diagnostic(self.node, &text);
        }
    }

    /// An output record (alert event, written point, log line, httpOut result).
    pub fn output(&mut self, out: Output<'_>) {
        self.sink.output(out);
    }
}

/// Build the runtime node for `node`. One constructor per node file; kinds
/// not yet implemented report a clear build error.
///
/// To add a node: `pub mod <file>;` above, and one arm here calling its
/// `build(node, env)` (RT-nodes: `node/*.rs`, `node/influxql/`; RT-alert:
/// `crate::alert::build`).
pub fn build(
    node: &ir::Node,
    pipeline: &ir::Pipeline,
    env: &BuildEnv<'_>,
) -> Result<Box<dyn NodeImpl>, BuildError> {
    let _ = pipeline;
    match node.kind {
        NodeKind::Stream | NodeKind::Batch => stream::build(node, env),
        NodeKind::Query | NodeKind::QueryFlux => query::build(node, env),
        NodeKind::From => from::build(node, env),
        NodeKind::NoOp => noop::build(node, env),
        NodeKind::Alert => crate::alert::build(node, env),
        NodeKind::ChangeDetect => change_detect::build(node, env),
        NodeKind::Default => default::build(node, env),
        NodeKind::Delete => delete::build(node, env),
        NodeKind::Derivative => derivative::build(node, env),
        NodeKind::Sample => sample::build(node, env),
        NodeKind::Shift => shift::build(node, env),
        NodeKind::Trickle => trickle::build(node, env),
        NodeKind::StateDuration | NodeKind::StateCount => state_tracking::build(node, env),
        NodeKind::Barrier => barrier::build(node, env),
        NodeKind::Combine => combine::build(node, env),
        NodeKind::Flatten => flatten::build(node, env),
        NodeKind::Join => join::build(node, env),
        NodeKind::Union => union::build(node, env),
        NodeKind::HttpPost => http_post::build(node, env),
        NodeKind::Sideload => sideload::build(node, env),
        NodeKind::InfluxDbOut => influxdb_out::build(node, env),
        NodeKind::KapacitorLoopback => kapacitor_loopback::build(node, pipeline, env),
        NodeKind::GroupBy => group_by::build(node, env),
        NodeKind::Where => where_::build(node, env),
        NodeKind::Eval => eval::build(node, env),
        NodeKind::Window => window::build(node, env),
        NodeKind::Log => log::build(node, env),
        NodeKind::Stats => stats::build(node, env),
        NodeKind::HttpOut => http_out::build(node, env),
        NodeKind::Count
        | NodeKind::Distinct
        | NodeKind::Mean
        | NodeKind::Median
        | NodeKind::Mode
        | NodeKind::Spread
        | NodeKind::Sum
        | NodeKind::First
        | NodeKind::Last
        | NodeKind::Min
        | NodeKind::Max
        | NodeKind::Percentile
        | NodeKind::Top
        | NodeKind::Bottom
        | NodeKind::Stddev
        | NodeKind::Difference
        | NodeKind::MovingAverage
        | NodeKind::CumulativeSum
        | NodeKind::Elapsed
        | NodeKind::HoltWinters
        | NodeKind::HoltWintersWithFit => influxql::build(node, env),
        NodeKind::K8sAutoscale => k8s_autoscale::build(node, env),
        NodeKind::SwarmAutoscale => swarm_autoscale::build(node, env),
        NodeKind::Ec2Autoscale => ec2_autoscale::build(node, env),
        NodeKind::Udf => udf::build(node, env),
    }
}
