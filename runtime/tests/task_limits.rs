//! Bounded memory per task (`runtime::limits`): a task driven through a
//! million distinct groups keeps at most `max-groups` of them live, counts
//! what it evicts, stays within a stated resident-memory bound, and the
//! groups that were never evicted produce exactly the results they would
//! have produced without any limit. A second test holds the buffered-points
//! bound.

use runtime::config::Config;
use runtime::limits::TaskLimits;
use runtime::line_protocol::{Parser, Precision};
use runtime::output::{Output, Sink};
use runtime::task::Task;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Keeps the `influxDBOut` lines of the hot groups only (a million cold
/// groups would otherwise make the test's own memory grow) and the warnings.
#[derive(Default)]
struct HotLines {
    lines: Vec<String>,
    warnings: Vec<String>,
}

impl Sink for HotLines {
    fn output(&mut self, out: Output<'_>) {
        if let Output::Point { line, .. } = out {
            if line.starts_with("out,host=hot") {
                self.lines.push(line.to_string());
            }
        }
    }
    fn diagnostic(&mut self, node: &str, message: &str) {
        panic!("unexpected node error {node}: {message}");
    }
    fn warning(&mut self, node: &str, message: &str) {
        self.warnings.push(format!("{node}: {message}"));
    }
}

fn task(limits: TaskLimits, period: &str) -> Task {
    let script = format!(
        "stream\n    |from()\n        .measurement('m')\n        .groupBy('host')\n    |window()\n        .period({period})\n        .every({period})\n    |sum('value')\n    |influxDBOut()\n        .database('d')\n        .retentionPolicy('rp')\n        .measurement('out')\n"
    );
    let (p, d) = compiler::check(&script);
    let p = p.unwrap_or_else(|| panic!("{d:?}"));
    let config = Config {
        task_limits: limits,
        ..Config::default()
    };
    Task::build("limits", &p, config).expect("task builds")
}

/// Resident memory of this process in KiB (`VmRSS`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

const HOT: usize = 100;
const COLD_PER_SECOND: usize = 10_000;
const SECONDS: usize = 100;
const MAX_GROUPS: usize = 20_000;

/// The value of hot group `h` at second `s`.
fn hot_value(h: usize, s: usize) -> i64 {
    ((s * 7 + h * 3) % 13) as i64
}

/// One second of input: every hot group once (first, so they are the most
/// recently seen when the second's cold groups arrive), then
/// `COLD_PER_SECOND` groups never seen before or after.
fn second(s: usize) -> String {
    let mut text = String::with_capacity((HOT + COLD_PER_SECOND) * 32);
    for h in 0..HOT {
        let _ = writeln!(text, "m,host=hot{h} value={} {s}", hot_value(h, s));
    }
    for c in 0..COLD_PER_SECOND {
        let _ = writeln!(text, "m,host=cold{} value=1 {s}", s * COLD_PER_SECOND + c);
    }
    text
}

#[test]
fn a_million_groups_stay_within_the_group_limit_and_hot_groups_are_exact() {
    let limits = TaskLimits {
        max_groups: MAX_GROUPS,
        max_buffered_points: 0,
    };
    let mut t = task(limits, "10s");
    let mut sink = HotLines::default();
    // Window, the node after from(); from() is node 1.
    let (from_id, window_id) = (1, 2);
    let mut rss_after_warmup = 0;
    let rss_start = rss_kib();
    for s in 0..SECONDS {
        // A fresh parser per second: it interns tag values, and a million
        // distinct hosts kept in one parser would be the test's own growth.
        let mut parser = Parser::new("db", "rp", Precision::Seconds);
        let mut points = Vec::with_capacity(HOT + COLD_PER_SECOND);
        parser.parse_text(&second(s), |r| points.push(Arc::new(r.expect("parses"))));
        for p in points {
            t.push_point(p, &mut sink).expect("runs");
        }
        let live = t.live_groups(from_id).expect("from() is tracked");
        assert!(live <= MAX_GROUPS, "{live} live groups at second {s}");
        let card = t.node_stats(window_id).unwrap().working_cardinality;
        assert!(
            card <= MAX_GROUPS as i64,
            "window holds {card} groups at second {s}"
        );
        if s == SECONDS / 4 {
            rss_after_warmup = rss_kib();
        }
    }
    let rss_end = rss_kib();

    // Every distinct group beyond the live ones was evicted, and counted on
    // the node and on the task.
    let distinct = (HOT + COLD_PER_SECOND * SECONDS) as u64;
    let live = t.live_groups(from_id).unwrap() as u64;
    assert_eq!(t.groups_evicted(), distinct - live);
    assert_eq!(
        t.node_stats(from_id).unwrap().get("groups_evicted"),
        Some((distinct - live) as i64)
    );
    // Logged once for the one long burst, naming the limit.
    assert_eq!(sink.warnings.len(), 1, "{:?}", sink.warnings);
    assert!(
        sink.warnings[0].contains("max-groups 20000"),
        "{:?}",
        sink.warnings
    );

    // The hot groups were never the least recently seen: each 10s window
    // sum is exact. Windows [0,10) … [80,90) are emitted by the point at the
    // next window's start.
    let mut got: BTreeMap<(usize, i64), String> = BTreeMap::new();
    for line in &sink.lines {
        let (series, rest) = line.split_once(' ').unwrap();
        let h: usize = series
            .strip_prefix("out,host=hot")
            .unwrap()
            .parse()
            .unwrap();
        let (field, time) = rest.split_once(' ').unwrap();
        got.insert((h, time.parse().unwrap()), field.to_string());
    }
    let mut want: BTreeMap<(usize, i64), String> = BTreeMap::new();
    for h in 0..HOT {
        for w in 0..SECONDS / 10 - 1 {
            let sum: i64 = (w * 10..w * 10 + 10).map(|s| hot_value(h, s)).sum();
            let stamp = ((w as i64 + 1) * 10) * 1_000_000_000;
            want.insert((h, stamp), format!("sum={sum}"));
        }
    }
    assert_eq!(got, want);

    // Memory: the live state is bounded by MAX_GROUPS groups (window +
    // sum + tracker, well under 4 KiB a group, so < 80 MiB), whereas a
    // million groups unbounded cost several hundred MiB (see memory.rs for
    // bytes per group). Stated bounds: growth over the whole run < 160 MiB,
    // and flat after the first quarter (< 32 MiB more for the remaining
    // 750,000 groups).
    eprintln!(
        "VmRSS: start {rss_start} KiB, after 25% {rss_after_warmup} KiB, end {rss_end} KiB; \
         {} groups evicted, {live} live",
        t.groups_evicted()
    );
    assert!(
        rss_end.saturating_sub(rss_start) < 160 * 1024,
        "RSS grew {} KiB",
        rss_end - rss_start
    );
    assert!(
        rss_end.saturating_sub(rss_after_warmup) < 32 * 1024,
        "RSS grew {} KiB after the first quarter",
        rss_end - rss_after_warmup
    );
}

#[test]
fn buffered_points_stay_within_the_points_limit() {
    const MAX_POINTS: usize = 5_000;
    let limits = TaskLimits {
        max_groups: 0,
        max_buffered_points: MAX_POINTS,
    };
    // An hour's window: nothing is emitted, everything is buffered.
    let mut t = task(limits, "1h");
    let mut sink = HotLines::default();
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let mut text = String::new();
    // 100 groups, 200 points each, round robin: 20,000 points.
    for s in 0..200 {
        for g in 0..100 {
            let _ = writeln!(text, "m,host=g{g} value=1 {s}");
        }
    }
    let mut points = Vec::new();
    parser.parse_text(&text, |r| points.push(Arc::new(r.expect("parses"))));
    let mut most = 0;
    for p in points {
        t.push_point(p, &mut sink).expect("runs");
        most = most.max(t.buffered_points());
        // Checked before each point is delivered, so at most one over.
        assert!(t.buffered_points() <= MAX_POINTS as i64 + 1);
    }
    assert!(
        most > MAX_POINTS as i64 / 2,
        "the window did buffer: {most}"
    );
    assert!(t.groups_evicted() > 0);
    assert_eq!(sink.warnings.len(), 1, "{:?}", sink.warnings);
    assert!(sink.warnings[0].contains("max-buffered-points 5000"));
}

#[test]
fn unbounded_tasks_track_nothing() {
    let mut t = task(TaskLimits::UNBOUNDED, "10s");
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let mut points = Vec::new();
    parser.parse_text(&second(0), |r| points.push(Arc::new(r.expect("parses"))));
    let mut sink = HotLines::default();
    for p in points {
        t.push_point(p, &mut sink).expect("runs");
    }
    assert_eq!(t.live_groups(1), None);
    assert_eq!(t.groups_evicted(), 0);
    assert_eq!(
        t.node_stats(2).unwrap().working_cardinality,
        (HOT + COLD_PER_SECOND) as i64
    );
}
