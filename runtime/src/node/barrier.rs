//! `barrier()` (reference §4.2): exactly one of `idle(d)` / `period(d)`
//! must be > 0; `delete(b)`. Time is **data time** (the executor's stream
//! time), so offline runs are deterministic: with `idle`, a group that has
//! seen no data for `idle` gets a Barrier at (its last point time + idle),
//! and another every further `idle` of silence;
//! with `period`, every group gets a Barrier each `period` (on the period
//! boundaries counted from the group's first point). With `delete(TRUE)` a
//! DeleteGroup follows each barrier and the group's state is dropped. Data
//! older than a group's last barrier is dropped.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};

/// The most barriers one group gets for one advance of data time (a gap of
/// a year with `idle(1s)` must not stall the run).
const MAX_CATCH_UP: i64 = 10_000;
use crate::message::{Barrier as BarrierMsg, Group, Message, Str};
use compiler::ir;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

#[derive(serde::Serialize, serde::Deserialize)]
struct GroupState {
    group: Group,
    /// Creation sequence number: the group's first-seen rank (barriers due
    /// at one tick go out in this order), and the tag that tells a live
    /// schedule entry from a stale one left by a deleted incarnation.
    seq: u64,
    /// Last data time of the group.
    last: i64,
    /// Period: the next barrier time.
    next: i64,
    /// Period: the next barrier time would be past the end of the time
    /// range (year 2262), so no further barrier can come due.
    exhausted: bool,
    /// The time of the last barrier sent (data before it is dropped).
    barrier: Option<i64>,
}

/// A schedule entry: (earliest time the group can be due, group's seq, id).
/// Ordered by time then seq, so ties pop in first-seen order.
type Entry = Reverse<(i64, u64, Str)>;

pub struct Barrier {
    idle: i64,
    period: i64,
    delete: bool,
    groups: HashMap<Str, GroupState>,
    /// Min-heap of when each group may next be due. Every live group has
    /// exactly one entry whose time is <= its real due time (points only
    /// push the due time later, so entries are refreshed lazily when popped
    /// instead of on every point). Entries of deleted groups are dropped
    /// when popped (seq mismatch) or by `compact` when they pile up.
    schedule: BinaryHeap<Entry>,
    next_seq: u64,
    /// Reused per tick: the groups popped as due, sorted by seq.
    due: Vec<(u64, Str)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let idle = node.duration("idle").unwrap_or(0);
    let period = node.duration("period").unwrap_or(0);
    // Kapacitor's validation, in its order and words.
    let err = if idle != 0 && period != 0 {
        Some("cannot specify both idle and period")
    } else if period == 0 && idle <= 0 {
        Some("idle must be greater than zero")
    } else if period <= 0 && idle == 0 {
        Some("period must be greater than zero")
    } else {
        None
    };
    if let Some(e) = err {
        return Err(BuildError::new(node, e));
    }
    let delete = node
        .prop("delete")
        .is_some_and(|p| p.args.first().and_then(|a| a.as_bool()).unwrap_or(true));
    Ok(Box::new(Barrier {
        idle,
        period,
        delete,
        groups: HashMap::new(),
        schedule: BinaryHeap::new(),
        next_seq: 0,
        due: Vec::new(),
    }))
}

impl Barrier {
    fn send(&self, group: &Group, time: i64, cx: &mut NodeCx<'_>) {
        cx.emit(Message::Barrier(BarrierMsg {
            group: group.clone(),
            time,
        }));
        if self.delete {
            cx.emit(Message::DeleteGroup(group.clone()));
        }
    }

    /// The data time at which the group's next barrier is due.
    fn due_at(&self, g: &GroupState) -> i64 {
        if self.idle > 0 {
            g.last.saturating_add(self.idle)
        } else if g.exhausted {
            i64::MAX
        } else {
            g.next
        }
    }

    /// Stale entries (from deleted groups) are normally dropped as their
    /// time passes; when groups are deleted faster than that, rebuild the
    /// heap from the live groups so memory stays proportional to them.
    /// Amortised O(1) per deletion.
    fn compact(&mut self) {
        if self.schedule.len() <= 2 * self.groups.len() + 64 {
            return;
        }
        let entries: Vec<Entry> = self
            .groups
            .iter()
            .map(|(id, g)| Reverse((self.due_at(g), g.seq, id.clone())))
            .collect();
        self.schedule = BinaryHeap::from(entries);
    }

