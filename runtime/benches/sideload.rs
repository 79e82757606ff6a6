//! `sideload()` per point, one core: the values come from a `file://`
//! directory (read at build) or from an `http://` source (each order path
//! fetched once from a local listener, then served from the cache), beside
//! the baseline of the same task without the sideload node. The source has
//! one host file and a default file; points alternate between two hosts, so
//! both the found and the fallback paths are exercised.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use runtime::config::Config;
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use runtime::output::NullSink;
use runtime::task::Task;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

const POINTS: usize = 10_000;
const HOST_A: &str = "threshold: 5\nowner: 'ops'\n";
const DEFAULT: &str = r#"{"threshold": 1.5, "owner": "nobody"}"#;

fn points() -> Vec<Arc<Point>> {
    let mut text = String::new();
    for i in 0..POINTS {
        let host = if i % 2 == 0 { "a" } else { "b" };
        text.push_str(&format!("m1,host={host} value=5 {i}\n"));
    }
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let mut out = Vec::new();
    parser.parse_text(&text, |r| out.push(Arc::new(r.expect("bench data parses"))));
    out
}

/// Serves the two files over HTTP/1.1 on a loopback port.
fn http_source() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { return };
            let mut r = BufReader::new(c.try_clone().expect("clone"));
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
            }
            let body = match line.split(' ').nth(1) {
                Some("/host/a.yml") => Some(HOST_A),
                Some("/default.json") => Some(DEFAULT),
                _ => None,
            };
            let resp = match body {
                Some(b) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                    b.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string(),
            };
            let _ = c.write_all(resp.as_bytes());
        }
    });
    base
}

fn task(script: &str) -> Task {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("bench script does not check: {diags:?}"));
    Task::build("t", &p, Config::default()).expect("bench task builds")
}

fn sideload_script(source: &str) -> String {
    format!(
        "stream\n    |from()\n        .measurement('m1')\n    |sideload()\n        .source('{source}')\n        .order('host/{{{{.host}}}}.yml', 'default.json')\n        .field('threshold', 0.0)\n        .tag('owner', '?')\n"
    )
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join("host")).expect("mkdir");
    std::fs::write(dir.path().join("host/a.yml"), HOST_A).expect("write");
    std::fs::write(dir.path().join("default.json"), DEFAULT).expect("write");
    let file = sideload_script(&format!("file://{}", dir.path().display()));
    let http = sideload_script(&http_source());
    let baseline = "stream\n    |from()\n        .measurement('m1')\n";

    let pts = points();
    let mut g = c.benchmark_group("sideload");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(10);
    g.throughput(Throughput::Elements(pts.len() as u64));
    for (name, script) in [
        ("baseline_from_only", baseline.to_string()),
        ("file_source", file),
        ("http_source_cached", http),
    ] {
        let mut t = task(&script);
        let mut sink = NullSink;
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    pts.iter()
                        .map(|p| Arc::new(Point::clone(p)))
                        .collect::<Vec<_>>()
                },
                |points| {
                    for p in points {
                        t.push_point(p, &mut sink).expect("bench task runs");
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
