//! `[cluster]` figures (issue 15), measured end to end on real processes in
//! one run: a single kapacitord without `[cluster]`, a one-node cluster and a
//! three-node cluster (each on a fresh three-server JetStream cluster):
//!
//! * aggregate write throughput: acknowledged points per second, one writer
//!   thread per node, batches of `BATCH` points over the tasks' measurements;
//!   and the time until every task consumed them;
//! * write → alert latency: one point flipping an alert's level, timed until
//!   the capture listener has the alert (median and p90 of `PINGS`);
//! * failover: a node owning tasks killed with SIGKILL, timed until every
//!   task runs on a survivor and until a write reaches an alert again.
//!
//! Run: `cargo bench -p server --bench cluster` (prints a table; no
//! criterion: a multi-process run is not a micro-benchmark).

#[path = "../tests/common/mod.rs"]
mod common;

use common::Server;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::nats::NatsCluster;
use testkit::Recorder;

const TASKS: usize = 6;
const BATCH: usize = 1000;
const WRITES_PER_NODE: usize = 60;
const PINGS: usize = 30;

fn start(dir: &Path, id: &str, nats: Option<&NatsCluster>) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    match nats {
        Some(n) => Server::start(
            dir,
            &[
                ("KAPACITOR_CLUSTER_ENABLED", "true"),
                ("KAPACITOR_CLUSTER_NODE_ID", id),
                ("KAPACITOR_CLUSTER_NATS_URLS_0", &n.urls()),
                ("KAPACITOR_CLUSTER_REPLICAS", "3"),
            ],
            &[],
        ),
        None => Server::start(dir, &[], &[]),
    }
}

fn define(s: &Server, url: &str) {
    for i in 0..TASKS {
        let script = format!(
            "stream\n    |from()\n        .measurement('m{i}')\n    |alert()\n        .crit(lambda: \"v\" > 50)\n        .stateChangesOnly()\n        .post('{url}')\n"
        );
        let (code, body) = s.json(
            "POST",
            "/kapacitor/v1/tasks",
            json!({"id": format!("t{i}"), "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}],
                   "script": script, "status": "enabled"}),
        );
        assert_eq!(code, 200, "{body}");
    }
}

/// Tasks running on `nodes` (cluster: from `/cluster`; single: `executing`).
fn running(nodes: &[&Server], cluster: bool) -> usize {
    if !cluster {
        let (_, v) = nodes[0].get("/kapacitor/v1/tasks");
        return v["tasks"]
            .as_array()
            .map_or(0, |t| t.iter().filter(|t| t["executing"] == true).count());
    }
    let mut n = 0;
    for s in nodes {
        let (code, v) = s.get("/kapacitor/v1/cluster");
        if code == 200 {
            n += v["owned"].as_array().map_or(0, |a| a.len());
        }
    }
    n
}

