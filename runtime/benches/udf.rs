//! A UDF node's per-point cost: points through `@mavg()` run by the Rust
//! example agent (`udf-moving-avg`) as a child process, answers drained as
//! they come. The baseline in the same group runs the same task without the
//! UDF (`|from()` alone), so the
//! difference is the protocol: encoding, a pipe round trip, decoding.
//!
//! Each iteration pushes `POINTS` points into one long-lived task; the
//! bounded request queue applies backpressure, so the agent keeps pace and
//! the figure is the sustained rate.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use runtime::config::{Config, GoDuration};
use runtime::message::{FieldValue, Point, Str};
use runtime::output::NullSink;
use runtime::task::Task;
use runtime::udf::{AgentCatalog, UdfFunction};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const POINTS: usize = 1_000;

const WITH_UDF: &str = "stream\n    |from()\n        .measurement('m')\n    @mavg()\n        .field('value')\n        .size(10)\n        .as('avg')\n";
const BASELINE: &str = "stream\n    |from()\n        .measurement('m')\n";

fn task(script: &str) -> Task {
    let udfs = Arc::new(BTreeMap::from([(
        "mavg".to_string(),
        UdfFunction {
            prog: env!("CARGO_BIN_EXE_udf-moving-avg").into(),
            timeout: GoDuration(10_000_000_000),
            ..Default::default()
        },
    )]));
    let (p, diags) = compiler::check_with_udfs(script, None, &AgentCatalog::new(udfs.clone()));
    let p = p.unwrap_or_else(|| panic!("{diags:?}"));
    let config = Config {
        udf: udfs,
        ..Config::default()
    };
    Task::build("bench", &p, config).expect("task builds")
}

fn points(from: i64) -> Vec<Arc<Point>> {
    (0..POINTS)
        .map(|i| {
            let mut p = runtime::testing::point(
                "m",
                &[("host", "a")],
                &[("value", FieldValue::Float(i as f64))],
                from + i as i64,
            );
            p.database = Str::from("db");
            Arc::new(p)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("udf");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .throughput(Throughput::Elements(POINTS as u64));
    for (name, script) in [
        ("baseline_no_udf", BASELINE),
        ("moving_avg_process", WITH_UDF),
    ] {
        let mut t = task(script);
        let mut sink = NullSink;
        let mut time = 1_000_000_000i64;
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    time += POINTS as i64;
                    points(time)
                },
                |ps| {
                    for p in ps {
                        t.push_point(black_box(p), &mut sink).unwrap();
                    }
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
