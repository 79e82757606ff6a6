use super::*;
use crate::line_protocol::{Parser, Precision};
use crate::output::{render, Output};
use std::time::Instant;

#[derive(Default)]
struct Collect(Mutex<Vec<String>>);

impl Outputs for Collect {
    fn output(&self, task: &str, out: Output<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{task} {}", render(out)));
    }
    fn diagnostic(&self, task: &str, node: &str, message: &str) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{task} diag {node}: {message}"));
    }
}

fn pipeline(script: &str) -> Pipeline {
    let (p, diags) = compiler::check(script);
    p.unwrap_or_else(|| panic!("{diags:?}"))
}

fn points(text: &str) -> Vec<crate::message::Point> {
    points_of("", "", text)
}

fn points_of(db: &str, rp: &str, text: &str) -> Vec<crate::message::Point> {
    let mut parser = Parser::new(db, rp, Precision::Nanoseconds);
    let mut v = Vec::new();
    parser.parse_text(text, |r| v.push(r.unwrap()));
    v
}

fn engine(workers: usize, queue_points: usize, outputs: Arc<dyn Outputs>) -> Engine {
    Engine::new(
        EngineOptions {
            workers,
            queue_points,
            tick_interval: Duration::from_millis(10),
            config: Config::default(),
            write_wait_limit: None,
        },
        outputs,
    )
}

/// Poll `f` until it holds or 5 s pass.
fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(5) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn routed(e: &Engine, id: &str) -> u64 {
    e.snapshot(id).map_or(0, |s| s.points_routed)
}

#[test]
fn subscription_follows_dbrps_and_from_measurements() {
    let s = Subscription::of(&pipeline(
        "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|log()\nstream|from().measurement('mem')|log()\n",
    ))
    .unwrap();
    assert!(s.wants("db", "rp", "cpu"));
    assert!(s.wants("db", "rp", "mem"));
    assert!(!s.wants("db", "rp", "disk"));
    assert!(!s.wants("db", "other", "cpu"));
    assert!(!s.wants("other", "rp", "cpu"));
    // A from without a measurement takes every measurement of the dbrps.
    let all = Subscription::of(&pipeline(
        "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|log()\nstream|from()|log()\n",
    ))
    .unwrap();
    assert!(all.wants("db", "rp", "disk"));
    assert!(!all.wants("db2", "rp", "disk"));
    assert!(Subscription::of(&pipeline("dbrp \"db\".\"rp\"\nbatch|query('SELECT mean(v) FROM \"db\".\"rp\".\"m\"').period(1m).every(1m)|log()\n")).is_none());
}

#[test]
fn writes_reach_only_the_tasks_that_want_them() {
    let out = Arc::new(Collect::default());
    let e = engine(2, 1000, out.clone());
    e.start_task(
        "cpu",
        &pipeline("dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|httpOut('x')\n"),
    )
    .unwrap();
    e.start_task(
        "all",
        &pipeline("dbrp \"db\".\"rp\"\nstream|from()|httpOut('x')\n"),
    )
    .unwrap();
    e.start_task(
        "other",
        &pipeline("dbrp \"other\".\"rp\"\nstream|from()|httpOut('x')\n"),
    )
    .unwrap();
    let w = e.write(WriteBatch::new(
        "db",
        "rp",
        points("cpu v=1 1\nmem v=2 2\ncpu v=3 3\n"),
    ));
    assert_eq!(w.tasks, 2);
    assert!(wait_for(|| routed(&e, "cpu") == 2 && routed(&e, "all") == 3));
    assert_eq!(routed(&e, "other"), 0);
    // The DOT's root edge counts exactly the points routed.
    assert!(e
        .snapshot("cpu")
        .unwrap()
        .dot
        .contains("stream0 -> from1 [processed=\"2\"];"));
    // httpOut is readable while the task runs.
    let r = e.http_out("cpu", "x").unwrap();
    assert!(
        r.contains("\"values\":[[\"1970-01-01T00:00:00.000000003Z\",3]]"),
        "{r}"
    );
    assert_eq!(e.http_out("cpu", "nope"), None);
    assert!(e.stop_task("cpu"));
    assert!(!e.stop_task("cpu"));
    assert!(e.snapshot("cpu").is_none());
    e.shutdown();
}

