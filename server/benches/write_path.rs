//! The write path's speed (issue 9, "Speed"): line protocol written over
//! HTTP on loopback to a real `kapacitord` (a child process; this bench
//! process is the load generator), beside the same text parsed and pushed
//! straight into an in-process `runtime::engine::Engine`. Batches of 5,000
//! points, 1, 10 and 100 enabled tasks of the shapes of Kapacitor's own
//! benchmark (from only; window+count; alert).
//!
//! Throughput (criterion, in points/s) counts a batch as done when every task
//! has consumed it (the tasks' `collected`/routed counters), not when the
//! write is acknowledged: acknowledging only enqueues. A point the server shed
//! (a task queue full past the 2 s `state::WRITE_WAIT_LIMIT`, counted in the task's
//! `points_dropped`) is done too, and the `peak`/`p99` lines say how many there
//! were: a figure with points shed is not a sustainable rate. Criterion cannot give a
//! p99, so after each HTTP group a fixed number of writes is timed one by one
//! and the p99 latency is printed (`p99 ...` lines).
//!
//! The engine side parses the same text with the same parser: the difference
//! between the two is what HTTP (hyper, the request body, the handler's hop to
//! a blocking thread) costs on top of the engine. The bar: no more
//! than 25%.
//!
//! Beside them in the same run: `parser` (the 5,000-point body parsed to
//! points, nothing else: what the parser alone costs per point) and the
//! engine with 1 and 2 worker threads (`engine/<shape>/<tasks>/w<N>`: how
//! throughput grows with the workers once there are at least two tasks).
//!
//! After each HTTP configuration, `peak ...` prints the rate of a burst of
//! writes timed until every task consumed them (and µs per point×task), and
//! `p99 ...` the latency of writes sent at a constant 50% of that rate, each
//! timed from when it was due (not when it was sent), so a stalled server
//! shows in the figure instead of delaying the schedule (wrk2's rule).
//!
//! Needs `kapacitord` built in the same profile, next to the bench's directory
//! (`cargo build --release -p server --bin kapacitord`; `cargo bench` builds it).
//! Under `cargo test` (no `--bench` argument) every size is tiny.

use criterion::{BenchmarkId, Criterion, Throughput};
use runtime::engine::{Engine, EngineOptions, LogOutputs, WriteBatch};
use runtime::line_protocol::{Parser, Precision};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sizes of one run: full under `cargo bench`, tiny under `cargo test`.
struct Sizes {
    batch: usize,
    tasks: &'static [usize],
    /// Writes timed one by one for the p99.
    latency_requests: usize,
    /// Writes of the burst that measures the peak rate.
    peak_requests: usize,
}

const FULL: Sizes = Sizes {
    batch: 5_000,
    tasks: &[1, 10, 100],
    latency_requests: 200,
    peak_requests: 20,
};
const TINY: Sizes = Sizes {
    batch: 20,
    tasks: &[1, 2],
    latency_requests: 3,
    peak_requests: 2,
};

/// Wall time the p99 writes of one configuration may take.
const LATENCY_BUDGET: Duration = Duration::from_secs(10);

/// Engine worker threads compared.
const WORKERS: [usize; 2] = [1, 2];

const SHAPES: [&str; 3] = ["from", "window", "alert"];

/// The shapes to run: all, or those named in `WRITE_PATH_SHAPES` (comma
/// separated, e.g. `alert` to rerun one shape).
fn shapes() -> Vec<&'static str> {
    let only = std::env::var("WRITE_PATH_SHAPES").unwrap_or_default();
    SHAPES
        .into_iter()
        .filter(|s| only.is_empty() || only.split(',').any(|o| o.trim() == *s))
        .collect()
}

