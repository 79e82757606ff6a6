//! `a|union(b…)` (reference §4.2): a time-ordered merge of its parents.
//! `rename(s)` changes the name of every point/batch. Messages are buffered
//! per parent until **every** parent has sent something; then, repeatedly,
//! the low mark (the oldest of each parent's buffered head, or its last seen
//! time when its buffer is empty) is computed and everything at or before it
//! is emitted, parent by parent. At the end of input the buffers drain.
//! Barriers are buffered and merged like data; deletes pass straight through.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{Message, Str};
use compiler::ir;
use std::collections::VecDeque;
use std::sync::Arc;

pub struct Union {
    rename: Option<Str>,
    sources: Vec<VecDeque<Message>>,
    marks: Vec<Option<i64>>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let n = node.parents.len().max(1);
    Ok(Box::new(Union {
        rename: node
            .string("rename")
            .filter(|s| !s.is_empty())
            .map(Str::from),
        sources: vec![VecDeque::new(); n],
        marks: vec![None; n],
    }))
}

fn time_of(m: &Message) -> i64 {
    m.time().unwrap_or(i64::MIN)
}

impl Union {
    fn emit_ready(&mut self, drain: bool, cx: &mut NodeCx<'_>) {
        loop {
            let mut mark: Option<i64> = None;
            let mut valid = 0;
            for (i, q) in self.sources.iter().enumerate() {
                let mut source_mark = self.marks[i];
                if let Some(head) = q.front() {
                    let t = time_of(head);
                    mark = Some(mark.map_or(t, |m| m.min(t)));
                    source_mark = Some(t);
                }
                self.marks[i] = source_mark;
                if let Some(sm) = source_mark {
                    valid += 1;
                    if !drain {
                        mark = Some(mark.map_or(sm, |m| m.min(sm)));
                    }
                }
            }
            if !drain && valid != self.sources.len() {
                return;
            }
            let Some(mark) = mark else {
                return;
            };
            let mut emitted = false;
            for q in &mut self.sources {
                while q.front().is_some_and(|m| time_of(m) <= mark) {
                    let m = q.pop_front().expect("front checked");
                    cx.emit(m);
                    emitted = true;
                }
            }
            if !emitted {
                return;
            }
        }
    }

    fn renamed(&self, msg: Message) -> Message {
        let Some(name) = &self.rename else {
            return msg;
        };
        match msg {
            Message::Point(mut p) => {
                Arc::make_mut(&mut p).name = name.clone();
                Message::Point(p)
            }
            Message::Batch(mut b) => {
                Arc::make_mut(&mut b).name = name.clone();
                Message::Batch(b)
            }
            other => other,
        }
    }
}

impl NodeImpl for Union {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&(
            &self.sources,
            &self.marks,
        ))?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (sources, marks): (Vec<VecDeque<Message>>, Vec<Option<i64>>) =
            crate::snapshot::decode(data)?;
        if sources.len() != self.sources.len() || marks.len() != self.marks.len() {
            return Err(crate::snapshot::SnapshotError::Shape(format!(
                "{} parents saved, the node has {}",
                sources.len(),
                self.sources.len()
            ))
            .into());
        }
        self.sources = sources;
        self.marks = marks;
        Ok(())
    }

    fn process(
        &mut self,
        input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            // Barriers are merged in time order with the data, as Kapacitor does.
            Message::Point(_) | Message::Batch(_) | Message::Barrier(_) => {
                if input >= self.sources.len() {
                    return Err(NodeError::new(format!(
                        "union: message from unknown parent {input}"
                    )));
                }
                let m = self.renamed(msg);
                self.sources[input].push_back(m);
                self.emit_ready(false, cx);
            }
            other => cx.emit(other),
        }
        Ok(())
    }

    fn finish(&mut self, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        self.emit_ready(true, cx);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::Message;
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{apoint, secs, PipelineBuilder};
    use compiler::catalog::NodeKind;

    #[test]
    fn merges_in_time_order_after_all_parents_spoke() {
        let mut b = PipelineBuilder::stream();
        let a = b.add(NodeKind::From, &[0], vec![], vec![]);
        let c = b.add(NodeKind::From, &[0], vec![], vec![]);
        let u = b.add(
            NodeKind::Union,
            &[a, c],
            vec![],
            vec![("rename", vec![s("u")])],
        );
        let p = b.build();
        let mut h = Harness::from_pipeline(&p, u).unwrap();
        h.send(
            0,
            Message::Point(apoint("x", &[], &[("v", f(1.0))], secs(1))),
        );
        h.send(
            0,
            Message::Point(apoint("x", &[], &[("v", f(3.0))], secs(3))),
        );
        assert!(h.take().is_empty());
        h.send(
            1,
            Message::Point(apoint("y", &[], &[("v", f(2.0))], secs(2))),
        );
        let out = h.take_points();
        assert_eq!(
            out.iter().map(|p| p.time / secs(1)).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(out.iter().all(|p| &*p.name == "u"));
        h.finish();
        assert_eq!(h.take_points()[0].time, secs(3));
    }
}
