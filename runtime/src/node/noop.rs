//! `noop`: passes every message through unchanged (Kapacitor inserts it, e.g.
//! under a nested stats source; users may also write it).

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use compiler::ir;

pub struct NoOp;

pub fn build(_node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(NoOp))
}

impl NodeImpl for NoOp {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        cx.emit(msg);
        Ok(())
    }
}
