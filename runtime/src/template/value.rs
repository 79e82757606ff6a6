//! The data a template sees: a small model of the Go values Kapacitor passes
//! (structs with ordered fields, `map[string]string`, `map[string]interface{}`,
//! `time.Time`, `time.Duration`, numbers, strings).
//!
//! Values are cheap to clone (strings and containers are `Arc`s), so evaluating
//! `.Fields.value` copies a pointer, never the data.

use crate::point::Str;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Value {
    /// A nil interface (prints `<nil>`).
    Nil,
    /// Go's invalid value, e.g. a missing map key reached by field syntax
    /// (prints `<no value>`).
    NoValue,
    Bool(bool),
    /// Go `int` (template constants, `len`).
    Int(i64),
    /// Go `int64` (point fields).
    Int64(i64),
    Float(f64),
    Str(Str),
    /// `time.Time` in UTC, ns since the epoch.
    Time(i64),
    /// `time.Duration`, ns.
    Duration(i64),
    Map(Arc<Map>),
    Struct(Arc<Struct>),
    List(Arc<Vec<Value>>),
}

/// Element type of a map, for the zero value `index` returns on a missing key
/// and for type names in printf errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// `map[string]string`
    String,
    /// `map[string]interface{}`
    Any,
}

#[derive(Debug, Clone)]
pub struct Map {
    /// Sorted by key (Go prints and ranges maps in key order).
    pub entries: Vec<(Str, Value)>,
    pub elem: Elem,
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub type_name: &'static str,
    /// Exported fields in declaration order (JSON and `%v` follow it).
    pub fields: Vec<(&'static str, Value)>,
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    pub fn zero(&self) -> Value {
        match self.elem {
            Elem::String => Value::Str(Str::from("")),
            Elem::Any => Value::Nil,
        }
    }

    /// Builds a map from unsorted entries.
    pub fn new(mut entries: Vec<(Str, Value)>, elem: Elem) -> Map {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Map { entries, elem }
    }
}

impl Struct {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Str::from(s))
    }

    /// Go's `truth`: false for zero values and empty containers; structs are true.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil | Value::NoValue => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) | Value::Duration(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Time(_) | Value::Struct(_) => true,
            Value::Map(m) => !m.entries.is_empty(),
            Value::List(l) => !l.is_empty(),
        }
    }

    /// The Go type name used in printf error markers (`%!d(string=x)`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil | Value::NoValue => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Time(_) => "time.Time",
            Value::Duration(_) => "time.Duration",
            Value::Map(m) => match m.elem {
                Elem::String => "map[string]string",
                Elem::Any => "map[string]interface {}",
            },
            Value::Struct(s) => s.type_name,
            Value::List(_) => "[]interface {}",
        }
    }
}
