//! `trickle()` (reference §4.2, batch → stream): each batch point becomes a
//! stream point with the batch's name, group and dimensions. Quirk kept from
//! Kapacitor: it forwards **only to its first child**.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{Message, Point, Str};
use compiler::ir;
use std::sync::Arc;

pub struct Trickle;

pub fn build(_node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(Trickle))
}

impl NodeImpl for Trickle {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Batch(b) => {
                let empty = Str::from("");
                for bp in &b.points {
                    cx.emit_to(
                        0,
                        Message::Point(Arc::new(Point {
                            name: b.name.clone(),
                            database: empty.clone(),
                            retention_policy: empty.clone(),
                            tags: bp.tags.clone(),
                            fields: bp.fields.clone(),
                            time: bp.time,
                            group: b.group.clone(),
                        })),
                    );
                }
            }
            other => cx.emit_to(0, other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{Batch, BatchPoint, Message, Str};
    use crate::node::harness::{f, Harness};
    use crate::node::Target;
    use crate::testing::secs;
    use compiler::catalog::NodeKind;
    use std::sync::Arc;

    #[test]
    fn points_go_to_the_first_child_only() {
        let mut h = Harness::new(true, NodeKind::Trickle, vec![], vec![]);
        let bp = |t| BatchPoint {
            tags: vec![(Str::from("host"), Str::from("a"))],
            fields: vec![(Str::from("v"), f(1.0))],
            time: t,
        };
        h.send(
            0,
            Message::Batch(Arc::new(Batch {
                name: Str::from("cpu"),
                group: crate::group::nil_group(),
                tags: vec![],
                by_name: false,
                tmax: secs(9),
                points: vec![bp(secs(1)), bp(secs(2))],
            })),
        );
        let out = h.take_targets();
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|(t, _)| *t == Target::Child(0)));
        let Message::Point(p) = &out[1].1 else {
            panic!()
        };
        assert_eq!((p.time, &*p.name), (secs(2), "cpu"));
    }
}
