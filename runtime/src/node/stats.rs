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
use crate::time::go_truncate;
use compiler::ir::{self, Arg};
use std::sync::Arc;

/// Ticks emitted for one jump of the data time, at most.
const MAX_CATCH_UP: i64 = 1000;

pub struct Stats {
    interval: i64,
    align: bool,
    next: Option<i64>,
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
        let next = *self.next.get_or_insert_with(|| {
            if self.align {
                go_truncate(now, self.interval) + self.interval
            } else {
                now + self.interval
            }
        });
        if now < next {
            return Ok(());
        }
        let due = (now - next) / self.interval + 1;
        let mut t = next;
        if due > MAX_CATCH_UP {
            t = next + (due - MAX_CATCH_UP) * self.interval;
        }
        while t <= now {
            self.emit_at(t, cx);
            t += self.interval;
        }
        self.next = Some(t);
        Ok(())
    }
}
