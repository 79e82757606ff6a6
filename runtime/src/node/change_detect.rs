//! `changeDetect(fields…)` (reference §4.2): emits a point when any listed
//! field differs from the last *emitted* point of its group (Go `!=` on
//! interface values, so int 1 ≠ float 1). The first point carrying a listed
//! field is emitted. A missing field is an error (logged) and that field is
//! skipped. For a batch the state resets at each batch. With no fields (valid,
//! as in Kapacitor) nothing ever differs, so nothing is emitted.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Fields, Message, Str};
use crate::node::group_map::GroupMap;
use compiler::ir::{self, Arg};
use std::sync::Arc;

pub struct ChangeDetect {
    fields: Vec<Str>,
    /// Per group: the listed fields' values of the last emitted point.
    last: GroupMap<Vec<Option<FieldValue>>>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let fields: Vec<Str> = node
        .args
        .iter()
        .filter_map(Arg::as_str)
        .map(Str::from)
        .collect();
    Ok(Box::new(ChangeDetect {
        fields,
        last: GroupMap::new(),
    }))
}

/// Go interface equality: same dynamic type and equal value.
fn same(a: &FieldValue, b: &FieldValue) -> bool {
    match (a, b) {
        (FieldValue::Float(x), FieldValue::Float(y)) => x == y,
        (FieldValue::Int(x), FieldValue::Int(y)) => x == y,
        (FieldValue::String(x), FieldValue::String(y)) => x == y,
        (FieldValue::Bool(x), FieldValue::Bool(y)) => x == y,
        (FieldValue::Null, FieldValue::Null) => true,
        _ => false,
    }
}

impl ChangeDetect {
    /// Whether the point is emitted; when it is, its values of the listed
    /// fields become the reference. As in Kapacitor, fields are checked in
    /// order and the first difference decides (later fields are not looked
    /// at); a missing field is reported and skipped; before any emission
    /// every previous value counts as absent, so the first point carrying a
    /// listed field is emitted.
    fn check(
        &self,
        last: &mut Option<Vec<Option<FieldValue>>>,
        fields: &Fields,
        cx: &mut NodeCx<'_>,
    ) -> bool {
        let mut changed = false;
        for (k, name) in self.fields.iter().enumerate() {
            let Some(v) = crate::point::lookup(fields, name) else {
                cx.error(format!(
                    "Invalid field in change detect: expected field {name} not found"
                ));
                continue;
            };
            let prev = last.as_ref().and_then(|l| l[k].as_ref());
            if !prev.is_some_and(|p| same(p, v)) {
                changed = true;
                break;
            }
        }
        if changed {
            *last = Some(
                self.fields
                    .iter()
                    .map(|name| crate::point::lookup(fields, name).cloned())
                    .collect(),
            );
        }
        changed
    }
}

impl NodeImpl for ChangeDetect {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.last)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.last = crate::snapshot::decode(data)?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(p) => {
                let mut last = self.last.remove(&p.group.id);
                let emit = self.check(&mut last, &p.fields, cx);
                if let Some(l) = last {
                    self.last.insert(p.group.id.clone(), l);
                }
                self.last.report(cx);
                if emit {
                    cx.emit(Message::Point(p));
                }
            }
            Message::Batch(mut b) => {
                let mut last = None;
                let keep: Vec<bool> = b
                    .points
                    .iter()
                    .map(|p| self.check(&mut last, &p.fields, cx))
                    .collect();
                let mut k = keep.iter();
                Arc::make_mut(&mut b)
                    .points
                    .retain(|_| *k.next().unwrap_or(&false));
                cx.emit(Message::Batch(b));
            }
            Message::DeleteGroup(g) => self.last.delete_group(g, cx),
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

    #[test]
    fn emits_on_change_only_and_int_differs_from_float() {
        let mut h = Harness::new(false, NodeKind::ChangeDetect, vec![s("v")], vec![]);
        for (t, v) in [(1, i(1)), (2, i(1)), (3, f(1.0)), (4, f(1.0)), (5, i(2))] {
            h.point(point("m", &[], &[("v", v)], secs(t)));
        }
        let times: Vec<_> = h.take_points().iter().map(|p| p.time / secs(1)).collect();
        assert_eq!(times, vec![1, 3, 5]);
        h.point(point("m", &[], &[("w", i(2))], secs(6)));
        assert_eq!(h.stats.errors, 1);
        assert!(h.take().is_empty());
    }
}
