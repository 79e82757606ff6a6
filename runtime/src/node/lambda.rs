//! Shared helpers for nodes that evaluate lambdas: compile once at build
//! time, keep a `LambdaState` per group where the reference says so (§5.5).

use super::BuildError;
use crate::message::{FieldValue, Str};
use compiler::ir;
use vm::value::Value;
use vm::CompiledLambda;

/// Compile `lambda` for the tasks' engine (`vm::tier::task_engine`, tiered
/// unless a bench chose otherwise): the VM at once, native code in the
/// background once the lambda is hot, so starting a task costs lowering only.
pub fn compile(node: &ir::Node, lambda: &ir::Lambda) -> Result<CompiledLambda, BuildError> {
    CompiledLambda::compile(lambda, vm::tier::task_engine()).map_err(|e| {
        BuildError::new(
            node,
            format!("cannot compile lambda {}: {e}", lambda.source),
        )
    })
}

/// A lambda result as a field value (`None`: the type cannot be stored).
/// Durations are stored as integer nanoseconds, as Go stores `time.Duration`
/// (an int64) in a field map.
pub fn to_field(v: &Value) -> Option<FieldValue> {
    Some(match v {
        Value::Float(f) => FieldValue::Float(*f),
        Value::Int(i) => FieldValue::Int(*i),
        Value::String(s) => FieldValue::String(s.clone()),
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Duration(d) => FieldValue::Int(*d),
        Value::Time(_) | Value::Regex(_) | Value::Missing => return None,
    })
}

/// Insert or replace `key` in a key-sorted vector.
pub fn upsert<V>(v: &mut Vec<(Str, V)>, key: &Str, value: V) {
    match v.binary_search_by(|(k, _)| k.as_ref().cmp(key.as_ref())) {
        Ok(i) => v[i].1 = value,
        Err(i) => v.insert(i, (key.clone(), value)),
    }
}
