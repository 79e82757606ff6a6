//! The one point representation shared by the line-protocol parser and every
//! runtime node (reference §3).
//!
//! Tags and fields are key-sorted vectors with interned keys (see
//! `vm::point`, the lambda engines' narrow view of a point, whose types this
//! module re-exports). Messages travel between nodes as `Arc<Point>`, so
//! fan-out to many children or tasks costs a reference count, not a copy.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use vm::point::{lookup, FieldValue, Fields, Scope, Str, Tags};

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

impl Point {
    pub fn field(&self, key: &str) -> Option<&FieldValue> {
        lookup(&self.fields, key)
    }

    pub fn tag(&self, key: &str) -> Option<&Str> {
        lookup(&self.tags, key)
    }

    pub fn scope(&self) -> Scope<'_> {
        Scope::of(self.time, &self.fields, &self.tags)
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
        Scope::of(self.time, &self.fields, &self.tags)
    }
}
