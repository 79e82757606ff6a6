//! `sample(n | d)` (reference §4.2): with a count n, keep the 1st, (n+1)th,
//! ... point of each group; with a duration d, keep points whose time is an
//! exact multiple of d (Go `Truncate`, so weeks fall on Mondays). For batches
//! this applies to the points **inside** each batch (the count restarts per
//! batch).

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use crate::node::group_map::GroupMap;
use crate::time::checked_truncate;
use compiler::ir::{self, Arg};
use std::sync::Arc;

enum Rule {
    Count(i64),
    Every(i64),
}

pub struct Sample {
    rule: Rule,
    counts: GroupMap<i64>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let rule = match node.args.first() {
        Some(Arg::Int(n)) if *n > 0 => Rule::Count(*n),
        Some(Arg::Duration(d)) if *d > 0 => Rule::Every(*d),
        _ => {
            return Err(BuildError::new(
                node,
                "sample needs a positive int count or duration",
            ))
        }
    };
    Ok(Box::new(Sample {
        rule,
        counts: GroupMap::new(),
    }))
}

impl Rule {
    fn keep(&self, count: &mut i64, t: i64) -> bool {
        match *self {
            Rule::Count(n) => {
                let keep = *count % n == 0;
                *count += 1;
                keep
            }
            // A time that cannot be truncated (within d of i64::MIN) is not
            // on the grid, so it is not kept.
            Rule::Every(d) => checked_truncate(t, d) == Ok(t),
        }
    }
}

impl NodeImpl for Sample {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.counts)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.counts = crate::snapshot::decode(data)?;
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
                let count = self.counts.get_or_insert_with(&p.group.id, || 0);
                let keep = self.rule.keep(count, p.time);
                self.counts.report(cx);
                if keep {
                    cx.emit(Message::Point(p));
                }
            }
            Message::Batch(mut b) => {
                let mut count = 0;
                let bm = Arc::make_mut(&mut b);
                bm.points.retain(|p| self.rule.keep(&mut count, p.time));
                cx.emit(Message::Batch(b));
            }
            Message::DeleteGroup(g) => self.counts.delete_group(g, cx),
            other => cx.emit(other),
        }
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
    fn count_and_duration() {
        let mut h = Harness::new(false, NodeKind::Sample, vec![Arg::Int(2)], vec![]);
        for t in 0..5 {
            h.point(point("m", &[], &[("v", f(0.0))], secs(t)));
        }
        let times: Vec<_> = h.take_points().iter().map(|p| p.time).collect();
        assert_eq!(times, vec![0, secs(2), secs(4)]);
        let mut h = Harness::new(
            false,
            NodeKind::Sample,
            vec![Arg::Duration(secs(10))],
            vec![],
        );
        for t in [5, 10, 15, 20] {
            h.point(point("m", &[], &[("v", f(0.0))], secs(t)));
        }
        let times: Vec<_> = h.take_points().iter().map(|p| p.time).collect();
        assert_eq!(times, vec![secs(10), secs(20)]);
    }

    #[test]
    fn every_near_the_start_of_time_does_not_wrap() {
        // i64::MIN is not on the 10s grid (since year 1) and truncating it
        // leaves the range; a wrapped truncation could compare equal to
        // nothing or, worse, panic in debug. It is simply not kept.
        let mut h = Harness::new(
            false,
            NodeKind::Sample,
            vec![Arg::Duration(secs(10))],
            vec![],
        );
        h.point(point("m", &[], &[("v", f(0.0))], i64::MIN));
        assert!(h.take_points().is_empty());
    }
}
