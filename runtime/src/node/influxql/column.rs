//! The values of one field over the points of a batch (or of one stream
//! time), typed by the field's type in the first point (reference §4.3).

use crate::message::{FieldValue, Str};

/// The four field types a reducer can be chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FieldType {
    Float,
    Int,
    String,
    Bool,
}

impl FieldType {
    /// The type of a value; `None` for `Null` (join fill), which no reducer accepts.
    pub fn of(v: &FieldValue) -> Option<FieldType> {
        match v {
            FieldValue::Float(_) => Some(FieldType::Float),
            FieldValue::Int(_) => Some(FieldType::Int),
            FieldValue::String(_) => Some(FieldType::String),
            FieldValue::Bool(_) => Some(FieldType::Bool),
            FieldValue::Null => None,
        }
    }

    /// The Go type name Kapacitor prints in its errors (`%T`).
    pub fn go_name(self) -> &'static str {
        match self {
            FieldType::Float => "float64",
            FieldType::Int => "int64",
            FieldType::String => "string",
            FieldType::Bool => "bool",
        }
    }
}

/// The Go type name of any field value (`<nil>` for a join-filled null).
pub fn go_type_name(v: &FieldValue) -> &'static str {
    FieldType::of(v).map_or("<nil>", FieldType::go_name)
}

/// One value with its point's time and the index of its point in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<T> {
    pub time: i64,
    pub value: T,
    pub src: usize,
}

/// A typed column of items, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Float(Vec<Item<f64>>),
    Int(Vec<Item<i64>>),
    String(Vec<Item<Str>>),
    Bool(Vec<Item<bool>>),
}

impl Column {
    pub fn new(ty: FieldType) -> Column {
        match ty {
            FieldType::Float => Column::Float(Vec::new()),
            FieldType::Int => Column::Int(Vec::new()),
            FieldType::String => Column::String(Vec::new()),
            FieldType::Bool => Column::Bool(Vec::new()),
        }
    }

    pub fn field_type(&self) -> FieldType {
        match self {
            Column::Float(_) => FieldType::Float,
            Column::Int(_) => FieldType::Int,
            Column::String(_) => FieldType::String,
            Column::Bool(_) => FieldType::Bool,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Float(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::String(v) => v.len(),
            Column::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&mut self) {
        match self {
            Column::Float(v) => v.clear(),
            Column::Int(v) => v.clear(),
            Column::String(v) => v.clear(),
            Column::Bool(v) => v.clear(),
        }
    }

    /// Append a value; `false` (nothing appended) when its type differs from the column's.
    pub fn push(&mut self, time: i64, value: &FieldValue, src: usize) -> bool {
        match (self, value) {
            (Column::Float(c), FieldValue::Float(v)) => c.push(Item {
                time,
                value: *v,
                src,
            }),
            (Column::Int(c), FieldValue::Int(v)) => c.push(Item {
                time,
                value: *v,
                src,
            }),
            (Column::String(c), FieldValue::String(v)) => c.push(Item {
                time,
                value: v.clone(),
                src,
            }),
            (Column::Bool(c), FieldValue::Bool(v)) => c.push(Item {
                time,
                value: *v,
                src,
            }),
            _ => return false,
        }
        true
    }
}
