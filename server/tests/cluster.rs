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
//!   Half the tasks publish to a topic instead, whose handler, defined through
//!   one node, posts them: the same holds through topic handlers.
//! * `a_joining_node_takes_a_share_and_a_restarted_cluster_keeps_every_task`,
//!   with task, template and topic handler definitions replicated to every node.
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

/// One cluster test at a time: each runs three NATS servers and up to three
/// kapacitord on a 2-core machine, and fewer processes picking free ports at
/// once leaves fewer chances for two to pick the same.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

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

/// Even tasks post their alerts themselves; odd ones publish to topic `ops`,
/// whose handler (`define_topic_handler`) posts them.
fn script(i: usize, url: &str) -> String {
    let out = if i.is_multiple_of(2) {
        format!(".post('{url}')")
    } else {
        ".topic('ops')".to_string()
    };
    format!(
        "stream\n    |from()\n        .measurement('m{i}')\n        .groupBy('g')\n    |alert()\n        .id('{{{{ .TaskName }}}}-{{{{ index .Tags \"g\" }}}}')\n        .crit(lambda: \"v\" > 50)\n        .stateChangesOnly()\n        {out}\n"
    )
}

const HANDLER: &str = "/kapacitor/v1/alerts/topics/ops/handlers/capture";

/// Topic `ops`'s handler, defined through `s`; waits until every node in
/// `nodes` lists it (definitions are replicated through the cluster's bucket).
fn define_topic_handler(s: &Server, url: &str, nodes: &[&Server]) {
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/alerts/topics/ops/handlers",
        json!({"id": "capture", "kind": "post", "options": {"url": url}}),
    );
    assert_eq!(code, 200, "define the topic handler: {body}");
    // The same ID again, through any node, is refused as on one server.
    let (code, body) = nodes[nodes.len() - 1].json(
        "POST",
        "/kapacitor/v1/alerts/topics/ops/handlers",
        json!({"id": "capture", "kind": "post", "options": {"url": url}}),
    );
    assert_eq!(code, 500, "a second handler capture: {body}");
    assert!(body.to_string().contains("already exists"), "{body}");
    for n in nodes {
        n.wait_for("the topic handler on every node", |n| {
            let (code, h) = n.get(HANDLER);
            code == 200 && h["options"]["url"] == url
        });
    }
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
    let _serial = serial();
    let nats = NatsCluster::start(3);
    let rec = Recorder::start(|_| (200, "{}".into()));
    let url = format!("{}/alert", rec.url());
    let dir = tempfile::tempdir().unwrap();
    let mut nodes: BTreeMap<&str, Server> = BTreeMap::new();
    for id in ["k1", "k2", "k3"] {
        nodes.insert(id, node(&dir.path().join(id), id, &nats));
    }
    define_topic_handler(&nodes["k1"], &url, &nodes.values().collect::<Vec<_>>());
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
        s.kill();
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
    let _serial = serial();
    let nats = NatsCluster::start(3);
    let rec = Recorder::start(|_| (200, "{}".into()));
    let url = format!("{}/alert", rec.url());
    let dir = tempfile::tempdir().unwrap();
    let k1 = node(&dir.path().join("k1"), "k1", &nats);
    define_topic_handler(&k1, &url, &[&k1]);
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
    // Every node lists every task (definitions replicated), a topic handler
    // defined before k2 joined is k2's too, and a template defined on one node
    // reaches the other.
    let (code, h) = k2.get(HANDLER);
    assert_eq!(code, 200, "k2 lacks the topic handler: {h}");
    // A task k2 runs, read through k1, shows the owner's DOT and statistics, and
    // k1's list shows every task executing.
    let owners = running(&[&k1, &k2]);
    let on_k2 = owners.iter().find(|(_, o)| *o == "k2").unwrap().0.clone();
    k1.wait_for("k2's task read through k1", |s| {
        let (code, v) = s.get(&format!("/kapacitor/v1/tasks/{on_k2}"));
        code == 200
            && v["executing"] == true
            && v["stats"]["node-stats"]["alert2"].is_object()
            && v["dot"].as_str().is_some_and(|d| d.contains("alert2"))
    });
    k1.wait_for("every task executing in k1's list", |s| {
        let (_, v) = s.get("/kapacitor/v1/tasks?fields=executing");
        v["tasks"]
            .as_array()
            .is_some_and(|ts| ts.len() == TASKS && ts.iter().all(|t| t["executing"] == true))
    });
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
    // A handler changed through one node changes on the other; one deleted goes.
    let (code, body) = k2.json(
        "PUT",
        "/kapacitor/v1/alerts/topics/ops/handlers/spare",
        json!({"id": "spare", "kind": "log", "options": {"path": "/tmp/x.log"}}),
    );
    assert_eq!(code, 404, "PUT of an unknown handler: {body}");
    let (code, body) = k2.json(
        "POST",
        "/kapacitor/v1/alerts/topics/ops/handlers",
        json!({"id": "spare", "kind": "log", "options": {"path": "/tmp/x.log"}}),
    );
    assert_eq!(code, 200, "{body}");
    let spare = "/kapacitor/v1/alerts/topics/ops/handlers/spare";
    k1.wait_for("the spare handler on k1", |s| s.get(spare).0 == 200);
    let (code, body) = k1.json(
        "PUT",
        spare,
        json!({"id": "spare", "kind": "log", "options": {"path": "/tmp/y.log"}}),
    );
    assert_eq!(code, 200, "{body}");
    k2.wait_for("the changed handler on k2", |s| {
        s.get(spare).1["options"]["path"] == "/tmp/y.log"
    });
    assert_eq!(k2.call("DELETE", spare, None).0, 204);
    k1.wait_for("the spare handler gone from k1", |s| s.get(spare).0 == 404);

    // A stream recording made through k2 holds the writes sent to k1: it ends
    // (finished) only on a point after its stop time, written to k1.
    let (code, body) = k1.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "rec", "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}], "status": "disabled",
               "script": "stream\n    |from()\n        .measurement('r')\n"}),
    );
    assert_eq!(code, 200, "{body}");
    k2.wait_for("the recorded task on k2", |s| {
        s.get("/kapacitor/v1/tasks/rec").0 == 200
    });
    let (code, body) = k2.json(
        "POST",
        "/kapacitor/v1/recordings/stream",
        json!({"id": "r1", "task": "rec", "stop": time_at(1_700_000_010)}),
    );
    assert_eq!(code, 201, "{body}");
    for k in [0, 5, 20] {
        let line = format!("r v={k} {}", 1_700_000_000 + k);
        let (code, text) = k1.call(
            "POST",
            "/write?db=db&rp=rp&precision=s",
            Some(line.as_bytes()),
        );
        assert_eq!(code, 204, "{text}");
    }
    k2.wait_for("the recording finished", |s| {
        s.get("/kapacitor/v1/recordings/r1").1["status"] == "finished"
    });
    let (_, r) = k2.get("/kapacitor/v1/recordings/r1");
    assert!(r["size"].as_u64().unwrap_or(0) > 0, "{r}");
    assert_eq!(k1.call("DELETE", "/kapacitor/v1/tasks/rec", None).0, 204);

    // The whole cluster restarts (both nodes killed, then started on their data).
    k1.stop();
    k2.stop();
    let k1 = node(&dir.path().join("k1"), "k1", &nats);
    let k2 = node(&dir.path().join("k2"), "k2", &nats);
    wait_all_running(&[&k1, &k2], "after the restart");
    for n in [&k1, &k2] {
        assert_eq!(n.get(HANDLER).0, 200, "the topic handler after the restart");
        assert_eq!(n.get(spare).0, 404, "a deleted handler came back");
    }
    write_round(&[&k1, &k2], 0);
    let calls = rec.wait_for(TASKS * GROUPS.len(), DEADLINE);
    let got: BTreeSet<_> = received(&rec).into_iter().collect();
    assert_eq!(got, expected(1), "{} calls", calls.len());

    // Topics through any node: each node holds the topics of the tasks it runs
    // (both run some), and either answers for the cluster. Topic `ops` has the
    // odd tasks' events; each even task has its anonymous topic.
    let ops_events: BTreeSet<String> = (1..TASKS)
        .step_by(2)
        .flat_map(|i| GROUPS.map(|g| format!("t{i}-{g}")))
        .collect();
    let mut topic_ids: BTreeSet<String> = (0..TASKS)
        .step_by(2)
        .map(|i| format!("main:t{i}:alert2"))
        .collect();
    topic_ids.insert("ops".into());
    // The `id`s of the objects in list `key` of `path`'s answer.
    let ids = |n: &Server, path: &str, key: &str| -> BTreeSet<String> {
        let (code, v) = n.get(path);
        assert_eq!(code, 200, "{v}");
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {v}"))
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    for n in [&k1, &k2] {
        assert_eq!(ids(n, "/kapacitor/v1/alerts/topics", "topics"), topic_ids);
        let (code, t) = n.get("/kapacitor/v1/alerts/topics/ops");
        assert_eq!(code, 200, "{t}");
        assert_eq!(t["level"], "CRITICAL", "{t}");
        assert_eq!(
            ids(n, "/kapacitor/v1/alerts/topics/ops/events", "events"),
            ops_events
        );
        let (code, e) = n.get("/kapacitor/v1/alerts/topics/ops/events/t1-a");
        assert_eq!(code, 200, "{e}");
        assert_eq!(e["state"]["level"], "CRITICAL", "{e}");
    }
    // Deleting the topic through one node deletes it everywhere, handler included.
    assert_eq!(
        k2.call("DELETE", "/kapacitor/v1/alerts/topics/ops", None).0,
        204
    );
    for n in [&k1, &k2] {
        assert_eq!(n.get("/kapacitor/v1/alerts/topics/ops").0, 404);
        assert_eq!(n.get(HANDLER).0, 404);
    }
}

