//! `@name()`: a user-defined function run by an external agent (Kapacitor's
//! `UDFNode`, `udf.go`). Points and batches go to the agent as requests;
//! whatever it answers flows on to the children.
//!
//! The agent answers asynchronously (the protocol does not pair data
//! requests with responses), so answers are collected whenever the node
//! runs: after each message it sends, on every tick (a live task is ticked
//! on the wall clock, so answers flow even when no data arrives) and at the
//! end of input, when the agent's input is closed and its last answers are
//! awaited (at most `timeout`).
//!
//! Resilience (Kapacitor issue #1174): an agent that exits, sends an error,
//! stops reading its input or does not answer a keepalive within `timeout`
//! is stopped, the failure is counted in `errors` (and logged), and a new
//! agent is started with a bounded exponential backoff, initialised with the
//! same options and restored from the last snapshot taken. The task keeps
//! running; data arriving while no agent runs is counted in `udf_dropped`.
//! Nothing the node does waits longer than `timeout` (the agent module's
//! invariant), so a hung agent never hangs the write path.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{BatchPoint, Message};
use crate::udf::agent::{Agent, AgentError};
use crate::udf::catalog::info_of;
use crate::udf::convert;
use crate::udf::proto::{self, option_value::Value, request, response};
use crate::udf::UdfFunction;
use compiler::catalog::EdgeType;
use compiler::ir::{self, Arg};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// First wait before restarting a failed agent; doubles per failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between restarts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub struct UdfNode {
    udf: String,
    function: UdfFunction,
    init: proto::InitRequest,
    wants: EdgeType,
    provides: EdgeType,
    agent: Option<Agent>,
    /// While no agent runs: when the next start may be tried.
    retry_at: Option<Instant>,
    backoff: Duration,
    /// The batch being answered (between BeginBatch and EndBatch).
    begin: Option<proto::BeginBatch>,
    points: Vec<BatchPoint>,
    /// Reused response buffer.
    answers: Vec<response::Message>,
    /// The last snapshot taken or restored: a restarted agent gets it back.
    snapshot: Option<Vec<u8>>,
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let name = node.udf.clone().unwrap_or_default();
    let Some(function) = env.config.udf.get(&name) else {
        return Err(BuildError::new(
            node,
            format!("no such UDF {name} (the config has no [udf.functions.{name}])"),
        ));
    };
    let options = node
        .props
        .iter()
        .map(|p| proto::Option {
            name: p.name.clone(),
            values: p.args.iter().filter_map(option_value).collect(),
        })
        .collect();
    let mut n = UdfNode {
        udf: name,
        function: function.clone(),
        init: proto::InitRequest {
            options,
            task_id: env.task_name.to_string(),
            node_id: node.name.clone(),
        },
        wants: node.wants,
        provides: node.provides,
        agent: None,
        retry_at: None,
        backoff: FIRST_BACKOFF,
        begin: None,
        points: Vec::new(),
        answers: Vec::new(),
        snapshot: None,
    };
    // The first start is part of starting the task: a UDF that cannot
    // start or refuses its options fails the task, as in Kapacitor.
    n.agent = Some(
        n.start()
            .map_err(|e| BuildError::new(node, format!("UDF {}: {e}", n.udf)))?,
    );
    Ok(Box::new(n))
}

/// A property's argument as an option value (`UDFNode.SetProperty`).
fn option_value(a: &Arg) -> Option<proto::OptionValue> {
    let (t, v) = match a {
        Arg::Bool(b) => (proto::ValueType::Bool, Value::BoolValue(*b)),
        Arg::Int(i) => (proto::ValueType::Int, Value::IntValue(*i)),
        Arg::Float(f) => (proto::ValueType::Double, Value::DoubleValue(*f)),
        Arg::String(s) => (proto::ValueType::String, Value::StringValue(s.clone())),
        Arg::Duration(d) => (proto::ValueType::Duration, Value::DurationValue(*d)),
        _ => return None,
    };
    Some(proto::OptionValue {
        r#type: t as i32,
        value: Some(v),
    })
}

impl UdfNode {
    /// Starts an agent: info (its edges must be the node's), init, restore.
    fn start(&mut self) -> Result<Agent, AgentError> {
        let mut agent = Agent::open(&self.udf, &self.function)?;
        let info = agent.info()?;
        let info = info_of(&info).map_err(AgentError::Closed)?;
        if self.wants != EdgeType::None && info.wants != self.wants {
            return Err(AgentError::Closed(format!(
                "the agent wants a {} edge but the node receives {}",
                info.wants.name(),
                self.wants.name()
            )));
        }
        if info.provides != self.provides {
            return Err(AgentError::Closed(format!(
                "the agent provides a {} edge but the task was checked for {}",
                info.provides.name(),
                self.provides.name()
            )));
        }
        agent.init(self.init.clone())?;
        if let Some(s) = &self.snapshot {
            agent.restore(s.clone())?;
        }
        Ok(agent)
    }