#[test]
fn a_directly_fed_task_sees_only_write_task() {
    let out = Arc::new(Collect::default());
    let e = engine(2, 1000, out.clone());
    let p = pipeline("dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|httpOut('x')\n");
    e.start_task_fed_directly("fed", &p, &Default::default())
        .unwrap();
    // Routing passes it by (a cluster node feeds it from its consumer).
    let w = e.write(WriteBatch::new("db", "rp", points("cpu v=1 1\n")));
    assert_eq!(w.tasks, 0);
    // Its own feed: other dbrps are skipped as routing would skip them.
    assert!(e.write_task("fed", WriteBatch::new("db", "rp", points("cpu v=2 2\n"))));
    assert!(e.write_task("fed", WriteBatch::new("x", "rp", points("cpu v=3 3\n"))));
    assert!(!e.write_task("nope", WriteBatch::new("db", "rp", points("cpu v=4 4\n"))));
    assert!(wait_for(|| e.task_idle("fed") == Some(true)));
    assert_eq!(routed(&e, "fed"), 1);
    let r = e.http_out("fed", "x").unwrap();
    assert!(r.contains("000000002Z\",2]]"), "{r}");
    assert_eq!(e.task_idle("nope"), None);
    e.shutdown();
}

#[test]
fn a_full_queue_makes_writers_wait_within_the_bound() {
    let e = engine(1, 10, Arc::new(Collect::default()));
    e.start_task(
        "slow",
        &pipeline("dbrp \"db\".\"rp\"\nstream|from()|log()\n"),
    )
    .unwrap();
    let cell = read(&e.inner.tasks).get("slow").cloned().unwrap();
    // Hold the executor: the worker takes one job, then cannot run it.
    let held = cell.exec.lock().unwrap();
    let five = || {
        WriteBatch::new(
            "db",
            "rp",
            points("m v=1 1\nm v=1 2\nm v=1 3\nm v=1 4\nm v=1 5\n"),
        )
    };
    e.write(five());
    assert!(wait_for(|| cell.queued_points() == 0));
    e.write(five());
    e.write(five());
    assert_eq!(cell.queued_points(), 10);
    let e2 = e.clone();
    let writer = std::thread::spawn(move || e2.write(five()));
    std::thread::sleep(Duration::from_millis(100));
    assert!(!writer.is_finished(), "the writer must wait for room");
    assert!(cell.queued_points() <= 10);
    drop(held);
    writer.join().unwrap();
    assert!(wait_for(|| routed(&e, "slow") == 20));
    let s = e.snapshot("slow").unwrap();
    assert_eq!(s.writes_blocked, 1);
    assert!(s.blocked_ns >= 50_000_000);
    assert_eq!(s.queue_high_water, 10);
    e.shutdown();
}

#[test]
fn a_write_deadline_drops_the_write_for_a_stuck_task_only() {
    let e = Engine::new(
        EngineOptions {
            // One worker stays stuck on the held task; the other serves "fine".
            workers: 2,
            queue_points: 5,
            tick_interval: Duration::from_millis(10),
            config: Config::default(),
            write_wait_limit: Some(Duration::from_millis(200)),
        },
        Arc::new(Collect::default()),
    );
    let script = "dbrp \"db\".\"rp\"\nstream|from()|log()\n";
    e.start_task("stuck", &pipeline(script)).unwrap();
    e.start_task("fine", &pipeline(script)).unwrap();
    let stuck = read(&e.inner.tasks).get("stuck").cloned().unwrap();
    let held = stuck.exec.lock().unwrap();
    let five = || {
        WriteBatch::new(
            "db",
            "rp",
            points("m v=1 1\nm v=1 2\nm v=1 3\nm v=1 4\nm v=1 5\n"),
        )
    };
    // The worker takes the first job and blocks on the held executor; the
    // second fills the stuck task's queue (5 points).
    e.write(five());
    assert!(wait_for(|| stuck.queued_points() == 0));
    e.write(five());
    let t = Instant::now();
    e.write(five());
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    let s = stuck.dropped();
    assert_eq!((s.0, s.1), (1, 5), "one write of five points dropped");
    drop(held);
    assert!(wait_for(|| routed(&e, "fine") == 15));
    assert!(wait_for(|| routed(&e, "stuck") == 10));
    e.shutdown();
}

