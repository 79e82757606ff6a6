//! `shift(d)` (reference §4.2): adds `d` (may be negative) to every point
//! time, and to a batch's time and each of its points' times.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use compiler::ir::{self, Arg};
use std::sync::Arc;

pub struct Shift {
    by: i64,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let by = node
        .args
        .first()
        .and_then(Arg::as_duration)
        .ok_or_else(|| BuildError::new(node, "shift needs a duration argument"))?;
    Ok(Box::new(Shift { by }))
}

impl NodeImpl for Shift {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        let msg = match msg {
            Message::Point(mut p) => {
                Arc::make_mut(&mut p).time += self.by;
                Message::Point(p)
            }
            Message::Batch(mut b) => {
                let bm = Arc::make_mut(&mut b);
                bm.tmax += self.by;
                for p in &mut bm.points {
                    p.time += self.by;
                }
                Message::Batch(b)
            }
            other => other,
        };
        cx.emit(msg);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::node::harness::{f, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn shifts_both_ways() {
        let mut h = Harness::new(
            false,
            NodeKind::Shift,
            vec![Arg::Duration(-secs(5))],
            vec![],
        );
        h.point(point("m", &[], &[("v", f(1.0))], secs(10)));
        assert_eq!(h.take_points()[0].time, secs(5));
    }
}
