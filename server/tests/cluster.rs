//! `[cluster]` end to end (issue 15): a real three-server NATS JetStream
//! cluster (`testkit::nats`) and real `kapacitord` nodes on loopback.
//!
//! * `losing_two_of_three_nodes_loses_no_point_and_no_alert`: stream tasks
//!   defined through one node, alerts posted to a capture listener, writes
//!   through every live node; two owning nodes are killed with SIGKILL one
//!   after the other mid-stream. Each task's alert flips level on every
//!   point, so every acknowledged point must come back as exactly one state
//!   change: none missing, nothing that was not written, duplicates within
//!   the stated bound (one per task per kill: an event handed to the handler
//!   whose record the dying node did not write).
//! * `a_joining_node_takes_a_share_and_a_restarted_cluster_keeps_every_task`.
//!
//! The failover bound: a dead node's heartbeat expires after three
//! heartbeat intervals (1s each here), the next lease pass (≤ 1s) moves its
//! tasks; the tests wait up to 30s and print what they measured.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::nats::NatsCluster;
use testkit::Recorder;

const TASKS: usize = 6;
const GROUPS: [&str; 2] = ["a", "b"];
const DEADLINE: Duration = Duration::from_secs(30);

fn node(dir: &Path, id: &str, nats: &NatsCluster) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    Server::start(
        dir,
        &[
            ("KAPACITOR_CLUSTER_ENABLED", "true"),
            ("KAPACITOR_CLUSTER_NODE_ID", id),
            ("KAPACITOR_CLUSTER_NATS_URLS_0", &nats.urls()),
            ("KAPACITOR_CLUSTER_REPLICAS", "3"),
        ],
        &[],
    )
}

fn script(i: usize, url: &str) -> String {
    format!(
        "stream\n    |from()\n        .measurement('m{i}')\n        .groupBy('g')\n    |alert()\n        .id('{{{{ .TaskName }}}}-{{{{ index .Tags \"g\" }}}}')\n        .crit(lambda: \"v\" > 50)\n        .stateChangesOnly()\n        .post('{url}')\n"
    )
}

fn define_tasks(s: &Server, url: &str) {
    for i in 0..TASKS {
        let (code, body) = s.json(
            "POST",
            "/kapacitor/v1/tasks",
            json!({"id": format!("t{i}"), "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}],
                   "script": script(i, url), "status": "enabled"}),
        );
        assert_eq!(code, 200, "define t{i}: {body}");
    }
}

/// The tasks each live node reports running (its `/cluster` "owned").
fn running(nodes: &[&Server]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in nodes {
        let (code, v) = s.get("/kapacitor/v1/cluster");
        if code != 200 {
            continue;
        }
        let me = v["node"].as_str().unwrap_or("").to_string();
        for t in v["owned"].as_array().into_iter().flatten() {
            out.insert(t["id"].as_str().unwrap_or("").to_string(), me.clone());
        }
    }
    out
}

