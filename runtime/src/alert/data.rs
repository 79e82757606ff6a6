//! The template data of §4.4: id data (Name, TaskName, Group, Tags,
//! ServerInfo), message data (+ ID, Fields, Level, Time, Duration) and
//! details data (+ Message), in the key order Kapacitor's JSON shows.

use super::level::Level;
use crate::message::{FieldValue, Str};
use crate::template::{Elem, Map, Struct, Value};
use std::sync::Arc;

/// `.ServerInfo`.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub hostname: Str,
    pub cluster_id: Str,
    pub server_id: Str,
}

impl ServerInfo {
    pub fn value(&self) -> Value {
        Value::Struct(Arc::new(Struct {
            type_name: "vars.Info",
            fields: vec![
                ("Hostname", Value::Str(self.hostname.clone())),
                ("ClusterID", Value::Str(self.cluster_id.clone())),
                ("ServerID", Value::Str(self.server_id.clone())),
            ],
        }))
    }
}

pub fn tags_value(tags: &[(Str, Str)]) -> Value {
    // Tags are already sorted by key.
    Value::Map(Arc::new(Map {
        entries: tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
            .collect(),
        elem: Elem::String,
    }))
}

pub fn field_value(v: &FieldValue) -> Value {
    match v {
        FieldValue::Float(f) => Value::Float(*f),
        FieldValue::Int(i) => Value::Int64(*i),
        FieldValue::String(s) => Value::Str(s.clone()),
        FieldValue::Bool(b) => Value::Bool(*b),
        FieldValue::Null => Value::Nil,
    }
}

pub fn fields_value(fields: &[(Str, FieldValue)]) -> Value {
    Value::Map(Arc::new(Map {
        entries: fields
            .iter()
            .map(|(k, v)| (k.clone(), field_value(v)))
            .collect(),
        elem: Elem::Any,
    }))
}

/// The ID template's fields.
pub fn id_fields(
    name: &Str,
    task: &Str,
    group: &Str,
    tags: Value,
    server: &Value,
) -> Vec<(&'static str, Value)> {
    let group = if group.is_empty() {
        Value::str("nil")
    } else {
        Value::Str(group.clone())
    };
    vec![
        ("Name", Value::Str(name.clone())),
        ("TaskName", Value::Str(task.clone())),
        ("Group", group),
        ("Tags", tags),
        ("ServerInfo", server.clone()),
    ]
}

pub fn id_data(fields: Vec<(&'static str, Value)>) -> Value {
    Value::Struct(Arc::new(Struct {
        type_name: "alert.idInfo",
        fields,
    }))
}

/// Extends id fields into the message data.
#[allow(clippy::too_many_arguments)]
pub fn message_fields(
    mut fields: Vec<(&'static str, Value)>,
    id: &str,
    point_fields: Value,
    level: Level,
    time: i64,
    duration: i64,
) -> Vec<(&'static str, Value)> {
    fields.push(("ID", Value::str(id)));
    fields.push(("Fields", point_fields));
    fields.push(("Level", Value::str(level.as_str())));
    fields.push(("Time", Value::Time(time)));
    fields.push(("Duration", Value::Duration(duration)));
    fields
}

pub fn message_data(fields: Vec<(&'static str, Value)>) -> Value {
    Value::Struct(Arc::new(Struct {
        type_name: "alert.messageInfo",
        fields,
    }))
}

pub fn details_data(mut fields: Vec<(&'static str, Value)>, message: &str) -> Value {
    fields.push(("Message", Value::str(message)));
    Value::Struct(Arc::new(Struct {
        type_name: "alert.detailsInfo",
        fields,
    }))
}
