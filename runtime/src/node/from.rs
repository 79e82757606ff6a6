//! `from()` (reference §4.1): selects stream points by db/rp/measurement,
//! filters with `where`, truncates then rounds the time, and sets the grouping
//! (`from` always resets it).

use super::lambda::compile;
use super::lambda::SavedFuncs;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::GroupIdCache;
use crate::message::{Dimensions, Message, Str};
use crate::time::{checked_round, checked_truncate};
use compiler::ir::{self, Arg};
use std::sync::Arc;
use vm::{CompiledLambda, LambdaState};

pub struct From {
    wheres: Vec<(CompiledLambda, LambdaState)>,
    database: Option<Str>,
    retention_policy: Option<Str>,
    measurement: Option<Str>,
    truncate: i64,
    round: i64,
    /// `groupBy(*)`.
    star: bool,
    dims: Arc<Dimensions>,
    /// Cache for `groupBy(*)`: the dimensions of the last tag-key set seen, so
    /// points of one series share one `Arc<Dimensions>` and allocate nothing.
    star_cache: Option<Arc<Dimensions>>,
    ids: GroupIdCache,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    // Repeated where calls are ANDed (evaluated in order, stopping at the
    // first false, as Go's AND short-circuits). One state shared by all
    // groups (§5.5).
    let mut wheres = Vec::new();
    for p in node.props_named("where") {
        let l = p
            .args
            .first()
            .and_then(|a| a.as_lambda())
            .ok_or_else(|| BuildError::new(node, "where needs a lambda"))?;
        let c = compile(node, l)?;
        let st = c.new_state();
        wheres.push((c, st));
    }
    let nonempty = |name: &str| node.string(name).filter(|s| !s.is_empty()).map(Str::from);
    let mut star = false;
    let mut tag_names: Vec<Str> = Vec::new();
    if let Some(p) = node.prop("groupBy") {
        for a in &p.args {
            match a {
                Arg::Star => star = true,
                Arg::String(s) => tag_names.push(Str::from(s.as_str())),
                other => {
                    return Err(BuildError::new(
                        node,
                        format!("invalid groupBy dimension {other:?}"),
                    ))
                }
            }
        }
    }
    tag_names.sort();
    tag_names.dedup();
    let by_name = node.flag("groupByMeasurement");
    Ok(Box::new(From {
        wheres,
        database: nonempty("database"),
        retention_policy: nonempty("retentionPolicy"),
        measurement: nonempty("measurement"),
        truncate: node.duration("truncate").unwrap_or(0),
        round: node.duration("round").unwrap_or(0),
        star,
        dims: Arc::new(Dimensions { by_name, tag_names }),
        star_cache: None,
        ids: GroupIdCache::default(),
    }))
}

impl From {
    fn matches(&self, p: &crate::message::Point) -> bool {
        fn ok(want: &Option<Str>, got: &Str) -> bool {
            want.as_ref().is_none_or(|w| **w == **got)
        }
        ok(&self.database, &p.database)
            && ok(&self.retention_policy, &p.retention_policy)
            && ok(&self.measurement, &p.name)
    }

    fn star_dims(&mut self, tags: &[(Str, Str)]) -> Arc<Dimensions> {
        if let Some(d) = &self.star_cache {
            let same = d.tag_names.len() == tags.len()
                && d.tag_names.iter().zip(tags).all(|(a, (b, _))| a == b);
            if same {
                return d.clone();
            }
        }
        let d = Arc::new(Dimensions {
            by_name: self.dims.by_name,
            tag_names: tags.iter().map(|(k, _)| k.clone()).collect(),
        });
        self.star_cache = Some(d.clone());
        d
    }
}

impl NodeImpl for From {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        if !self.wheres.iter().any(|(l, _)| l.is_stateful()) {
            return Ok(None);
        }
        let saved: Vec<(SavedFuncs, SavedFuncs)> = self
            .wheres
            .iter()
            .map(|(l, s)| (l.saved_shared(), s.saved()))
            .collect();
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let saved: Vec<(SavedFuncs, SavedFuncs)> = crate::snapshot::decode(data)?;
        if saved.len() != self.wheres.len() {
            return Err(crate::snapshot::SnapshotError::Shape(format!(
                "{} where lambdas saved, the node has {}",
                saved.len(),
                self.wheres.len()
            ))
            .into());
        }
        for ((l, s), (shared, own)) in self.wheres.iter_mut().zip(saved) {
            l.load_shared(shared)
                .map_err(crate::snapshot::SnapshotError::from)?;
            *s = l
                .restored_state(own)
                .map_err(crate::snapshot::SnapshotError::from)?;
        }
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        let Message::Point(mut p) = msg else {
            // Barriers and deletes are not regrouped by from; pass them on.
            cx.emit(msg);
            return Ok(());
        };
        if !self.matches(&p) {
            return Ok(());
        }
        for (l, st) in &mut self.wheres {
            match l.eval_bool(&p.scope(), st) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => {
                    cx.error(format!("error while evaluating WHERE expression: {e}"));
                    return Ok(());
                }
            }
        }
        let dims = if self.star {
            self.star_dims(&p.tags)
        } else {
            self.dims.clone()
        };
        // Truncate, then round; a result outside the i64 nanosecond range
        // (a time within one unit of either end) is an error, not a wrap.
        let time = match checked_truncate(p.time, self.truncate)
            .and_then(|t| checked_round(t, self.round))
        {
            Ok(t) => t,
            Err(e) => {
                cx.error(format_args!("cannot truncate/round point time: {e}"));
                return Ok(());
            }
        };
        let same_group = p.group.dims == dims && time == p.time;
        if !same_group {
            let pm = Arc::make_mut(&mut p);
            pm.time = time;
            pm.group = self.ids.group(&pm.name, &pm.tags, &dims);
        }
        cx.emit(Message::Point(p));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::node::harness::{f, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn truncate_or_round_out_of_range_is_a_logged_error() {
        let mut h = Harness::new(
            false,
            NodeKind::From,
            vec![],
            vec![("truncate", vec![Arg::Duration(secs(10))])],
        );
        // 10s-truncation of i64::MIN + 1 lies below i64::MIN (a wrap would
        // put the point in the year 2262).
        h.point(point("m", &[], &[("v", f(0.0))], i64::MIN + 1));
        assert!(h.take_points().is_empty());
        assert_eq!(h.stats.errors, 1);
        assert!(h.sink.diagnostics[0].contains("time out of range"));
        h.point(point("m", &[], &[("v", f(0.0))], secs(15)));
        assert_eq!(h.take_points()[0].time, secs(10));

        let mut h = Harness::new(
            false,
            NodeKind::From,
            vec![],
            vec![("round", vec![Arg::Duration(secs(1))])],
        );
        // i64::MAX is .854775807s past a whole second: rounds up, past the end.
        h.point(point("m", &[], &[("v", f(0.0))], i64::MAX));
        assert!(h.take_points().is_empty());
        assert_eq!(h.stats.errors, 1);
    }
}
