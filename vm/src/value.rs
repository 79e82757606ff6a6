//! Values inside a lambda evaluation (reference §5.1).

use crate::point::{FieldValue, Str};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Value {
    Float(f64),
    Int(i64),
    String(Str),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
    /// Nanoseconds since the Unix epoch, UTC.
    Time(i64),
    Regex(Arc<regex::Regex>),
    /// A reference that names neither a field nor a tag.
    Missing,
}

impl From<&FieldValue> for Value {
    fn from(v: &FieldValue) -> Self {
        match v {
            FieldValue::Float(f) => Value::Float(*f),
            FieldValue::Int(i) => Value::Int(*i),
            FieldValue::String(s) => Value::String(s.clone()),
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Null => Value::Missing,
        }
    }
}

/// The run-time type of a `Value`, as a small tag (the type-check cache keys on these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum VType {
    Float,
    Int,
    String,
    Bool,
    Duration,
    Time,
    Regex,
    Missing,
}

impl VType {
    /// The name Kapacitor prints in error messages (Go's `ast.ValueType`).
    pub fn name(self) -> &'static str {
        match self {
            VType::Float => "float",
            VType::Int => "int",
            VType::String => "string",
            VType::Bool => "boolean",
            VType::Duration => "duration",
            VType::Time => "time",
            VType::Regex => "regex",
            VType::Missing => "missing",
        }
    }

    /// The static type this run-time type satisfies (`None` for missing).
    pub fn to_type(self) -> Option<compiler::types::Type> {
        use compiler::types::Type;
        Some(match self {
            VType::Float => Type::Float,
            VType::Int => Type::Int,
            VType::String => Type::String,
            VType::Bool => Type::Bool,
            VType::Duration => Type::Duration,
            VType::Time => Type::Time,
            VType::Regex => Type::Regex,
            VType::Missing => return None,
        })
    }

    /// The run-time type of a static lambda type (`None` for `Dynamic` and
    /// the define-time-only types).
    pub fn of_type(t: compiler::types::Type) -> Option<VType> {
        use compiler::types::Type;
        Some(match t {
            Type::Float => VType::Float,
            Type::Int => VType::Int,
            Type::String => VType::String,
            Type::Bool => VType::Bool,
            Type::Duration => VType::Duration,
            Type::Time => VType::Time,
            Type::Regex => VType::Regex,
            _ => return None,
        })
    }
}

/// Kapacitor's name for a static type in messages (`boolean`, not `bool`).
pub fn go_type_name(t: compiler::types::Type) -> &'static str {
    match VType::of_type(t) {
        Some(v) => v.name(),
        None => t.name(),
    }
}

impl Value {
    pub fn vtype(&self) -> VType {
        match self {
            Value::Float(_) => VType::Float,
            Value::Int(_) => VType::Int,
            Value::String(_) => VType::String,
            Value::Bool(_) => VType::Bool,
            Value::Duration(_) => VType::Duration,
            Value::Time(_) => VType::Time,
            Value::Regex(_) => VType::Regex,
            Value::Missing => VType::Missing,
        }
    }

    /// Kapacitor's name of this value's type, as used in messages.
    pub fn type_name(&self) -> &'static str {
        self.vtype().name()
    }
}

/// Values compare by content; regexes by pattern text; floats by `==`
/// (so NaN != NaN, as in Go). Used by tests and `--engine both`.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Time(a), Value::Time(b)) => a == b,
            (Value::Regex(a), Value::Regex(b)) => a.as_str() == b.as_str(),
            (Value::Missing, Value::Missing) => true,
            _ => false,
        }
    }
}

impl Value {
    /// Same value, treating NaN as equal to NaN (engines must agree on NaN
    /// results too, so differential tests compare with this).
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            _ => self == other,
        }
    }
}
