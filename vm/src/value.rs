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
