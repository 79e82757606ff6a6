//! `groupBy(dims…)` (reference §4.1).
//!
//! Stream: sets the point's dimensions (named tags sorted, or `*` = all of
//! the point's tag keys minus `exclude`); the point keeps all its tags and
//! byName is OR-ed with the incoming one (sticky). Batch: regroups the points
//! of each batch by their own tags; each new batch carries the dimension tags
//! only, its points sorted by time. Regrouped batches are **held until a batch
//! with a different time, or a barrier, arrives** (one batch of delay, as
//! Kapacitor); like Kapacitor, nothing is flushed when the input ends.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::{group_of, group_tags, GroupIdCache};
use crate::message::{Batch, BatchPoint, Dimensions, Group, Message, Point, Str, Tags};
use compiler::ir::{self, Arg};
use std::collections::HashMap;
use std::sync::Arc;

pub struct GroupBy {
    star: bool,
    exclude: Vec<Str>,
    tag_names: Vec<Str>,
    by_measurement: bool,
    /// Dimensions cache: (incoming byName, tag names) -> shared Arc, so a
    /// series' points share one `Arc<Dimensions>`.
    dims_cache: Option<Arc<Dimensions>>,
    /// Batch mode: the time of the batches being accumulated and the groups.
    last_time: Option<i64>,
    pending: HashMap<Str, Batch>,
    ids: GroupIdCache,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let mut star = false;
    let mut tag_names = Vec::new();
    for a in &node.args {
        match a {
            Arg::Star => star = true,
            Arg::String(s) if s.is_empty() => {
                return Err(BuildError::new(
                    node,
                    "dimensions cannot be the empty string",
                ))
            }
            Arg::String(s) => tag_names.push(Str::from(s.as_str())),
            other => {
                return Err(BuildError::new(
                    node,
                    format!("invalid dimension {other:?}"),
                ))
            }
        }
    }
    if star && !tag_names.is_empty() {
        return Err(BuildError::new(
            node,
            "cannot group by both '*' and named dimensions.",
        ));
    }
    let exclude: Vec<Str> = node
        .props_named("exclude")
        .flat_map(|p| p.args.iter().filter_map(Arg::as_str))
        .map(Str::from)
        .collect();
    if !exclude.is_empty() && !star {
        return Err(BuildError::new(node, "exclude requires '*'"));
    }
    tag_names.sort();
    tag_names.dedup();
    Ok(Box::new(GroupBy {
        star,
        exclude,
        tag_names,
        by_measurement: node.flag("byMeasurement"),
        dims_cache: None,
        last_time: None,
        pending: HashMap::new(),
        ids: GroupIdCache::default(),
    }))
}

impl GroupBy {
    /// The dimensions for a point with `tags` whose incoming byName is `by_name`.
    fn dims(&mut self, tags: &[(Str, Str)], by_name: bool) -> Arc<Dimensions> {
        let by_name = by_name || self.by_measurement;
        if let Some(d) = &self.dims_cache {
            let same = d.by_name == by_name
                && (!self.star || {
                    let mut names = tags
                        .iter()
                        .map(|(k, _)| k)
                        .filter(|k| !self.exclude.contains(k));
                    d.tag_names.iter().all(|n| names.next() == Some(n)) && names.next().is_none()
                });
            if same {
                return d.clone();
            }
        }
        let tag_names = if self.star {
            tags.iter()
                .map(|(k, _)| k.clone())
                .filter(|k| !self.exclude.contains(k))
                .collect()
        } else {
            self.tag_names.clone()
        };
        let d = Arc::new(Dimensions { by_name, tag_names });
        self.dims_cache = Some(d.clone());
        d
    }

    fn point(&mut self, mut p: Arc<Point>, cx: &mut NodeCx<'_>) {
        let dims = self.dims(&p.tags, p.group.dims.by_name);
        if p.group.dims != dims {
            let pm = Arc::make_mut(&mut p);
            pm.group = self.ids.group(&pm.name, &pm.tags, &dims);
        }
        cx.emit(Message::Point(p));
    }

