//! Faulty neighbours (issue 12 item 6): the real `kapacitord` with alert endpoints that
//! hang (accept, never answer), reset connections, and answer 500, while a client writes
//! continuously. Asserted:
//! - every write is answered within a bound on blocking (the server's inbox wait plus the
//!   handler timeout plus a margin: a hang check, not a speed assertion);
//! - the task whose handler is healthy (a log file) produces every event, complete;
//! - retries are bounded: the 500 and reset endpoints see at most one request per event;
//! - the hung endpoint's full queue shows as errors in its alert node's stats, and handler
//!   failures as `handler_errors`.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The post handlers' `.timeout()`.
const HANDLER_TIMEOUT: Duration = Duration::from_secs(2);
/// `state::WRITE_WAIT_LIMIT`: the longest a write waits on a full task inbox.
const WRITE_WAIT: Duration = Duration::from_secs(2);
/// Slack for a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(5);

#[derive(Clone, Copy)]
enum Behaviour {
    /// Reads the request and keeps the connection open without answering.
    Hang,
    /// Reads the request and resets the connection (SO_LINGER 0).
    Reset,
    /// Answers 500.
    Fail,
}

/// A local endpoint counting the connections (requests) it saw.
struct Endpoint {
    port: u16,
    requests: Arc<AtomicU64>,
}

fn read_request(s: &mut TcpStream) {
    // Enough to have the request head (and usually the body) read before acting.
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 8192];
    let mut seen = Vec::new();
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
}

fn endpoint(b: Behaviour) -> Endpoint {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let requests = Arc::new(AtomicU64::new(0));
    let n = requests.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            n.fetch_add(1, Ordering::Relaxed);
            match b {
                Behaviour::Hang => {
                    read_request(&mut s);
                    held.push(s);
                }
                Behaviour::Reset => {
                    read_request(&mut s);
                    let sock = socket2::SockRef::from(&s);
                    let _ = sock.set_linger(Some(Duration::ZERO));
                    drop(s);
                }
                Behaviour::Fail => {
                    std::thread::spawn(move || loop {
                        read_request(&mut s);
                        let r = s.write_all(
                            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail",
                        );
                        // One request per connection is counted; a kept-alive connection
                        // carrying more is counted below.
                        if r.is_err() {
                            break;
                        }
                        let mut probe = [0u8; 1];
                        match s.peek(&mut probe) {
                            Ok(0) | Err(_) => break,
                            Ok(_) => {}
                        }
                    });
                }
            }
        }
    });
    Endpoint { port, requests }
}

fn alert_task(id: &str, handler: &str) -> Value {
    let script = format!(
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('{id}')\n        .crit(lambda: TRUE)\n        {handler}\n"
    );
    json!({"id": id, "type": "stream", "dbrps": [{"db": "nb", "rp": "autogen"}],
        "script": script, "status": "enabled"})
}

fn node_stats(s: &Server, task: &str) -> Value {
    let (st, t) = s.get(&format!("/kapacitor/v1/tasks/{task}"));
    assert_eq!(st, 200, "{t}");
    t["stats"]["node-stats"]["alert2"].clone()
}

