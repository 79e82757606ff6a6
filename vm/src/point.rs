//! The one point representation shared by the line-protocol parser, the lambda
//! engines and every runtime node (reference §3).
//!
//! Tags and fields are vectors sorted by key, keys interned as `Arc<str>`: the
//! parser reuses the same key `Arc` for every point of a series, so a compiled
//! lambda resolves a reference to a *slot* once and afterwards only checks that
//! the key at that slot is the same pointer (falling back to a binary search
//! when the schema changes). Messages travel between nodes as `Arc<Point>`, so
//! fan-out to many children or tasks costs a reference count, not a copy.

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

/// How a point is grouped: the dimension tag names (sorted) and the byName flag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Dimensions {
    pub by_name: bool,
    pub tag_names: Vec<Str>,
}

/// A group: its ID (reference §3: `""` for the nil group, else
/// `[name "\n"] k1=v1,k2=v2` in dimension order) and its dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Group {
    pub id: Str,
    pub dims: Arc<Dimensions>,
}

/// A stream point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The measurement.
    pub name: Str,
    pub database: Str,
    pub retention_policy: Str,
    pub tags: Tags,
    pub fields: Fields,
    /// Nanoseconds since the Unix epoch, UTC.
    pub time: i64,
    pub group: Group,
}

/// A point inside a batch: its own tags (all of them) and fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchPoint {
    pub tags: Tags,
    pub fields: Fields,
    pub time: i64,
}

/// What a lambda sees of a point: its time, fields and tags, plus extra
/// bindings (eval's earlier `as` results), consulted after fields and tags.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub time: i64,
    pub fields: &'a [(Str, FieldValue)],
    pub tags: &'a [(Str, Str)],
    pub extra: &'a [(Str, crate::value::Value)],
}

impl Point {
    pub fn field(&self, key: &str) -> Option<&FieldValue> {
        lookup(&self.fields, key)
    }

    pub fn tag(&self, key: &str) -> Option<&Str> {
        lookup(&self.tags, key)
    }

    pub fn scope(&self) -> Scope<'_> {
        Scope {
            time: self.time,
            fields: &self.fields,
            tags: &self.tags,
            extra: &[],
        }
    }
}

impl BatchPoint {
    pub fn field(&self, key: &str) -> Option<&FieldValue> {
        lookup(&self.fields, key)
    }

    pub fn tag(&self, key: &str) -> Option<&Str> {
        lookup(&self.tags, key)
    }

    pub fn scope(&self) -> Scope<'_> {
        Scope {
            time: self.time,
            fields: &self.fields,
            tags: &self.tags,
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
