//! The types of TICKscript values, at define time and inside lambdas.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The type of a value or of a lambda (sub)expression.
///
/// `Dynamic` is the type of a `"reference"` (a field or tag whose type is only
/// known per point) and of any expression whose type depends on one. The
/// engines check a `Dynamic` operand's run-time type exactly as Kapacitor does
/// (reference §5.2) and report a per-point evaluation error on mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Type {
    Float,
    Int,
    String,
    Bool,
    Duration,
    Time,
    Regex,
    /// Known only per point (references and what depends on them).
    Dynamic,
    // Define-time only types (never the type of a lambda subexpression):
    Lambda,
    List,
    Star,
    Node,
}

impl Type {
    /// The name Kapacitor uses in messages and in typed `var` declarations.
    pub fn name(self) -> &'static str {
        match self {
            Type::Float => "float",
            Type::Int => "int",
            Type::String => "string",
            Type::Bool => "bool",
            Type::Duration => "duration",
            Type::Time => "time",
            Type::Regex => "regex",
            Type::Dynamic => "dynamic",
            Type::Lambda => "lambda",
            Type::List => "list",
            Type::Star => "star",
            Type::Node => "node",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
