//! The alert hot path inside the server: one alert event filed into its
//! topic (`Topics::record`), as every alert of a running task is. Two
//! figures per run:
//! - `typed`: today's path — the typed event, the map's read lock, the
//!   topic's own lock, the event state updated in place;
//! - `json_reparse`: the path this replaced, kept here as the baseline it is
//!   measured against — the event's JSON parsed back into a `Value` and
//!   stored under one global write lock.
//!
//! `cargo bench -p server --bench topic_store -- --quick`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use runtime::alert::event::Event;
use runtime::alert::level::Level;
use server::topics::Topics;
use std::collections::BTreeMap;
use std::sync::RwLock;

fn events() -> Vec<Event> {
    (0..100)
        .map(|i| Event {
            id: format!("cpu_bench{i}"),
            message: format!("cpu_bench{i} is CRITICAL"),
            details: "{&#34;Name&#34;:&#34;cpu&#34;}".into(),
            time: 1_767_225_600_000_000_000 + i,
            level: Level::Critical,
            ..Event::default()
        })
        .collect()
}

/// A topic of the replaced store: collected count, event ID → message,
/// details, time, level.
type BaselineTopic = (u64, BTreeMap<String, [String; 4]>);

/// The replaced store: each event's JSON parsed back, one global lock.
#[derive(Default)]
struct ReparseBaseline {
    topics: RwLock<BTreeMap<String, BaselineTopic>>,
}

impl ReparseBaseline {
    fn record(&self, topic: String, json: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
            return;
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let state = [s("message"), s("details"), s("time"), s("level")];
        let mut t = self.topics.write().unwrap();
        let e = t.entry(topic).or_default();
        e.0 += 1;
        e.1.insert(s("id"), state);
    }
}

fn bench(c: &mut Criterion) {
    let evs = events();
    let jsons: Vec<String> = evs.iter().map(Event::to_json).collect();
    let mut g = c.benchmark_group("topic_store");
    g.throughput(Throughput::Elements(evs.len() as u64));
    let topics = Topics::default();
    g.bench_function("typed", |b| {
        b.iter(|| {
            for (e, j) in evs.iter().zip(&jsons) {
                topics.record("main:bench:alert2", e, j);
            }
        })
    });
    let base = ReparseBaseline::default();
    g.bench_function("json_reparse", |b| {
        b.iter(|| {
            for j in &jsons {
                base.record("main:bench:alert2".to_string(), j);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
