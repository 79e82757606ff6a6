//! The "no per-point heap allocation" invariant (project brief), asserted:
//! a counting global allocator (per test binary, so it lives in its own file)
//! counts the allocations made while a warmed-up task handles a second pass
//! of points, as in a long-running task whose per-group state already exists.
//!
//! Pass-through shapes (from, from + where, from + groupBy, where node) must
//! allocate nothing per point. Shapes that emit new messages allocate per
//! emission, not per point; their bound is stated next to each assertion.
//!
//! The counter is per thread, so tests running in parallel do not see each
//! other's allocations.

use runtime::config::Config;
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use runtime::output::NullSink;
use runtime::task::Task;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

struct Counting;

thread_local! {
    // Const-initialised and without a destructor: usable from the allocator.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

const POINTS: usize = 2_000;

/// `m1` points one second apart, two hosts alternating; every 100th value
/// is a spike (15) above the where/alert thresholds, the rest are 5.
/// One parser serves every pass, as one long-lived connection's would: it
/// interns series keys, so later passes reuse the first pass's `Arc`s.
fn points(parser: &mut Parser, offset_s: i64, two_streams: bool) -> Vec<Arc<Point>> {
    let mut text = String::new();
    for i in 0..POINTS as i64 {
        let v = if i % 100 == 99 { 15.0 } else { 5.0 };
        let t = offset_s + i;
        if two_streams {
            text.push_str(&format!("m1,host=server01 value={v} {t}\n"));
            text.push_str(&format!("m2,host=server01 value={v} {t}\n"));
        } else {
            let host = i % 2;
            text.push_str(&format!("m1,host=h{host},region=uswest value={v} {t}\n"));
        }
    }
    let mut out = Vec::new();
    parser.parse_text(&text, |r| out.push(Arc::new(r.expect("test data parses"))));
    out
}

/// Allocations made while a task handles the third pass of fresh points
/// (made before counting); the first two passes warm it up (per-group state,
/// caches, buffers at their working size), as in a long-running task.
/// Returns (allocations, points in the pass).
fn steady_state_allocs(script: &str, two_streams: bool) -> (u64, usize) {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("test script does not check: {diags:?}"));
    let mut task = Task::build("alloc", &p, Config::default()).expect("task builds");
    let mut sink = NullSink;
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    for pass in 0..2 {
        for pt in points(&mut parser, pass * PASS_SPAN_S, two_streams) {
            task.push_point(pt, &mut sink).expect("task runs");
        }
    }
    let third = points(&mut parser, 2 * PASS_SPAN_S, two_streams);
    let n = third.len();
    let before = allocs();
    for pt in third {
        task.push_point(pt, &mut sink).expect("task runs");
    }
    (allocs() - before, n)
}

/// Passes are this many seconds apart (each spans `POINTS` seconds).
const PASS_SPAN_S: i64 = 1_000_000;

fn allocs_per_point(script: &str, two_streams: bool) -> f64 {
    let (a, n) = steady_state_allocs(script, two_streams);
    a as f64 / n as f64
}

const FROM: &str = "stream\n    |from()\n        .measurement('m1')\n";

#[test]
fn from_allocates_nothing_per_point() {
    assert_eq!(allocs_per_point(FROM, false), 0.0);
}

#[test]
fn from_where_and_group_by_allocate_nothing_per_point() {
    let script = "stream\n    |from()\n        .measurement('m1')\n        .where(lambda: \"value\" > 10.0)\n        .groupBy('host', 'region')\n";
    assert_eq!(allocs_per_point(script, false), 0.0);
}

#[test]
fn where_node_allocates_nothing_per_point() {
    let script = "stream\n    |from()\n        .measurement('m1')\n    |where(lambda: \"value\" > 10.0 AND \"host\" == 'h1')\n";
    assert_eq!(allocs_per_point(script, false), 0.0);
}

// A window emits one batch per period: with `period(100s)` over points one
// second apart, 20 windows close in a pass of 2000 s (the first point of a
// pass closes the previous pass's last window). Each emission builds the
// batch and count's point; 12 allocations per window measured when this test
// was written. Per-point buffering would cost at least 100 per window.
#[test]
fn window_count_allocates_per_window_not_per_point() {
    let script = "stream\n    |from()\n        .measurement('m1')\n    |window()\n        .period(100s)\n        .every(100s)\n    |count('value')\n";
    let (a, n) = steady_state_allocs(script, false);
    assert_eq!(n, 2000);
    let windows = 20;
    assert!(
        a <= 12 * windows,
        "window+count: {a} allocations for {windows} windows"
    );
}

// join pairs each m1 point with the m2 point of the same time: 2000 joined
// points from 4000 input points; each joined point is one new point (its
// `Arc` and field vector), and eval reuses it (unshared): 2 allocations per
// joined point, the bench's 1.0 per input point.
#[test]
fn join_eval_allocates_only_the_joined_point() {
    let script = "var a = stream\n    |from()\n        .measurement('m1')\nvar b = stream\n    |from()\n        .measurement('m2')\na\n    |join(b)\n        .as('a', 'b')\n    |eval(lambda: \"a.value\" + \"b.value\")\n        .as('sum')\n";
    let (a, n) = steady_state_allocs(script, true);
    assert_eq!(n, 4000);
    let joined = 2000;
    assert!(
        a <= 2 * joined,
        "join+eval: {a} allocations for {joined} joined points"
    );
}

// An alert whose predicates are false allocates nothing per point (the ID
// is rendered only for an event). Events allocate (ID, message, details,
// event data): 20 spikes per pass each give an INFO event and an OK
// recovery, 40 events. The template data is rebuilt in place (alert/render.rs)
// and the event JSON reuses one buffer: what is left is the event's own
// strings and vectors and the row of its data (11 per event today).
#[test]
fn alert_allocates_per_event_only() {
    let quiet = "stream\n    |from()\n        .measurement('m1')\n    |alert()\n        .id('{{ .Name }}_{{ .TaskName }}')\n        .crit(lambda: \"value\" > 30)\n";
    assert_eq!(allocs_per_point(quiet, false), 0.0);
    let script = "stream\n    |from()\n        .measurement('m1')\n    |alert()\n        .id('{{ .Name }}_{{ .TaskName }}')\n        .info(lambda: \"value\" > 10)\n        .warn(lambda: \"value\" > 20)\n        .crit(lambda: \"value\" > 30)\n";
    let (a, _) = steady_state_allocs(script, false);
    let events = 40;
    eprintln!("alert: {} allocations per event", a / events);
    assert!(
        a <= 12 * events,
        "alert: {a} allocations for {events} events"
    );
}
