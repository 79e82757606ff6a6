//! `kapacitorLoopback()` (reference §4.2 "Outputs"): `database` and
//! `retentionPolicy` (both required), `measurement`, `tag(k, v)`. Writes
//! points back into Kapacitor itself; writing into one of the task's own
//! DBRPs is refused at build time (`loop detected on dbrp`). In `tickc run`
//! the points are output like influxDBOut's. Terminal. Stat `points_written`.

use super::influxdb_out::{output_points, PointRewrite};
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::Message;
use compiler::ir;

pub struct KapacitorLoopback {
    rewrite: PointRewrite,
    line: String,
}

pub fn build_with(
    node: &ir::Node,
    pipeline: &ir::Pipeline,
) -> Result<Box<dyn NodeImpl>, BuildError> {
    let rewrite = PointRewrite::from_ir(node)?;
    let (Some(db), Some(rp)) = (&rewrite.database, &rewrite.retention_policy) else {
        return Err(BuildError::new(
            node,
            "must specify a database and retention policy",
        ));
    };
    if pipeline
        .dbrps
        .iter()
        .any(|d| *d.db == **db && *d.rp == **rp)
    {
        return Err(BuildError::new(
            node,
            format!("loop detected on dbrp: {{{db} {rp}}}"),
        ));
    }
    Ok(Box::new(KapacitorLoopback {
        rewrite,
        line: String::with_capacity(128),
    }))
}

pub fn build(
    node: &ir::Node,
    pipeline: &ir::Pipeline,
    _env: &BuildEnv<'_>,
) -> Result<Box<dyn NodeImpl>, BuildError> {
    build_with(node, pipeline)
}

impl NodeImpl for KapacitorLoopback {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        cx.stats.register("points_written");
        let n = output_points(&self.rewrite, &mut self.line, &msg, cx);
        cx.stats.add("points_written", n);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::node::harness::{pipeline, s, Harness};
    use compiler::catalog::NodeKind;
    use compiler::ir::Dbrp;

    #[test]
    fn needs_dbrp_and_detects_loops() {
        let props = || {
            vec![
                ("database", vec![s("db")]),
                ("retentionPolicy", vec![s("rp")]),
            ]
        };
        assert!(Harness::try_new(false, NodeKind::KapacitorLoopback, vec![], vec![]).is_err());
        assert!(Harness::try_new(false, NodeKind::KapacitorLoopback, vec![], props()).is_ok());
        let (mut p, id) = pipeline(false, NodeKind::KapacitorLoopback, vec![], props());
        p.dbrps.push(Dbrp {
            db: "db".into(),
            rp: "rp".into(),
        });
        let err = Harness::from_pipeline(&p, id).err().expect("loop");
        assert_eq!(err.message, "loop detected on dbrp: {db rp}");
    }
}
