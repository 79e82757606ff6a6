//! What the task limits (`runtime::limits`) cost per point: the same task,
//! `from().groupBy('host') |window() |count()` over 1,000 hosts, built
//! unbounded (the baseline: nothing tracked) and with the default bounds
//! (every point's group is looked up and relinked in `from`'s LRU), and with
//! a bound below the number of hosts (every point evicts a group: the worst
//! case). Allocations per point are printed for each before the timed runs.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use runtime::config::Config;
use runtime::limits::TaskLimits;
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use runtime::output::NullSink;
use runtime::task::Task;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::ALLOCS;

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

const HOSTS: usize = 1_000;
const POINTS: usize = 10_000;
const SCRIPT: &str = "stream\n    |from()\n        .measurement('m')\n        .groupBy('host')\n    |window()\n        .period(100s)\n        .every(100s)\n    |count('value')\n";

/// Points round-robin over the hosts, one second apart per round.
fn points(offset_s: i64) -> Vec<Arc<Point>> {
    let mut text = String::new();
    for i in 0..POINTS {
        let t = offset_s + (i / HOSTS) as i64;
        text.push_str(&format!("m,host=h{} value=1 {t}\n", i % HOSTS));
    }
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let mut out = Vec::with_capacity(POINTS);
    parser.parse_text(&text, |r| out.push(Arc::new(r.expect("parses"))));
    out
}

fn task(limits: TaskLimits) -> Task {
    let (p, d) = compiler::check(SCRIPT);
    let p = p.unwrap_or_else(|| panic!("{d:?}"));
    let config = Config {
        task_limits: limits,
        ..Config::default()
    };
    Task::build("bench", &p, config).expect("builds")
}

fn feed(t: &mut Task, pts: Vec<Arc<Point>>) {
    let mut sink = NullSink;
    for p in pts {
        t.push_point(p, &mut sink).expect("runs");
    }
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("unbounded_baseline", TaskLimits::UNBOUNDED),
        ("default_limits", TaskLimits::default()),
        (
            "evicting_every_point",
            TaskLimits {
                max_groups: HOSTS / 2,
                max_buffered_points: 0,
            },
        ),
    ];
    for (name, limits) in cases {
        let mut t = task(limits);
        feed(&mut t, points(0));
        let later = points(1_000);
        let before = ALLOCS.load(Ordering::Relaxed);
        feed(&mut t, later);
        let n = ALLOCS.load(Ordering::Relaxed) - before;
        eprintln!(
            "allocations per point [{name}]: {:.3} (points parsed outside the count)",
            n as f64 / POINTS as f64
        );
    }
    let mut g = c.benchmark_group("task_limits/window_by_host");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(10);
    g.throughput(Throughput::Elements(POINTS as u64));
    for (name, limits) in cases {
        let mut t = task(limits);
        let mut offset = 0;
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    offset += 100;
                    points(offset)
                },
                |pts| feed(&mut t, pts),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
