//! `stateDuration(λ)` and `stateCount(λ)` (reference §4.2). While the
//! predicate holds, stateDuration adds a float field `as` (default
//! `state_duration`) = (t − start of the run) / unit (0 on the run's first
//! point) and stateCount an int `as` (default `state_count`) = 1, 2, 3…;
//! when it is false both write −1 and the run ends. An evaluation error drops
//! the point without touching the state. Lambda state and run state live per
//! group; for batches the run resets at each batch.

use super::edit::set;
use super::lambda::SavedFuncs;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Fields, Message, Str};
use crate::node::group_map::GroupMap;
use crate::point::Scope;
use crate::snapshot::SnapshotError;
use compiler::catalog::NodeKind;
use compiler::ir;
use std::sync::Arc;
use vm::{CompiledLambda, LambdaState};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Track {
    Duration { unit: i64 },
    Count,
}

struct GroupState {
    lambda: LambdaState,
    /// Duration: the run's start time; count: the run length. `None`: no run.
    run: Option<i64>,
}

pub struct StateTracking {
    track: Track,
    lambda: CompiledLambda,
    as_: Str,
    groups: GroupMap<GroupState>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let lambda = node
        .args
        .first()
        .and_then(|a| a.as_lambda())
        .ok_or_else(|| BuildError::new(node, format!("{} needs a lambda", node.kind.method())))?;
    let lambda = CompiledLambda::compile(lambda, vm::tier::task_engine())
        .map_err(|e| BuildError::new(node, e.to_string()))?;
    let (track, default_as) = match node.kind {
        NodeKind::StateDuration => {
            let unit = node.duration("unit").unwrap_or(1_000_000_000);
            if unit <= 0 {
                return Err(BuildError::new(
                    node,
                    format!("unit must be > 0, got {unit}"),
                ));
            }
            (Track::Duration { unit }, "state_duration")
        }
        _ => (Track::Count, "state_count"),
    };
    Ok(Box::new(StateTracking {
        track,
        lambda,
        as_: Str::from(node.string("as").unwrap_or(default_as)),
        groups: GroupMap::new(),
    }))
}

impl StateTracking {
    /// The field to add for a point, or `None` (error: drop the point).
    fn value(
        &self,
        g: &mut GroupState,
        scope: &Scope<'_>,
        cx: &mut NodeCx<'_>,
    ) -> Option<FieldValue> {
        let pass = match self.lambda.eval_bool(scope, &mut g.lambda) {
            Ok(b) => b,
            Err(e) => {
                cx.error(format!("error while evaluating expression: {e}"));
                return None;
            }
        };
        if !pass {
            g.run = None;
            return Some(match self.track {
                Track::Duration { .. } => FieldValue::Float(-1.0),
                Track::Count => FieldValue::Int(-1),
            });
        }
        Some(match self.track {
            Track::Duration { unit } => {
                let start = *g.run.get_or_insert(scope.time);
                // Go's Time.Sub saturates at the Duration range instead of wrapping.
                FieldValue::Float(scope.time.saturating_sub(start) as f64 / unit as f64)
            }
            Track::Count => {
                let n = g.run.unwrap_or(0) + 1;
                g.run = Some(n);
                FieldValue::Int(n)
            }
        })
    }

    fn new_group(&self) -> GroupState {
        GroupState {
            lambda: self.lambda.new_state(),
            run: None,
        }
    }
}

fn scope_of<'a>(time: i64, fields: &'a Fields, tags: &'a [(Str, Str)]) -> Scope<'a> {
    Scope {
        time,
        fields,
        tags,
        extra: &[],
    }
}

impl NodeImpl for StateTracking {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let saved = (
            self.lambda.saved_shared(),
            self.groups.map_to(|g| (g.lambda.saved(), g.run)),
        );
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (shared, groups): (SavedFuncs, GroupMap<(SavedFuncs, Option<i64>)>) =
            crate::snapshot::decode(data)?;
        self.lambda
            .load_shared(shared)
            .map_err(SnapshotError::from)?;
        self.groups = groups.try_map_into(|(own, run)| {
            Ok::<_, SnapshotError>(GroupState {
                lambda: self.lambda.restored_state(own)?,
                run,
            })
        })?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(mut p) => {
                let mut g = match self.groups.remove(&p.group.id) {
                    Some(g) => g,
                    None => self.new_group(),
                };
                let v = self.value(&mut g, &p.scope(), cx);
                self.groups.insert(p.group.id.clone(), g);
                self.groups.report(cx);
                if let Some(v) = v {
                    set(&mut Arc::make_mut(&mut p).fields, &self.as_, v);
                    cx.emit(Message::Point(p));
                }
            }
            Message::Batch(mut b) => {
                let mut g = match self.groups.remove(&b.group.id) {
                    Some(g) => g,
                    None => self.new_group(),
                };
                g.run = None;
                let bm = Arc::make_mut(&mut b);
                let mut points = Vec::with_capacity(bm.points.len());
                for mut bp in std::mem::take(&mut bm.points) {
                    let v = self.value(&mut g, &scope_of(bp.time, &bp.fields, &bp.tags), cx);
                    if let Some(v) = v {
                        set(&mut bp.fields, &self.as_, v);
                        points.push(bp);
                    }
                }
                bm.points = points;
                self.groups.insert(b.group.id.clone(), g);
                self.groups.report(cx);
                cx.emit(Message::Batch(b));
            }
            Message::DeleteGroup(g) => self.groups.delete_group(g, cx),
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::node::harness::{cmp_lambda, f, i, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::{Arg, BinaryOp, Const};

    #[test]
    fn duration_and_count_runs() {
        let lam = || cmp_lambda("v", BinaryOp::Gt, Const::Float(1.0));
        let mut d = Harness::new(
            false,
            NodeKind::StateDuration,
            vec![lam()],
            vec![("unit", vec![Arg::Duration(secs(2))])],
        );
        let mut c = Harness::new(
            false,
            NodeKind::StateCount,
            vec![lam()],
            vec![("as", vec![s("n")])],
        );
        for (t, v) in [(0, 2.0), (4, 3.0), (6, 0.0), (7, 5.0), (9, 5.0)] {
            d.point(point("m", &[], &[("v", f(v))], secs(t)));
            c.point(point("m", &[], &[("v", f(v))], secs(t)));
        }
        let dv: Vec<_> = d
            .take_points()
            .iter()
            .map(|p| p.field("state_duration").cloned().unwrap())
            .collect();
        assert_eq!(dv, vec![f(0.0), f(2.0), f(-1.0), f(0.0), f(1.0)]);
        let cv: Vec<_> = c
            .take_points()
            .iter()
            .map(|p| p.field("n").cloned().unwrap())
            .collect();
        assert_eq!(cv, vec![i(1), i(2), i(-1), i(1), i(2)]);
    }

    #[test]
    fn eval_error_drops_the_point() {
        let mut c = Harness::new(
            false,
            NodeKind::StateCount,
            vec![cmp_lambda("v", BinaryOp::Gt, Const::Float(1.0))],
            vec![],
        );
        c.point(point("m", &[], &[("w", f(3.0))], secs(1)));
        assert!(c.take().is_empty());
        assert_eq!(c.stats.errors, 1);
    }
}