    /// Sends the barriers due for one group at `now`; returns whether the
    /// group is to be dropped (delete mode and at least one barrier sent).
    fn fire(&mut self, id: &Str, now: i64, cx: &mut NodeCx<'_>) -> bool {
        let (idle, period, delete) = (self.idle, self.period, self.delete);
        let Some(g) = self.groups.get_mut(id) else {
            return false;
        };
        let mut first = None;
        let mut count = 0i64;
        // Barriers are evenly spaced by `step` from `first`: no per-tick
        // buffer is needed to send them after releasing the borrow of `g`.
        let step = if idle > 0 { idle } else { period };
        if idle > 0 {
            // Kapacitor's idle timer fires every `idle` without data, each
            // barrier `idle` after the previous one (or the last point).
            // A long silence in data time would mean a flood of barriers:
            // only the latest MAX_CATCH_UP are sent.
            // Differences of two times can exceed i64 (1677 to 2262):
            // compute them in i128; every time stored stays <= now.
            let due = (now as i128 - g.last as i128) / idle as i128;
            if due > MAX_CATCH_UP as i128 {
                g.last = (g.last as i128 + (due - MAX_CATCH_UP as i128) * idle as i128) as i64;
            }
            while now as i128 - g.last as i128 >= idle as i128 {
                let bt = g.last + idle;
                g.last = bt;
                g.barrier = Some(bt);
                first.get_or_insert(bt);
                count += 1;
                if delete {
                    break;
                }
            }
        } else {
            // Barriers at next, next + period, …, <= now: due + 1 of them.
            let due = (now as i128 - g.next as i128) / period as i128;
            if !g.exhausted && due + 1 > MAX_CATCH_UP as i128 {
                let skip = due + 1 - MAX_CATCH_UP as i128;
                g.next = (g.next as i128 + skip * period as i128) as i64;
            }
            while !g.exhausted && now >= g.next {
                let bt = g.next;
                g.barrier = Some(bt);
                match g.next.checked_add(period) {
                    Some(n) => g.next = n,
                    None => g.exhausted = true,
                }
                first.get_or_insert(bt);
                count += 1;
                if delete {
                    break;
                }
            }
        }
        let Some(first) = first else {
            return false;
        };
        let group = g.group.clone();
        for i in 0..count {
            self.send(&group, first + i * step, cx);
        }
        delete
    }
}

