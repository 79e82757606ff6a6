//! Rendering an event's id, message and details templates (§4.4) against
//! template data that one alert node rebuilds in place for every event.
//!
//! `data.rs` builds the same values from scratch (handlers use it); here the
//! structs and maps of the previous event are cleared and refilled, so an
//! event costs reference-count increments instead of a dozen allocations,
//! and the level names and the nil group are shared strings made once.
//! The values seen by the templates, and so the output, are the same.

use super::data::{field_value, ServerInfo};
use super::level::Level;
use crate::message::{FieldValue, Str};
use crate::template::{Elem, Map, Struct, Template, Value};
use std::sync::Arc;

/// One event's data as the templates see it.
pub struct EventData<'a> {
    pub name: &'a Str,
    pub task: &'a Str,
    /// `""` for the nil group.
    pub group: &'a Str,
    pub tags: &'a [(Str, Str)],
    pub fields: &'a [(Str, FieldValue)],
    pub level: Level,
    pub time: i64,
    pub duration: i64,
}

/// The reusable template data of one alert node.
pub struct Renderer {
    server: Value,
    /// `.Group` of the nil group.
    nil_group: Str,
    /// `.Level` for each level, indexed by `Level as usize`.
    levels: [Str; 4],
    tags: Arc<Map>,
    fields: Arc<Map>,
    id: Arc<Struct>,
    message: Arc<Struct>,
    details: Arc<Struct>,
    /// Where html templates print values before escaping them.
    scratch: String,
    /// Output sizes of the last event, to size the next one's strings once.
    message_len: usize,
    details_len: usize,
}

fn empty_struct(type_name: &'static str, n: usize) -> Arc<Struct> {
    Arc::new(Struct {
        type_name,
        fields: Vec::with_capacity(n),
    })
}

fn empty_map(elem: Elem) -> Arc<Map> {
    Arc::new(Map {
        entries: Vec::new(),
        elem,
    })
}

/// The struct, emptied; unshared after the previous render dropped its
/// clones, so this is a clear, not a copy (a copy if something kept one).
fn cleared(s: &mut Arc<Struct>) -> &mut Struct {
    let s = Arc::make_mut(s);
    s.fields.clear();
    s
}

impl Renderer {
    pub fn new(server: &ServerInfo) -> Renderer {
        let lvl = |l: Level| Str::from(l.as_str());
        Renderer {
            server: server.value(),
            nil_group: Str::from("nil"),
            levels: [
                lvl(Level::Ok),
                lvl(Level::Info),
                lvl(Level::Warning),
                lvl(Level::Critical),
            ],
            tags: empty_map(Elem::String),
            fields: empty_map(Elem::Any),
            id: empty_struct("alert.idInfo", 5),
            message: empty_struct("alert.messageInfo", 10),
            details: empty_struct("alert.detailsInfo", 11),
            scratch: String::new(),
            message_len: 0,
            details_len: 0,
        }
    }

    /// Empties every struct first: their clones of the maps go, so the maps
    /// are unshared when refilled.
    fn clear(&mut self) {
        cleared(&mut self.id);
        cleared(&mut self.message);
        cleared(&mut self.details);
    }

    fn set_tags(&mut self, tags: &[(Str, Str)]) {
        let m = Arc::make_mut(&mut self.tags);
        m.entries.clear();
        // Tags are already sorted by key.
        m.entries
            .extend(tags.iter().map(|(k, v)| (k.clone(), Value::Str(v.clone()))));
    }

    fn set_fields(&mut self, fields: &[(Str, FieldValue)]) {
        let m = Arc::make_mut(&mut self.fields);
        m.entries.clear();
        m.entries
            .extend(fields.iter().map(|(k, v)| (k.clone(), field_value(v))));
    }

    /// The ID template's fields (alert.idInfo), in declaration order.
    fn id_fields(&self, name: &Str, task: &Str, group: &Str) -> [(&'static str, Value); 5] {
        let group = if group.is_empty() {
            &self.nil_group
        } else {
            group
        };
        [
            ("Name", Value::Str(name.clone())),
            ("TaskName", Value::Str(task.clone())),
            ("Group", Value::Str(group.clone())),
            ("Tags", Value::Map(self.tags.clone())),
            ("ServerInfo", self.server.clone()),
        ]
    }

    /// Renders the ID template.
    pub fn id(
        &mut self,
        tmpl: &Template,
        name: &Str,
        task: &Str,
        group: &Str,
        tags: &[(Str, Str)],
    ) -> Result<Str, String> {
        if let Some(c) = tmpl.is_constant() {
            return Ok(Str::from(c));
        }
        self.clear();
        self.set_tags(tags);
        let fields = self.id_fields(name, task, group);
        cleared(&mut self.id).fields.extend(fields);
        let mut out = String::new();
        tmpl.execute_with(&Value::Struct(self.id.clone()), &mut out, &mut self.scratch)
            .map_err(|e| e.to_string())?;
        Ok(Str::from(out))
    }

    /// Renders the message template, then the details template (which sees
    /// the message), for one event with ID `id`.
    pub fn message_details(
        &mut self,
        message: &Template,
        details: &Template,
        id: &Str,
        ev: &EventData<'_>,
    ) -> Result<(String, String), String> {
        self.clear();
        self.set_tags(ev.tags);
        self.set_fields(ev.fields);
        let idf = self.id_fields(ev.name, ev.task, ev.group);
        let more = [
            ("ID", Value::Str(id.clone())),
            ("Fields", Value::Map(self.fields.clone())),
            ("Level", Value::Str(self.levels[ev.level as usize].clone())),
            ("Time", Value::Time(ev.time)),
            ("Duration", Value::Duration(ev.duration)),
        ];
        let m = cleared(&mut self.message);
        m.fields.extend(idf);
        m.fields.extend(more);

        let mut msg = String::with_capacity(self.message_len);
        message
            .execute_with(
                &Value::Struct(self.message.clone()),
                &mut msg,
                &mut self.scratch,
            )
            .map_err(|e| e.to_string())?;
        self.message_len = msg.len();
        // An empty details template (`.details('')`) needs no data at all.
        if details.is_constant() == Some("") {
            return Ok((msg, String::new()));
        }
        let msg_value = Value::Str(Str::from(msg.as_str()));
        let d = cleared(&mut self.details);
        d.fields.extend(self.message.fields.iter().cloned());
        d.fields.push(("Message", msg_value));

        let mut det = String::with_capacity(self.details_len);
        details
            .execute_with(
                &Value::Struct(self.details.clone()),
                &mut det,
                &mut self.scratch,
            )
            .map_err(|e| e.to_string())?;
        self.details_len = det.len();
        Ok((msg, det))
    }
}
