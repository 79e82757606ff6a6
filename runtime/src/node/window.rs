//! `window()` (reference §4.2): stream -> batch, per group.
//!
//! Time windows (every > 0): the first emit time E comes from the group's
//! first point t0 (`t0+every`, or `t0+period` with fillPeriod; aligned: Go
//! truncation to `every`). A point (or barrier) at time >= E drops buffered
//! points older than E-period, emits the buffered window stamped **E**, sets
//! E = t+every (aligned: truncated), and only then is the point buffered. So
//! gaps produce no empty windows, but a window whose points all aged out is
//! still emitted, empty.
//!
//! every = 0 (Kapacitor's `windowByTime` with `every == 0`): the group's
//! first emit time is t0+period with fillPeriod, else t0. Each point is
//! buffered first; when its time t reaches the emit time, the window
//! (t-period, t] is emitted stamped t and the emit time becomes t (so every
//! later point emits). A barrier at time t >= the emit time does the same
//! with the points buffered so far.
//!
//! Count windows keep the last periodCount points and emit when the count of
//! points seen reaches `next` (everyCount, or periodCount with fillPeriod,
//! growing by everyCount), stamped with the last point's time.
//!
//! Time arithmetic on the user's durations is checked: a point whose emit
//! time would leave the timestamp range (year 1677..2262) is reported as a
//! node error and dropped, never wrapped.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_tags;
use crate::message::{Batch, BatchPoint, Group, Message, Point, Str, Tags};
use crate::time::{go_truncate, rfc3339_nano};
use compiler::ir;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

/// A window time that leaves the `i64` nanosecond range: `time` plus the
/// window's `every` or `period` (`what`) of `by` ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOverflow {
    pub time: i64,
    pub what: &'static str,
    pub by: i64,
}

impl fmt::Display for TimeOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = String::new();
        crate::template::gotime::duration_string(self.by, &mut d);
        write!(
            f,
            "{} plus {} {d} is outside the time range (1677 to 2262)",
            rfc3339_nano(self.time),
            self.what
        )
    }
}

fn add(time: i64, what: &'static str, by: i64) -> Result<i64, TimeOverflow> {
    time.checked_add(by).ok_or(TimeOverflow { time, what, by })
}

/// The first emit time of a group whose first point is at `t`.
fn first_emit(
    t: i64,
    period: i64,
    every: i64,
    align: bool,
    fill_period: bool,
) -> Result<i64, TimeOverflow> {
    if every == 0 {
        // Truncating to 0 and adding 0 leave the time as it is, so align
        // has no effect here.
        return if fill_period {
            add(t, "period", period)
        } else {
            Ok(t)
        };
    }
    if fill_period {
        let first = add(t, "period", period)?;
        if align {
            // Truncate(first) is never after first, so Kapacitor always adds
            // one more `every`.
            add(go_truncate(first, every), "every", every)
        } else {
            Ok(first)
        }
    } else {
        let e = add(t, "every", every)?;
        Ok(if align { go_truncate(e, every) } else { e })
    }
}

/// Whether a point at `time` is older than `e - period` (none is when that
/// bound is below the timestamp range).
fn before(time: i64, e: i64, period: i64) -> bool {
    e.checked_sub(period).is_some_and(|oldest| time < oldest)
}

/// Whether a point at `time` is at or before `t - period`.
fn at_or_before(time: i64, t: i64, period: i64) -> bool {
    t.checked_sub(period).is_some_and(|oldest| time <= oldest)
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Time {
        period: i64,
        every: i64,
        align: bool,
        fill_period: bool,
    },
    Count {
        period: usize,
        every: usize,
        fill_period: bool,
    },
}

#[derive(serde::Serialize, serde::Deserialize)]
struct GroupState {
    name: Str,
    group: Group,
    tags: Tags,
    buf: VecDeque<Arc<Point>>,
    /// Time mode: next emit time.
    next_emit: i64,
    /// Count mode: points seen and the count at which to emit next.
    seen: usize,
    next_count: usize,
}