/// Wait until every task runs on one of `nodes`; returns the owners.
fn wait_all_running(nodes: &[&Server], what: &str) -> BTreeMap<String, String> {
    let t = Instant::now();
    loop {
        let r = running(nodes);
        if r.len() == TASKS {
            return r;
        }
        assert!(
            t.elapsed() < DEADLINE,
            "{what}: only {r:?} running after 30s; logs:\n{}",
            nodes
                .iter()
                .map(|n| n.log_text())
                .collect::<Vec<_>>()
                .join("\n----\n")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One round of points: every task's measurement, both groups, at second
/// `k`; the value flips between critical and OK every round, starting critical.
fn round(k: u64) -> String {
    let v = if k.is_multiple_of(2) { 100 } else { 0 };
    let mut body = String::new();
    for i in 0..TASKS {
        for g in GROUPS {
            body += &format!("m{i},g={g} v={v} {}\n", 1_700_000_000 + k);
        }
    }
    body
}

fn time_of(k: u64) -> String {
    // 1_700_000_000 = 2023-11-14T22:13:20Z
    time_at(1_700_000_000 + k as i64)
}

fn time_at(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Write round `k` through the live nodes, starting at `k % n`, until one
/// acknowledges it (204).
fn write_round(nodes: &[&Server], k: u64) {
    let body = round(k);
    let t = Instant::now();
    let mut i = k as usize;
    loop {
        let s = nodes[i % nodes.len()];
        let (code, text) = s.call(
            "POST",
            "/write?db=db&rp=rp&precision=s",
            Some(body.as_bytes()),
        );
        if code == 204 {
            return;
        }
        assert!(
            t.elapsed() < DEADLINE,
            "round {k} never acknowledged: {code} {text}"
        );
        i += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// (id, time, level) of every alert the listener received.
fn received(rec: &Recorder) -> Vec<(String, String, String)> {
    rec.calls()
        .iter()
        .map(|c| {
            let v: Value = serde_json::from_slice(&c.body).expect("alert JSON");
            (
                v["id"].as_str().unwrap().to_string(),
                v["time"].as_str().unwrap().to_string(),
                v["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected(rounds: u64) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for k in 0..rounds {
        for i in 0..TASKS {
            for g in GROUPS {
                let level = if k.is_multiple_of(2) {
                    "CRITICAL"
                } else {
                    "OK"
                };
                out.insert((format!("t{i}-{g}"), time_of(k), level.to_string()));
            }
        }
    }
    out
}

/// A node that runs at least one task, among `candidates`.
fn an_owner<'a>(owners: &BTreeMap<String, String>, candidates: &[&'a str]) -> &'a str {
    candidates
        .iter()
        .copied()
        .find(|c| owners.values().any(|o| o == c))
        .expect("some candidate owns a task")
}

#[test]
fn losing_two_of_three_nodes_loses_no_point_and_no_alert() {
    let nats = NatsCluster::start(3);
    let rec = Recorder::start(|_| (200, "{}".into()));
    let url = format!("{}/alert", rec.url());
    let dir = tempfile::tempdir().unwrap();
    let mut nodes: BTreeMap<&str, Server> = BTreeMap::new();
    for id in ["k1", "k2", "k3"] {
        nodes.insert(id, node(&dir.path().join(id), id, &nats));
    }
    define_tasks(&nodes["k1"], &url);
    let live: Vec<&Server> = nodes.values().collect();
    let owners = wait_all_running(&live, "start");
    let used: BTreeSet<&String> = owners.values().collect();
    assert!(used.len() >= 2, "tasks spread over the nodes: {owners:?}");

    let mut k = 0u64;
    let mut alive = vec!["k1", "k2", "k3"];
    let mut failover_times = Vec::new();
    for phase in 0..3 {
        for _ in 0..20 {
            let live: Vec<&Server> = alive.iter().map(|id| &nodes[id]).collect();
            write_round(&live, k);
            k += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
        if phase == 2 {
            break;
        }
        // Kill a node that runs tasks (never k1 first: it defined them).
        let owners = running(&alive.iter().map(|id| &nodes[id]).collect::<Vec<_>>());
        let victim = an_owner(&owners, &alive.iter().rev().copied().collect::<Vec<_>>());
        let mut s = nodes.remove(victim).unwrap();
        s.child.kill().unwrap();
        s.child.wait().unwrap();
        let killed = Instant::now();
        alive.retain(|id| *id != victim);
        // Keep writing while the tasks move.
        for _ in 0..10 {
            let live: Vec<&Server> = alive.iter().map(|id| &nodes[id]).collect();
            write_round(&live, k);
            k += 1;
        }
        let live: Vec<&Server> = alive.iter().map(|id| &nodes[id]).collect();
        wait_all_running(&live, &format!("after killing {victim}"));
        failover_times.push((victim, killed.elapsed()));
    }
    let want = expected(k);
    let t = Instant::now();
    loop {
        let got: BTreeSet<_> = received(&rec).into_iter().collect();
        if want.is_subset(&got) || t.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let all = received(&rec);
    let got: BTreeSet<_> = all.iter().cloned().collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    let duplicates = all.len() - got.len();
    let survivor = &nodes[alive[0]];
    eprintln!(
        "failover (kill -> every task running again): {failover_times:?}; {} alerts, {duplicates} duplicates; cluster: {}",
        all.len(),
        survivor.get("/kapacitor/v1/cluster").1
    );
    assert!(
        missing.is_empty(),
        "{} alerts missing: {missing:?}",
        missing.len()
    );
    assert!(extra.is_empty(), "alerts never written: {extra:?}");
    assert!(
        duplicates <= TASKS * 2,
        "{duplicates} duplicates, more than one per task per kill"
    );
    // The survivor's counters saw the takeovers.
    let (_, vars) = survivor.get("/kapacitor/v1/cluster");
    assert!(vars["stats"]["failovers"].as_u64().unwrap() > 0, "{vars}");
}

#[test]
fn a_joining_node_takes_a_share_and_a_restarted_cluster_keeps_every_task() {
    let nats = NatsCluster::start(3);
    let rec = Recorder::start(|_| (200, "{}".into()));
    let url = format!("{}/alert", rec.url());
    let dir = tempfile::tempdir().unwrap();
    let k1 = node(&dir.path().join("k1"), "k1", &nats);
    define_tasks(&k1, &url);
    let owners = wait_all_running(&[&k1], "one node");
    assert!(owners.values().all(|o| o == "k1"), "{owners:?}");

    // A second node joins: it takes a share, and every task still runs once.
    let k2 = node(&dir.path().join("k2"), "k2", &nats);
    let t = Instant::now();
    loop {
        let r = running(&[&k1, &k2]);
        if r.len() == TASKS && r.values().any(|o| o == "k2") {
            break;
        }
        assert!(
            t.elapsed() < DEADLINE,
            "k2 took no share: {r:?}\n{}",
            k2.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every node lists every task (definitions replicated), and a template
    // defined on one node reaches the other.
    let (_, tasks) = k2.get("/kapacitor/v1/tasks");
    assert_eq!(tasks["tasks"].as_array().unwrap().len(), TASKS, "{tasks}");
    let (code, body) = k1.json(
        "POST",
        "/kapacitor/v1/templates",
        json!({"id": "tpl", "type": "stream", "script": "var x = 1\nstream\n    |from()\n        .measurement('m')\n"}),
    );
    assert_eq!(code, 200, "{body}");
    k2.wait_for("the template on k2", |s| {
        s.get("/kapacitor/v1/templates/tpl").0 == 200
    });
    assert_eq!(
        k1.call("DELETE", "/kapacitor/v1/templates/tpl", None).0,
        204
    );
    k2.wait_for("the template gone from k2", |s| {
        s.get("/kapacitor/v1/templates/tpl").0 == 404
    });

    // The whole cluster restarts (both nodes killed, then started on their data).
    k1.stop();
    k2.stop();
    let k1 = node(&dir.path().join("k1"), "k1", &nats);
    let k2 = node(&dir.path().join("k2"), "k2", &nats);
    wait_all_running(&[&k1, &k2], "after the restart");
    write_round(&[&k1, &k2], 0);
    let calls = rec.wait_for(TASKS * GROUPS.len(), DEADLINE);
    let got: BTreeSet<_> = received(&rec).into_iter().collect();
    assert_eq!(got, expected(1), "{} calls", calls.len());
}