impl NodeImpl for Barrier {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&(
            &self.groups,
            self.next_seq,
        ))?))
    }

    /// The schedule is rebuilt from the groups: one entry per group at its
    /// exact due time keeps the heap's invariant.
    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (groups, next_seq): (HashMap<Str, GroupState>, u64) = crate::snapshot::decode(data)?;
        self.groups = groups;
        self.next_seq = next_seq;
        self.schedule = self
            .groups
            .iter()
            .map(|(id, g)| Reverse((self.due_at(g), g.seq, id.clone())))
            .collect();
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        if let Message::Barrier(b) = &msg {
            // An upstream barrier counts as activity, and is dropped when
            // older than this node's last barrier for the group.
            if let Some(g) = self.groups.get_mut(&b.group.id) {
                if g.barrier.is_some_and(|l| b.time < l) {
                    return Ok(());
                }
                g.last = g.last.max(b.time);
                g.barrier = Some(b.time);
            }
            cx.emit(msg);
            return Ok(());
        }
        let (Some(t), Message::Point(_) | Message::Batch(_)) = (msg.time(), &msg) else {
            if let Message::DeleteGroup(g) = &msg {
                if self.groups.remove(&g.id).is_some() {
                    self.compact();
                }
                cx.stats.working_cardinality = self.groups.len() as i64;
            }
            cx.emit(msg);
            return Ok(());
        };
        let gid = &msg.group().id;
        match self.groups.get_mut(gid) {
            Some(g) => {
                if g.barrier.is_some_and(|b| t < b) {
                    return Ok(());
                }
                g.last = g.last.max(t);
            }
            None => {
                let gid = gid.clone();
                let seq = self.next_seq;
                self.next_seq += 1;
                let g = GroupState {
                    group: msg.group().clone(),
                    seq,
                    last: t,
                    next: t.checked_add(self.period).unwrap_or(i64::MAX),
                    exhausted: t.checked_add(self.period).is_none(),
                    barrier: None,
                };
                self.schedule
                    .push(Reverse((self.due_at(&g), seq, gid.clone())));
                self.groups.insert(gid, g);
                cx.stats.working_cardinality = self.groups.len() as i64;
            }
        }
        cx.emit(msg);
        Ok(())
    }

    fn wants_ticks(&self) -> bool {
        true
    }

    fn tick(&mut self, now: i64, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        // Pop only the entries whose time has come; each is either stale
        // (group deleted or re-created: dropped), early (the group saw data
        // since: re-scheduled at its real due time) or due.
        let mut due = std::mem::take(&mut self.due);
        while let Some(Reverse((at, _, _))) = self.schedule.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, seq, id))) = self.schedule.pop() else {
                break;
            };
            let Some(g) = self.groups.get(&id) else {
                continue;
            };
            if g.seq != seq {
                continue;
            }
            let real = self.due_at(g);
            if real > now {
                self.schedule.push(Reverse((real, seq, id)));
            } else {
                due.push((seq, id));
            }
        }
        // Groups due at one tick are served in first-seen order, each with
        // all of its barriers, as a walk over the groups in that order would.
        due.sort_unstable_by_key(|(seq, _)| *seq);
        for (seq, id) in due.drain(..) {
            if self.fire(&id, now, cx) {
                self.groups.remove(&id);
            } else if let Some(g) = self.groups.get(&id) {
                let at = self.due_at(g);
                self.schedule.push(Reverse((at, seq, id)));
            }
        }
        self.due = due;
        cx.stats.working_cardinality = self.groups.len() as i64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::Message;
    use crate::node::harness::{f, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn idle_barrier_then_delete() {
        let mut h = Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![
                ("idle", vec![Arg::Duration(secs(5))]),
                ("delete", vec![Arg::Bool(true)]),
            ],
        );
        h.point(point("m", &[], &[("v", f(1.0))], secs(1)));
        h.take();
        h.tick(secs(4));
        assert!(h.take().is_empty());
        h.tick(secs(6));
        let out = h.take();
        assert!(matches!(&out[0], Message::Barrier(b) if b.time == secs(6)));
        assert!(matches!(&out[1], Message::DeleteGroup(_)));
        assert_eq!(h.stats.working_cardinality, 0);
    }

    #[test]
    fn period_barriers_and_late_data_dropped() {
        let mut h = Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![("period", vec![Arg::Duration(secs(10))])],
        );
        h.point(point("m", &[], &[("v", f(1.0))], secs(0)));
        h.tick(secs(25));
        let out = h.take();
        let times: Vec<_> = out
            .iter()
            .filter_map(|m| match m {
                Message::Barrier(b) => Some(b.time / secs(1)),
                _ => None,
            })
            .collect();
        assert_eq!(times, vec![10, 20]);
        h.point(point("m", &[], &[("v", f(1.0))], secs(15)));
        assert!(h.take().is_empty());
        assert!(Harness::try_new(false, NodeKind::Barrier, vec![], vec![]).is_err());
    }
}

#[cfg(test)]
mod catch_up_tests {
    use crate::message::Message;
    use crate::node::harness::{f, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn a_huge_gap_sends_a_bounded_number_of_barriers() {
        let mut h = Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![("idle", vec![Arg::Duration(1)])],
        );
        h.point(point("m", &[], &[("v", f(1.0))], 0));
        h.take();
        h.tick(secs(3600));
        let out = h.take();
        assert_eq!(out.len(), super::MAX_CATCH_UP as usize);
        assert!(matches!(out.last(), Some(Message::Barrier(b)) if b.time == secs(3600)));
    }

    #[test]
    fn times_at_the_ends_of_the_range_neither_wrap_nor_panic() {
        // Period 10s from a point 5s before the end of the range: the first
        // barrier would be past it, so none comes, even at the last instant.
        let mut h = Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![("period", vec![Arg::Duration(secs(10))])],
        );
        h.point(point("m", &[], &[("v", f(1.0))], i64::MAX - secs(5)));
        h.take();
        h.tick(i64::MAX);
        assert!(h.take().is_empty());
        // Period 10s from the start of the range: a gap to the end is more
        // than i64 nanoseconds wide; the catch-up still sends the latest
        // barriers, the last one at start + k * 10s <= end.
        let mut h = Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![("period", vec![Arg::Duration(secs(10))])],
        );
        h.point(point("m", &[], &[("v", f(1.0))], i64::MIN));
        h.take();
        h.tick(i64::MAX);
        let out = h.take();
        assert_eq!(out.len(), super::MAX_CATCH_UP as usize);
        let span = i64::MAX as i128 - i64::MIN as i128;
        let last = i64::MIN as i128 + span / secs(10) as i128 * secs(10) as i128;
        assert!(matches!(out.last(), Some(Message::Barrier(b)) if b.time as i128 == last));
        // Idle 1s across the whole range: bounded too.
        let mut h = Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![("idle", vec![Arg::Duration(secs(1))])],
        );
        h.point(point("m", &[], &[("v", f(1.0))], i64::MIN));
        h.take();
        h.tick(i64::MAX);
        assert_eq!(h.take().len(), super::MAX_CATCH_UP as usize);
    }
}

