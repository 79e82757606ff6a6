//! The `stream`/`batch` root: every point written to the task's DBRPs enters
//! here and goes to each `from()` child unchanged (a batch root only has query
//! children, which the executor feeds directly).

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use compiler::ir;

pub struct StreamRoot;

pub fn build(_node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(StreamRoot))
}

impl NodeImpl for StreamRoot {
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
