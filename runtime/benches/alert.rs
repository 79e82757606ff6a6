//! Alert node per-point cost and template rendering, each beside a
//! hand-written baseline in the same group:
//! - `alert/point_no_event`: a point that triggers nothing (OK stays OK) through
//!   the alert node vs `baseline_predicates` (the three level lambdas evaluated
//!   directly) — the difference is the node's own overhead (group lookup,
//!   history ring).
//! - `alert/point_event`: a point that triggers an event (message + details
//!   rendered, event JSON written to a null sink).
//! - `template/message`: the default message template vs `format!`.
//!
//! A counting allocator reports allocations per point for the no-event path
//! (printed before the measurements; expected 0).
//! Noise settings: run with `--warm-up-time 1 --measurement-time 2`.

use compiler::catalog::NodeKind;
use criterion::{criterion_group, criterion_main, Criterion};
use runtime::config::Config;
use runtime::message::{FieldValue, Message};
use runtime::node::{BuildEnv, NodeCx, NodeImpl, Target};
use runtime::output::NullSink;
use runtime::stats::NodeStats;
use runtime::template::{Elem, Map, Mode, Struct, Template, Value};
use runtime::testing::apoint;
use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use vm::lambda::{CompiledLambda, Engine};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::ALLOCS;

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

const SCRIPT: &str = "stream|from().measurement('m1')|alert().id('{{ .Name }}_{{ .TaskName }}')
    .info(lambda: \"value\" > 10).warn(lambda: \"value\" > 20).crit(lambda: \"value\" > 30)";

fn build() -> (Box<dyn NodeImpl>, Config) {
    build_script(SCRIPT)
}

fn build_script(script: &str) -> (Box<dyn NodeImpl>, Config) {
    let (p, d) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("{d:?}"));
    let node = p.nodes.iter().find(|n| n.kind == NodeKind::Alert).unwrap();
    let config = Config::default();
    let env = BuildEnv {
        task_name: "bench",
        task_type: p.task_type,
        config: &config,
    };
    (runtime::alert::build(node, &env).unwrap(), config)
}

fn bench_alert(c: &mut Criterion) {
    let (mut node, config) = build();
    let mut stats = NodeStats::default();
    let mut sink = NullSink;
    let mut out: Vec<(Target, Message)> = Vec::with_capacity(16);
    let quiet = apoint(
        "m1",
        &[("host", "a")],
        &[("value", FieldValue::Float(5.0))],
        1,
    );
    let loud = apoint(
        "m1",
        &[("host", "a")],
        &[("value", FieldValue::Float(35.0))],
        1,
    );

    let mut run = |node: &mut Box<dyn NodeImpl>, msg: Message, out: &mut Vec<(Target, Message)>| {
        let mut cx = NodeCx::new(
            "bench", "alert2", 2, 0, &mut stats, &mut sink, &config, true, out,
        );
        node.process(0, msg, &mut cx).unwrap();
        out.clear();
    };

    // Allocation count of the no-event path, once warm: the level lambdas
    // switch tier after 256 evaluations and Cranelift compiles them on a
    // background thread, whose allocations the counter sees too. So the
    // warm-up runs until a window of points allocates nothing (or 100 windows
    // have passed: then every point allocates, and the figure says so).
    for _ in 0..1_000 {
        run(&mut node, Message::Point(quiet.clone()), &mut out);
    }
    for _ in 0..100 {
        let before = ALLOCS.load(Ordering::Relaxed);
        for _ in 0..1_000 {
            run(&mut node, Message::Point(quiet.clone()), &mut out);
        }
        if ALLOCS.load(Ordering::Relaxed) == before {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..10_000 {
        run(&mut node, Message::Point(quiet.clone()), &mut out);
    }
    let per_point = (ALLOCS.load(Ordering::Relaxed) - before) as f64 / 10_000.0;
    println!("alert/point_no_event: {per_point} allocations per point");

    let mut g = c.benchmark_group("alert");
    g.bench_function("point_no_event", |b| {
        b.iter(|| {
            run(
                &mut node,
                Message::Point(black_box(quiet.clone())),
                &mut out,
            )
        })
    });
    g.bench_function("point_event", |b| {
        b.iter(|| run(&mut node, Message::Point(black_box(loud.clone())), &mut out))
    });
    // The same event without the default details (HTML-escaped JSON of the
    // template data): shows what the details template costs.
    let (mut plain, _) = build_script(&format!("{SCRIPT}.details('')"));
    g.bench_function("point_event_no_details", |b| {
        b.iter(|| {
            run(
                &mut plain,
                Message::Point(black_box(loud.clone())),
                &mut out,
            )
        })
    });
    // Baseline: only the three predicates, evaluated directly.
    let lambdas: Vec<CompiledLambda> = ["\"value\" > 30", "\"value\" > 20", "\"value\" > 10"]
        .iter()
        .map(|s| {
            CompiledLambda::compile(&compiler::check_lambda(s).0.unwrap(), Engine::Jit).unwrap()
        })
        .collect();
    let mut states: Vec<_> = lambdas.iter().map(|l| l.new_state()).collect();
    g.bench_function("baseline_predicates", |b| {
        b.iter(|| {
            let scope = quiet.scope();
            let mut hit = false;
            for (l, s) in lambdas.iter().zip(states.iter_mut()) {
                hit |= l.eval_bool(black_box(&scope), s).unwrap();
            }
            hit
        })
    });
    g.finish();
}

fn bench_template(c: &mut Criterion) {
    let t = Template::parse("message", "{{ .ID }} is {{ .Level }}", Mode::Text).unwrap();
    let data = Value::Struct(Arc::new(Struct {
        type_name: "alert.messageInfo",
        fields: vec![
            (
                "Tags",
                Value::Map(Arc::new(Map {
                    entries: vec![],
                    elem: Elem::String,
                })),
            ),
            ("ID", Value::str("cpu:nil")),
            ("Level", Value::str("CRITICAL")),
        ],
    }));
    let mut g = c.benchmark_group("template");
    let mut buf = String::with_capacity(64);
    g.bench_function("message", |b| {
        b.iter(|| {
            buf.clear();
            t.execute(black_box(&data), &mut buf).unwrap();
            buf.len()
        })
    });
    // The default details: html/template-escaped `{{ json . }}`.
    let details = Template::parse("details", "{{ json . }}", Mode::Html).unwrap();
    g.bench_function("default_details", |b| {
        b.iter(|| {
            buf.clear();
            details.execute(black_box(&data), &mut buf).unwrap();
            buf.len()
        })
    });
    let (id, level) = ("cpu:nil", "CRITICAL");
    g.bench_function("baseline_format", |b| {
        b.iter(|| {
            buf.clear();
            use std::fmt::Write;
            write!(buf, "{} is {}", black_box(id), black_box(level)).unwrap();
            buf.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_alert, bench_template);
criterion_main!(benches);