#[cfg(test)]
mod schedule_tests {
    use crate::message::{Message, Point, Str};
    use crate::node::harness::{f, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    /// A point in group `id` (only the group ID matters to barrier()).
    fn in_group(id: &str, t: i64) -> Point {
        let mut p = point("m", &[], &[("v", f(1.0))], t);
        p.group.id = Str::from(id);
        p
    }

    fn barriers(out: &[Message]) -> Vec<(String, i64)> {
        out.iter()
            .filter_map(|m| match m {
                Message::Barrier(b) => Some((b.group.id.to_string(), b.time / secs(1))),
                _ => None,
            })
            .collect()
    }

    fn idle(secs_: i64, delete: bool) -> Harness {
        Harness::new(
            false,
            NodeKind::Barrier,
            vec![],
            vec![
                ("idle", vec![Arg::Duration(secs(secs_))]),
                ("delete", vec![Arg::Bool(delete)]),
            ],
        )
    }

    #[test]
    fn groups_due_at_one_tick_go_out_in_first_seen_order() {
        // "a" is seen first but is due later (9s) than "b" (7s): the order
        // is first-seen, not due time.
        let mut h = idle(5, false);
        h.point(in_group("a", secs(1)));
        h.point(in_group("b", secs(2)));
        h.point(in_group("a", secs(4)));
        h.take();
        h.tick(secs(10));
        assert_eq!(
            barriers(&h.take()),
            vec![("a".to_string(), 9), ("b".to_string(), 7)]
        );
        // Without delete the groups stay scheduled: next ones at 14 and 12.
        h.tick(secs(14));
        assert_eq!(
            barriers(&h.take()),
            vec![("a".to_string(), 14), ("b".to_string(), 12)]
        );
    }

    #[test]
    fn many_groups_only_the_due_few_get_barriers() {
        let mut h = idle(10, true);
        for g in 0..5 {
            h.point(in_group(&format!("old{g}"), 0));
        }
        for g in 0..20_000 {
            h.point(in_group(&format!("new{g}"), secs(5)));
        }
        // One old group stays active, so it is not due.
        h.point(in_group("old2", secs(6)));
        h.take();
        assert_eq!(h.stats.working_cardinality, 20_005);
        h.tick(secs(11));
        let out = h.take();
        let want: Vec<_> = [0, 1, 3, 4]
            .iter()
            .map(|g| (format!("old{g}"), 10))
            .collect();
        assert_eq!(barriers(&out), want);
        assert_eq!(
            out.iter()
                .filter(|m| matches!(m, Message::DeleteGroup(_)))
                .count(),
            4
        );
        assert_eq!(h.stats.working_cardinality, 20_001);
        // Then everything else expires together, still in first-seen order.
        h.tick(secs(16));
        let out = barriers(&h.take());
        assert_eq!(out.len(), 20_001);
        assert_eq!(out[0], ("old2".to_string(), 16));
        assert_eq!(out[1], ("new0".to_string(), 15));
        assert_eq!(out[20_000], ("new19999".to_string(), 15));
        assert_eq!(h.stats.working_cardinality, 0);
    }

    #[test]
    fn a_deleted_then_recreated_group_is_scheduled_afresh() {
        let mut h = idle(5, true);
        h.point(in_group("a", secs(0)));
        h.point(in_group("b", secs(1)));
        // Upstream deletion of "a"; it comes back later and is now last in
        // first-seen order, due from its new data only.
        h.send(0, Message::DeleteGroup(h_group("a")));
        h.point(in_group("a", secs(3)));
        h.take();
        h.tick(secs(5));
        assert!(barriers(&h.take()).is_empty());
        h.tick(secs(9));
        assert_eq!(
            barriers(&h.take()),
            vec![("b".to_string(), 6), ("a".to_string(), 8)]
        );
        assert_eq!(h.stats.working_cardinality, 0);
    }

    fn h_group(id: &str) -> crate::message::Group {
        in_group(id, 0).group
    }
}
