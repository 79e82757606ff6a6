//! Helpers to build pipelines and points by hand in tests and benches (before
//! a script is available, or to keep a test independent of the front end).

use crate::group::nil_group;
use crate::message::{FieldValue, Point, Str};
use compiler::catalog::{EdgeType, NodeKind};
use compiler::ir::{Arg, Node, NodeId, Pipeline, Property, TaskType};
use compiler::span::Span;
use std::sync::Arc;

/// Builds an `ir::Pipeline` node by node.
pub struct PipelineBuilder {
    pub pipeline: Pipeline,
}

impl PipelineBuilder {
    pub fn stream() -> Self {
        Self::new(TaskType::Stream)
    }

    pub fn batch() -> Self {
        Self::new(TaskType::Batch)
    }

    fn new(task_type: TaskType) -> Self {
        let (kind, edge) = match task_type {
            TaskType::Stream => (NodeKind::Stream, EdgeType::Stream),
            TaskType::Batch => (NodeKind::Batch, EdgeType::Batch),
        };
        let root = Node {
            id: 0,
            kind,
            name: format!("{}0", kind.desc()),
            udf: None,
            span: Span::default(),
            parents: vec![],
            children: vec![],
            source: None,
            wants: EdgeType::None,
            provides: edge,
            args: vec![],
            props: vec![],
            handlers: vec![],
        };
        PipelineBuilder {
            pipeline: Pipeline {
                task_type,
                dbrps: vec![],
                vars: vec![],
                nodes: vec![root],
            },
        }
    }

    /// Add a node of `kind` under `parents` with chain args and properties
    /// (`("period", vec![Arg::Duration(..)])`, in source order).
    pub fn add(
        &mut self,
        kind: NodeKind,
        parents: &[NodeId],
        args: Vec<Arg>,
        props: Vec<(&str, Vec<Arg>)>,
    ) -> NodeId {
        let id = self.pipeline.nodes.len() as NodeId;
        // A stats node is a new root reporting on its source (`ir::Node::source`).
        let (parents, source) = if kind == NodeKind::Stats {
            (&[][..], parents.first().copied())
        } else {
            (parents, None)
        };
        let wants = parents
            .first()
            .map(|&p| self.pipeline.nodes[p as usize].provides)
            .unwrap_or(EdgeType::None);
        let provides = match kind {
            NodeKind::Window => EdgeType::Batch,
            NodeKind::Trickle
            | NodeKind::Combine
            | NodeKind::Stats
            | NodeKind::K8sAutoscale
            | NodeKind::SwarmAutoscale
            | NodeKind::Ec2Autoscale => EdgeType::Stream,
            NodeKind::InfluxDbOut | NodeKind::KapacitorLoopback => EdgeType::None,
            _ => wants,
        };
        for &p in parents {
            self.pipeline.nodes[p as usize].children.push(id);
        }
        self.pipeline.nodes.push(Node {
            id,
            kind,
            name: format!("{}{}", kind.desc(), id),
            udf: None,
            span: Span::default(),
            parents: parents.to_vec(),
            children: vec![],
            source,
            wants,
            provides,
            args,
            props: props
                .into_iter()
                .map(|(name, args)| Property {
                    name: name.to_string(),
                    args,
                    span: Span::default(),
                })
                .collect(),
            handlers: vec![],
        });
        id
    }

    pub fn build(self) -> Pipeline {
        self.pipeline
    }
}

/// A stream point in db `db`, rp `autogen`, nil group; tags/fields sorted here.
pub fn point(name: &str, tags: &[(&str, &str)], fields: &[(&str, FieldValue)], time: i64) -> Point {
    let mut tags: Vec<(Str, Str)> = tags
        .iter()
        .map(|(k, v)| (Str::from(*k), Str::from(*v)))
        .collect();
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    let mut fields: Vec<(Str, FieldValue)> = fields
        .iter()
        .map(|(k, v)| (Str::from(*k), v.clone()))
        .collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Point {
        name: Str::from(name),
        database: Str::from("db"),
        retention_policy: Str::from("autogen"),
        tags,
        fields,
        time,
        group: nil_group(),
    }
}

/// `point(..)` behind an `Arc`.
pub fn apoint(
    name: &str,
    tags: &[(&str, &str)],
    fields: &[(&str, FieldValue)],
    time: i64,
) -> Arc<Point> {
    Arc::new(point(name, tags, fields, time))
}

/// Seconds to ns.
pub const fn secs(s: i64) -> i64 {
    s * 1_000_000_000
}
