//! Shared helpers for nodes that evaluate lambdas: compile once at build
//! time, keep a `LambdaState` per group where the reference says so (§5.5).

use super::group_map::GroupMap;
use super::BuildError;
use crate::message::{FieldValue, Str};
use crate::snapshot::SnapshotError;
use compiler::ir;
use vm::state::FuncState;
use vm::value::Value;
use vm::{CompiledLambda, LambdaState};

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

/// A lambda's stateful calls in a checkpoint: one group's own states.
pub type SavedFuncs = Vec<FuncState>;

/// The shared (nested-lambda) states of `lambdas`, in order.
pub fn save_shared<'a>(lambdas: impl IntoIterator<Item = &'a CompiledLambda>) -> Vec<SavedFuncs> {
    lambdas
        .into_iter()
        .map(CompiledLambda::saved_shared)
        .collect()
}

/// Puts back what `save_shared` returned; another number of lambdas or of
/// stateful calls is a script change.
pub fn load_shared<'a>(
    lambdas: impl ExactSizeIterator<Item = &'a CompiledLambda>,
    saved: Vec<SavedFuncs>,
) -> Result<(), SnapshotError> {
    if lambdas.len() != saved.len() {
        return Err(SnapshotError::Shape(format!(
            "{} lambdas saved, the node has {}",
            saved.len(),
            lambdas.len()
        )));
    }
    for (l, s) in lambdas.zip(saved) {
        l.load_shared(s)?;
    }
    Ok(())
}

/// Per group: the states of several lambdas (eval, combine).
pub fn save_states(states: &[LambdaState]) -> Vec<SavedFuncs> {
    states.iter().map(LambdaState::saved).collect()
}

/// Rebuilds per-group states of `lambdas` from `save_states`.
pub fn load_states(
    lambdas: &[CompiledLambda],
    saved: Vec<SavedFuncs>,
) -> Result<Vec<LambdaState>, SnapshotError> {
    if lambdas.len() != saved.len() {
        return Err(SnapshotError::Shape(format!(
            "{} lambda states saved, the node has {} lambdas",
            saved.len(),
            lambdas.len()
        )));
    }
    lambdas
        .iter()
        .zip(saved)
        .map(|(l, s)| l.restored_state(s).map_err(SnapshotError::from))
        .collect()
}

/// A node's per-group states of one lambda, with the lambda's shared state.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SavedLambdaGroups {
    shared: SavedFuncs,
    groups: GroupMap<SavedFuncs>,
}

impl SavedLambdaGroups {
    pub fn save(lambda: &CompiledLambda, groups: &GroupMap<LambdaState>) -> SavedLambdaGroups {
        SavedLambdaGroups {
            shared: lambda.saved_shared(),
            groups: groups.map_to(LambdaState::saved),
        }
    }

    pub fn load(self, lambda: &CompiledLambda) -> Result<GroupMap<LambdaState>, SnapshotError> {
        lambda.load_shared(self.shared)?;
        self.groups
            .try_map_into(|s| lambda.restored_state(s).map_err(SnapshotError::from))
    }
}