pub struct Window {
    mode: Mode,
    groups: HashMap<Str, GroupState>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let period = node.duration("period").unwrap_or(0);
    let every = node.duration("every").unwrap_or(0);
    let period_count = node.int("periodCount").unwrap_or(0);
    let every_count = node.int("everyCount").unwrap_or(0);
    let align = node.flag("align");
    let fill_period = node.flag("fillPeriod");
    if period != 0 && period_count != 0 {
        return Err(BuildError::new(
            node,
            "can only use one window type: period or periodCount",
        ));
    }
    if period < 0 || every < 0 || period_count < 0 || every_count < 0 {
        return Err(BuildError::new(
            node,
            "window durations and counts must not be negative",
        ));
    }
    let mode = if period_count > 0 {
        if align {
            return Err(BuildError::new(
                node,
                "can only align windows based off time, not count",
            ));
        }
        if every_count <= 0 {
            return Err(BuildError::new(
                node,
                "everyCount must be greater than zero",
            ));
        }
        Mode::Count {
            period: period_count as usize,
            every: every_count as usize,
            fill_period,
        }
    } else if period > 0 {
        if every_count != 0 {
            return Err(BuildError::new(node, "everyCount requires periodCount"));
        }
        Mode::Time {
            period,
            every,
            align,
            fill_period,
        }
    } else {
        return Err(BuildError::new(
            node,
            "window node must have either a non zero period or non zero period count",
        ));
    };
    Ok(Box::new(Window {
        mode,
        groups: HashMap::new(),
    }))
}

fn to_batch_point(p: &Point) -> BatchPoint {
    BatchPoint {
        tags: p.tags.clone(),
        fields: p.fields.clone(),
        time: p.time,
    }
}

/// Take the point's tags and fields when the `Arc` is not shared; clone them otherwise.
fn into_batch_point(p: Arc<Point>) -> BatchPoint {
    match Arc::try_unwrap(p) {
        Ok(p) => BatchPoint {
            tags: p.tags,
            fields: p.fields,
            time: p.time,
        },
        Err(p) => to_batch_point(&p),
    }
}

impl GroupState {
    fn new(p: &Point, next_emit: i64) -> GroupState {
        GroupState {
            name: p.name.clone(),
            group: p.group.clone(),
            tags: group_tags(&p.tags, &p.group.dims),
            buf: VecDeque::new(),
            next_emit,
            seen: 0,
            next_count: 0,
        }
    }

    fn batch(&self, tmax: i64, points: Vec<BatchPoint>) -> Message {
        Message::Batch(Arc::new(Batch {
            name: self.name.clone(),
            group: self.group.clone(),
            tags: self.tags.clone(),
            by_name: self.group.dims.by_name,
            tmax,
            points,
        }))
    }

    /// Time mode: emit the window ending at E if `t >= E` (a point or
    /// barrier). Nothing changes when the next emit time overflows.
    fn advance_time(
        &mut self,
        t: i64,
        period: i64,
        every: i64,
        align: bool,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), TimeOverflow> {
        let e = self.next_emit;
        if t < e {
            return Ok(());
        }
        let mut next = add(t, "every", every)?;
        if align {
            next = go_truncate(next, every);
        }
        while self.buf.front().is_some_and(|p| before(p.time, e, period)) {
            self.buf.pop_front();
        }
        // Buffered points can be out of order; keep only [E-period, E).
        let points = if every >= period {
            // Tumbling or gapped windows: the next window starts at or after
            // E (next E >= t + every with t >= E), so every buffered point
            // older than E is done with. Move them out, reusing a point's
            // tags and fields when this task holds the only reference.
            // Rotate in place so the buffer keeps its capacity.
            let mut points = Vec::with_capacity(self.buf.len());
            for _ in 0..self.buf.len() {
                let Some(p) = self.buf.pop_front() else { break };
                if p.time >= e {
                    self.buf.push_back(p);
                } else if !before(p.time, e, period) {
                    points.push(into_batch_point(p));
                }
            }
            points
        } else {
            self.buf
                .iter()
                .filter(|p| !before(p.time, e, period) && p.time < e)
                .map(|p| to_batch_point(p))
                .collect()
        };
        let msg = self.batch(e, points);
        cx.emit(msg);
        self.next_emit = next;
        Ok(())
    }

    /// every = 0: once `t` reaches the emit time, emit (t-period, t]
    /// stamped t; the emit time becomes t.
    fn emit_trailing(&mut self, t: i64, period: i64, cx: &mut NodeCx<'_>) {
        if t < self.next_emit {
            return;
        }
        while self
            .buf
            .front()
            .is_some_and(|p| at_or_before(p.time, t, period))
        {
            self.buf.pop_front();
        }
        let points = self
            .buf
            .iter()
            .filter(|p| !at_or_before(p.time, t, period) && p.time <= t)
            .map(|p| to_batch_point(p))
            .collect();
        let msg = self.batch(t, points);
        cx.emit(msg);
        self.next_emit = t;
    }
}

