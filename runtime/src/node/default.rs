//! `default()` (reference §4.2): `.field(name, value)` fills a field that is
//! absent or null; `.tag(name, value)` fills a tag that is absent **or
//! empty**. For batches the begin (group) tags are filled too and a defaulted
//! tag becomes a group dimension. Stats `fields_defaulted`, `tags_defaulted`
//! (one per value filled; for a batch the begin message counts too, as in
//! Kapacitor: each field default once more, and each tag filled there).

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_of;
use crate::message::{Dimensions, FieldValue, Fields, Message, Str, Tags};
use compiler::ir::{self, Arg};
use std::sync::Arc;

pub struct Default {
    fields: Vec<(Str, FieldValue)>,
    tags: Vec<(Str, Str)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let mut fields = Vec::new();
    for p in node.props_named("field") {
        let name = p.arg(0).and_then(Arg::as_str);
        let value = match p.arg(1) {
            Some(Arg::Float(v)) => Some(FieldValue::Float(*v)),
            Some(Arg::Int(v)) => Some(FieldValue::Int(*v)),
            Some(Arg::String(v)) => Some(FieldValue::String(Str::from(v.as_str()))),
            Some(Arg::Bool(v)) => Some(FieldValue::Bool(*v)),
            _ => None,
        };
        match (name, value) {
            (Some(n), Some(v)) => fields.push((Str::from(n), v)),
            _ => {
                return Err(BuildError::new(
                    node,
                    "default().field needs a name and a float, int, string or bool value",
                ))
            }
        }
    }
    let mut tags = Vec::new();
    for p in node.props_named("tag") {
        match (
            p.arg(0).and_then(Arg::as_str),
            p.arg(1).and_then(Arg::as_str),
        ) {
            (Some(n), Some(v)) => tags.push((Str::from(n), Str::from(v))),
            _ => {
                return Err(BuildError::new(
                    node,
                    "default().tag needs a name and a string value",
                ))
            }
        }
    }
    Ok(Box::new(Default { fields, tags }))
}

impl Default {
    fn fill_fields(&self, fields: &mut Fields) -> i64 {
        let mut n = 0;
        for (k, v) in &self.fields {
            let absent =
                crate::point::lookup(fields, k).is_none_or(|x| matches!(x, FieldValue::Null));
            if absent {
                set(fields, k, v.clone());
                n += 1;
            }
        }
        n
    }

    fn fill_tags(&self, tags: &mut Tags) -> i64 {
        let mut n = 0;
        for (k, v) in &self.tags {
            if crate::point::lookup(tags, k).is_none_or(|x| x.is_empty()) {
                set(tags, k, v.clone());
                n += 1;
            }
        }
        n
    }

    /// Whether anything would change (so untouched points are not copied).
    fn needs(&self, fields: &Fields, tags: &Tags) -> bool {
        self.fields.iter().any(|(k, _)| {
            crate::point::lookup(fields, k).is_none_or(|x| matches!(x, FieldValue::Null))
        }) || self
            .tags
            .iter()
            .any(|(k, _)| crate::point::lookup(tags, k).is_none_or(|x| x.is_empty()))
    }
}

impl NodeImpl for Default {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        cx.stats.register("fields_defaulted");
        cx.stats.register("tags_defaulted");
        match msg {
            Message::Point(mut p) => {
                if self.needs(&p.fields, &p.tags) {
                    let pm = Arc::make_mut(&mut p);
                    let nf = self.fill_fields(&mut pm.fields);
                    let nt = self.fill_tags(&mut pm.tags);
                    if nt > 0 && !pm.group.dims.tag_names.is_empty() {
                        // A dimension tag may have been filled: its group ID changes.
                        let dims = pm.group.dims.clone();
                        pm.group = group_of(&pm.name, &pm.tags, &dims);
                    }
                    cx.stats.add("fields_defaulted", nf);
                    cx.stats.add("tags_defaulted", nt);
                }
                cx.emit(Message::Point(p));
            }
            Message::Batch(mut b) => {
                let bm = Arc::make_mut(&mut b);
                let (mut nf, mut nt) = (0, 0);
                for p in &mut bm.points {
                    nf += self.fill_fields(&mut p.fields);
                    nt += self.fill_tags(&mut p.tags);
                }
                // Kapacitor runs its defaulting on the begin message too, with
                // no fields: every field default counts once more per batch.
                nf += self.fields.len() as i64;
                if !self.tags.is_empty() {
                    nt += self.fill_tags(&mut bm.tags);
                    let mut names = bm.group.dims.tag_names.clone();
                    for (k, _) in &self.tags {
                        if !names.contains(k) {
                            names.push(k.clone());
                        }
                    }
                    names.sort();
                    let dims = Arc::new(Dimensions {
                        by_name: bm.group.dims.by_name,
                        tag_names: names,
                    });
                    bm.group = group_of(&bm.name, &bm.tags, &dims);
                }
                cx.stats.add("fields_defaulted", nf);
                cx.stats.add("tags_defaulted", nt);
                cx.emit(Message::Batch(b));
            }
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{FieldValue, Str};
    use crate::node::harness::{f, i, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn fills_absent_fields_and_empty_tags() {
        let mut h = Harness::new(
            false,
            NodeKind::Default,
            vec![],
            vec![
                ("field", vec![s("a"), Arg::Int(5)]),
                ("field", vec![s("b"), Arg::Float(1.0)]),
                ("tag", vec![s("host"), s("none")]),
            ],
        );
        h.point(point("m", &[("host", "")], &[("b", f(2.0))], secs(1)));
        let out = h.take_points();
        assert_eq!(out[0].field("a"), Some(&i(5)));
        assert_eq!(out[0].field("b"), Some(&f(2.0)));
        assert_eq!(out[0].tag("host").map(|t| &**t), Some("none"));
        assert_eq!(h.stats.get("fields_defaulted"), Some(1));
        assert_eq!(h.stats.get("tags_defaulted"), Some(1));
        h.point(point(
            "m",
            &[("host", "x")],
            &[("a", FieldValue::Null), ("b", f(2.0))],
            secs(1),
        ));
        assert_eq!(h.take_points()[0].field("a"), Some(&i(5)));
        let _ = Str::from("");
    }
}
