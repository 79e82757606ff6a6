//! Memory per group: feeds distinct groups through window + mean + alert and
//! reports the live bytes each group costs (run with `--nocapture` to see the
//! figure), then shows that with `barrier().idle(..).delete(TRUE)` the state
//! of idle groups is released: per-group state stays bounded, for window +
//! mean + alert and for the GroupMap nodes (changeDetect, derivative,
//! stateCount, sample).
//!
//! A counting global allocator tracks live heap bytes for this test binary.

use runtime::config::Config;
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use runtime::output::NullSink;
use runtime::task::Task;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Per-group state in the nodes that keep it in a `GroupMap` (changeDetect,
/// derivative, stateCount, sample), behind a barrier that deletes idle
/// groups; without them (`stateful` false) only the barrier's own state.
fn stateful_task(stateful: bool) -> Task {
    let nodes = "    |changeDetect('value')\n    |derivative('value')\n    |stateCount(lambda: \"derivative\" > 0.0)\n    |sample(1)\n";
    let script = format!(
        "stream\n    |from()\n        .measurement('m')\n        .groupBy('host')\n    |barrier()\n        .idle(30s)\n        .delete(TRUE)\n{}",
        if stateful { nodes } else { "" }
    );
    let (p, d) = compiler::check(&script);
    let p = p.unwrap_or_else(|| panic!("{d:?}"));
    Task::build("mem", &p, Config::default()).expect("task builds")
}

fn task(barrier: bool) -> Task {
    let script = format!(
        "stream\n    |from()\n        .measurement('m')\n        .groupBy('host')\n{}    |window()\n        .period(10s)\n        .every(10s)\n    |mean('value')\n    |alert()\n        .crit(lambda: \"mean\" > 100.0)\n",
        if barrier {
            "    |barrier()\n        .idle(30s)\n        .delete(TRUE)\n"
        } else {
            ""
        }
    );
    let (p, d) = compiler::check(&script);
    let p = p.unwrap_or_else(|| panic!("{d:?}"));
    Task::build("mem", &p, Config::default()).expect("task builds")
}

/// One point per group at time `t` (seconds), for groups `0..n`.
fn points(n: usize, t: i64, parser: &mut Parser) -> Vec<Arc<Point>> {
    let mut text = String::new();
    for g in 0..n {
        text.push_str(&format!("m,host=h{g} value={} {}\n", g % 7, t));
    }
    let mut out = Vec::with_capacity(n);
    parser.parse_text(&text, |r| out.push(Arc::new(r.expect("parses"))));
    out
}

fn feed(task: &mut Task, pts: Vec<Arc<Point>>) {
    let mut sink = NullSink;
    for p in pts {
        task.push_point(p, &mut sink).expect("runs");
    }
}

/// Live bytes held by a task after `n` groups each produced one window
/// (two points per group, 10s apart), the input points already dropped.
fn bytes_for(n: usize, barrier: bool) -> (i64, Task) {
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let first = points(n, 0, &mut parser);
    let second = points(n, 10, &mut parser);
    let before = LIVE.load(Ordering::Relaxed);
    let mut t = task(barrier);
    feed(&mut t, first);
    feed(&mut t, second);
    let after = LIVE.load(Ordering::Relaxed);
    (after - before, t)
}

/// Live bytes of a task's own state after `n` groups each saw two points:
/// the points are kept alive outside the task while measuring, so freeing
/// them does not hide what the task holds.
fn state_bytes(n: usize, make: impl FnOnce() -> Task) -> (i64, Task) {
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let first = points(n, 0, &mut parser);
    let second = points(n, 10, &mut parser);
    let keep: Vec<Arc<Point>> = first.iter().chain(&second).cloned().collect();
    let before = LIVE.load(Ordering::Relaxed);
    let mut t = make();
    feed(&mut t, first);
    feed(&mut t, second);
    let after = LIVE.load(Ordering::Relaxed);
    drop(keep);
    (after - before, t)
}

#[test]
fn bytes_per_group_and_bounded_idle_state() {
    // Interned tag values live in the parser (dropped with it); what remains
    // is the task's per-group state.
    let n = 100_000;
    let (bytes, t) = bytes_for(n, false);
    let per_group = bytes as f64 / n as f64;
    eprintln!("window+mean+alert: {per_group:.0} bytes per group ({n} groups, {bytes} bytes)");
    assert!(bytes > 0, "groups must cost something");
    drop(t);

    // With barrier idle + delete, once the data time passes the idle limit
    // every group gets a Barrier and a DeleteGroup and its state goes away.
    // What remains is bounded independently of the number of groups: from()'s
    // group-ID cache (at most 4096 entries, cleared when full).
    let n = 100_000;
    let (held, mut t) = bytes_for(n, true);
    let mut parser = Parser::new("db", "rp", Precision::Seconds);
    let late = points(1, 100, &mut parser);
    let before_expiry = LIVE.load(Ordering::Relaxed);
    feed(&mut t, late);
    let released = before_expiry - LIVE.load(Ordering::Relaxed);
    eprintln!(
        "with barrier+delete: {} bytes held for {n} groups, {released} released after idle",
        held
    );
    assert!(
        released >= held * 3 / 4,
        "idle groups' state must be released (held {held}, released {released})"
    );
    for id in 0..6 {
        if let Some(s) = t.node_stats(id) {
            assert!(
                s.working_cardinality <= 1,
                "node {id} still has {} groups",
                s.working_cardinality
            );
        }
    }
    drop(t);

    // The same for the nodes whose per-group state lives in a GroupMap:
    // DeleteGroup drops each group's entry and the maps give their memory
    // back. The barrier's own state is measured alone and subtracted (it is
    // not given back at once), so what is compared is what the stateful
    // nodes hold and what stays after their groups are deleted. (One test
    // function: the live-bytes counter is process-wide.)
    let mut run = |stateful: bool| {
        let (held, mut t) = state_bytes(n, || stateful_task(stateful));
        let late = points(1, 100, &mut parser);
        let before_expiry = LIVE.load(Ordering::Relaxed);
        feed(&mut t, late);
        let released = before_expiry - LIVE.load(Ordering::Relaxed);
        (held, held - released, t)
    };
    let (held_barrier, left_barrier, t_barrier) = run(false);
    drop(t_barrier);
    let (held_all, left_all, t) = run(true);
    let held = held_all - held_barrier;
    let left = left_all - left_barrier;
    eprintln!(
        "changeDetect+derivative+stateCount+sample: {held} bytes held for {n} groups, {left} left after idle"
    );
    assert!(held > 0, "groups must cost something");
    assert!(
        left <= held / 4,
        "deleted groups' state must be released (held {held}, left {left})"
    );
    for id in 0..7 {
        if let Some(s) = t.node_stats(id) {
            assert!(
                s.working_cardinality <= 1,
                "node {id} still has {} groups",
                s.working_cardinality
            );
        }
    }
}
