//! Group IDs and group tags (reference §3).
//!
//! Group ID: `""` with no tag names (or just the name when byName), otherwise
//! `[name + "\n"] + "k1=v1,k2=v2"` in dimension order (sorted). A tag named as a
//! dimension but absent on the point contributes an empty value (`k=`), as in
//! Kapacitor's `models.ToGroupID`.

use crate::message::{Dimensions, Group, Str, Tags};
use crate::point::lookup;
use std::sync::Arc;

/// The group ID of a point with `name` and `tags` under `dims`.
pub fn group_id(name: &str, tags: &[(Str, Str)], dims: &Dimensions) -> Str {
    if dims.tag_names.is_empty() {
        if dims.by_name {
            return Str::from(name);
        }
        return empty_str();
    }
    let mut id = String::with_capacity(64);
    if dims.by_name {
        id.push_str(name);
        id.push('\n');
    }
    for (i, k) in dims.tag_names.iter().enumerate() {
        if i > 0 {
            id.push(',');
        }
        id.push_str(k);
        id.push('=');
        if let Some(v) = lookup(tags, k) {
            id.push_str(v);
        }
    }
    Str::from(id)
}

/// A `Group` for a point under `dims`.
pub fn group_of(name: &str, tags: &[(Str, Str)], dims: &Arc<Dimensions>) -> Group {
    Group {
        id: group_id(name, tags, dims),
        dims: dims.clone(),
    }
}

/// The point's tags restricted to the dimension names (the "group tags").
pub fn group_tags(tags: &[(Str, Str)], dims: &Dimensions) -> Tags {
    dims.tag_names
        .iter()
        .filter_map(|k| lookup(tags, k).map(|v| (k.clone(), v.clone())))
        .collect()
}

/// The nil group (no dimensions, not by name). Shares one `Arc` per thread:
/// the parser gives every point this group, and must not allocate for it.
pub fn nil_group() -> Group {
    thread_local! {
        static NIL: Arc<Dimensions> = Arc::new(Dimensions::default());
    }
    Group {
        id: empty_str(),
        dims: NIL.with(Arc::clone),
    }
}

/// The empty string, shared per thread (`Str::from("")` allocates an `Arc`).
pub fn empty_str() -> Str {
    thread_local! {
        static EMPTY: Str = Str::from("");
    }
    EMPTY.with(Str::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Str {
        Str::from(x)
    }

    #[test]
    fn ids_follow_the_reference_shape() {
        let tags = vec![(s("cpu"), s("cpu0")), (s("host"), s("a"))];
        let none = Dimensions::default();
        assert_eq!(&*group_id("m", &tags, &none), "");
        let by_name = Dimensions {
            by_name: true,
            tag_names: vec![],
        };
        assert_eq!(&*group_id("m", &tags, &by_name), "m");
        let two = Dimensions {
            by_name: false,
            tag_names: vec![s("cpu"), s("host")],
        };
        assert_eq!(&*group_id("m", &tags, &two), "cpu=cpu0,host=a");
        let named = Dimensions {
            by_name: true,
            tag_names: vec![s("host"), s("missing")],
        };
        assert_eq!(&*group_id("m", &tags, &named), "m\nhost=a,missing=");
        assert_eq!(group_tags(&tags, &named), vec![(s("host"), s("a"))]);
    }
}

/// Give back a per-group map's memory once most of its groups are gone (a
/// `HashMap` keeps its capacity after removals), so deleted groups do not
/// keep costing their peak. Amortized: it shrinks only when 3/4 are unused.
pub fn shrink_if_sparse<V>(map: &mut std::collections::HashMap<Str, V>) {
    if map.capacity() > 64 && map.len() * 4 < map.capacity() {
        map.shrink_to_fit();
    }
}

/// Remembers group IDs by the identity of the strings they are made of, so a
/// node that regroups every point (from().groupBy, groupBy) builds each ID
/// once instead of once per point.
///
/// The key is the addresses of the measurement (when by name) and of the
/// dimension tag values, which the line-protocol parser interns, plus the
/// address of the `Dimensions`; the cache keeps all those `Arc`s alive, so an
/// address cannot be reused by another value while its entry exists. Up to `MAX_DIMS` dimensions are cached; the table
/// is cleared when it reaches `MAX_ENTRIES`: memory stays bounded (about
/// 1.3 MB per node at most) even for idle or deleted groups, which the node
/// is never told about; beyond that many live series IDs are rebuilt again.
#[derive(Debug, Default)]
pub struct GroupIdCache {
    map: std::collections::HashMap<[usize; MAX_DIMS + 2], CacheEntry>,
}

/// What keeps a key's addresses valid, and the ID.
#[derive(Debug)]
struct CacheEntry {
    _alive: (Vec<Str>, Arc<Dimensions>),
    id: Str,
}

const MAX_DIMS: usize = 4;
const MAX_ENTRIES: usize = 4096;

impl GroupIdCache {
    /// The group of a point with `name` and `tags` under `dims` (same result
    /// as `group_of`).
    pub fn group(&mut self, name: &Str, tags: &[(Str, Str)], dims: &Arc<Dimensions>) -> Group {
        if dims.tag_names.is_empty() || dims.tag_names.len() > MAX_DIMS {
            return group_of(name, tags, dims);
        }
        let mut key = [0usize; MAX_DIMS + 2];
        key[0] = Arc::as_ptr(dims) as *const u8 as usize;
        key[1] = if dims.by_name {
            Arc::as_ptr(name) as *const u8 as usize
        } else {
            0
        };
        for (i, k) in dims.tag_names.iter().enumerate() {
            key[i + 2] = match lookup(tags, k) {
                Some(v) => Arc::as_ptr(v) as *const u8 as usize,
                None => 1,
            };
        }
        if let Some(e) = self.map.get(&key) {
            return Group {
                id: e.id.clone(),
                dims: dims.clone(),
            };
        }
        if self.map.len() >= MAX_ENTRIES {
            self.map.clear();
        }
        let g = group_of(name, tags, dims);
        let mut alive: Vec<Str> = dims
            .tag_names
            .iter()
            .filter_map(|k| lookup(tags, k).cloned())
            .collect();
        alive.push(name.clone());
        self.map.insert(
            key,
            CacheEntry {
                _alive: (alive, dims.clone()),
                id: g.id.clone(),
            },
        );
        g
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[test]
    fn cached_ids_equal_computed_ones() {
        let dims = Arc::new(Dimensions {
            by_name: true,
            tag_names: vec![Str::from("host")],
        });
        let name = Str::from("cpu");
        let a = Str::from("a");
        let tags = vec![(Str::from("host"), a.clone())];
        let mut c = GroupIdCache::default();
        let g1 = c.group(&name, &tags, &dims);
        let g2 = c.group(&name, &tags, &dims);
        assert_eq!(&*g1.id, "cpu\nhost=a");
        assert!(Arc::ptr_eq(&g1.id, &g2.id), "second lookup is cached");
        let other = vec![(Str::from("host"), Str::from("b"))];
        assert_eq!(&*c.group(&name, &other, &dims).id, "cpu\nhost=b");
        let missing: Vec<(Str, Str)> = vec![];
        assert_eq!(&*c.group(&name, &missing, &dims).id, "cpu\nhost=");
    }
}
