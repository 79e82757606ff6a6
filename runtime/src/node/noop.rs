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

#[cfg(test)]
mod tests {
    use crate::group::nil_group;
    use crate::message::{Barrier, Message};
    use crate::node::harness::{f, Harness};
    use crate::testing::point;
    use compiler::catalog::NodeKind;

    #[test]
    fn passes_everything_through_unchanged() {
        let mut h = Harness::new(false, NodeKind::NoOp, vec![], vec![]);
        let p = point("m", &[("host", "a")], &[("v", f(1.0))], 5);
        h.point(p.clone());
        h.send(
            0,
            Message::Barrier(Barrier {
                group: nil_group(),
                time: 7,
            }),
        );
        h.send(0, Message::DeleteGroup(nil_group()));
        let out = h.take();
        assert_eq!(out.len(), 3);
        assert!(matches!(&out[0], Message::Point(q) if **q == p));
        assert!(matches!(&out[1], Message::Barrier(b) if b.time == 7));
        assert!(matches!(&out[2], Message::DeleteGroup(_)));
    }
}
