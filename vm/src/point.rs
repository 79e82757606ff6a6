//! The VM's narrow view of a point: what a lambda reads (reference §3).
//!
//! The runtime owns the point representation (`runtime::point`: `Point`,
//! `BatchPoint`, groups); a lambda only needs its time, fields and tags. Tags
//! and fields are vectors sorted by key, keys interned as `Arc<str>`: the
//! parser reuses the same key `Arc` for every point of a series, so a compiled
//! lambda resolves a reference to a *slot* once and afterwards only checks that
//! the key at that slot is the same pointer (falling back to a binary search
//! when the schema changes).

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An immutable shared string (keys, tag values, names, string fields).
pub type Str = Arc<str>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldValue {
    Float(f64),
    Int(i64),
    String(Str),
    Bool(bool),
    /// Only produced by `join.fill('null')`.
    Null,
}

/// Tags sorted by key, keys unique.
pub type Tags = Vec<(Str, Str)>;
/// Fields sorted by key, keys unique.
pub type Fields = Vec<(Str, FieldValue)>;

/// What a lambda sees of a point: its time, fields and tags, plus extra
/// bindings (eval's earlier `as` results), consulted after fields and tags.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub time: i64,
    pub fields: &'a [(Str, FieldValue)],
    pub tags: &'a [(Str, Str)],
    pub extra: &'a [(Str, crate::value::Value)],
}

impl<'a> Scope<'a> {
    /// A scope over a point's time, fields and tags, with no extra bindings.
    pub fn of(time: i64, fields: &'a [(Str, FieldValue)], tags: &'a [(Str, Str)]) -> Self {
        Scope {
            time,
            fields,
            tags,
            extra: &[],
        }
    }
}

/// Binary search in a key-sorted vector.
pub fn lookup<'a, V>(sorted: &'a [(Str, V)], key: &str) -> Option<&'a V> {
    sorted
        .binary_search_by(|(k, _)| k.as_ref().cmp(key))
        .ok()
        .map(|i| &sorted[i].1)
}
