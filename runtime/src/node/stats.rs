//! `stats(interval)` (reference §4.2): a new root reporting on its source
//! node. Every `interval` it emits one point per group of the source: name
//! `stats`, int field `emitted` (cumulative count of the group's messages on
//! the source's first out-edge; points, also on batch edges), the group's
//! tags and dimensions.
//!
//! Offline and in replays the interval is measured in **data time** (the
//! executor's `tick(now)`), not wall-clock time: the first tick is one
//! interval after the first data (aligned: the next multiple of the
//! interval), a point at time T is counted after the ticks up to T, and a gap
//! in the data produces every tick it spans (at most `MAX_CATCH_UP`, then the
//! ticker jumps ahead). The emitted time is the tick time (aligned ticks fall
//! on multiples of the interval, Go truncation). Groups come out in group-ID
//! order.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Message, Point, Str};
use crate::time::truncate_wide;
use compiler::ir::{self, Arg};
use std::sync::Arc;

/// Ticks emitted for one jump of the data time, at most.
const MAX_CATCH_UP: i64 = 1000;

pub struct Stats {
    interval: i64,
    align: bool,
    /// The next tick, in i128: near the end of time it may lie beyond
    /// i64::MAX, where data time can never reach it (no wrap, no panic).
    next: Option<i128>,
    name: Str,
    emitted: Str,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let interval = match node.args.first() {
        Some(Arg::Duration(d)) => *d,
        _ => return Err(BuildError::new(node, "stats needs an interval duration")),
    };
    if interval <= 0 {
        return Err(BuildError::new(node, "stats interval must be > 0"));
    }
    if node.source.is_none() {
        return Err(BuildError::new(node, "stats node has no source node"));
    }
    Ok(Box::new(Stats {
        interval,
        align: node.flag("align"),
        next: None,
        name: Str::from("stats"),
        emitted: Str::from("emitted"),
    }))
}

impl Stats {
    fn emit_at(&self, t: i64, cx: &mut NodeCx<'_>) {
        let Some(counts) = cx.source_counts else {
            return;
        };
        let points: Vec<Point> = counts
            .sorted()
            .into_iter()
            .map(|g| Point {
                name: self.name.clone(),
                database: Str::from(""),
                retention_policy: Str::from(""),
                tags: g.tags.clone(),
                fields: vec![(self.emitted.clone(), FieldValue::Int(g.emitted))],
                time: t,
                group: g.group.clone(),
            })
            .collect();
        cx.stats.working_cardinality = points.len() as i64;
        for p in points {
            cx.emit(Message::Point(Arc::new(p)));
        }
    }
}

impl NodeImpl for Stats {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.next)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.next = crate::snapshot::decode(data)?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        _msg: Message,
        _cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        // A root: nothing is delivered to it.
        Ok(())
    }

    fn wants_ticks(&self) -> bool {
        true
    }

    fn tick(&mut self, now: i64, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        let interval = self.interval as i128;
        let next = *self.next.get_or_insert_with(|| {
            if self.align {
                // Go's truncation in i128: exact even within an interval of i64::MIN.
                truncate_wide(now, self.interval) + interval
            } else {
                now as i128 + interval
            }
        });
        let now_w = now as i128;
        if now_w < next {
            return Ok(());
        }
        let due = (now_w - next) / interval + 1;
        let mut t = next;
        if due > MAX_CATCH_UP as i128 {
            t = next + (due - MAX_CATCH_UP as i128) * interval;
        }
        while t <= now_w {
            // t ≤ now: in range.
            self.emit_at(t as i64, cx);
            t += interval;
        }
        self.next = Some(t);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::node::harness::Harness;
    use crate::testing::secs;
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn ticks_at_the_ends_of_time_neither_wrap_nor_panic() {
        // now + interval lies past i64::MAX: the first tick can never come.
        // (The i64 arithmetic this replaces panicked here in debug builds and
        // wrapped in release, making a tick due at once.)
        let mut h = Harness::new(
            false,
            NodeKind::Stats,
            vec![Arg::Duration(secs(10))],
            vec![],
        );
        h.tick(i64::MAX - secs(1));
        h.tick(i64::MAX);
        assert_eq!(h.stats.errors, 0);
        // Aligned: truncating a time just above i64::MIN to 10s goes below it.
        let mut h = Harness::new(
            false,
            NodeKind::Stats,
            vec![Arg::Duration(secs(10))],
            vec![("align", vec![])],
        );
        h.tick(i64::MIN + 1);
        h.tick(i64::MIN + secs(30));
        assert_eq!(h.stats.errors, 0);
    }
}
