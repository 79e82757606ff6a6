//! Checkpoint size and time for a task holding 10,000 groups (the cluster
//! checkpoints periodically, a graceful shutdown once), each beside a
//! baseline in the same group:
//! - `checkpoint/snapshot`: `Task::snapshot` plus the bincode encoding of
//!   the map the server stores, vs `baseline_encode_points`: bincode of the
//!   raw points the task was fed (what replaying the input would keep).
//! - `checkpoint/restore`: decode, build the task anew and restore, vs
//!   `baseline_build`: building the task alone, and
//!   `baseline_decode_points`: decoding the raw points.
//!
//! The task: `from().groupBy('host')` into a one-hour window (every point
//! stays buffered) and into an alert (a level and history per group); 10,000
//! hosts × 5 points. Sizes are printed before the measurements.
//! Noise settings: run with `-- --quick` or a short `--measurement-time`.

use criterion::{criterion_group, criterion_main, Criterion};
use runtime::config::Config;
use runtime::message::{FieldValue, Point};
use runtime::output::NullSink;
use runtime::task::Task;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

const GROUPS: usize = 10_000;
const POINTS_PER_GROUP: usize = 5;

const SCRIPT: &str = "var s = stream
    |from()
        .measurement('m')
        .groupBy('host')
s
    |window()
        .period(1h)
        .every(1h)
    |count('v')
s
    |alert()
        .warn(lambda: \"v\" > 50)
        .crit(lambda: \"v\" > 90)
";

fn points() -> Vec<Point> {
    let mut out = Vec::with_capacity(GROUPS * POINTS_PER_GROUP);
    for k in 0..POINTS_PER_GROUP {
        for g in 0..GROUPS {
            let mut p = runtime::testing::point(
                "m",
                &[("host", &format!("h{g}"))],
                &[("v", FieldValue::Float(((g * 7 + k * 13) % 100) as f64))],
                1_000_000_000 * (1 + k as i64),
            );
            p.database = Arc::from("db");
            p.retention_policy = Arc::from("rp");
            out.push(p);
        }
    }
    out
}

fn bench_checkpoint(c: &mut Criterion) {
    let (pipeline, diags) = compiler::check(SCRIPT);
    let pipeline = pipeline.unwrap_or_else(|| panic!("{diags:?}"));
    let pts = points();
    let mut task = Task::build("bench", &pipeline, Config::default()).unwrap();
    let mut sink = NullSink;
    for p in &pts {
        task.push_point(Arc::new(p.clone()), &mut sink).unwrap();
    }
    let cfg = bincode::config::standard();
    let snap = task.snapshot().unwrap();
    let bytes = bincode::serde::encode_to_vec(&snap, cfg).unwrap();
    let raw = bincode::serde::encode_to_vec(&pts, cfg).unwrap();
    println!(
        "checkpoint of {GROUPS} groups × {POINTS_PER_GROUP} points: {} bytes ({} per group); \
         raw points: {} bytes",
        bytes.len(),
        bytes.len() / GROUPS,
        raw.len()
    );
    for (node, b) in &snap {
        println!("  {node}: {} bytes", b.len());
    }

    let mut g = c.benchmark_group("checkpoint");
    g.sample_size(10);
    g.bench_function("snapshot", |b| {
        b.iter(|| {
            let snap = task.snapshot().unwrap();
            black_box(bincode::serde::encode_to_vec(&snap, cfg).unwrap())
        })
    });
    g.bench_function("baseline_encode_points", |b| {
        b.iter(|| black_box(bincode::serde::encode_to_vec(&pts, cfg).unwrap()))
    });
    g.bench_function("restore", |b| {
        b.iter(|| {
            let (back, _): (BTreeMap<String, Vec<u8>>, usize) =
                bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
            let mut fresh = Task::build("bench", &pipeline, Config::default()).unwrap();
            fresh.restore(&back).unwrap();
            black_box(fresh)
        })
    });
    g.bench_function("baseline_build", |b| {
        b.iter(|| black_box(Task::build("bench", &pipeline, Config::default()).unwrap()))
    });
    g.bench_function("baseline_decode_points", |b| {
        b.iter(|| {
            let (back, _): (Vec<Point>, usize) =
                bincode::serde::decode_from_slice(&raw, cfg).unwrap();
            black_box(back)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_checkpoint);
criterion_main!(benches);