fn wait_running(nodes: &[&Server], cluster: bool) {
    let t = Instant::now();
    while running(nodes, cluster) < TASKS {
        assert!(t.elapsed() < Duration::from_secs(60), "tasks did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn points_routed(nodes: &[&Server]) -> u64 {
    // Each task's `from` counts what it was fed, on the node running it.
    let mut n = 0;
    for s in nodes {
        for i in 0..TASKS {
            let (_, v) = s.get(&format!("/kapacitor/v1/tasks/t{i}"));
            n += v["stats"]["node-stats"]["from1"]["collected"]
                .as_u64()
                .unwrap_or(0);
        }
    }
    n
}

struct Figures {
    points_per_sec: f64,
    consumed_after: Duration,
    latency_median: Duration,
    latency_p90: Duration,
}

fn measure(nodes: &[&Server], rec: &Recorder, t0: i64) -> Figures {
    // Throughput: values below the threshold, so no alert traffic interferes.
    let start = Instant::now();
    std::thread::scope(|scope| {
        for (w, s) in nodes.iter().enumerate() {
            scope.spawn(move || {
                for b in 0..WRITES_PER_NODE {
                    let mut body = String::with_capacity(BATCH * 32);
                    for p in 0..BATCH {
                        let ts = t0 + ((w * WRITES_PER_NODE + b) * BATCH + p) as i64;
                        body += &format!("m{},h=w{w} v=1 {ts}\n", p % TASKS);
                    }
                    let (code, text) = s.call("POST", "/write?db=db&rp=rp", Some(body.as_bytes()));
                    assert_eq!(code, 204, "{text}");
                }
            });
        }
    });
    let acked = start.elapsed();
    let total = (nodes.len() * WRITES_PER_NODE * BATCH) as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    while points_routed(nodes) < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let consumed_after = start.elapsed();
    // Latency: flip task t0's level, one point at a time.
    let mut lat = Vec::new();
    let t1 = t0 + 1_000_000_000_000;
    for i in 0..PINGS {
        let before = rec.calls().len();
        let v = if i.is_multiple_of(2) { 100 } else { 0 };
        let s = nodes[i % nodes.len()];
        let sent = Instant::now();
        let body = format!("m0,h=p v={v} {}\n", t1 + i as i64 * 1_000_000_000);
        assert_eq!(
            s.call("POST", "/write?db=db&rp=rp", Some(body.as_bytes()))
                .0,
            204
        );
        while rec.calls().len() <= before {
            assert!(sent.elapsed() < Duration::from_secs(30), "no alert");
            std::thread::sleep(Duration::from_micros(200));
        }
        lat.push(sent.elapsed());
    }
    lat.sort();
    Figures {
        points_per_sec: total as f64 / acked.as_secs_f64(),
        consumed_after,
        latency_median: lat[lat.len() / 2],
        latency_p90: lat[lat.len() * 9 / 10],
    }
}

fn report(name: &str, f: &Figures) {
    println!(
        "{name:<24} {:>12.0} points/s acknowledged, all consumed after {:>8.2?}; write->alert median {:>8.2?} p90 {:>8.2?}",
        f.points_per_sec, f.consumed_after, f.latency_median, f.latency_p90
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let t0 = 1_700_000_000_000_000_000i64;
    let dir = tempfile::tempdir().unwrap();

    let rec = Recorder::start(|_| (200, "{}".into()));
    let url = format!("{}/alert", rec.url());
    let single = start(&dir.path().join("single"), "single", None);
    define(&single, &url);
    wait_running(&[&single], false);
    report("single (no [cluster])", &measure(&[&single], &rec, t0));
    single.stop();

    for n in [1usize, 3] {
        let nats = NatsCluster::start(3);
        let rec = Recorder::start(|_| (200, "{}".into()));
        let url = format!("{}/alert", rec.url());
        let nodes: Vec<Server> = (0..n)
            .map(|i| {
                let id = format!("n{n}k{i}");
                start(&dir.path().join(&id), &id, Some(&nats))
            })
            .collect();
        define(&nodes[0], &url);
        let refs: Vec<&Server> = nodes.iter().collect();
        wait_running(&refs, true);
        report(&format!("cluster, {n} node(s)"), &measure(&refs, &rec, t0));
        if n == 3 {
            failover(nodes, &rec);
        }
    }
}

fn failover(mut nodes: Vec<Server>, rec: &Recorder) {
    // Kill the node owning t0, then time until every task runs again and
    // until a write to a survivor produces t0's alert again.
    let owner = nodes
        .iter()
        .position(|s| {
            let (_, v) = s.get("/kapacitor/v1/cluster");
            v["owned"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["id"] == "t0")
        })
        .expect("an owner of t0");
    let mut victim = nodes.remove(owner);
    let before = rec.calls().len();
    let killed = Instant::now();
    victim.kill();
    let refs: Vec<&Server> = nodes.iter().collect();
    wait_running(&refs, true);
    let running_after = killed.elapsed();
    // A level flip t0 has not seen: critical at a new time.
    let body = format!("m0,h=f v={} {}\n", 100, 1_800_000_000_000_000_000i64);
    assert_eq!(
        refs[0]
            .call("POST", "/write?db=db&rp=rp", Some(body.as_bytes()))
            .0,
        204
    );
    while rec.calls().len() <= before {
        assert!(
            killed.elapsed() < Duration::from_secs(60),
            "no alert after failover"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    println!(
        "failover (3 nodes, kill -9 the owner of t0): every task running again after {running_after:.2?}, t0 alerting again after {:.2?}",
        killed.elapsed()
    );
}