impl Window {
    fn point(&mut self, p: Arc<Point>, cx: &mut NodeCx<'_>) {
        let mode = self.mode;
        let st = match self.groups.get_mut(&p.group.id) {
            Some(st) => st,
            None => {
                let next_emit = match mode {
                    Mode::Time {
                        period,
                        every,
                        align,
                        fill_period,
                    } => match first_emit(p.time, period, every, align, fill_period) {
                        Ok(e) => e,
                        Err(e) => {
                            cx.error(format_args!("point dropped: {e}"));
                            return;
                        }
                    },
                    Mode::Count { .. } => 0,
                };
                let st = GroupState::new(&p, next_emit);
                self.groups.insert(p.group.id.clone(), st);
                cx.stats.working_cardinality = self.groups.len() as i64;
                self.groups.get_mut(&p.group.id).expect("just inserted")
            }
        };
        // The task's bound on buffered points reads the node's count.
        let buffered_before = st.buf.len() as i64;
        match mode {
            Mode::Time {
                period, every: 0, ..
            } => {
                let t = p.time;
                st.buf.push_back(p);
                st.emit_trailing(t, period, cx);
            }
            Mode::Time {
                period,
                every,
                align,
                ..
            } => {
                let t = p.time;
                if let Err(e) = st.advance_time(t, period, every, align, cx) {
                    cx.error(format_args!("point dropped: {e}"));
                    return;
                }
                st.buf.push_back(p);
            }
            Mode::Count {
                period,
                every,
                fill_period,
            } => {
                if st.seen == 0 && st.next_count == 0 {
                    st.next_count = if fill_period { period } else { every };
                }
                let t = p.time;
                st.buf.push_back(p);
                if st.buf.len() > period {
                    st.buf.pop_front();
                }
                st.seen += 1;
                if st.seen == st.next_count {
                    st.next_count += every;
                    let points = st.buf.iter().map(|p| to_batch_point(p)).collect();
                    let msg = st.batch(t, points);
                    cx.emit(msg);
                }
            }
        }
        cx.stats.buffered_points += st.buf.len() as i64 - buffered_before;
    }
}

