//! `log()` (reference §4.2): passes everything through and writes each
//! message in Kapacitor's logfmt shape, without the wall-clock `ts=` key (so
//! runs are reproducible):
//!
//! `lvl=info msg=point service=kapacitor task_master=main task=T node=log2
//! prefix=P name=cpu db=telegraf rp=autogen group=host=a dimension_0=host
//! tag_host=a field_usage=1 time=2016-05-04T17:44:00Z`
//!
//! A batch gives a `msg="begin batch"` line (name, group, dimensions, group
//! tags, `tmax`), one `msg="batch point"` line per point (tags, fields, time)
//! and a `msg="end batch"` line. Tags and fields are in key order. Values
//! holding a space, a quote, a backslash or a control character are quoted
//! Go-style.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Group, Message, Str};
use crate::output::Output;
use crate::time::rfc3339_nano;
use compiler::ir;
use std::fmt::Write as _;

pub struct Log {
    level: &'static str,
    prefix: String,
    node: String,
    line: String,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let level = match node
        .string("level")
        .unwrap_or("INFO")
        .to_ascii_uppercase()
        .as_str()
    {
        "DEBUG" => "debug",
        "INFO" => "info",
        "WARN" => "warn",
        "ERROR" => "error",
        other => {
            return Err(BuildError::new(
                node,
                format!("invalid log level {other:?}: want one of DEBUG, INFO, WARN, ERROR"),
            ))
        }
    };
    Ok(Box::new(Log {
        level,
        prefix: node.string("prefix").unwrap_or("").to_string(),
        node: node.name.clone(),
        line: String::new(),
    }))
}

/// Append ` key=value`, quoting the value when logfmt needs it.
fn kv(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push('=');
    let needs = value
        .chars()
        .any(|c| c == ' ' || c == '"' || c == '\\' || c.is_control());
    if needs {
        let _ = write!(out, "{value:?}");
    } else {
        out.push_str(value);
    }
}

fn field_text(v: &FieldValue) -> String {
    match v {
        FieldValue::Float(f) => format!("{f}"),
        FieldValue::Int(i) => i.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::String(s) => s.to_string(),
        FieldValue::Null => "<nil>".to_string(),
    }
}

impl Log {
    fn head(&mut self, msg: &str, task: &str) {
        self.line.clear();
        let _ = write!(self.line, "lvl={}", self.level);
        kv(&mut self.line, "msg", msg);
        self.line.push_str(" service=kapacitor task_master=main");
        kv(&mut self.line, "task", task);
        let node = std::mem::take(&mut self.node);
        kv(&mut self.line, "node", &node);
        self.node = node;
        let prefix = std::mem::take(&mut self.prefix);
        kv(&mut self.line, "prefix", &prefix);
        self.prefix = prefix;
    }

    fn group(&mut self, group: &Group) {
        kv(&mut self.line, "group", &group.id);
        for (i, d) in group.dims.tag_names.iter().enumerate() {
            kv(&mut self.line, &format!("dimension_{i}"), d);
        }
    }

    fn tags_fields(&mut self, tags: &[(Str, Str)], fields: &[(Str, FieldValue)]) {
        for (k, v) in tags {
            kv(&mut self.line, &format!("tag_{k}"), v);
        }
        for (k, v) in fields {
            kv(&mut self.line, &format!("field_{k}"), &field_text(v));
        }
    }

    fn flush(&mut self, cx: &mut NodeCx<'_>) {
        cx.output(Output::Log {
            node: cx.node,
            line: &self.line,
        });
    }
}

impl NodeImpl for Log {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match &msg {
            Message::Point(p) => {
                self.head("point", cx.task);
                kv(&mut self.line, "name", &p.name);
                kv(&mut self.line, "db", &p.database);
                kv(&mut self.line, "rp", &p.retention_policy);
                self.group(&p.group);
                self.tags_fields(&p.tags, &p.fields);
                kv(&mut self.line, "time", &rfc3339_nano(p.time));
                self.flush(cx);
            }
            Message::Batch(b) => {
                self.head("begin batch", cx.task);
                kv(&mut self.line, "name", &b.name);
                self.group(&b.group);
                self.tags_fields(&b.tags, &[]);
                kv(&mut self.line, "tmax", &rfc3339_nano(b.tmax));
                self.flush(cx);
                for p in &b.points {
                    self.head("batch point", cx.task);
                    kv(&mut self.line, "name", &b.name);
                    self.group(&b.group);
                    self.tags_fields(&p.tags, &p.fields);
                    kv(&mut self.line, "time", &rfc3339_nano(p.time));
                    self.flush(cx);
                }
                self.head("end batch", cx.task);
                kv(&mut self.line, "name", &b.name);
                self.group(&b.group);
                kv(&mut self.line, "tmax", &rfc3339_nano(b.tmax));
                self.flush(cx);
            }
            Message::Barrier(_) | Message::DeleteGroup(_) => {}
        }
        cx.emit(msg);
        Ok(())
    }
}