/// Kapacitor's benchmark task shapes (its `benchmark_test` scripts), on
/// measurement `cpu` of `db`.`rp`.
fn script(shape: &str) -> String {
    let head = "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')";
    match shape {
        "from" => format!("{head}\n"),
        "window" => format!("{head}|window().period(10s).every(10s)|count('usage_idle')\n"),
        "alert" => format!(
            "{head}|alert().id('{{{{ .Name }}}}_{{{{ .TaskName }}}}')\
             .info(lambda: \"usage_idle\" < 90)\
             .warn(lambda: \"usage_idle\" < 80)\
             .crit(lambda: \"usage_idle\" < 70)\n"
        ),
        other => unreachable!("no shape {other}"),
    }
}

/// Batch `round` as line protocol: 100 hosts, one point per millisecond, so
/// time rises across batches (windows close as they would live).
fn body(batch: usize, round: u64) -> Vec<u8> {
    let mut s = String::with_capacity(batch * 40);
    for i in 0..batch as u64 {
        let t = (round * batch as u64 + i) * 1_000_000;
        s.push_str(&format!(
            "cpu,host=h{} usage_idle={} {t}\n",
            i % 100,
            i % 100
        ));
    }
    s.into_bytes()
}

/// Polls `consumed` until it reaches `want` (or panics when the count stops
/// moving for a minute: a task that stops consuming is a bug, while a slow
/// configuration — 100 alert tasks — may need minutes for a backlog).
fn wait_for(want: u64, mut consumed: impl FnMut() -> u64) {
    let mut last = (consumed(), Instant::now());
    loop {
        let n = consumed();
        if n >= want {
            return;
        }
        if n != last.0 {
            last = (n, Instant::now());
        }
        assert!(
            last.1.elapsed() < Duration::from_secs(60),
            "tasks consumed {n} of {want} points and no more for a minute"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The `kapacitord` of this build: the bench executable lives in
/// `target/<profile>/deps/`, the binary in `target/<profile>/`.
fn kapacitord_path() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the bench runs from target/<profile>/deps");
    let bin = profile_dir.join(format!("kapacitord{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        panic!(
            "kapacitord not found at {}: build it in the same profile first \
             (`cargo build --release -p server --bin kapacitord`)",
            bin.display()
        );
    }
    bin
}

/// A `kapacitord` child on a free loopback port with a temporary data dir;
/// killed on drop.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(kapacitord_path())
            .env_remove("KAPACITOR_CONFIG_PATH")
            .env("KAPACITOR_DATA_DIR", dir.path())
            // The store and replays default to ~/.kapacitor, shared by every run: keep them here.
            .env("KAPACITOR_STORAGE_BOLTDB", dir.path().join("kapacitor.db"))
            .env("KAPACITOR_REPLAY_DIR", dir.path().join("replay"))
            .env("KAPACITOR_HTTP_BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kapacitord starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
            _dir: dir,
        };
        let t = Instant::now();
        while server.call("GET", "/kapacitor/v1/ping", None).0 != 204 {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "kapacitord did not answer on {}",
                server.base
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// (status, body); transport errors count as status 0.
    fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
        let url = format!("{}{path}", self.base);
        let r = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self.agent.post(&url).send(b.unwrap_or(&[])),
        };
        match r {
            Ok(mut r) => {
                let status = r.status().as_u16();
                // Read to the end so the connection is reused.
                let text = r.body_mut().read_to_string().unwrap_or_default();
                (status, text)
            }
            Err(_) => (0, String::new()),
        }
    }

    fn write(&self, body: &[u8]) {
        let (status, text) = self.call("POST", "/write?db=db&rp=rp", Some(body));
        assert_eq!(status, 204, "write failed: {text}");
    }

    fn define(&self, id: &str, script: &str) {
        let req = serde_json::json!({"id": id, "script": script, "status": "enabled"});
        let (status, text) = self.call(
            "POST",
            "/kapacitor/v1/tasks",
            Some(req.to_string().as_bytes()),
        );
        assert_eq!(status, 200, "define {id}: {text}");
    }

    fn delete(&self, id: &str) {
        self.call("DELETE", &format!("/kapacitor/v1/tasks/{id}"), None);
    }

    /// The fewest points any bench task is done with (one list request for
    /// every task): collected by its `stream0`, or shed because its queue stayed
    /// full past the server's write wait limit (`points_dropped`, see `dropped`).
    fn consumed(&self) -> u64 {
        self.task_counts()
            .iter()
            .map(|(c, d)| c + d)
            .min()
            .unwrap_or(0)
    }

    /// The points the bench tasks shed, summed.
    fn dropped(&self) -> u64 {
        self.task_counts().iter().map(|(_, d)| d).sum()
    }

    /// Per bench task: (collected, dropped).
    fn task_counts(&self) -> Vec<(u64, u64)> {
        let (status, text) = self.call(
            "GET",
            "/kapacitor/v1/tasks?pattern=bench*&fields=stats&limit=1000",
            None,
        );
        assert_eq!(status, 200, "list tasks: {text}");
        let v: Value = serde_json::from_str(&text).expect("task list is JSON");
        v["tasks"]
            .as_array()
            .expect("tasks array")
            .iter()
            .map(|t| {
                let stats = &t["stats"];
                (
                    stats["node-stats"]["stream0"]["collected"]
                        .as_u64()
                        .unwrap_or(0),
                    stats["task-stats"]["points_dropped"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The HTTP figure: batches posted on one keep-alive connection, timed until
/// every task consumed them; then the p99 of single writes.
fn bench_http(c: &mut Criterion, sizes: &Sizes, server: &Server) {
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(sizes.batch as u64));
    group.sample_size(10);
    for shape in shapes() {
        for &tasks in sizes.tasks {
            let ids: Vec<String> = (0..tasks).map(|i| format!("bench{i}")).collect();
            for id in &ids {
                server.define(id, &script(shape));
            }
            let mut round = 0u64;
            let mut next = || {
                round += 1;
                body(sizes.batch, round)
            };
            server.write(&next());
            wait_for(sizes.batch as u64, || server.consumed());
            let mut sent = sizes.batch as u64;
            group.bench_function(BenchmarkId::new(shape, tasks), |b| {
                b.iter_custom(|iters| {
                    let bodies: Vec<Vec<u8>> = (0..iters).map(|_| next()).collect();
                    let start = Instant::now();
                    for body in &bodies {
                        server.write(body);
                    }
                    sent += iters * sizes.batch as u64;
                    wait_for(sent, || server.consumed());
                    start.elapsed()
                })
            });
            // The peak: a burst of writes, timed until every task consumed
            // them.
            let burst: Vec<Vec<u8>> = (0..sizes.peak_requests).map(|_| next()).collect();
            let start = Instant::now();
            for body in &burst {
                server.write(body);
            }
            sent += burst.len() as u64 * sizes.batch as u64;
            wait_for(sent, || server.consumed());
            let per_write = start.elapsed() / burst.len() as u32;
            let points_per_sec = sizes.batch as f64 / per_write.as_secs_f64();
            println!(
                "peak http/{shape}/{tasks}: {:.0} points/s, {:.3} µs per point×task \
                 ({} points shed by full task queues so far)",
                points_per_sec,
                per_write.as_secs_f64() * 1e6 / (sizes.batch * tasks) as f64,
                server.dropped()
            );
            // At most `latency_requests` writes at half the peak rate, within
            // a time budget: a slow configuration reports on fewer writes.
            let interval = per_write * 2;
            let budget = Instant::now();
            let mut lat: Vec<Duration> = Vec::new();
            let mut due = Instant::now();
            while lat.len() < sizes.latency_requests
                && (lat.is_empty() || budget.elapsed() < LATENCY_BUDGET)
            {
                let body = next();
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                server.write(&body);
                lat.push(due.elapsed());
                due += interval;
            }
            sent += lat.len() as u64 * sizes.batch as u64;
            wait_for(sent, || server.consumed());
            lat.sort();
            let p99 = lat[(lat.len() * 99 / 100).min(lat.len() - 1)];
            // Printed at once: criterion's own lines come between.
            println!(
                "p99 write latency at 50% of peak http/{shape}/{tasks}: {:.2} ms \
                 ({} writes of {} points, one every {:.2} ms; {} points shed so far)",
                p99.as_secs_f64() * 1e3,
                lat.len(),
                sizes.batch,
                interval.as_secs_f64() * 1e3,
                server.dropped()
            );
            for id in &ids {
                server.delete(id);
            }
        }
    }
    group.finish();
}

/// The baseline: the same text parsed and written into an in-process engine,
/// timed the same way.
fn bench_engine(c: &mut Criterion, sizes: &Sizes) {
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(sizes.batch as u64));
    group.sample_size(10);
    for shape in shapes() {
        let (pipeline, diags) = compiler::check(&script(shape));
        let pipeline = pipeline.unwrap_or_else(|| panic!("{shape} does not check: {diags:?}"));
        for (&tasks, workers) in sizes
            .tasks
            .iter()
            .flat_map(|t| WORKERS.iter().map(move |&w| (t, w)))
        {
            let options = EngineOptions {
                workers,
                ..EngineOptions::default()
            };
            let engine = Engine::new(options, std::sync::Arc::new(LogOutputs));
            let ids: Vec<String> = (0..tasks).map(|i| format!("bench{i}")).collect();
            for id in &ids {
                engine.start_task(id, &pipeline).expect("task starts");
            }
            let consumed = || {
                ids.iter()
                    .map(|id| engine.snapshot(id).map_or(0, |s| s.points_routed))
                    .min()
                    .unwrap_or(0)
            };
            let write = |text: &[u8]| {
                let text = std::str::from_utf8(text).expect("generated text is UTF-8");
                let mut parser = Parser::new("db", "rp", Precision::Nanoseconds);
                let mut points = Vec::with_capacity(sizes.batch);
                parser.parse_text(text, |r| points.push(r.expect("valid point")));
                engine.write(WriteBatch::new("db", "rp", points));
            };
            let mut round = 0u64;
            let mut next = || {
                round += 1;
                body(sizes.batch, round)
            };
            write(&next());
            wait_for(sizes.batch as u64, consumed);
            let mut sent = sizes.batch as u64;
            let id = BenchmarkId::new(shape, format!("{tasks}/w{workers}"));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let bodies: Vec<Vec<u8>> = (0..iters).map(|_| next()).collect();
                    let start = Instant::now();
                    for body in &bodies {
                        write(body);
                    }
                    sent += iters * sizes.batch as u64;
                    wait_for(sent, consumed);
                    start.elapsed()
                })
            });
            engine.shutdown();
        }
    }
    group.finish();
}

/// The parser alone: the same bodies parsed to points and dropped.
fn bench_parser(c: &mut Criterion, sizes: &Sizes) {
    let mut group = c.benchmark_group("parser");
    group.throughput(Throughput::Elements(sizes.batch as u64));
    let text = String::from_utf8(body(sizes.batch, 1)).expect("generated text is UTF-8");
    group.bench_function("to_points", |b| {
        b.iter(|| {
            let mut parser = Parser::new("db", "rp", Precision::Nanoseconds);
            let mut points = Vec::with_capacity(sizes.batch);
            parser.parse_text(&text, |r| points.push(r.expect("valid point")));
            std::hint::black_box(points.len())
        })
    });
    group.finish();
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs benches without it.
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full { &FULL } else { &TINY };
    let mut c = Criterion::default().configure_from_args();
    bench_parser(&mut c, sizes);
    bench_engine(&mut c, sizes);
    let server = Server::start();
    bench_http(&mut c, sizes, &server);
    drop(server);
    c.final_summary();
}
