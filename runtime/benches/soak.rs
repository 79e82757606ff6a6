//! Soak: writes for a while into 100 tasks whose groups never repeat (every
//! write brings new hosts), with the task limits on, and prints the
//! process's resident memory at intervals. With the limits the figure goes
//! flat once every task holds its `max-groups` live groups; without them it
//! would grow with every write. Not a test (no assertion): run it and read
//! the figures.
//!
//! `cargo bench -p runtime --bench soak` (seconds: `SOAK_SECS`, default 30;
//! per-task bound: `SOAK_MAX_GROUPS`, default 2,000). Under `cargo test` it
//! runs for one second.

use runtime::config::Config;
use runtime::limits::TaskLimits;
use runtime::line_protocol::{Parser, Precision};
use runtime::output::NullSink;
use runtime::task::Task;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TASKS: usize = 100;
const POINTS_PER_WRITE: usize = 1_000;
const SCRIPT: &str = "stream\n    |from()\n        .measurement('m')\n        .groupBy('host')\n    |window()\n        .period(10s)\n        .every(10s)\n    |mean('value')\n    |alert()\n        .crit(lambda: \"mean\" > 100.0)\n";

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names no soak skips it.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| !a.starts_with('-') && !"soak".contains(a.as_str()))
    {
        return;
    }
    // `cargo test --all-targets` runs this without `--bench`: one short
    // pass to show it works, not a soak.
    let bench_mode = args.iter().any(|a| a == "--bench");
    let secs = if bench_mode {
        env_or("SOAK_SECS", 30)
    } else {
        1
    };
    let max_groups = env_or("SOAK_MAX_GROUPS", 2_000) as usize;
    let (p, d) = compiler::check(SCRIPT);
    let p = p.unwrap_or_else(|| panic!("{d:?}"));
    let config = Config {
        task_limits: TaskLimits {
            max_groups,
            ..TaskLimits::default()
        },
        ..Config::default()
    };
    let mut tasks: Vec<Task> = (0..TASKS)
        .map(|i| Task::build(&format!("t{i}"), &p, config.clone()).expect("builds"))
        .collect();
    let mut sink = NullSink;
    let start = Instant::now();
    let mut next_report = Duration::ZERO;
    let mut writes = 0u64;
    let mut text = String::new();
    eprintln!("soak: {TASKS} tasks, max-groups {max_groups} each, {secs}s, {POINTS_PER_WRITE} new hosts per write");
    eprintln!(
        "{:>6} {:>10} {:>12} {:>14} {:>10}",
        "secs", "writes", "groups seen", "evicted/task", "VmRSS KiB"
    );
    loop {
        let elapsed = start.elapsed();
        if elapsed >= next_report {
            eprintln!(
                "{:>6} {:>10} {:>12} {:>14} {:>10}",
                elapsed.as_secs(),
                writes,
                writes * POINTS_PER_WRITE as u64,
                tasks[0].groups_evicted(),
                rss_kib()
            );
            next_report += Duration::from_secs(secs.div_ceil(10).max(1));
        }
        if elapsed >= Duration::from_secs(secs) {
            break;
        }
        text.clear();
        for i in 0..POINTS_PER_WRITE {
            let host = writes * POINTS_PER_WRITE as u64 + i as u64;
            let _ = writeln!(text, "m,host=h{host} value={} {}", host % 200, writes);
        }
        // One parser per write, as the server's write path does.
        let mut parser = Parser::new("db", "rp", Precision::Seconds);
        let mut pts = Vec::with_capacity(POINTS_PER_WRITE);
        parser.parse_text(&text, |r| pts.push(Arc::new(r.expect("parses"))));
        for p in pts {
            for t in tasks.iter_mut() {
                t.push_point(p.clone(), &mut sink).expect("runs");
            }
        }
        writes += 1;
    }
}
