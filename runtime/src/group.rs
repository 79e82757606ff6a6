//! Group IDs and group tags (reference §3).
//!
//! Group ID: `""` with no tag names (or just the name when byName), otherwise
//! `[name + "\n"] + "k1=v1,k2=v2"` in dimension order (sorted). A tag named as a
//! dimension but absent on the point contributes an empty value (`k=`), as in
//! Kapacitor's `models.ToGroupID`.

use crate::message::{Dimensions, Group, Str, Tags};
use std::sync::Arc;
use vm::point::lookup;

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

fn empty_str() -> Str {
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
