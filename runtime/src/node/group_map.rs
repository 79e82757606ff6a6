//! Per-group state of a node, with the two duties every stateful node shares:
//! dropping a group's state when a `DeleteGroup` message (a barrier's
//! `.delete(TRUE)`, reference §4) says so, giving the memory back, and
//! reporting the number of live groups as the node's `working_cardinality`
//! stat (api.md §5.5).

use crate::message::{Group, Message, Str};
use crate::node::NodeCx;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// State `T` per group ID. Serde data when `T` is, so a node's checkpoint
/// (`NodeImpl::snapshot`) is its map encoded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
pub struct GroupMap<T> {
    map: HashMap<Str, T>,
}

impl<T> Default for GroupMap<T> {
    fn default() -> Self {
        GroupMap {
            map: HashMap::new(),
        }
    }
}

impl<T> GroupMap<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The group's state, created with `new` on its first message.
    pub fn get_or_insert_with(&mut self, id: &Str, new: impl FnOnce() -> T) -> &mut T {
        // `entry` would clone the ID on every call; look up first so only a
        // new group pays for its key.
        if !self.map.contains_key(id) {
            self.map.insert(id.clone(), new());
        }
        self.map.get_mut(id).expect("inserted above")
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.map.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.map.get_mut(id)
    }

    pub fn insert(&mut self, id: Str, state: T) {
        self.map.insert(id, state);
    }

    /// Takes the group's state out (the caller may put it back with
    /// `insert`); memory is given back once most groups are gone.
    pub fn remove(&mut self, id: &str) -> Option<T> {
        let old = self.map.remove(id);
        crate::group::shrink_if_sparse(&mut self.map);
        old
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Str, &T)> {
        self.map.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Str, &mut T)> {
        self.map.iter_mut()
    }

    /// Every group's state mapped through `f` (a checkpoint of state that is
    /// not serde data itself, e.g. lambda states).
    pub fn map_to<U>(&self, mut f: impl FnMut(&T) -> U) -> GroupMap<U> {
        GroupMap {
            map: self.map.iter().map(|(k, v)| (k.clone(), f(v))).collect(),
        }
    }

    /// The reverse of `map_to`: every group's state rebuilt by `f`, the
    /// first error stops it.
    pub fn try_map_into<U, E>(
        self,
        mut f: impl FnMut(T) -> Result<U, E>,
    ) -> Result<GroupMap<U>, E> {
        let mut map = HashMap::with_capacity(self.map.len());
        for (k, v) in self.map {
            map.insert(k, f(v)?);
        }
        Ok(GroupMap { map })
    }

    /// Sets the node's `working_cardinality` stat to the live group count.
    pub fn report(&self, cx: &mut NodeCx<'_>) {
        cx.stats.working_cardinality = self.map.len() as i64;
    }

    /// A `DeleteGroup` message: drop the group's state, report the new
    /// cardinality and pass the message on to the children.
    pub fn delete_group(&mut self, g: Group, cx: &mut NodeCx<'_>) {
        self.remove(&g.id);
        self.report(cx);
        cx.emit(Message::DeleteGroup(g));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn deleting_most_groups_gives_the_memory_back() {
        let mut m: GroupMap<u64> = GroupMap::new();
        let ids: Vec<Str> = (0..10_000).map(|i| Arc::from(format!("g{i}"))).collect();
        for id in &ids {
            *m.get_or_insert_with(id, || 0) += 1;
        }
        assert_eq!(m.len(), 10_000);
        let peak = m.map.capacity();
        for id in &ids[..9_990] {
            assert_eq!(m.remove(id), Some(1));
        }
        assert_eq!(m.len(), 10);
        assert!(
            m.map.capacity() < peak / 4,
            "{} of {peak}",
            m.map.capacity()
        );
        assert_eq!(m.get("g9995"), Some(&1));
    }

    #[test]
    fn an_existing_group_keeps_its_state() {
        let mut m: GroupMap<Vec<i32>> = GroupMap::new();
        let id: Str = Arc::from("a");
        m.get_or_insert_with(&id, Vec::new).push(1);
        m.get_or_insert_with(&id, || vec![99]).push(2);
        assert_eq!(m.get("a"), Some(&vec![1, 2]));
    }
}
