//! Small edits of key-sorted tag/field vectors shared by the transform nodes
//! (default, delete, derivative, state*, ...). Vectors stay sorted by key.

use crate::message::Str;

/// Set `key` to `value`, inserting in key order.
pub fn set<V>(kv: &mut Vec<(Str, V)>, key: &Str, value: V) {
    match kv.binary_search_by(|(k, _)| (**k).cmp(&**key)) {
        Ok(i) => kv[i].1 = value,
        Err(i) => kv.insert(i, (key.clone(), value)),
    }
}

/// Remove `key`; returns whether it was present.
pub fn remove<V>(kv: &mut Vec<(Str, V)>, key: &str) -> bool {
    match kv.binary_search_by(|(k, _)| (**k).cmp(key)) {
        Ok(i) => {
            kv.remove(i);
            true
        }
        Err(_) => false,
    }
}

/// Lists of strings from a property's arguments, over every setting of an
/// accumulating property (`.field('a').field('b')`) or one list-valued call.
pub fn string_args(node: &compiler::ir::Node, prop: &str) -> Vec<Str> {
    node.props_named(prop)
        .flat_map(|p| p.args.iter())
        .filter_map(|a| a.as_str().map(Str::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_remove_keep_order() {
        let mut v: Vec<(Str, i32)> = vec![("a".into(), 1), ("c".into(), 3)];
        set(&mut v, &"b".into(), 2);
        set(&mut v, &"c".into(), 4);
        assert_eq!(v.iter().map(|x| x.1).collect::<Vec<_>>(), vec![1, 2, 4]);
        assert!(remove(&mut v, "a"));
        assert!(!remove(&mut v, "zz"));
        assert_eq!(v.len(), 2);
    }
}
