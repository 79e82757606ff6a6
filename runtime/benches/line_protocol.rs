//! Line-protocol parse throughput, all in one run:
//! - `baseline_crate_parse_lines`: the bare `influxdb-line-protocol` parse
//!   (lines split, parts borrowed, numbers parsed, no conversion) — the
//!   baseline;
//! - `parser_raw_lines`: our grammar doing the same work (lines split,
//!   parts borrowed, numbers parsed; `parse_raw_lines`) — compare with the
//!   baseline;
//! - `model_parser_to_points`: the crate-based `ModelParser` (1.x rules,
//!   interning, sorted keys, `Point` construction) — the previous default;
//! - `parser_to_points`: our own `Parser`, the same work as the model
//!   (owned `Point`s: interned `Arc<str>` keys, sorted, times scaled) —
//!   compare with `model_parser_to_points`;
//! - `memchr_line_count`: counting `\n`s, the floor for any line splitter.
//!
//! Noise settings: 1s warm-up, 3s measurement; throughput in bytes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use runtime::line_protocol::{parse_raw_lines, ModelParser, Parser, Precision};
use std::hint::black_box;
use std::time::Duration;

fn input() -> String {
    let mut s = String::new();
    for i in 0..10_000 {
        s.push_str(&format!(
            "cpu,host=server{:02},region=us-west,cpu=cpu{} usage_idle={}.5,usage_user=3.25,usage_system=1i,ok=true {}\n",
            i % 50,
            i % 4,
            i % 100,
            1_600_000_000_000_000_000i64 + i as i64
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = input();
    let lines = text.lines().count() as u64;
    eprintln!("line protocol input: {} lines, {} bytes", lines, text.len());
    let mut g = c.benchmark_group("line_protocol");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("baseline_crate_parse_lines", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in influxdb_line_protocol::parse_lines(&text) {
                n += l.map(|l| l.field_set.len()).unwrap_or(0);
            }
            black_box(n)
        })
    });
    g.bench_function("parser_raw_lines", |b| {
        b.iter(|| {
            let mut n = 0usize;
            parse_raw_lines(&text, |_, l| n += l.map(|l| l.fields.len()).unwrap_or(0));
            black_box(n)
        })
    });
    g.bench_function("model_parser_to_points", |b| {
        let mut parser = ModelParser::new("db", "rp", Precision::Nanoseconds);
        b.iter(|| {
            let mut n = 0usize;
            parser.parse_text(&text, |r| n += r.map(|p| p.fields.len()).unwrap_or(0));
            black_box(n)
        })
    });
    g.bench_function("memchr_line_count", |b| {
        b.iter(|| black_box(memchr::memchr_iter(b'\n', text.as_bytes()).count()))
    });
    g.bench_function("parser_to_points", |b| {
        let mut parser = Parser::new("db", "rp", Precision::Nanoseconds);
        b.iter(|| {
            let mut n = 0usize;
            parser.parse_text(&text, |r| n += r.map(|p| p.fields.len()).unwrap_or(0));
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
