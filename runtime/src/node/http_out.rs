//! `httpOut(endpoint)` (reference §4.2, api.md §1.5): caches, per group in
//! first-appearance order, the group's latest point (stream row: all point
//! tags) or latest batch (batch row: group tags). A DeleteGroup removes the
//! group's slot. Passes data through. At the end of `tickc run` the cached
//! result is output as `{"kind":"httpOut",...}`; the server will serve it.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{Message, Str};
use crate::output::Output;
use crate::result::{result_json, row_from_batch, row_from_point, Row};
use compiler::ir;
use std::collections::HashMap;

pub struct HttpOut {
    endpoint: String,
    slots: Vec<Option<Row>>,
    index: HashMap<Str, usize>,
    ids: Vec<Str>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let endpoint = node
        .args
        .first()
        .and_then(|a| a.as_str())
        .ok_or_else(|| BuildError::new(node, "httpOut needs an endpoint name"))?;
    Ok(Box::new(HttpOut {
        endpoint: endpoint.to_string(),
        slots: Vec::new(),
        index: HashMap::new(),
        ids: Vec::new(),
    }))
}

impl HttpOut {
    fn set(&mut self, id: &Str, row: Row) {
        match self.index.get(id) {
            Some(&i) => self.slots[i] = Some(row),
            None => {
                self.index.insert(id.clone(), self.slots.len());
                self.ids.push(id.clone());
                self.slots.push(Some(row));
            }
        }
    }

    /// The current result JSON (`{"series":…}`).
    pub fn result(&self) -> String {
        result_json(&self.slots)
    }
}

impl NodeImpl for HttpOut {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&(&self.ids, &self.slots))?))
    }

    /// The last result per group, in first-seen order; the index follows.
    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (ids, slots): (Vec<Str>, Vec<Option<Row>>) = crate::snapshot::decode(data)?;
        if ids.len() != slots.len() {
            return Err(crate::snapshot::SnapshotError::Shape(format!(
                "{} group IDs for {} results",
                ids.len(),
                slots.len()
            ))
            .into());
        }
        self.index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        self.ids = ids;
        self.slots = slots;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match &msg {
            Message::Point(p) => self.set(&p.group.id, row_from_point(p)),
            Message::Batch(b) => self.set(&b.group.id, row_from_batch(b)),
            Message::DeleteGroup(g) => {
                if let Some(i) = self.index.remove(&g.id) {
                    self.slots.remove(i);
                    self.ids.remove(i);
                    for (j, id) in self.ids.iter().enumerate().skip(i) {
                        self.index.insert(id.clone(), j);
                    }
                }
            }
            Message::Barrier(_) => {}
        }
        cx.stats.working_cardinality = self.slots.len() as i64;
        cx.emit(msg);
        Ok(())
    }

    fn http_out_result(&self, endpoint: &str) -> Option<String> {
        (endpoint == self.endpoint).then(|| self.result())
    }

    fn finish(&mut self, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        let result = self.result();
        cx.output(Output::HttpOut {
            node: cx.node,
            endpoint: &self.endpoint,
            result_json: &result,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::group::group_of;
    use crate::message::{Dimensions, Message};
    use crate::node::harness::{f, s, Harness};
    use crate::testing::point;
    use compiler::catalog::NodeKind;
    use std::sync::Arc;

    #[test]
    fn delete_group_removes_the_slot_and_keeps_the_order() {
        let mut h = Harness::new(false, NodeKind::HttpOut, vec![s("x")], vec![]);
        let dims = Arc::new(Dimensions {
            by_name: false,
            tag_names: vec!["host".into()],
        });
        let mut groups = Vec::new();
        for (i, host) in ["a", "b", "c"].iter().enumerate() {
            let mut p = point("m", &[("host", host)], &[("v", f(i as f64))], i as i64);
            p.group = group_of("m", &p.tags, &dims);
            groups.push(p.group.clone());
            h.point(p);
        }
        h.send(0, Message::DeleteGroup(groups[1].clone()));
        h.finish();
        let line = &h.sink.lines[0];
        assert!(line.contains("\"host\":\"a\"") && line.contains("\"host\":\"c\""));
        assert!(!line.contains("\"host\":\"b\""));
        assert!(line.find("\"a\"").unwrap() < line.find("\"c\"").unwrap());
        assert_eq!(h.stats.working_cardinality, 2);
        // Messages pass through: 3 points and the delete.
        assert_eq!(h.take().len(), 4);
    }
}