impl NodeImpl for Window {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.groups)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.groups = crate::snapshot::decode(data)?;
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
            Message::Batch(_) => {
                return Err(NodeError::new(
                    "window received a batch: it wants a stream edge",
                ))
            }
            Message::Barrier(b) => {
                if let Some(st) = self.groups.get_mut(&b.group.id) {
                    let buffered_before = st.buf.len() as i64;
                    match self.mode {
                        Mode::Time {
                            period, every: 0, ..
                        } => st.emit_trailing(b.time, period, cx),
                        Mode::Time {
                            period,
                            every,
                            align,
                            ..
                        } => {
                            if let Err(e) = st.advance_time(b.time, period, every, align, cx) {
                                cx.error(format_args!("barrier ignored: {e}"));
                            }
                        }
                        Mode::Count { .. } => {}
                    }
                    cx.stats.buffered_points += st.buf.len() as i64 - buffered_before;
                }
                cx.emit(Message::Barrier(b));
            }
            Message::DeleteGroup(g) => {
                if let Some(st) = self.groups.remove(&g.id) {
                    cx.stats.buffered_points -= st.buf.len() as i64;
                }
                crate::group::shrink_if_sparse(&mut self.groups);
                cx.stats.working_cardinality = self.groups.len() as i64;
                cx.emit(Message::DeleteGroup(g));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Barrier;
    use crate::node::harness::{f, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    fn batches(h: &mut Harness) -> Vec<(i64, Vec<i64>)> {
        h.take()
            .into_iter()
            .filter_map(|m| match m {
                Message::Batch(b) => Some((
                    b.tmax / secs(1),
                    b.points.iter().map(|p| p.time / secs(1)).collect(),
                )),
                _ => None,
            })
            .collect()
    }

    fn window(props: Vec<(&str, Vec<Arg>)>) -> Harness {
        Harness::new(false, NodeKind::Window, vec![], props)
    }

    #[test]
    fn validation_messages() {
        let err = Harness::try_new(false, NodeKind::Window, vec![], vec![])
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "window node must have either a non zero period or non zero period count"
        );
        let err = Harness::try_new(
            false,
            NodeKind::Window,
            vec![],
            vec![
                ("periodCount", vec![Arg::Int(3)]),
                ("everyCount", vec![Arg::Int(1)]),
                ("align", vec![]),
            ],
        )
        .err()
        .unwrap();
        assert!(err.message.contains("align"));
    }

    #[test]
    fn barrier_drives_emission_and_delete_drops_state() {
        let mut h = window(vec![
            ("period", vec![Arg::Duration(secs(10))]),
            ("every", vec![Arg::Duration(secs(10))]),
        ]);
        h.point(point("m", &[], &[("v", f(1.0))], secs(1)));
        h.point(point("m", &[], &[("v", f(2.0))], secs(5)));
        let g = crate::group::nil_group();
        h.send(
            0,
            Message::Barrier(Barrier {
                group: g.clone(),
                time: secs(12),
            }),
        );
        assert_eq!(batches(&mut h), [(11, vec![1, 5])]);
        assert_eq!(h.stats.working_cardinality, 1);
        h.send(0, Message::DeleteGroup(g));
        let out = h.take();
        assert!(matches!(out.as_slice(), [Message::DeleteGroup(_)]));
        assert_eq!(h.stats.working_cardinality, 0);
        // A fresh group state starts over from the next point.
        h.point(point("m", &[], &[("v", f(3.0))], secs(30)));
        h.point(point("m", &[], &[("v", f(4.0))], secs(40)));
        assert_eq!(batches(&mut h), [(40, vec![30])]);
    }

    #[test]
    fn fill_period_without_align_waits_a_full_period() {
        let mut h = window(vec![
            ("period", vec![Arg::Duration(secs(10))]),
            ("every", vec![Arg::Duration(secs(2))]),
            ("fillPeriod", vec![]),
        ]);
        for t in [0, 2, 4, 6, 8, 10, 12] {
            h.point(point("m", &[], &[("v", f(1.0))], secs(t)));
        }
        // First emit at t0 + period = 10 with [0, 10); then E = 10 + 2.
        assert_eq!(
            batches(&mut h),
            [(10, vec![0, 2, 4, 6, 8]), (12, vec![2, 4, 6, 8, 10])]
        );
    }

    fn barrier(h: &mut Harness, t: i64) {
        h.send(
            0,
            Message::Barrier(Barrier {
                group: crate::group::nil_group(),
                time: t,
            }),
        );
    }

    #[test]
    fn every_zero_with_fill_period_waits_a_period_then_emits_each_point() {
        let mut h = window(vec![
            ("period", vec![Arg::Duration(secs(10))]),
            ("fillPeriod", vec![]),
        ]);
        // First point at 3: next emit at 3 + 10 = 13. Points 5 and 9 are only
        // buffered; 13 reaches it and emits (3, 13]; 14 then emits (4, 14].
        for t in [3, 5, 9, 13, 14] {
            h.point(point("m", &[], &[("v", f(1.0))], secs(t)));
        }
        assert_eq!(
            batches(&mut h),
            [(13, vec![5, 9, 13]), (14, vec![5, 9, 13, 14])]
        );
    }

    #[test]
    fn every_zero_barriers_follow_the_emit_time() {
        let mut h = window(vec![
            ("period", vec![Arg::Duration(secs(10))]),
            ("fillPeriod", vec![]),
        ]);
        h.point(point("m", &[], &[("v", f(1.0))], secs(0)));
        // Before the emit time (10): nothing.
        barrier(&mut h, secs(6));
        assert_eq!(batches(&mut h), []);
        // At 12 >= 10: (2, 12] holds no point, emitted empty; emit time 12.
        barrier(&mut h, secs(12));
        assert_eq!(batches(&mut h), [(12, vec![])]);
        // Without fillPeriod the first point emits at once.
        let mut h = window(vec![("period", vec![Arg::Duration(secs(10))])]);
        h.point(point("m", &[], &[("v", f(1.0))], secs(0)));
        barrier(&mut h, secs(4));
        assert_eq!(batches(&mut h), [(0, vec![0]), (4, vec![0])]);
    }

    #[test]
    fn emit_times_past_the_time_range_are_errors() {
        let mut h = window(vec![
            ("period", vec![Arg::Duration(secs(3600))]),
            ("every", vec![Arg::Duration(secs(60))]),
        ]);
        h.point(point("m", &[], &[("v", f(1.0))], i64::MAX - secs(1)));
        assert_eq!(batches(&mut h), []);
        assert_eq!(h.stats.errors, 1);
        assert_eq!(
            h.sink.diagnostics,
            ["window1: point dropped: 2262-04-11T23:47:15.854775807Z plus every 1m0s is outside the time range (1677 to 2262)"]
        );
        // every = 0 with fillPeriod: t0 + period overflows the same way.
        let mut h = window(vec![
            ("period", vec![Arg::Duration(secs(3600))]),
            ("fillPeriod", vec![]),
        ]);
        h.point(point("m", &[], &[("v", f(1.0))], i64::MAX - secs(1)));
        assert_eq!(h.stats.errors, 1);
        // Windows reaching back before the range keep every point.
        let mut h = window(vec![("period", vec![Arg::Duration(secs(3600))])]);
        h.point(point("m", &[], &[("v", f(1.0))], i64::MIN + 1));
        assert_eq!(
            batches(&mut h),
            [((i64::MIN + 1) / secs(1), vec![(i64::MIN + 1) / secs(1)])]
        );
    }
}
