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
use std::collections::HashMap;

struct GroupState {
    group: Group,
    /// Last data time of the group.
    last: i64,
    /// Period: the next barrier time.
    next: i64,
    /// The time of the last barrier sent (data before it is dropped).
    barrier: Option<i64>,
}

pub struct Barrier {
    idle: i64,
    period: i64,
    delete: bool,
    groups: HashMap<Str, GroupState>,
    /// Group IDs in first-seen order (deterministic emission order).
    order: Vec<Str>,
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
        order: Vec::new(),
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
}

impl NodeImpl for Barrier {
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
                self.groups.remove(&g.id);
                self.order.retain(|id| id != &g.id);
                cx.stats.working_cardinality = self.groups.len() as i64;
            }
            cx.emit(msg);
            return Ok(());
        };
        let gid = msg.group().id.clone();
        match self.groups.get_mut(&gid) {
            Some(g) => {
                if g.barrier.is_some_and(|b| t < b) {
                    return Ok(());
                }
                g.last = g.last.max(t);
            }
            None => {
                self.order.push(gid.clone());
                self.groups.insert(
                    gid,
                    GroupState {
                        group: msg.group().clone(),
                        last: t,
                        next: t + self.period,
                        barrier: None,
                    },
                );
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
        let mut dropped = Vec::new();
        for id in &self.order {
            let Some(g) = self.groups.get_mut(id) else {
                continue;
            };
            let mut sent = Vec::new();
            if self.idle > 0 {
                // Kapacitor's idle timer fires every `idle` without data, each
                // barrier `idle` after the previous one (or the last point).
                // A long silence in data time would mean a flood of barriers:
                // only the latest MAX_CATCH_UP are sent.
                let due = (now - g.last) / self.idle;
                if due > MAX_CATCH_UP {
                    g.last += (due - MAX_CATCH_UP) * self.idle;
                }
                while now - g.last >= self.idle {
                    let bt = g.last + self.idle;
                    g.last = bt;
                    g.barrier = Some(bt);
                    sent.push(bt);
                    if self.delete {
                        break;
                    }
                }
            } else {
                let due = (now - g.next) / self.period;
                if due > MAX_CATCH_UP {
                    g.next += (due - MAX_CATCH_UP) * self.period;
                }
                while now >= g.next {
                    let bt = g.next;
                    g.barrier = Some(bt);
                    g.next += self.period;
                    sent.push(bt);
                    if self.delete {
                        break;
                    }
                }
            }
            let group = g.group.clone();
            for bt in sent.iter().copied() {
                self.send(&group, bt, cx);
            }
            if self.delete && !sent.is_empty() {
                dropped.push(id.clone());
            }
        }
        for id in dropped {
            self.groups.remove(&id);
            self.order.retain(|x| x != &id);
        }
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
}
