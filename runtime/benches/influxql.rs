//! InfluxQL function nodes over a 1,000-point batch (the per-window cost of
//! `|window()|mean('value')` and friends), against a hand-written baseline
//! that only walks the batch and sums the field: the floor any reducer pays.
//!
//! Noise settings: 1s warm-up, 2s measurement, 20 samples; throughput is in
//! batch points.

use compiler::catalog::NodeKind;
use compiler::ir::Arg;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runtime::config::Config;
use runtime::group::nil_group;
use runtime::message::{Batch, BatchPoint, FieldValue, Message, Str};
use runtime::node::{build, BuildEnv, NodeCx};
use runtime::output::NullSink;
use runtime::stats::NodeStats;
use runtime::testing::PipelineBuilder;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const N: usize = 1_000;

fn batch() -> Arc<Batch> {
    let key = Str::from("value");
    let points = (0..N)
        .map(|i| BatchPoint {
            tags: vec![],
            fields: vec![(key.clone(), FieldValue::Float(((i * 7919) % 1000) as f64))],
            time: i as i64 * 1_000_000_000,
        })
        .collect();
    Arc::new(Batch {
        name: Str::from("m1"),
        group: nil_group(),
        tags: vec![],
        by_name: false,
        tmax: N as i64 * 1_000_000_000,
        points,
    })
}

fn bench(c: &mut Criterion) {
    let b = batch();
    let mut g = c.benchmark_group("influxql/batch_1000");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(20);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("baseline_sum_loop", |bn| {
        bn.iter(|| {
            let mut s = 0.0;
            for p in &b.points {
                if let Some(FieldValue::Float(v)) = p.field("value") {
                    s += v;
                }
            }
            black_box(s / N as f64)
        })
    });
    let cases: [(&str, NodeKind, Vec<Arg>); 5] = [
        ("mean", NodeKind::Mean, vec![Arg::String("value".into())]),
        ("count", NodeKind::Count, vec![Arg::String("value".into())]),
        ("max", NodeKind::Max, vec![Arg::String("value".into())]),
        (
            "percentile",
            NodeKind::Percentile,
            vec![Arg::String("value".into()), Arg::Float(95.0)],
        ),
        (
            "top10",
            NodeKind::Top,
            vec![Arg::Int(10), Arg::String("value".into())],
        ),
    ];
    for (name, kind, args) in cases {
        let mut pb = PipelineBuilder::batch();
        let id = pb.add(kind, &[0], args, vec![]);
        let p = pb.build();
        let config = Config::default();
        let env = BuildEnv {
            task_name: "bench",
            task_type: p.task_type,
            config: &config,
        };
        let mut node = build(&p.nodes[id as usize], &p, &env).expect("builds");
        let mut stats = NodeStats::default();
        let mut sink = NullSink;
        let mut out = Vec::new();
        g.bench_function(BenchmarkId::new("node", name), |bn| {
            bn.iter(|| {
                let mut cx = NodeCx::new(
                    "bench", name, 1, 0, &mut stats, &mut sink, &config, false, &mut out,
                );
                node.process(0, Message::Batch(b.clone()), &mut cx)
                    .expect("runs");
                out.clear();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