/// Writes `lines` (precision s) to `s` and waits until `rec` holds `n` calls.
fn alerts_for(s: &Server, rec: &Recorder, lines: &[&str]) -> Vec<(String, String, String)> {
    for (i, l) in lines.iter().enumerate() {
        let (code, text) = s.call("POST", "/write?db=db&rp=rp&precision=s", Some(l.as_bytes()));
        assert_eq!(code, 204, "{text}");
        rec.wait_for(i + 1, DEADLINE);
    }
    received(rec)
}

#[test]
fn a_late_point_changes_a_level_in_a_cluster_as_on_one_server() {
    let _serial = serial();
    // CRITICAL at 10s, OK at 20s, then a late point at 15s that is critical
    // again: a change from OK, which one server delivers.
    let lines = [
        "late v=100 1700000010",
        "late v=0 1700000020",
        "late v=100 1700000015",
    ];
    let task = |url: &str| {
        json!({"id": "late", "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}], "status": "enabled",
            "script": format!("stream\n    |from()\n        .measurement('late')\n    |alert()\n        .id('late')\n        .crit(lambda: \"v\" > 50)\n        .stateChangesOnly()\n        .post('{url}')\n")})
    };
    let dir = tempfile::tempdir().unwrap();

    let one_rec = Recorder::start(|_| (200, "{}".into()));
    let one_dir = dir.path().join("one");
    std::fs::create_dir_all(&one_dir).unwrap();
    let one = Server::start(&one_dir, &[], &[]);
    let (code, body) = one.json("POST", "/kapacitor/v1/tasks", task(&one_rec.url()));
    assert_eq!(code, 200, "{body}");
    let want = alerts_for(&one, &one_rec, &lines);
    assert_eq!(want.len(), 3, "one server: {want:?}");

    let nats = NatsCluster::start(3);
    let rec = Recorder::start(|_| (200, "{}".into()));
    let k1 = node(&dir.path().join("k1"), "k1", &nats);
    let (code, body) = k1.json("POST", "/kapacitor/v1/tasks", task(&rec.url()));
    assert_eq!(code, 200, "{body}");
    k1.wait_for("the task running", |s| {
        s.get("/kapacitor/v1/cluster").1["owned"]
            .as_array()
            .is_some_and(|o| o.len() == 1)
    });
    let got = alerts_for(&k1, &rec, &lines);
    assert_eq!(got, want);
    let (_, c) = k1.get("/kapacitor/v1/cluster");
    assert_eq!(c["stats"]["alerts_deduplicated"], 0, "{c}");
}
