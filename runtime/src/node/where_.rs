//! `where(λ)` (reference §4.1): keeps a point when the predicate is true; a
//! false result or an error drops it (errors are counted and logged). For a
//! batch the begin/end always pass, so a batch can end up empty. Stateful
//! functions keep their state per group (§5.5).

use super::lambda::{compile, SavedLambdaGroups};
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{Message, Str};
use crate::node::group_map::GroupMap;
use compiler::ir;
use std::sync::Arc;
use vm::{CompiledLambda, LambdaState};

pub struct Where {
    lambda: CompiledLambda,
    states: GroupMap<LambdaState>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let l = node
        .args
        .first()
        .and_then(|a| a.as_lambda())
        .ok_or_else(|| BuildError::new(node, "where needs a lambda"))?;
    Ok(Box::new(Where {
        lambda: compile(node, l)?,
        states: GroupMap::new(),
    }))
}

impl Where {
    fn state(&mut self, group: &Str, cx: &mut NodeCx<'_>) -> &mut LambdaState {
        if self.states.get(group).is_none() {
            self.states.insert(group.clone(), self.lambda.new_state());
            self.states.report(cx);
        }
        self.states.get_mut(group).expect("inserted above")
    }
}

impl NodeImpl for Where {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let saved = SavedLambdaGroups::save(&self.lambda, &self.states);
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let saved: SavedLambdaGroups = crate::snapshot::decode(data)?;
        self.states = saved.load(&self.lambda)?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(p) => {
                self.state(&p.group.id, cx);
                let st = self.states.get_mut(&p.group.id).expect("state exists");
                match self.lambda.eval_bool(&p.scope(), st) {
                    Ok(true) => cx.emit(Message::Point(p)),
                    Ok(false) => {}
                    Err(e) => cx.error(format!("error while evaluating WHERE expression: {e}")),
                }
            }
            Message::Batch(b) => {
                self.state(&b.group.id, cx);
                let st = self.states.get_mut(&b.group.id).expect("state exists");
                let mut keep = Vec::with_capacity(b.points.len());
                let mut errors = Vec::new();
                for (i, p) in b.points.iter().enumerate() {
                    match self.lambda.eval_bool(&p.scope(), st) {
                        Ok(true) => keep.push(i),
                        Ok(false) => {}
                        Err(e) => errors.push(e),
                    }
                }
                for e in errors {
                    cx.error(format!("error while evaluating WHERE expression: {e}"));
                }
                if keep.len() == b.points.len() {
                    cx.emit(Message::Batch(b));
                } else {
                    let out = b.with_points(keep.iter().map(|&i| b.points[i].clone()).collect());
                    cx.emit(Message::Batch(Arc::new(out)));
                }
            }
            Message::DeleteGroup(g) => self.states.delete_group(g, cx),
            Message::Barrier(b) => cx.emit(Message::Barrier(b)),
        }
        Ok(())
    }
}
