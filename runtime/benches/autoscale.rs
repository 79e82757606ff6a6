//! The autoscale nodes' per-point path when nothing changes (the common
//! case: the wanted count equals the remembered one, so no API call): the
//! resource key borrowed from the point, one state lookup, the replicas
//! lambda on the group's state. A `k8sAutoscale` task against a local
//! listener playing the Kubernetes scale API (read once per resource, at the
//! first point) beside the baseline, the same task without the autoscale
//! node. Allocations per point are printed for both before the timed runs.
//!
//! Noise settings: 1s warm-up, 3s measurement, 10 samples.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use runtime::config::autoscale::KubernetesConfig;
use runtime::config::Config;
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

const POINTS: usize = 10_000;
const BASELINE: &str = "stream|from().measurement('m1').groupBy('host')";
const AUTOSCALE: &str = "stream|from().measurement('m1').groupBy('host')
    |k8sAutoscale().resourceNameTag('host').replicas(lambda: int(\"value\"))";

/// Ten hosts, value 5: the count every resource already has.
fn points() -> Vec<Arc<Point>> {
    let mut text = String::new();
    for i in 0..POINTS {
        text.push_str(&format!("m1,host=h{} value=5 {i}\n", i % 10));
    }
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let mut out = Vec::new();
    parser.parse_text(&text, |r| out.push(Arc::new(r.expect("bench data parses"))));
    out
}

fn task(script: &str, config: Config) -> Task {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("bench script does not check: {diags:?}"));
    Task::build("bench", &p, config).expect("bench task builds")
}

fn feed(t: &mut Task, points: &[Arc<Point>], sink: &mut NullSink) {
    for p in points {
        t.push_point(p.clone(), sink).expect("bench task runs");
    }
}

fn allocs_per_point(t: &mut Task, points: &[Arc<Point>]) -> f64 {
    let mut sink = NullSink;
    feed(t, points, &mut sink);
    let before = ALLOCS.load(Ordering::Relaxed);
    feed(t, points, &mut sink);
    (ALLOCS.load(Ordering::Relaxed) - before) as f64 / points.len() as f64
}

fn bench(c: &mut Criterion) {
    let api = testkit::Recorder::start(|_| {
        (
            200,
            r#"{"kind":"Scale","metadata":{"name":"h"},"spec":{"replicas":5}}"#.into(),
        )
    });
    let mut config = Config::default();
    config.autoscale.kubernetes = vec![KubernetesConfig {
        enabled: true,
        api_servers: vec![api.url()],
        ..KubernetesConfig::default()
    }];
    let pts = points();
    let mut baseline = task(BASELINE, Config::default());
    let mut scaled = task(AUTOSCALE, config);
    eprintln!(
        "allocations per point [baseline]: {:.3}, [k8s_autoscale_no_change]: {:.3}",
        allocs_per_point(&mut baseline, &pts),
        allocs_per_point(&mut scaled, &pts)
    );
    let mut g = c.benchmark_group("autoscale/no_change");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(10);
    g.throughput(Throughput::Elements(pts.len() as u64));
    let mut sink = NullSink;
    g.bench_function("baseline_from_group_by", |b| {
        b.iter(|| feed(&mut baseline, &pts, &mut sink))
    });
    g.bench_function("k8s_autoscale", |b| {
        b.iter(|| feed(&mut scaled, &pts, &mut sink))
    });
    g.finish();
    assert_eq!(
        api.calls().len(),
        10,
        "one scale read per resource, no update"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
