//! `shift(d)` (reference §4.2): adds `d` (may be negative) to every point
//! time, and to a batch's time and each of its points' times.
//!
//! A shifted time that leaves the i64 nanosecond range is a logged node
//! error and the point (or the whole batch) is dropped: Go would carry it in
//! a wider `time.Time` and wrap only when converting back to nanoseconds, so
//! there is no meaningful value to emit.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use crate::time::checked_add;
use compiler::ir::{self, Arg};
use std::sync::Arc;

pub struct Shift {
    by: i64,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let by = node
        .args
        .first()
        .and_then(Arg::as_duration)
        .ok_or_else(|| BuildError::new(node, "shift needs a duration argument"))?;
    Ok(Box::new(Shift { by }))
}

impl NodeImpl for Shift {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        let msg = match msg {
            Message::Point(mut p) => match checked_add(p.time, self.by) {
                Ok(t) => {
                    Arc::make_mut(&mut p).time = t;
                    Message::Point(p)
                }
                Err(e) => {
                    cx.error(format_args!("cannot shift point: {e}"));
                    return Ok(());
                }
            },
            Message::Batch(mut b) => {
                // Check every time before touching the batch: all or nothing.
                let overflow = std::iter::once(b.tmax)
                    .chain(b.points.iter().map(|p| p.time))
                    .find_map(|t| checked_add(t, self.by).err());
                if let Some(e) = overflow {
                    cx.error(format_args!("cannot shift batch: {e}"));
                    return Ok(());
                }
                let bm = Arc::make_mut(&mut b);
                bm.tmax += self.by;
                for p in &mut bm.points {
                    p.time += self.by;
                }
                Message::Batch(b)
            }
            other => other,
        };
        cx.emit(msg);
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
    fn shifts_both_ways() {
        let mut h = Harness::new(
            false,
            NodeKind::Shift,
            vec![Arg::Duration(-secs(5))],
            vec![],
        );
        h.point(point("m", &[], &[("v", f(1.0))], secs(10)));
        assert_eq!(h.take_points()[0].time, secs(5));
    }

    #[test]
    fn a_shift_past_either_end_of_time_is_an_error_not_a_wrap() {
        // 290 weeks back from 100ns after i64::MIN: 290w = 175,392,000 s, far
        // more than the 100ns of room, so the result would be below i64::MIN
        // (a wrap would land in the year 2262).
        let week = 7 * 86_400 * secs(1);
        let mut h = Harness::new(
            false,
            NodeKind::Shift,
            vec![Arg::Duration(-290 * week)],
            vec![],
        );
        h.point(point("m", &[], &[("v", f(1.0))], i64::MIN + 100));
        assert!(h.take_points().is_empty());
        assert_eq!(h.stats.errors, 1);
        let msg = &h.sink.diagnostics[0];
        assert!(
            msg.contains("cannot shift point: time out of range"),
            "{msg}"
        );
        // Forward past i64::MAX, by 1ns.
        let mut h = Harness::new(false, NodeKind::Shift, vec![Arg::Duration(1)], vec![]);
        h.point(point("m", &[], &[("v", f(1.0))], i64::MAX));
        assert!(h.take_points().is_empty());
        assert_eq!(h.stats.errors, 1);
        // Exactly to the end is fine.
        h.point(point("m", &[], &[("v", f(1.0))], i64::MAX - 1));
        assert_eq!(h.take_points()[0].time, i64::MAX);
    }

    #[test]
    fn a_batch_with_one_time_out_of_range_is_dropped_whole() {
        use crate::group::nil_group;
        use crate::message::{Batch, BatchPoint, Message};
        use std::sync::Arc;
        let mut h = Harness::new(true, NodeKind::Shift, vec![Arg::Duration(-secs(1))], vec![]);
        let bp = |t| BatchPoint {
            tags: vec![],
            fields: vec![("v".into(), f(1.0))],
            time: t,
        };
        h.send(
            0,
            Message::Batch(Arc::new(Batch {
                name: "m".into(),
                group: nil_group(),
                tags: vec![],
                by_name: false,
                tmax: secs(5),
                points: vec![bp(secs(5)), bp(i64::MIN + 10)],
            })),
        );
        assert!(h.take().is_empty());
        assert_eq!(h.stats.errors, 1);
        assert!(h.sink.diagnostics[0].contains("cannot shift batch"));
    }
}
