//! `delete()` (reference §4.2): `.field(name)` / `.tag(name)` (repeatable)
//! remove fields and tags. On a stream, deleted tags also leave the
//! dimensions (the group is recomputed). On a batch they leave every point and
//! the batch's group tags, and the batch is regrouped as Kapacitor's
//! `BeginBatchMessage.SetTags` does: the dimensions become the remaining group
//! tag names (by-name kept) and the group ID is recomputed, so deleting the
//! only group tag moves the batch into the nil group. Stats `fields_deleted`,
//! `tags_deleted` (deletions of names actually present).

use super::edit::{remove, string_args};
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_of;
use crate::message::{Dimensions, Message, Str};
use compiler::ir;
use std::sync::Arc;

pub struct Delete {
    fields: Vec<Str>,
    tags: Vec<Str>,
    /// Last (input dims → output dims) mapping, so a series reuses one Arc.
    dims_cache: Option<(Arc<Dimensions>, Arc<Dimensions>)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(Delete {
        fields: string_args(node, "field"),
        tags: string_args(node, "tag"),
        dims_cache: None,
    }))
}

impl Delete {
    fn dims(&mut self, d: &Arc<Dimensions>) -> Arc<Dimensions> {
        if let Some((from, to)) = &self.dims_cache {
            if Arc::ptr_eq(from, d) || **from == **d {
                return to.clone();
            }
        }
        let out = if d.tag_names.iter().any(|t| self.tags.contains(t)) {
            Arc::new(Dimensions {
                by_name: d.by_name,
                tag_names: d
                    .tag_names
                    .iter()
                    .filter(|t| !self.tags.contains(t))
                    .cloned()
                    .collect(),
            })
        } else {
            d.clone()
        };
        self.dims_cache = Some((d.clone(), out.clone()));
        out
    }
}

impl NodeImpl for Delete {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        cx.stats.register("fields_deleted");
        cx.stats.register("tags_deleted");
        match msg {
            Message::Point(mut p) => {
                let dims = self.dims(&p.group.dims);
                let pm = Arc::make_mut(&mut p);
                let (mut nf, mut nt) = (0, 0);
                for f in &self.fields {
                    nf += remove(&mut pm.fields, f) as i64;
                }
                for t in &self.tags {
                    nt += remove(&mut pm.tags, t) as i64;
                }
                if !Arc::ptr_eq(&dims, &pm.group.dims) {
                    pm.group = group_of(&pm.name, &pm.tags, &dims);
                }
                cx.stats.add("fields_deleted", nf);
                cx.stats.add("tags_deleted", nt);
                cx.emit(Message::Point(p));
            }
            Message::Batch(mut b) => {
                // As Kapacitor: the begin (group) tags and every point lose
                // the names (the begin's deletions count too), then the
                // dimensions are the remaining group tags.
                let bm = Arc::make_mut(&mut b);
                let (mut nf, mut nt) = (0, 0);
                for t in &self.tags {
                    nt += remove(&mut bm.tags, t) as i64;
                }
                for p in &mut bm.points {
                    for f in &self.fields {
                        nf += remove(&mut p.fields, f) as i64;
                    }
                    for t in &self.tags {
                        nt += remove(&mut p.tags, t) as i64;
                    }
                }
                let regroup = bm.tags.len() != bm.group.dims.tag_names.len()
                    || bm
                        .tags
                        .iter()
                        .zip(&bm.group.dims.tag_names)
                        .any(|((k, _), d)| k != d);
                if regroup {
                    let dims = Arc::new(Dimensions {
                        by_name: bm.group.dims.by_name,
                        tag_names: bm.tags.iter().map(|(k, _)| k.clone()).collect(),
                    });
                    bm.group = group_of(&bm.name, &bm.tags, &dims);
                    bm.by_name = dims.by_name;
                }
                cx.stats.add("fields_deleted", nf);
                cx.stats.add("tags_deleted", nt);
                cx.emit(Message::Batch(b));
            }
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::group::group_of;
    use crate::message::{Dimensions, Str};
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use std::sync::Arc;

    #[test]
    fn deletes_fields_tags_and_dimensions() {
        let mut h = Harness::new(
            false,
            NodeKind::Delete,
            vec![],
            vec![
                ("field", vec![s("a")]),
                ("tag", vec![s("host")]),
                ("tag", vec![s("nope")]),
            ],
        );
        let mut p = point(
            "m",
            &[("host", "x"), ("dc", "e")],
            &[("a", f(1.0)), ("b", f(2.0))],
            secs(1),
        );
        let dims = Arc::new(Dimensions {
            by_name: false,
            tag_names: vec![Str::from("dc"), Str::from("host")],
        });
        p.group = group_of(&p.name, &p.tags, &dims);
        h.point(p);
        let out = h.take_points();
        assert_eq!(out[0].fields.len(), 1);
        assert_eq!(out[0].tags.len(), 1);
        assert_eq!(&*out[0].group.id, "dc=e");
        assert_eq!(h.stats.get("fields_deleted"), Some(1));
        assert_eq!(h.stats.get("tags_deleted"), Some(1));
    }

    #[test]
    fn batches_regroup_on_the_remaining_group_tags() {
        use crate::message::{Batch, BatchPoint, Message};
        let mut h = Harness::new(
            true,
            NodeKind::Delete,
            vec![],
            vec![("tag", vec![s("host")])],
        );
        let two = |by_name| {
            Arc::new(Dimensions {
                by_name,
                tag_names: vec![Str::from("dc"), Str::from("host")],
            })
        };
        let tags = vec![
            (Str::from("dc"), Str::from("e")),
            (Str::from("host"), Str::from("x")),
        ];
        let batch = |dims: Arc<Dimensions>| Batch {
            name: Str::from("m"),
            group: group_of("m", &tags, &dims),
            tags: crate::group::group_tags(&tags, &dims),
            by_name: dims.by_name,
            tmax: secs(1),
            points: vec![BatchPoint {
                tags: tags.clone(),
                fields: vec![(Str::from("v"), f(1.0))],
                time: secs(1),
            }],
        };
        h.send(0, Message::Batch(Arc::new(batch(two(true)))));
        let only_host = Arc::new(Dimensions {
            by_name: false,
            tag_names: vec![Str::from("host")],
        });
        h.send(0, Message::Batch(Arc::new(batch(only_host))));
        let out: Vec<_> = h
            .take()
            .into_iter()
            .filter_map(|m| match m {
                Message::Batch(b) => Some(b),
                _ => None,
            })
            .collect();
        // Group ID "m\ndc=e" by hand: by name, then the one remaining tag.
        assert_eq!(&*out[0].group.id, "m\ndc=e");
        assert_eq!(out[0].group.dims.tag_names, vec![Str::from("dc")]);
        assert_eq!(out[0].points[0].tags.len(), 1);
        // Only the group tag deleted: the nil group.
        assert_eq!(&*out[1].group.id, "");
        assert!(out[1].group.dims.tag_names.is_empty());
        assert!(out[1].tags.is_empty());
    }
}
