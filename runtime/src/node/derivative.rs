//! `derivative(field)` (reference §4.2): `as` (default: the field itself,
//! overwritten), `unit` (default 1s), `nonNegative()`. Per group, value =
//! (cur − prev) / ((t_cur − t_prev) / unit), a float written into a copy of
//! the point. The first point only primes the state. Elapsed 0 → error, the
//! point dropped. With nonNegative a negative rate is dropped but the point
//! still becomes "prev". A missing or non-numeric field → error, not stored.
//! For a batch the state resets at each batch.

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{BatchPoint, FieldValue, Fields, Message, Str};
use crate::node::group_map::GroupMap;
use compiler::ir::{self, Arg};
use std::sync::Arc;

pub struct Derivative {
    field: Str,
    as_: Str,
    unit: i64,
    non_negative: bool,
    /// Per group: the previous (time, value).
    prev: GroupMap<(i64, f64)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let field = node
        .args
        .first()
        .and_then(Arg::as_str)
        .ok_or_else(|| BuildError::new(node, "derivative needs a field name"))?;
    let unit = node.duration("unit").unwrap_or(1_000_000_000);
    if unit <= 0 {
        return Err(BuildError::new(
            node,
            format!("derivative unit must be > 0, got {unit}"),
        ));
    }
    Ok(Box::new(Derivative {
        field: Str::from(field),
        as_: Str::from(node.string("as").unwrap_or(field)),
        unit,
        non_negative: node.flag("nonNegative"),
        prev: GroupMap::new(),
    }))
}

/// What one point does to the state.
enum Step {
    /// Error: neither stored nor emitted.
    Error(String),
    /// Stored as prev; emit this value if any.
    Store(Option<f64>),
    /// Elapsed 0: an error, not emitted, but stored (it becomes prev).
    ZeroElapsed,
}

impl Derivative {
    fn step(&self, prev: Option<(i64, f64)>, t: i64, fields: &Fields) -> (Step, Option<f64>) {
        let v = match crate::point::lookup(fields, &self.field) {
            Some(FieldValue::Float(v)) => *v,
            Some(FieldValue::Int(v)) => *v as f64,
            // Kapacitor's message, with Go's %T of the value (`<nil>` when absent).
            other => {
                let ty = other.map_or("<nil>", crate::node::influxql::column::go_type_name);
                return (
                    Step::Error(format!(
                        "cannot perform derivative: field is the wrong type (field {}, type {ty})",
                        self.field
                    )),
                    None,
                );
            }
        };
        let Some((pt, pv)) = prev else {
            return (Step::Store(None), Some(v));
        };
        // Go's Time.Sub saturates at the Duration range instead of wrapping.
        let elapsed = t.saturating_sub(pt) as f64;
        if elapsed == 0.0 {
            return (Step::ZeroElapsed, Some(v));
        }
        let rate = (v - pv) / (elapsed / self.unit as f64);
        if self.non_negative && rate < 0.0 {
            return (Step::Store(None), Some(v));
        }
        (Step::Store(Some(rate)), Some(v))
    }

    /// Apply `step` to one point's state; returns the value to write, if any.
    fn apply(
        &self,
        prev: &mut Option<(i64, f64)>,
        t: i64,
        fields: &Fields,
        cx: &mut NodeCx<'_>,
    ) -> Option<f64> {
        let (step, v) = self.step(*prev, t, fields);
        match step {
            Step::Error(e) => {
                cx.error(e);
                None
            }
            Step::ZeroElapsed => {
                // Kapacitor's text, typo included.
                cx.error("cannot perform derivative: elaspsed time was 0");
                *prev = v.map(|v| (t, v));
                None
            }
            Step::Store(out) => {
                *prev = v.map(|v| (t, v));
                out
            }
        }
    }
}

impl NodeImpl for Derivative {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.prev)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.prev = crate::snapshot::decode(data)?;
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
                let mut prev = self.prev.get(&p.group.id).copied();
                let out = self.apply(&mut prev, p.time, &p.fields, cx);
                if let Some(pv) = prev {
                    self.prev.insert(p.group.id.clone(), pv);
                }
                self.prev.report(cx);
                if let Some(rate) = out {
                    set(
                        &mut Arc::make_mut(&mut p).fields,
                        &self.as_,
                        FieldValue::Float(rate),
                    );
                    cx.emit(Message::Point(p));
                }
            }
            Message::Batch(mut b) => {
                let mut prev = None;
                let mut points: Vec<BatchPoint> = Vec::with_capacity(b.points.len());
                for bp in &b.points {
                    if let Some(rate) = self.apply(&mut prev, bp.time, &bp.fields, cx) {
                        let mut np = bp.clone();
                        set(&mut np.fields, &self.as_, FieldValue::Float(rate));
                        points.push(np);
                    }
                }
                Arc::make_mut(&mut b).points = points;
                cx.emit(Message::Batch(b));
            }
            Message::DeleteGroup(g) => self.prev.delete_group(g, cx),
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::node::harness::{f, i, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn rate_per_unit_and_non_negative() {
        let mut h = Harness::new(
            false,
            NodeKind::Derivative,
            vec![s("v")],
            vec![
                ("unit", vec![Arg::Duration(secs(10))]),
                ("nonNegative", vec![]),
                ("as", vec![s("rate")]),
            ],
        );
        for (t, v) in [(0, 0), (5, 10), (10, 5), (20, 25)] {
            h.point(point("m", &[], &[("v", i(v))], secs(t)));
        }
        let out = h.take_points();
        let rates: Vec<_> = out
            .iter()
            .map(|p| (p.time / secs(1), p.field("rate").cloned()))
            .collect();
        // 0→10 over 5s = 20/10s; 10→5 negative, dropped; 5→25 over 10s = 20/10s.
        assert_eq!(rates, vec![(5, Some(f(20.0))), (20, Some(f(20.0)))]);
        assert_eq!(out[0].field("v"), Some(&i(10)));
    }

    #[test]
    fn zero_elapsed_and_missing_are_errors() {
        let mut h = Harness::new(false, NodeKind::Derivative, vec![s("v")], vec![]);
        h.point(point("m", &[], &[("v", f(1.0))], secs(1)));
        h.point(point("m", &[], &[("v", f(2.0))], secs(1)));
        h.point(point("m", &[], &[("w", f(2.0))], secs(2)));
        h.point(point("m", &[], &[("v", f(4.0))], secs(3)));
        let out = h.take_points();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].field("v"), Some(&f(1.0)));
        assert_eq!(h.stats.errors, 2);
    }
}
