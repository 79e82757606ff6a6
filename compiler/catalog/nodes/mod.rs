//! The node catalog: for every `NodeKind`, its chain-call signature, its
//! properties, edge types, chain methods and validation rules, as data.
//!
//! The checker reads only this table (and `handlers.rs`) to know what a node
//! accepts, so adding a property is a one-line change in the family file.
//! Argument types are exact: Kapacitor sets Go fields by reflection and never
//! converts an int to a float (reference §2.2).

pub mod alert;
pub mod combining;
pub mod influxql;
pub mod misc;
pub mod outputs;
pub mod sources;
pub mod transforms;

use super::NodeKind;
use crate::diagnostic::Diagnostic;
use crate::ir::{Node, Pipeline};

/// One accepted kind of define-time argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum P {
    Int,
    Float,
    String,
    Bool,
    Duration,
    Lambda,
    /// A lambda that must evaluate to bool where its type is known
    /// (where, alert levels, stateDuration, …).
    Predicate,
    Star,
    Regex,
    /// A node (the extra parents of `join`/`union`).
    Node,
    /// `time(d[, offset])` in `query().groupBy`.
    TimeDim,
}

impl P {
    pub fn name(self) -> &'static str {
        match self {
            P::Int => "int",
            P::Float => "float",
            P::String => "string",
            P::Bool => "bool",
            P::Duration => "duration",
            P::Lambda => "lambda",
            P::Predicate => "lambda",
            P::Star => "star",
            P::Regex => "regex",
            P::Node => "node",
            P::TimeDim => "time dimension",
        }
    }
}

/// The set of argument kinds one parameter accepts.
pub type Accepts = &'static [P];

pub const INT: Accepts = &[P::Int];
pub const FLOAT: Accepts = &[P::Float];
pub const STR: Accepts = &[P::String];
pub const BOOL: Accepts = &[P::Bool];
pub const DUR: Accepts = &[P::Duration];
pub const LAMBDA: Accepts = &[P::Lambda];
pub const PRED: Accepts = &[P::Predicate];
pub const NODE: Accepts = &[P::Node];
pub const STR_OR_STAR: Accepts = &[P::String, P::Star];
/// A field value: float, int, string or bool.
pub const VALUE: Accepts = &[P::Float, P::Int, P::String, P::Bool];

/// A parameter list: `params[..required]` must be given, the rest of
/// `params` may be, and `rest` (if any) accepts any number of extra arguments.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub params: &'static [Accepts],
    pub required: usize,
    pub rest: Option<Accepts>,
}

impl Params {
    pub const NONE: Params = Params::exact(&[]);

    pub const fn exact(params: &'static [Accepts]) -> Params {
        Params {
            params,
            required: params.len(),
            rest: None,
        }
    }

    pub const fn optional(params: &'static [Accepts], required: usize) -> Params {
        Params {
            params,
            required,
            rest: None,
        }
    }

    pub const fn variadic(params: &'static [Accepts], rest: Accepts) -> Params {
        Params {
            params,
            required: params.len(),
            rest: Some(rest),
        }
    }

    /// What the parameter at `i` accepts, or `None` past the end.
    pub fn accepts(&self, i: usize) -> Option<Accepts> {
        self.params.get(i).copied().or(self.rest)
    }

    pub fn max(&self) -> Option<usize> {
        if self.rest.is_some() {
            None
        } else {
            Some(self.params.len())
        }
    }

    /// A human description such as `(string, float)` or `(string...)`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let s = a.iter().map(|p| p.name()).collect::<Vec<_>>().join("|");
                if i >= self.required {
                    format!("[{s}]")
                } else {
                    s
                }
            })
            .collect();
        if let Some(r) = self.rest {
            parts.push(format!(
                "{}...",
                r.iter().map(|p| p.name()).collect::<Vec<_>>().join("|")
            ));
        }
        format!("({})", parts.join(", "))
    }
}

/// A property (`.name(args)`) of a node or handler.
#[derive(Debug, Clone, Copy)]
pub struct PropSpec {
    /// As written in TICKscript (first rune lower-case).
    pub name: &'static str,
    pub params: Params,
    /// Repeated calls accumulate (e.g. `from().where`, `default().field`)
    /// instead of the last one winning. Both are kept in the IR in order.
    pub accumulates: bool,
    /// The reference default, for documentation and the `ir` output.
    pub default: &'static str,
}

pub const fn prop(name: &'static str, params: Params) -> PropSpec {
    PropSpec {
        name,
        params,
        accumulates: false,
        default: "",
    }
}

pub const fn prop_d(name: &'static str, params: Params, default: &'static str) -> PropSpec {
    PropSpec {
        name,
        params,
        accumulates: false,
        default,
    }
}

pub const fn prop_acc(name: &'static str, params: Params) -> PropSpec {
    PropSpec {
        name,
        params,
        accumulates: true,
        default: "",
    }
}

/// A flag property: `.align()` (no arguments).
pub const fn flag(name: &'static str) -> PropSpec {
    prop(name, Params::NONE)
}

/// A settable field taking exactly one argument of the given kind.
pub const fn field(name: &'static str, accepts: &'static [Accepts]) -> PropSpec {
    prop(name, Params::exact(accepts))
}

/// The edge type a node wants from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wants {
    Stream,
    Batch,
    /// Whatever the parent provides.
    Same,
    /// A root (stream0/batch0, stats).
    Nothing,
}

/// The edge type a node provides to its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provides {
    Stream,
    Batch,
    /// The edge type the node wants (its parent's).
    Same,
    /// Terminal: no children possible.
    None,
}