    /// The agent failed: count, log, stop it, plan a restart.
    fn fail(&mut self, e: AgentError, cx: &mut NodeCx<'_>) {
        cx.error(format_args!("UDF {} failed, restarting it: {e}", self.udf));
        cx.stats.add("udf_failures", 1);
        self.agent = None;
        self.begin = None;
        self.points.clear();
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Restarts the agent when no agent runs and the backoff has passed.
    fn ensure_agent(&mut self, cx: &mut NodeCx<'_>) {
        if self.agent.is_some() || self.retry_at.is_some_and(|t| Instant::now() < t) {
            return;
        }
        match self.start() {
            Ok(agent) => {
                self.agent = Some(agent);
                self.retry_at = None;
                self.backoff = FIRST_BACKOFF;
                cx.stats.add("udf_restarts", 1);
            }
            Err(e) => self.fail(e, cx),
        }
    }

    /// Sends one message's requests, then forwards what has been answered.
    fn send(&mut self, reqs: Vec<request::Message>, cx: &mut NodeCx<'_>) {
        self.ensure_agent(cx);
        let Some(agent) = &mut self.agent else {
            cx.stats.add("udf_dropped", 1);
            return;
        };
        for r in reqs {
            if let Err(e) = agent.send(r) {
                self.fail(e, cx);
                cx.stats.add("udf_dropped", 1);
                return;
            }
        }
        self.collect(cx);
    }

    /// Forwards every answer that has arrived; notices a failed agent.
    fn collect(&mut self, cx: &mut NodeCx<'_>) {
        let Some(agent) = &mut self.agent else {
            return;
        };
        let mut answers = std::mem::take(&mut self.answers);
        let health = agent.poll(&mut answers);
        for a in answers.drain(..) {
            self.answer(a, cx);
        }
        self.answers = answers;
        if let Err(e) = health {
            self.fail(e, cx);
        }
    }

    /// One answer, as Kapacitor's `handleResponse`.
    fn answer(&mut self, a: response::Message, cx: &mut NodeCx<'_>) {
        match a {
            response::Message::Keepalive(_) => {}
            response::Message::Begin(b) => {
                self.points.clear();
                self.begin = Some(b);
            }
            response::Message::Point(p) if self.begin.is_some() => {
                self.points.push(convert::batch_point_from_response(p));
            }
            response::Message::Point(p) => {
                if self.provides == EdgeType::Stream {
                    cx.emit(Message::Point(Arc::new(convert::point_from_response(p))));
                } else {
                    cx.error(format_args!(
                        "UDF {} sent a point outside a batch but provides batches",
                        self.udf
                    ));
                }
            }
            response::Message::End(e) => {
                let Some(begin) = self.begin.take() else {
                    cx.error(format_args!(
                        "UDF {} sent EndBatch without BeginBatch",
                        self.udf
                    ));
                    return;
                };
                let points = std::mem::take(&mut self.points);
                if self.provides == EdgeType::Batch {
                    let b = convert::batch_from_response(&begin, e, points);
                    cx.emit(Message::Batch(Arc::new(b)));
                } else {
                    cx.error(format_args!(
                        "UDF {} sent a batch but provides a stream",
                        self.udf
                    ));
                }
            }
            other => {
                let what = match other {
                    response::Message::Info(_) => "InfoResponse",
                    response::Message::Init(_) => "InitResponse",
                    response::Message::Snapshot(_) => "SnapshotResponse",
                    response::Message::Restore(_) => "RestoreResponse",
                    _ => "ErrorResponse",
                };
                tracing::error!(udf = %self.udf, "received {what} without requesting it");
            }
        }
    }
}

impl NodeImpl for UdfNode {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        let reqs = match (&msg, self.wants) {
            (Message::Point(p), EdgeType::Stream) => {
                vec![request::Message::Point(convert::point_request(p))]
            }
            (Message::Batch(b), EdgeType::Batch) => convert::batch_requests(b),
            (Message::Point(_) | Message::Batch(_), _) => {
                cx.error(format_args!(
                    "UDF {} wants a {} edge",
                    self.udf,
                    self.wants.name()
                ));
                return Ok(());
            }
            // The protocol carries no barriers or group deletions.
            (Message::Barrier(_) | Message::DeleteGroup(_), _) => return Ok(()),
        };
        self.send(reqs, cx);
        Ok(())
    }

    fn tick(&mut self, _now: i64, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        self.ensure_agent(cx);
        self.collect(cx);
        Ok(())
    }

    fn wants_ticks(&self) -> bool {
        true
    }

    fn finish(&mut self, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        let Some(agent) = self.agent.take() else {
            return Ok(());
        };
        let mut answers = std::mem::take(&mut self.answers);
        let closed = agent.close(&mut answers);
        for a in answers.drain(..) {
            self.answer(a, cx);
        }
        if let Err(e) = closed {
            cx.error(format_args!("UDF {}: {e}", self.udf));
        }
        Ok(())
    }

    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let Some(agent) = &mut self.agent else {
            return Ok(self.snapshot.clone());
        };
        match agent.snapshot() {
            Ok(s) => {
                self.snapshot = Some(s.clone());
                Ok(Some(s))
            }
            Err(e) => Err(NodeError::new(format!("UDF {}: {e}", self.udf))),
        }
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.snapshot = Some(data.to_vec());
        if let Some(agent) = &mut self.agent {
            agent
                .restore(data.to_vec())
                .map_err(|e| NodeError::new(format!("UDF {}: {e}", self.udf)))?;
        }
        Ok(())
    }
}
