//! Engine write throughput (no HTTP): batches of 5,000 pre-parsed points
//! pushed through `Engine::write` to 1, 10 and 100 enabled tasks of the
//! shapes of Kapacitor's benchmark (from only, window+count, alert), waiting
//! until every task has consumed them. The HTTP path's cost is measured
//! against this figure (see the server's load generator, `server/bench/`).
//! Plain timing (no criterion): one warm-up batch round, then 40 batches.
//! Under `cargo test` (no `--bench` argument) it runs a tiny smoke pass
//! (50-point batches, 1 and 2 tasks) so the test suite stays fast.

use runtime::engine::{Engine, EngineOptions, LogOutputs, WriteBatch};
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Batch size and batch count: full under `cargo bench`, tiny under `cargo test`.
fn sizes() -> (usize, usize, &'static [usize]) {
    if std::env::args().any(|a| a == "--bench") {
        (5_000, 40, &[1, 10, 100])
    } else {
        (50, 2, &[1, 2])
    }
}

fn shape(name: &str) -> String {
    let head = "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')";
    match name {
        "from" => format!("{head}\n"),
        "window" => format!("{head}|window().period(10s).every(10s)|count('usage_idle')\n"),
        _ => format!(
            "{head}|alert().id('{{{{ .Name }}}}_{{{{ .TaskName }}}}').info(lambda: \"usage_idle\" < 90).warn(lambda: \"usage_idle\" < 80).crit(lambda: \"usage_idle\" < 70)\n"
        ),
    }
}

fn points(round: usize, batch: usize) -> Vec<Point> {
    let mut parser = Parser::new("db", "rp", Precision::Nanoseconds);
    let mut v = Vec::with_capacity(batch);
    let text: String = (0..batch)
        .map(|i| {
            let t = (round * batch + i) as i64 * 1_000_000;
            format!("cpu,host=h{} usage_idle={} {t}\n", i % 100, i % 100)
        })
        .collect();
    parser.parse_text(&text, |r| v.push(r.expect("valid point")));
    v
}

fn main() {
    let (batch, batch_count, task_counts) = sizes();
    for shape_name in ["from", "window", "alert"] {
        for &tasks in task_counts {
            let engine = Engine::new(EngineOptions::default(), Arc::new(LogOutputs));
            let (p, d) = compiler::check(&shape(shape_name));
            let p = p.unwrap_or_else(|| panic!("{d:?}"));
            for i in 0..tasks {
                engine
                    .start_task(&format!("t{i}"), &p)
                    .expect("task starts");
            }
            let batches: Vec<Vec<Point>> = (0..=batch_count).map(|r| points(r, batch)).collect();
            let mut it = batches.into_iter();
            let warm = it.next().expect("warm-up batch");
            engine.write(WriteBatch::new("db", "rp", warm));
            let wait = |n: u64| {
                while (0..tasks).any(|i| {
                    engine
                        .snapshot(&format!("t{i}"))
                        .is_none_or(|s| s.points_routed < n)
                }) {
                    std::thread::sleep(Duration::from_micros(200));
                }
            };
            wait(batch as u64);
            let start = Instant::now();
            for b in it {
                engine.write(WriteBatch::new("db", "rp", b));
            }
            wait(((batch_count + 1) * batch) as u64);
            let secs = start.elapsed().as_secs_f64();
            let pts = (batch_count * batch) as f64;
            println!(
                "engine {shape_name:6} tasks={tasks:3}: {:>10.0} points/s written ({:.0} point-deliveries/s)",
                pts / secs,
                pts * tasks as f64 / secs
            );
            engine.shutdown();
        }
    }
}