/// Which chain methods (`|x()`) a node has, besides `stats` and `deadman`
/// which every node has (§4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chains {
    /// `stream`: only `from`.
    StreamRoot,
    /// `batch`: only `query` and `queryFlux`.
    BatchRoot,
    /// Every chain-capable node method of §4.0 (`window` only on stream edges,
    /// `trickle` only on batch edges).
    All,
    /// Like `All`, plus a nested `|from()` (the from node).
    AllAndFrom,
    /// Terminal nodes: only `stats` and `deadman`.
    Terminal,
}

/// What a per-node validation rule sees: the node, and the node it was created
/// from (for rules that depend on the parent's edge type).
pub type Validate = fn(&Node, &Pipeline, &mut Vec<Diagnostic>);

pub struct NodeSpec {
    pub kind: NodeKind,
    /// The chain call's arguments.
    pub args: Params,
    pub props: &'static [PropSpec],
    pub wants: Wants,
    pub provides: Provides,
    pub chains: Chains,
    /// Validation rules of §4 run after the whole script is evaluated.
    pub validate: Option<Validate>,
    /// One line of documentation (used in hints and `tickc` help).
    pub doc: &'static str,
}

/// Properties every node has (§4.0).
pub static COMMON_PROPS: &[PropSpec] = &[flag("quiet")];

/// Every node spec, in no particular order.
pub fn all() -> impl Iterator<Item = &'static NodeSpec> {
    sources::SPECS
        .iter()
        .chain(transforms::SPECS)
        .chain(combining::SPECS)
        .chain(alert::SPECS)
        .chain(outputs::SPECS)
        .chain(influxql::SPECS)
        .chain(misc::SPECS)
}

/// The spec of a node kind (every `NodeKind` has exactly one; a unit test
/// checks it). A table indexed by the kind, built once.
pub fn spec(kind: NodeKind) -> &'static NodeSpec {
    static TABLE: std::sync::OnceLock<Vec<&'static NodeSpec>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        NodeKind::ALL
            .iter()
            .map(|k| {
                all()
                    .find(|s| s.kind == *k)
                    .unwrap_or_else(|| panic!("node catalog has no entry for {k:?}"))
            })
            .collect()
    });
    table[kind as usize]
}

impl NodeSpec {
    /// A property by name: the node's own, then the common ones.
    pub fn prop(&self, name: &str) -> Option<&'static PropSpec> {
        self.props
            .iter()
            .chain(COMMON_PROPS)
            .find(|p| p.name == name)
    }

    pub fn prop_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.props.iter().chain(COMMON_PROPS).map(|p| p.name)
    }
}

/// Every chain method a general node has (§4.0), except `window`/`trickle`
/// which depend on the edge type and `stats`/`deadman` which every node has.
pub const GENERAL_CHAINS: &[NodeKind] = &[
    NodeKind::Where,
    NodeKind::Eval,
    NodeKind::GroupBy,
    NodeKind::Window,
    NodeKind::Trickle,
    NodeKind::Alert,
    NodeKind::HttpOut,
    NodeKind::HttpPost,
    NodeKind::InfluxDbOut,
    NodeKind::KapacitorLoopback,
    NodeKind::Union,
    NodeKind::Join,
    NodeKind::Combine,
    NodeKind::Flatten,
    NodeKind::Barrier,
    NodeKind::Sample,
    NodeKind::Derivative,
    NodeKind::ChangeDetect,
    NodeKind::Shift,
    NodeKind::Log,
    NodeKind::Default,
    NodeKind::Delete,
    NodeKind::StateDuration,
    NodeKind::StateCount,
    NodeKind::Sideload,
    NodeKind::K8sAutoscale,
    NodeKind::SwarmAutoscale,
    NodeKind::Ec2Autoscale,
    NodeKind::Count,
    NodeKind::Distinct,
    NodeKind::Mean,
    NodeKind::Median,
    NodeKind::Mode,
    NodeKind::Spread,
    NodeKind::Sum,
    NodeKind::First,
    NodeKind::Last,
    NodeKind::Min,
    NodeKind::Max,
    NodeKind::Percentile,
    NodeKind::Top,
    NodeKind::Bottom,
    NodeKind::Stddev,
    NodeKind::Difference,
    NodeKind::MovingAverage,
    NodeKind::CumulativeSum,
    NodeKind::Elapsed,
    NodeKind::HoltWinters,
    NodeKind::HoltWintersWithFit,
];

/// Whether `chains` includes the chain method `child` (ignoring edge types;
/// see `Chains`). `stats` and `deadman` are handled by the checker.
pub fn has_chain(chains: Chains, child: NodeKind) -> bool {
    match chains {
        Chains::StreamRoot => child == NodeKind::From,
        Chains::BatchRoot => matches!(child, NodeKind::Query | NodeKind::QueryFlux),
        Chains::All => GENERAL_CHAINS.contains(&child),
        Chains::AllAndFrom => child == NodeKind::From || GENERAL_CHAINS.contains(&child),
        Chains::Terminal => false,
    }
}

// Shared helpers for validation rules.

use crate::diagnostic::Code;
use crate::span::Span;

/// The span of the last setting of a property, or the node's own.
pub(crate) fn prop_span(node: &Node, name: &str) -> Span {
    node.prop(name).map_or(node.span, |p| p.span)
}

pub(crate) fn err(code: Code, span: Span, msg: impl Into<String>) -> Diagnostic {
    let msg = msg.into();
    Diagnostic::error(code, msg.clone()).with_primary(span, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_kind_has_exactly_one_spec() {
        for &k in NodeKind::ALL {
            assert_eq!(all().filter(|s| s.kind == k).count(), 1, "{k:?}");
            assert_eq!(spec(k).kind, k);
        }
    }

    #[test]
    fn property_names_are_unique_per_node() {
        for s in all() {
            let mut names: Vec<_> = s.prop_names().collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "{:?}", s.kind);
        }
    }
}
