//! Bounded memory per task (beyond Kapacitor, whose per-group state grows
//! without bound with the number of groups: its issues #1255, #2781).
//!
//! Groups are born at the nodes that set a message's group: `from` (its
//! `groupBy`), `groupBy`, `query`/`queryFlux` and `join`. The executor keeps,
//! for each such node, its live groups in least-recently-seen order
//! (`GroupTracker`). When a node's live groups would exceed `max_groups`, or
//! the points buffered anywhere in the task (windows) exceed
//! `max_buffered_points`, the least-recently-seen group is **evicted**: the
//! executor sends a `DeleteGroup` for it to that node's children, exactly the
//! message `barrier().delete(TRUE)` sends, so every node below drops all of
//! the group's state (window buffers, alert level and history, stateful
//! functions, InfluxQL and join state, httpOut's row) and passes it on.
//!
//! What an evicted group loses is what a barrier delete loses: if the group
//! shows up again it starts afresh, as a new group would — its window starts
//! from the next point (the points it had buffered are never emitted), its
//! alert state starts over (the server restores the level from the topic's
//! stored event, as at a task restart; the flapping history is lost;
//! offline the level is back at OK), and stateful
//! functions (`sigma`, `count`, `spread`, …) and `derivative`/`changeDetect`
//! start from scratch. Groups that are not evicted are untouched: their
//! results are exact. Evictions are counted (`groups_evicted` on the node and
//! in the task's stats) and logged once per burst.

use crate::message::{Group, Str};
use hashlink::LruCache;

/// The bounds of one task; 0 means unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskLimits {
    /// Live groups per group-setting node.
    pub max_groups: usize,
    /// Points held in buffers (windows) across the whole task.
    pub max_buffered_points: usize,
}

/// 100,000 groups; a million buffered points (a buffered point is shared
/// with the write that carried it, ~150–300 bytes with a few tags and
/// fields, so a few hundred MB at most).
pub const DEFAULT_MAX_GROUPS: usize = 100_000;
pub const DEFAULT_MAX_BUFFERED_POINTS: usize = 1_000_000;

impl Default for TaskLimits {
    fn default() -> Self {
        TaskLimits {
            max_groups: DEFAULT_MAX_GROUPS,
            max_buffered_points: DEFAULT_MAX_BUFFERED_POINTS,
        }
    }
}

impl TaskLimits {
    /// No bound at all (nothing is tracked).
    pub const UNBOUNDED: TaskLimits = TaskLimits {
        max_groups: 0,
        max_buffered_points: 0,
    };

    pub fn is_bounded(&self) -> bool {
        self.max_groups > 0 || self.max_buffered_points > 0
    }
}

/// The live groups of one group-setting node, least recently seen first.
/// Seeing a known group costs a hash lookup and a relink, no allocation.
#[derive(Default)]
pub struct GroupTracker {
    live: Option<LruCache<Str, Group>>,
}

impl GroupTracker {
    /// Marks `g` as just seen (inserting it if new).
    #[inline]
    pub fn touch(&mut self, g: &Group) {
        let live = self.live.get_or_insert_with(LruCache::new_unbounded);
        if live.get_mut(&*g.id).is_none() {
            live.insert(g.id.clone(), g.clone());
        }
    }

    pub fn len(&self) -> usize {
        self.live.as_ref().map_or(0, |l| l.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the least recently seen group out.
    pub fn evict_lru(&mut self) -> Option<Group> {
        let g = self.live.as_mut()?.remove_lru().map(|(_, g)| g);
        self.shrink_if_sparse();
        g
    }

    /// A `DeleteGroup` passing through the node (a barrier's delete): the
    /// group is no longer live.
    pub fn forget(&mut self, id: &str) {
        if let Some(l) = self.live.as_mut() {
            l.remove(id);
        }
        self.shrink_if_sparse();
    }

    /// The live groups, least recently seen first (a checkpoint keeps the
    /// order: `touch`ing them in this order rebuilds the tracker).
    pub fn groups_lru_first(&self) -> Vec<Group> {
        self.live
            .as_ref()
            .map(|l| l.iter().map(|(_, g)| g.clone()).collect())
            .unwrap_or_default()
    }

    /// Give memory back once most groups are gone (as `GroupMap` does).
    fn shrink_if_sparse(&mut self) {
        if let Some(l) = self.live.as_mut() {
            if l.is_empty() {
                self.live = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::nil_group;
    use std::sync::Arc;

    fn group(id: &str) -> Group {
        Group {
            id: Arc::from(id),
            dims: nil_group().dims,
        }
    }

    #[test]
    fn evicts_the_least_recently_seen_group_first() {
        let mut t = GroupTracker::default();
        for id in ["a", "b", "c"] {
            t.touch(&group(id));
        }
        t.touch(&group("a"));
        assert_eq!(t.len(), 3);
        assert_eq!(&*t.evict_lru().unwrap().id, "b");
        assert_eq!(&*t.evict_lru().unwrap().id, "c");
        t.forget("a");
        assert!(t.evict_lru().is_none());
        assert!(t.is_empty());
    }

    #[test]
    fn defaults_are_bounded() {
        assert!(TaskLimits::default().is_bounded());
        assert!(!TaskLimits::UNBOUNDED.is_bounded());
    }
}
