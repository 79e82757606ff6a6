//! `flatten()` (reference §4.2): `on(dims…)`, `delimiter` (`.`),
//! `tolerance(d)`, `dropOriginalFieldName([b])`. Within a group, the points
//! sharing a (rounded) time are merged into one point whose field names are
//! the `on` tag values joined by the delimiter, then the delimiter and the
//! original field name (omitted with dropOriginalFieldName). Tags = the
//! group tags. A point missing an `on` tag is skipped (error). On a stream
//! the merged point is emitted when a point of another time arrives (the
//! newest time waits); in a batch, runs of equal rounded times become the
//! points of the output batch.

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_tags;
use crate::message::{BatchPoint, Fields, Message, Point, Str, Tags};
use crate::node::group_map::GroupMap;
use crate::time::{go_round, unroundable};
use compiler::ir;
use std::sync::Arc;

pub struct Flatten {
    on: Vec<Str>,
    delimiter: String,
    tolerance: i64,
    drop_original: bool,
    /// Stream: per group, the pending points of the current rounded time.
    pending: GroupMap<(i64, Vec<Arc<Point>>)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(Flatten {
        on: node.strings("on").into_iter().map(Str::from).collect(),
        delimiter: node.string("delimiter").unwrap_or(".").to_string(),
        tolerance: node.duration("tolerance").unwrap_or(0),
        drop_original: node.flag("dropOriginalFieldName"),
        pending: GroupMap::new(),
    }))
}

impl Flatten {
    fn flatten<'a>(
        &self,
        points: impl Iterator<Item = (&'a Tags, &'a Fields)>,
        cx: &mut NodeCx<'_>,
    ) -> Fields {
        let mut out: Fields = Vec::new();
        let mut prefix = String::new();
        'points: for (tags, fields) in points {
            prefix.clear();
            for (i, tag) in self.on.iter().enumerate() {
                match crate::point::lookup(tags, tag) {
                    Some(v) => {
                        if i > 0 {
                            prefix.push_str(&self.delimiter);
                        }
                        prefix.push_str(v);
                    }
                    None => {
                        cx.error(format!("point missing tag for flatten operation: tag {tag} is missing from point"));
                        continue 'points;
                    }
                }
            }
            let l = prefix.len();
            for (name, value) in fields {
                if !self.drop_original {
                    if l > 0 {
                        prefix.push_str(&self.delimiter);
                    }
                    prefix.push_str(name);
                }
                set(&mut out, &Str::from(prefix.as_str()), value.clone());
                prefix.truncate(l);
            }
        }
        out
    }

    fn emit_stream(&self, time: i64, points: &[Arc<Point>], cx: &mut NodeCx<'_>) {
        let Some(first) = points.first() else {
            return;
        };
        let fields = self.flatten(points.iter().map(|p| (&p.tags, &p.fields)), cx);
        if fields.is_empty() {
            // Every point of the set was skipped: nothing to emit.
            return;
        }
        cx.emit(Message::Point(Arc::new(Point {
            name: first.name.clone(),
            database: Str::from(""),
            retention_policy: Str::from(""),
            tags: group_tags(&first.tags, &first.group.dims),
            fields,
            time,
            group: first.group.clone(),
        })));
    }
}

impl NodeImpl for Flatten {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.pending)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.pending = crate::snapshot::decode(data)?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        // Rounding to the tolerance must stay in the time range.
        let overflow = match &msg {
            Message::Point(p) => unroundable([p.time], self.tolerance),
            Message::Batch(b) => unroundable(b.points.iter().map(|p| p.time), self.tolerance),
            _ => None,
        };
        if let Some(e) = overflow {
            cx.error(format_args!("cannot flatten: {e}"));
            return Ok(());
        }
        match msg {
            Message::Point(p) => {
                let t = go_round(p.time, self.tolerance);
                let entry = self
                    .pending
                    .get_or_insert_with(&p.group.id, || (t, Vec::new()));
                if entry.0 != t && !entry.1.is_empty() {
                    let (old_t, old) = std::mem::replace(entry, (t, Vec::new()));
                    self.emit_stream(old_t, &old, cx);
                    let entry = self.pending.get_mut(&p.group.id).expect("present");
                    entry.1.push(p);
                } else {
                    entry.0 = t;
                    entry.1.push(p);
                }
                self.pending.report(cx);
            }
            Message::Batch(mut b) => {
                let mut out: Vec<BatchPoint> = Vec::new();
                let mut start = 0;
                let pts = &b.points;
                while start < pts.len() {
                    let t = go_round(pts[start].time, self.tolerance);
                    let mut end = start + 1;
                    while end < pts.len() && go_round(pts[end].time, self.tolerance) == t {
                        end += 1;
                    }
                    let fields =
                        self.flatten(pts[start..end].iter().map(|p| (&p.tags, &p.fields)), cx);
                    if fields.is_empty() {
                        start = end;
                        continue;
                    }
                    out.push(BatchPoint {
                        tags: b.tags.clone(),
                        fields,
                        time: t,
                    });
                    start = end;
                }
                Arc::make_mut(&mut b).points = out;
                cx.emit(Message::Batch(b));
            }
            Message::DeleteGroup(g) => self.pending.delete_group(g, cx),
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::Str;
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;

    #[test]
    fn merges_equal_times_by_tag_values() {
        let mut h = Harness::new(
            false,
            NodeKind::Flatten,
            vec![],
            vec![("on", vec![s("host"), s("cpu")])],
        );
        h.point(point(
            "m",
            &[("host", "a"), ("cpu", "0")],
            &[("v", f(1.0))],
            secs(1),
        ));
        h.point(point(
            "m",
            &[("host", "b"), ("cpu", "1")],
            &[("v", f(2.0))],
            secs(1),
        ));
        h.point(point("m", &[("host", "b")], &[("v", f(3.0))], secs(1)));
        h.point(point(
            "m",
            &[("host", "a"), ("cpu", "0")],
            &[("v", f(4.0))],
            secs(2),
        ));
        // The point missing `cpu` is reported when its time is flushed.
        assert_eq!(h.stats.errors, 1);
        let out = h.take_points();
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].fields,
            vec![(Str::from("a.0.v"), f(1.0)), (Str::from("b.1.v"), f(2.0))]
        );
        assert!(out[0].tags.is_empty());
    }

    #[test]
    fn a_time_that_cannot_be_rounded_to_the_tolerance_is_a_logged_error() {
        use compiler::ir::Arg;
        let mut h = Harness::new(
            false,
            NodeKind::Flatten,
            vec![],
            vec![
                ("on", vec![s("host")]),
                ("tolerance", vec![Arg::Duration(secs(1))]),
            ],
        );
        // i64::MAX is .854775807s past a whole second: rounding goes past the end.
        h.point(point("m", &[("host", "a")], &[("v", f(1.0))], i64::MAX));
        h.finish();
        assert!(h.take_points().is_empty());
        assert_eq!(h.stats.errors, 1);
        assert!(h.sink.diagnostics[0].contains("cannot flatten: time out of range"));
    }
}