    fn flush(&mut self, cx: &mut NodeCx<'_>) {
        if self.pending.is_empty() {
            return;
        }
        let mut groups: Vec<Batch> = self.pending.drain().map(|(_, b)| b).collect();
        groups.sort_by(|a, b| a.group.id.cmp(&b.group.id));
        for mut b in groups {
            b.points.sort_by_key(|p| p.time);
            cx.emit(Message::Batch(Arc::new(b)));
        }
    }

    fn batch(&mut self, b: Arc<Batch>, cx: &mut NodeCx<'_>) {
        if self.last_time != Some(b.tmax) {
            self.flush(cx);
            self.last_time = Some(b.tmax);
        }
        let by_name = b.by_name;
        for p in &b.points {
            let dims = self.dims(&p.tags, by_name);
            let group: Group = group_of(&b.name, &p.tags, &dims);
            let entry = self.pending.entry(group.id.clone()).or_insert_with(|| {
                let tags: Tags = group_tags(&p.tags, &dims);
                Batch {
                    name: b.name.clone(),
                    group,
                    tags,
                    by_name: dims.by_name,
                    tmax: b.tmax,
                    points: Vec::new(),
                }
            });
            entry.points.push(BatchPoint {
                tags: p.tags.clone(),
                fields: p.fields.clone(),
                time: p.time,
            });
        }
        cx.stats.working_cardinality = self.pending.len() as i64;
    }
}

impl NodeImpl for GroupBy {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&(
            self.last_time,
            &self.pending,
        ))?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        (self.last_time, self.pending) = crate::snapshot::decode(data)?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(p) => self.point(p, cx),
            Message::Batch(b) => self.batch(b, cx),
            Message::Barrier(b) => {
                self.flush(cx);
                cx.emit(Message::Barrier(b));
            }
            Message::DeleteGroup(g) => cx.emit(Message::DeleteGroup(g)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::nil_group;
    use crate::message::{Barrier, FieldValue};
    use crate::node::harness::{s, Harness};
    use compiler::catalog::NodeKind;

    fn batch(tmax: i64, hosts: &[&str]) -> Message {
        Message::Batch(Arc::new(Batch {
            name: "cpu".into(),
            group: nil_group(),
            tags: vec![],
            by_name: false,
            tmax,
            points: hosts
                .iter()
                .enumerate()
                .map(|(i, h)| BatchPoint {
                    tags: vec![("host".into(), Str::from(*h))],
                    fields: vec![("v".into(), FieldValue::Float(i as f64))],
                    time: tmax - i as i64,
                })
                .collect(),
        }))
    }

    #[test]
    fn batches_of_one_time_accumulate_until_a_barrier() {
        let mut h = Harness::new(true, NodeKind::GroupBy, vec![s("host")], vec![]);
        h.send(0, batch(100, &["a", "b"]));
        h.send(0, batch(100, &["a"]));
        assert!(h.take().is_empty(), "held until the time changes");
        h.send(
            0,
            Message::Barrier(Barrier {
                group: nil_group(),
                time: 100,
            }),
        );
        let out = h.take();
        let ids: Vec<String> = out
            .iter()
            .map(|m| match m {
                Message::Batch(b) => {
                    format!(
                        "{}:{}:{:?}",
                        b.group.id,
                        b.points.len(),
                        b.points.iter().map(|p| p.time).collect::<Vec<_>>()
                    )
                }
                Message::Barrier(_) => "barrier".into(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, ["host=a:2:[100, 100]", "host=b:1:[99]", "barrier"]);
    }

    #[test]
    fn star_with_named_dimensions_is_rejected() {
        let err = Harness::try_new(false, NodeKind::GroupBy, vec![Arg::Star, s("host")], vec![])
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "cannot group by both '*' and named dimensions."
        );
        let err = Harness::try_new(
            false,
            NodeKind::GroupBy,
            vec![s("host")],
            vec![("exclude", vec![s("x")])],
        )
        .err()
        .unwrap();
        assert_eq!(err.message, "exclude requires '*'");
    }
}