#[test]
fn deadman_fires_on_the_wall_clock_when_data_stops() {
    let out = Arc::new(Collect::default());
    let e = engine(2, 1000, out.clone());
    e.start_task(
        "dm",
        &pipeline("dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|deadman(0.0, 100ms)\n"),
    )
    .unwrap();
    // Data flows for a while (timestamps far in the past: only the wall
    // clock can tell that it stopped), then stops.
    for i in 0..15 {
        e.write(WriteBatch::new(
            "db",
            "rp",
            points(&format!("cpu v=1 {i}\n")),
        ));
        std::thread::sleep(Duration::from_millis(20));
    }
    let fired = wait_for(|| {
        out.0
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("\"kind\":\"alert\"") && l.contains("\"level\":\"CRITICAL\""))
    });
    assert!(fired, "{:?}", out.0.lock().unwrap());
    e.shutdown();
}

#[test]
fn many_tasks_each_get_every_point_once() {
    let e = engine(2, 100_000, Arc::new(Collect::default()));
    let p = pipeline("dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|window().period(10s).every(10s)|count('v')|log()\n");
    for i in 0..50 {
        e.start_task(&format!("t{i}"), &p).unwrap();
    }
    assert!(matches!(
        e.start_task("t0", &p),
        Err(EngineError::AlreadyRunning(_))
    ));
    let text: String = (0..200)
        .map(|i| format!("cpu v={i} {i}000000000\n"))
        .collect();
    for _ in 0..5 {
        e.write(WriteBatch::new("db", "rp", points(&text)));
    }
    assert!(wait_for(
        || (0..50).all(|i| routed(&e, &format!("t{i}")) == 1000)
    ));
    e.shutdown();
    assert!(matches!(
        e.start_task("late", &p),
        Err(EngineError::ShuttingDown)
    ));
}

#[test]
fn a_failing_build_is_a_typed_error() {
    let e = engine(1, 10, Arc::new(Collect::default()));
    let mut b = crate::testing::PipelineBuilder::stream();
    b.add(
        compiler::catalog::NodeKind::K8sAutoscale,
        &[0],
        vec![],
        vec![],
    );
    let err = e.start_task("b", &b.build()).unwrap_err();
    assert!(matches!(err, EngineError::Build { .. }), "{err}");
    assert!(!e.is_executing("b"));
    e.shutdown();
}

#[test]
fn replays_run_on_data_time_in_isolation() {
    let out = Arc::new(Collect::default());
    let p = pipeline(
        "dbrp \"db\".\"rp\"\nstream|from()|window().period(2s).every(2s)|count('v')|httpOut('c')\n",
    );
    let data = crate::recording::Data::Stream(
        // The last point is another dbrp's: a replay routes as the engine
        // does, so the task never sees it (five points processed, not six).
        points_of(
            "db",
            "rp",
            "m v=1 0\nm v=1 1000000000\nm v=1 2000000000\nm v=1 3000000000\nm v=1 4000000000\n",
        )
        .into_iter()
        .chain(points_of("other", "rp", "m v=1 5000000000\n"))
        .map(Ok)
        .collect(),
    );
    let h = replay::start(
        "r",
        &p,
        data,
        replay::ReplayOptions {
            clock: replay::Clock::Fast,
            recording_time: true,
            start: 0,
            config: Config::default(),
            strict: false,
        },
        out.clone(),
    )
    .unwrap();
    let st = h.join();
    assert!(st.finished && st.error.is_none(), "{st:?}");
    let stats = st.stats.unwrap();
    assert!(
        stats.dot.contains("stream0 -> from1 [processed=\"5\"];"),
        "{}",
        stats.dot
    );
    // Windows [0,2) and [2,4) closed on data time: two batches counted.
    assert!(
        stats.dot.contains("window2 -> count3 [processed=\"2\"];"),
        "{}",
        stats.dot
    );
}