fn stat(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

/// Writes `writes` bodies of 10 points each, 10 ms apart, calling `before(w)`
/// ahead of write `w`; every write must be answered 204 within `bound`.
/// Returns the points written and the slowest write.
fn write_continuously(
    s: &Server,
    writes: usize,
    bound: Duration,
    mut before: impl FnMut(usize),
) -> (u64, Duration) {
    let per_write = 10;
    let mut slowest = Duration::ZERO;
    let mut t = 1_600_000_000_000_000_000i64;
    for w in 0..writes {
        before(w);
        let mut body = String::new();
        for i in 0..per_write {
            t += 1_000_000;
            body.push_str(&format!("cpu,host=h{i} v={w} {t}\n"));
        }
        let started = Instant::now();
        let (st, b) = s.call("POST", "/write?db=nb&rp=autogen", Some(body.as_bytes()));
        let took = started.elapsed();
        assert_eq!(st, 204, "write {w}: {b}");
        assert!(
            took < bound,
            "write {w} took {took:?}, more than the bound {bound:?}"
        );
        slowest = slowest.max(took);
        std::thread::sleep(Duration::from_millis(10));
    }
    ((writes * per_write) as u64, slowest)
}

/// Waits (up to 30 s) until the task `healthy` alerted on all `points` and its
/// log handler wrote every event to `log`; returns its alert node's stats.
fn wait_healthy_complete(s: &Server, log: &std::path::Path, points: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let healthy = node_stats(s, "healthy");
        let lines = testkit::alert_log::complete_lines(log).len() as u64;
        if stat(&healthy, "crits_triggered") == points && lines == points {
            return healthy;
        }
        assert!(
            Instant::now() < deadline,
            "healthy task incomplete: {healthy} with {lines} log lines of {points}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn faulty_alert_endpoints_do_not_block_writes_or_other_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        // Small enough that the hung endpoint's queue overflows (1,500 events, one
        // delivered per 2 s), large enough that a healthy handler starved of CPU for
        // a moment on a loaded CI machine does not.
        &[("KAPACITOR_ALERT_TOPIC_BUFFER_LENGTH", "1000")],
        &[],
    );
    let hang = endpoint(Behaviour::Hang);
    let reset = endpoint(Behaviour::Reset);
    let fail = endpoint(Behaviour::Fail);
    let timeout = format!("{}s", HANDLER_TIMEOUT.as_secs());
    let log = dir.path().join("healthy.log");
    for (id, handler) in [
        (
            "hang",
            format!(
                ".post('http://127.0.0.1:{}/')\n            .timeout({timeout})",
                hang.port
            ),
        ),
        (
            "reset",
            format!(
                ".post('http://127.0.0.1:{}/')\n            .timeout({timeout})",
                reset.port
            ),
        ),
        (
            "fail",
            format!(
                ".post('http://127.0.0.1:{}/')\n            .timeout({timeout})",
                fail.port
            ),
        ),
        ("healthy", format!(".log('{}')", log.display())),
    ] {
        let (st, b) = s.json("POST", "/kapacitor/v1/tasks", alert_task(id, &handler));
        assert_eq!(st, 200, "{id}: {b}");
    }

    // A client writing continuously; every write's latency is bounded.
    let bound = WRITE_WAIT + HANDLER_TIMEOUT + MARGIN;
    let (points, slowest) = write_continuously(&s, 150, bound, |_| {});
    eprintln!("faulty_neighbours: {points} points written, slowest write {slowest:?}");

    // The healthy task saw every point and its handler wrote every event.
    let healthy = wait_healthy_complete(&s, &log, points);
    assert_eq!(stat(&healthy, "errors"), 0, "{healthy}");
    // Every faulty task processed every point too (handlers never block the task).
    for id in ["hang", "reset", "fail"] {
        let deadline = Instant::now() + Duration::from_secs(30);
        while stat(&node_stats(&s, id), "crits_triggered") < points {
            assert!(Instant::now() < deadline, "{id}: {}", node_stats(&s, id));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    // The hung endpoint's queue (1,000 events, one per 2 s) overflowed: counted as errors.
    let hung = node_stats(&s, "hang");
    assert!(
        stat(&hung, "errors") > 0,
        "queue overflow not in the stats: {hung}"
    );
    assert!(
        hang.requests.load(Ordering::Relaxed) <= points,
        "hang endpoint saw more connections than events"
    );

    // The failing endpoints were tried, and never more than once per event.
    let deadline = Instant::now() + Duration::from_secs(30);
    for (id, e) in [("reset", &reset), ("fail", &fail)] {
        while e.requests.load(Ordering::Relaxed) == 0 {
            assert!(Instant::now() < deadline, "{id} endpoint never called");
            std::thread::sleep(Duration::from_millis(50));
        }
        let n = e.requests.load(Ordering::Relaxed);
        let st = node_stats(&s, id);
        eprintln!("faulty_neighbours: {id}: {n} requests, alert node stats {st}");
        // Events that reached the handler's queue (the rest overflowed, counted as errors).
        let queued = points - stat(&st, "errors");
        assert!(
            n <= queued,
            "{id}: {n} requests for {queued} queued events (retries unbounded)"
        );
        assert!(
            stat(&st, "handler_errors") > 0,
            "{id}: handler failures not in the stats: {st}"
        );
    }
    assert_eq!(s.call("GET", "/kapacitor/v1/ping", None).0, 204);
    s.stop();
}

fn agent_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime/tests/udf_agents/moving_avg.py")
}

/// A UDF agent on a unix socket that the test kills mid-run.
struct SocketAgent(std::process::Child);

impl Drop for SocketAgent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_dying_udf_agent_and_a_vanishing_influxdb_do_not_block_writes_or_other_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let mut influx = testkit::Influxd::start();
    let sock = dir.path().join("mavg.sock");
    let mut agent = SocketAgent(
        std::process::Command::new("python3")
            .arg("-u")
            .arg(agent_script())
            .arg("--socket")
            .arg(&sock)
            .spawn()
            .expect("python3 is needed for the UDF agent: apt-get install -y python3"),
    );
    let t0 = Instant::now();
    while !sock.exists() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "agent socket never appeared"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let udf_timeout = Duration::from_secs(2);
    let conf = format!(
        "[[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  urls = [{url:?}]\n  disable-subscriptions = true\n  timeout = \"2s\"\n[udf]\n[udf.functions]\n  [udf.functions.mavgsock]\n    socket = {sock:?}\n    timeout = \"{t}s\"\n",
        url = influx.url(),
        sock = sock.display().to_string(),
        t = udf_timeout.as_secs()
    );
    let conf_path = dir.path().join("kapacitor.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let s = Server::start(dir.path(), &[], &["-config", conf_path.to_str().unwrap()]);
    let log = dir.path().join("healthy.log");
    let tasks = [
        (
            "udf",
            "stream\n    |from()\n        .measurement('cpu')\n    @mavgsock()\n        .field('v')\n        .size(3)\n        .as('avg')\n    |httpOut('avg')\n".to_string(),
        ),
        (
            "out",
            "stream\n    |from()\n        .measurement('cpu')\n    |influxDBOut()\n        .database('copy')\n        .buffer(10)\n        .flushInterval(1s)\n        .create()\n".to_string(),
        ),
        (
            "healthy",
            format!(
                "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('healthy')\n        .crit(lambda: TRUE)\n        .log('{}')\n",
                log.display()
            ),
        ),
    ];
    for (id, script) in &tasks {
        let (st, b) = s.json(
            "POST",
            "/kapacitor/v1/tasks",
            json!({"id": id, "type": "stream", "dbrps": [{"db": "nb", "rp": "autogen"}],
                "script": script, "status": "enabled"}),
        );
        assert_eq!(st, 200, "{id}: {b}");
    }

    // Writes continue while the agent is killed (a third in) and InfluxDB goes away (two
    // thirds in); each is answered within the bound on blocking.
    let bound = WRITE_WAIT + udf_timeout + MARGIN;
    let writes = 150;
    let (points, slowest) = write_continuously(&s, writes, bound, |w| {
        if w == writes / 3 {
            let _ = agent.0.kill();
            let _ = agent.0.wait();
        }
        if w == 2 * writes / 3 {
            influx.stop();
        }
    });
    eprintln!("faulty_neighbours: {points} points written past a dead agent and InfluxDB, slowest write {slowest:?}");
    wait_healthy_complete(&s, &log, points);
    // Later points follow the written ones (`write_continuously`'s clock).
    let mut t = 1_600_000_000_000_000_000i64 + points as i64 * 1_000_000;
    // The failures are visible in the affected tasks' stats.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, udf) = s.get("/kapacitor/v1/tasks/udf");
        let (_, out) = s.get("/kapacitor/v1/tasks/out");
        let udf_errors = stat(&udf["stats"]["node-stats"]["mavgsock2"], "errors");
        let out_node = &out["stats"]["node-stats"]["influxdb_out2"];
        let out_errors = stat(out_node, "write_errors") + stat(out_node, "errors");
        if udf_errors > 0 && out_errors > 0 {
            eprintln!(
                "faulty_neighbours: udf node {} ; influxDBOut node {out_node}",
                udf["stats"]["node-stats"]["mavgsock2"]
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "failures not in the stats: udf {} out {}",
            udf["stats"],
            out["stats"]
        );
        // Another point makes nodes publish their counters.
        t += 1_000_000;
        s.call(
            "POST",
            "/write?db=nb&rp=autogen",
            Some(format!("cpu v=1 {t}\n").as_bytes()),
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(s.call("GET", "/kapacitor/v1/ping", None).0, 204);
    s.stop();
}
