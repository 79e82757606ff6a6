//! `query(q)` and `queryFlux(q)` in replay form: the recorded batches of this
//! query node (entry i of a `.brpl` feeds the batch node's i-th child in
//! Kapacitor's link order, `task::replay_order`) pass through unchanged,
//! counted in the `batches_queried`/`points_queried` stats, as Kapacitor's
//! `QueryNode` and `FluxQueryNode` both count what they collect. Running the
//! InfluxQL or Flux query against a real InfluxDB on a schedule comes with
//! the server.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use compiler::ir;

pub struct Query;

pub fn build(_node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(Query))
}

impl NodeImpl for Query {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        if let Message::Batch(b) = &msg {
            cx.stats.add("batches_queried", 1);
            cx.stats.add("points_queried", b.points.len() as i64);
        }
        cx.emit(msg);
        Ok(())
    }
}
