//! Test harness for single nodes: build a node from a hand-made IR node, feed
//! it messages and collect what it emits (used by the node files' unit tests).

use super::{build, BuildEnv, BuildError, NodeCx, NodeImpl, Target};
use crate::config::Config;
use crate::message::{FieldValue, Message, Point};
use crate::output::VecSink;
use crate::stats::NodeStats;
use crate::testing::PipelineBuilder;
use compiler::catalog::NodeKind;
use compiler::ir::{Arg, Pipeline};
use std::sync::Arc;

#[allow(dead_code)]
pub struct Harness {
    pub imp: Box<dyn NodeImpl>,
    pub stats: NodeStats,
    pub sink: VecSink,
    pub config: Config,
    pub name: String,
    pub out: Vec<(Target, Message)>,
}

/// A pipeline `stream|<kind>(args).props` (or batch), returning it and the node id.
pub fn pipeline(
    batch: bool,
    kind: NodeKind,
    args: Vec<Arg>,
    props: Vec<(&str, Vec<Arg>)>,
) -> (Pipeline, u32) {
    let mut b = if batch {
        PipelineBuilder::batch()
    } else {
        PipelineBuilder::stream()
    };
    let id = b.add(kind, &[0], args, props);
    (b.build(), id)
}

#[allow(dead_code)]
impl Harness {
    pub fn try_new(
        batch: bool,
        kind: NodeKind,
        args: Vec<Arg>,
        props: Vec<(&str, Vec<Arg>)>,
    ) -> Result<Harness, BuildError> {
        let (p, id) = pipeline(batch, kind, args, props);
        Harness::from_pipeline(&p, id)
    }

    pub fn new(
        batch: bool,
        kind: NodeKind,
        args: Vec<Arg>,
        props: Vec<(&str, Vec<Arg>)>,
    ) -> Harness {
        Harness::try_new(batch, kind, args, props).expect("node builds")
    }

    pub fn from_pipeline(p: &Pipeline, id: u32) -> Result<Harness, BuildError> {
        Harness::with_config(p, id, Config::default())
    }

    pub fn with_config(p: &Pipeline, id: u32, config: Config) -> Result<Harness, BuildError> {
        let env = BuildEnv {
            task_name: "test",
            task_type: p.task_type,
            config: &config,
        };
        let node = &p.nodes[id as usize];
        let imp = build(node, p, &env)?;
        Ok(Harness {
            imp,
            stats: NodeStats::default(),
            sink: VecSink::default(),
            config,
            name: node.name.clone(),
            out: Vec::new(),
        })
    }

    fn with_cx<R>(&mut self, f: impl FnOnce(&mut dyn NodeImpl, &mut NodeCx<'_>) -> R) -> R {
        let mut cx = NodeCx::new(
            "test",
            &self.name,
            1,
            0,
            &mut self.stats,
            &mut self.sink,
            &self.config,
            false,
            &mut self.out,
        );
        f(self.imp.as_mut(), &mut cx)
    }

    pub fn try_send(&mut self, input: usize, msg: Message) -> Result<(), super::NodeError> {
        self.with_cx(|n, cx| n.process(input, msg, cx))
    }

    pub fn send(&mut self, input: usize, msg: Message) {
        self.with_cx(|n, cx| n.process(input, msg, cx))
            .expect("process ok");
    }

    pub fn point(&mut self, p: Point) {
        self.send(0, Message::Point(Arc::new(p)));
    }

    pub fn tick(&mut self, now: i64) {
        self.with_cx(|n, cx| n.tick(now, cx)).expect("tick ok");
    }

    pub fn finish(&mut self) {
        self.with_cx(|n, cx| n.finish(cx)).expect("finish ok");
    }

    /// Take what was emitted so far.
    pub fn take(&mut self) -> Vec<Message> {
        self.out.drain(..).map(|(_, m)| m).collect()
    }

    pub fn take_targets(&mut self) -> Vec<(Target, Message)> {
        std::mem::take(&mut self.out)
    }

    /// Emitted points as (time, fields) pairs (panics on other messages).
    pub fn take_points(&mut self) -> Vec<Arc<Point>> {
        self.take()
            .into_iter()
            .map(|m| match m {
                Message::Point(p) => p,
                other => panic!("expected a point, got {other:?}"),
            })
            .collect()
    }
}

pub fn f(v: f64) -> FieldValue {
    FieldValue::Float(v)
}

pub fn i(v: i64) -> FieldValue {
    FieldValue::Int(v)
}

pub fn s(v: &str) -> Arg {
    Arg::String(v.to_string())
}

/// `lambda: "field" <op> <value>` built by hand (no front end needed).
pub fn cmp_lambda(field: &str, op: compiler::ir::BinaryOp, value: compiler::ir::Const) -> Arg {
    use compiler::ir::{Expr, ExprKind, Lambda};
    use compiler::span::Span;
    use compiler::types::Type;
    let ty = value.ty();
    let left = Expr {
        kind: ExprKind::Reference(field.to_string()),
        ty: Type::Dynamic,
        span: Span::default(),
    };
    let right = Expr {
        kind: ExprKind::Const(value),
        ty,
        span: Span::default(),
    };
    Arg::Lambda(Lambda {
        expr: Expr {
            kind: ExprKind::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            },
            ty: Type::Bool,
            span: Span::default(),
        },
        source: format!("\"{field}\" {} ...", op.symbol()),
        span: Span::default(),
    })
}

/// What `serve_once` received: request line, lower-cased headers, body.
pub type Received = (String, Vec<(String, String)>, Vec<u8>);

/// A one-request HTTP server on `listener`: returns (request line, lower-cased
/// headers, body) and answers with `status`.
pub fn serve_once(
    listener: std::net::TcpListener,
    status: u16,
) -> std::thread::JoinHandle<Received> {
    use std::io::{BufRead, BufReader, Read, Write};
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut r = BufReader::new(stream.try_clone().expect("clone"));
        let mut request_line = String::new();
        r.read_line(&mut request_line).expect("request line");
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            r.read_line(&mut l).expect("header");
            let l = l.trim_end().to_string();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').expect("header colon");
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map(|(_, v)| v.parse().expect("length"))
            .unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body).expect("body");
        let mut w = stream;
        let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        w.write_all(resp.as_bytes()).expect("respond");
        (request_line.trim_end().to_string(), headers, body)
    })
}
