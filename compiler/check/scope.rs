//! Define-time values and the one flat, immutable scope of a script (§2.2).

use crate::ir::{Arg, NodeId};
use crate::span::Span;
use crate::types::Type;
use std::cell::Cell;

/// What a define-time expression evaluates to.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A literal, list, star, lambda or time dimension.
    Arg(Arg),
    Node(NodeId),
    /// The handler object returned by an alert handler call: it accepts the
    /// handler's own properties and every alert property.
    Handler(NodeId, usize),
    /// A typed template var without a value yet (`var x float`).
    Template(Type),
    /// The global function `time`.
    TimeFunction,
    /// The result of an expression that already produced an error.
    Poison,
}

impl Value {
    pub fn describe(&self) -> String {
        match self {
            Value::Arg(a) => a.ty().name().to_string(),
            Value::Node(_) | Value::Handler(..) => "node".into(),
            Value::Template(t) => t.name().to_string(),
            Value::TimeFunction => "function".into(),
            Value::Poison => "invalid value".into(),
        }
    }
}

pub(crate) struct Binding {
    pub name: String,
    pub value: Value,
    /// `None` for the predefined names.
    pub span: Option<Span>,
    pub used: Cell<bool>,
}

impl Binding {
    pub fn builtin(name: &str, value: Value) -> Self {
        Binding {
            name: name.into(),
            value,
            span: None,
            used: Cell::new(true),
        }
    }

    pub fn var(name: &str, value: Value, span: Span) -> Self {
        Binding {
            name: name.into(),
            value,
            span: Some(span),
            used: Cell::new(false),
        }
    }
}

/// The flat scope: bindings in declaration order plus a name index (Fx:
/// every identifier of a script is looked up here; the names are the script
/// author's, not an attacker's).
#[derive(Default)]
pub(crate) struct Scope {
    bindings: Vec<Binding>,
    index: rustc_hash::FxHashMap<String, usize>,
}

impl Scope {
    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.index.get(name).map(|&i| &self.bindings[i])
    }

    /// Adds a binding; the caller has checked the name is new.
    pub fn push(&mut self, b: Binding) {
        self.index.insert(b.name.clone(), self.bindings.len());
        self.bindings.push(b);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.iter()
    }
}
