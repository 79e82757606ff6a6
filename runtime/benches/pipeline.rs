//! Pipeline throughput on one core, points pre-parsed, for the four task
//! shapes of Kapacitor's own benchmark suite, each with 1, 10 and 100 tasks
//! subscribed to the same points:
//!   from      `stream|from().measurement('m1')`
//!   window    `... |window().period(100s).every(100s) |count('value')`
//!   alert     `... |alert().id('{{ .Name }}_{{ .TaskName }}').info(..).warn(..).crit(..)`
//!   join      two streams joined, then eval
//! The baseline in each group only hands each point to every task (an `Arc`
//! clone per extra task) and frees it: the floor any executor pays. Freeing
//! the points is inside the timing for both, as in a live stream.
//!
//! A counting global allocator reports allocations per point per task for
//! each shape before the timed runs (printed on stderr).
//!
//! Noise settings: 1s warm-up, 3s measurement, 10 samples; throughput is
//! per point delivered to one task (elements = points x tasks). Each timed
//! iteration gets fresh, time-shifted copies of the points (made outside the
//! timing), so windows keep moving as in a live stream.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use runtime::config::Config;
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use runtime::output::NullSink;
use runtime::task::Task;
use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::ALLOCS;

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

const POINTS: usize = 10_000;

const FROM: &str = "stream\n    |from()\n        .measurement('m1')\n";
const WINDOW: &str = "stream\n    |from()\n        .measurement('m1')\n    |window()\n        .period(100s)\n        .every(100s)\n    |count('value')\n";
const ALERT: &str = "stream\n    |from()\n        .measurement('m1')\n    |alert()\n        .id('{{ .Name }}_{{ .TaskName }}')\n        .info(lambda: \"value\" > 10)\n        .warn(lambda: \"value\" > 20)\n        .crit(lambda: \"value\" > 30)\n";
const JOIN: &str = "var a = stream\n    |from()\n        .measurement('m1')\nvar b = stream\n    |from()\n        .measurement('m2')\na\n    |join(b)\n        .as('a', 'b')\n    |eval(lambda: \"a.value\" + \"b.value\")\n        .as('sum')\n";

/// `m1` points (and `m2` for the join shape) one second apart. The value is
/// 5 (every alert level false) except for a spike to 15 (INFO) on every
/// 100th point, so the alert shape mostly measures its predicates and emits
/// two events (INFO, then OK) per 100 points.
fn points(two_streams: bool) -> Vec<Arc<Point>> {
    let mut text = String::new();
    for i in 0..POINTS {
        let v = if i % 100 == 99 { 15.0 } else { 5.0 };
        if two_streams {
            text.push_str(&format!("m1,host=server01 value={v} {}\n", i / 2));
            text.push_str(&format!("m2,host=server01 value={v} {}\n", i / 2));
        } else {
            text.push_str(&format!("m1,host=server01,region=uswest value={v} {i}\n"));
        }
    }
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let mut out = Vec::new();
    parser.parse_text(&text, |r| out.push(Arc::new(r.expect("bench data parses"))));
    out.truncate(POINTS);
    out
}

fn tasks(script: &str, n: usize) -> Vec<Task> {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("bench script does not check: {diags:?}"));
    (0..n)
        .map(|i| Task::build(&format!("t{i}"), &p, Config::default()).expect("bench task builds"))
        .collect()
}

/// Every task gets every point; the last task receives the `Arc` itself (as
/// a subscriber fan-out does), the others a reference-counted clone.
fn feed(tasks: &mut [Task], points: Vec<Arc<Point>>, sink: &mut NullSink) {
    let Some((last, rest)) = tasks.split_last_mut() else {
        return;
    };
    for p in points {
        for t in rest.iter_mut() {
            t.push_point(p.clone(), sink).expect("bench task runs");
        }
        last.push_point(p, sink).expect("bench task runs");
    }
}

/// Fresh, unshared copies of `points` shifted by `offset` ns.
fn shifted(points: &[Arc<Point>], offset: i64) -> Vec<Arc<Point>> {
    points
        .iter()
        .map(|p| {
            let mut q = Point::clone(p);
            q.time += offset;
            Arc::new(q)
        })
        .collect()
}

/// Allocations per point per task after a warm-up pass over the same points
/// (so per-group state already exists, as in a long-running task). Points
/// are shifted in time so windows keep moving.
fn allocs_per_point(script: &str, two: bool) -> f64 {
    let pts = points(two);
    let mut ts = tasks(script, 1);
    let mut sink = NullSink;
    feed(&mut ts, shifted(&pts, 0), &mut sink);
    let later = shifted(&pts, 1_000_000_000_000_000);
    let before = ALLOCS.load(Ordering::Relaxed);
    feed(&mut ts, later, &mut sink);
    let after = ALLOCS.load(Ordering::Relaxed);
    (after - before) as f64 / pts.len() as f64
}

fn shape(c: &mut Criterion, name: &str, script: &str, two: bool) {
    eprintln!(
        "allocations per point per task [{name}]: {:.3}",
        allocs_per_point(script, two)
    );
    let pts = points(two);
    let mut g = c.benchmark_group(format!("pipeline/{name}"));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(10);
    for n in [1usize, 10, 100] {
        g.throughput(Throughput::Elements((pts.len() * n) as u64));
        // The floor: hand each point to n consumers (n-1 clones, the last
        // takes the Arc) and free it, as `feed` does, with no work at all.
        g.bench_with_input(BenchmarkId::new("baseline_arc_clone", n), &n, |b, &n| {
            b.iter_batched(
                || shifted(&pts, 0),
                |points| {
                    for p in points {
                        for _ in 1..n {
                            black_box(p.clone());
                        }
                        black_box(p);
                    }
                },
                criterion::BatchSize::LargeInput,
            )
        });
        let mut ts = tasks(script, n);
        let mut sink = NullSink;
        // Time keeps increasing across iterations, as a live stream does.
        let mut offset = 0i64;
        let span = pts.last().map_or(0, |p| p.time) + 1_000_000_000;
        g.bench_with_input(BenchmarkId::new("tasks", n), &n, |b, _| {
            b.iter_batched(
                || {
                    offset += span;
                    shifted(&pts, offset)
                },
                |points| feed(&mut ts, points, &mut sink),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

/// Not one of Kapacitor's shapes: shows that regrouping every point
/// (group IDs cached per series) allocates nothing either.
const FROM_GROUP_BY: &str =
    "stream\n    |from()\n        .measurement('m1')\n        .groupBy('host', 'region')\n";

fn bench(c: &mut Criterion) {
    eprintln!(
        "allocations per point per task [from_group_by, untimed]: {:.3}",
        allocs_per_point(FROM_GROUP_BY, false)
    );
    shape(c, "from", FROM, false);
    shape(c, "window_count", WINDOW, false);
    shape(c, "alert", ALERT, false);
    shape(c, "join_eval", JOIN, true);
}

criterion_group!(benches, bench);
criterion_main!(benches);
