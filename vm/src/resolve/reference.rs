//! Finding a reference on a point (reference §5.1).

use crate::error::EvalError;
use crate::point::{FieldValue, Scope, Str};
use crate::state::RefSlot;
use crate::value::{VType, Value};

/// Where a reference resolved, borrowed from the point (no clone), so each
/// back end can build its own representation without building `Value`s.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    Time(i64),
    Field(&'a FieldValue),
    Tag(&'a Str),
    Extra(&'a Value),
    Missing,
}

/// Resolve one reference on a point: `"time"` is the point time, a field
/// its value, a tag its string, both an error, neither the scope's extra
/// values or `missing`.
#[inline]
pub fn resolve_ref<'a>(
    name: &str,
    slot: &mut RefSlot,
    scope: &Scope<'a>,
) -> Result<Resolved<'a>, EvalError> {
    if name == "time" {
        return Ok(Resolved::Time(scope.time));
    }
    let field = slot.field.find(scope.fields, name);
    let tag = slot.tag.find(scope.tags, name);
    match (field, tag) {
        (Some(_), Some(_)) => Err(EvalError::FieldTagConflict {
            name: name.to_string(),
        }),
        (Some(f), None) => Ok(Resolved::Field(f)),
        (None, Some(t)) => Ok(Resolved::Tag(t)),
        (None, None) => Ok(scope
            .extra
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| Resolved::Extra(v))
            .unwrap_or(Resolved::Missing)),
    }
}

/// The run-time type of a resolved reference (a null field is missing).
#[inline]
pub fn resolved_type(r: &Resolved<'_>) -> VType {
    match r {
        Resolved::Time(_) => VType::Time,
        Resolved::Field(FieldValue::Float(_)) => VType::Float,
        Resolved::Field(FieldValue::Int(_)) => VType::Int,
        Resolved::Field(FieldValue::String(_)) => VType::String,
        Resolved::Field(FieldValue::Bool(_)) => VType::Bool,
        Resolved::Field(FieldValue::Null) => VType::Missing,
        Resolved::Tag(_) => VType::String,
        Resolved::Extra(v) => v.vtype(),
        Resolved::Missing => VType::Missing,
    }
}
