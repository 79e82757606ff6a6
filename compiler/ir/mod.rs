//! The typed IR: the single input of everything downstream of the checker.
//!
//! A task is a `Pipeline`: a DAG of nodes in creation order (so `nodes[i].id ==
//! i`), named `<desc><n>` exactly as Kapacitor numbers them (`n == id` except
//! after a join or union: Kapacitor uses one number per parent link, so
//! `a|join(b)` after `from2` is `join4`), each with
//! its chain-call arguments and its properties, type-checked against the node
//! catalog. It is plain data with serde derives so the server can persist a
//! compiled task image (bincode) and `tickc ir` can print it.

pub mod dot;
pub mod expr;
pub mod text;

pub use expr::{BinaryOp, Const, Expr, ExprKind, Lambda, UnaryOp};

use crate::catalog::{EdgeType, HandlerKind, NodeKind};
use crate::span::Span;
use crate::types::Type;
use serde::{Deserialize, Serialize};

pub type NodeId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskType {
    Stream,
    Batch,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dbrp {
    pub db: String,
    pub rp: String,
}

/// A task: its type, DBRPs from `dbrp` statements, declared vars and node graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub task_type: TaskType,
    pub dbrps: Vec<Dbrp>,
    pub vars: Vec<Var>,
    /// Indexed by `NodeId`; `nodes[0]` is the root (`stream0` or `batch0`).
    pub nodes: Vec<Node>,
}

impl Pipeline {
    /// The order in which Kapacitor walks the pipeline (validation, start,
    /// DOT output): a topological order from a depth-first search over the
    /// sources (the root, then each `stats` node) taken last to first, each
    /// node placed after all its children, then reversed. Every parent comes
    /// before its children; among siblings the last-created branch comes first.
    pub fn walk_order(&self) -> Vec<NodeId> {
        let n = self.nodes.len();
        let mut done = vec![false; n];
        let mut post: Vec<NodeId> = Vec::with_capacity(n);
        let sources: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|x| x.parents.is_empty())
            .map(|x| x.id)
            .collect();
        for &src in sources.iter().rev() {
            if done[src as usize] {
                continue;
            }
            // (node, index of the next child to visit)
            let mut stack: Vec<(NodeId, usize)> = vec![(src, 0)];
            done[src as usize] = true;
            while let Some((id, next)) = stack.last_mut() {
                let node = &self.nodes[*id as usize];
                if let Some(&c) = node.children.get(*next) {
                    *next += 1;
                    if !done[c as usize] {
                        done[c as usize] = true;
                        stack.push((c, 0));
                    }
                } else {
                    post.push(*id);
                    stack.pop();
                }
            }
        }
        post.reverse();
        post
    }
}

/// A `var` declaration, as a template exposes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Var {
    pub name: String,
    pub ty: Type,
    /// `None` for a typed declaration without a value (`var x float`).
    pub value: Option<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
    /// `<desc><n>` as Kapacitor names it, e.g. `from1`, `http_out4` (`n`
    /// is the id, shifted by the extra numbers joins and unions use).
    pub name: String,
    /// For `NodeKind::Udf`: the UDF's name.
    pub udf: Option<String>,
    /// The chain call (or root name) that created the node.
    pub span: Span,
    /// In order: for join/union the first parent is the node the call chained
    /// from, then the call's node arguments.
    pub parents: Vec<NodeId>,
    /// In creation order.
    pub children: Vec<NodeId>,
    /// For `stats` nodes (roots): the node whose emitted counts they report.
    #[serde(default)]
    pub source: Option<NodeId>,
    pub wants: EdgeType,
    pub provides: EdgeType,
    /// The chain call's arguments (non-node arguments; lists already spread).
    pub args: Vec<Arg>,
    /// Property calls in source order. A property set twice appears twice
    /// (some accumulate, e.g. `from().where`, `default().field`); see the catalog.
    pub props: Vec<Property>,
    /// Alert handlers in source order (alert nodes only).
    pub handlers: Vec<Handler>,
}

impl Node {
    /// The last setting of a property (the one in force for single-valued properties).
    pub fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().rev().find(|p| p.name == name)
    }

    /// Every setting of a property, in source order (accumulating properties).
    pub fn props_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }
}

/// `.name(args)`, name as written (first rune lower-case, as in the catalog).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub name: String,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handler {
    pub kind: HandlerKind,
    pub args: Vec<Arg>,
    /// The handler's own properties (those that shadow or extend the alert's).
    pub props: Vec<Property>,
    pub span: Span,
}

impl Handler {
    pub fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().rev().find(|p| p.name == name)
    }
}

/// A define-time value: a call argument or a var's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Arg {
    Int(i64),
    Float(f64),
    String(String),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
    /// Pattern text.
    Regex(String),
    Star,
    Lambda(Lambda),
    List(Vec<Arg>),
    /// `time(interval[, offset])`, only in `query().groupBy` (Kapacitor's
    /// `TimeDimension`). Typed as a duration in messages.
    TimeDimension {
        interval: i64,
        offset: i64,
    },
}

impl Arg {
    pub fn ty(&self) -> Type {
        match self {
            Arg::Int(_) => Type::Int,
            Arg::Float(_) => Type::Float,
            Arg::String(_) => Type::String,
            Arg::Bool(_) => Type::Bool,
            Arg::Duration(_) => Type::Duration,
            Arg::Regex(_) => Type::Regex,
            Arg::Star => Type::Star,
            Arg::Lambda(_) => Type::Lambda,
            Arg::List(_) => Type::List,
            Arg::TimeDimension { .. } => Type::Duration,
        }
    }
}

impl Arg {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Arg::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_float(&self) -> Option<f64> {
        match self {
            Arg::Float(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Arg::String(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Arg::Bool(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_duration(&self) -> Option<i64> {
        match self {
            Arg::Duration(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_lambda(&self) -> Option<&Lambda> {
        match self {
            Arg::Lambda(v) => Some(v),
            _ => None,
        }
    }
}

impl Property {
    pub fn arg(&self, i: usize) -> Option<&Arg> {
        self.args.get(i)
    }
}

/// Typed reads of the property in force (the last setting). A property given
/// with no arguments (`.align()`) reads as a set flag.
impl Node {
    pub fn flag(&self, name: &str) -> bool {
        self.prop(name)
            .is_some_and(|p| p.args.first().and_then(Arg::as_bool).unwrap_or(true))
    }

    pub fn duration(&self, name: &str) -> Option<i64> {
        self.prop(name)?.arg(0)?.as_duration()
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.prop(name)?.arg(0)?.as_int()
    }

    pub fn float(&self, name: &str) -> Option<f64> {
        self.prop(name)?.arg(0)?.as_float()
    }

    pub fn string(&self, name: &str) -> Option<&str> {
        self.prop(name)?.arg(0)?.as_str()
    }

    pub fn lambda(&self, name: &str) -> Option<&Lambda> {
        self.prop(name)?.arg(0)?.as_lambda()
    }

    /// All string arguments of the property in force (`.as('a', 'b')`).
    pub fn strings(&self, name: &str) -> Vec<&str> {
        self.prop(name)
            .map(|p| p.args.iter().filter_map(Arg::as_str).collect())
            .unwrap_or_default()
    }
}
