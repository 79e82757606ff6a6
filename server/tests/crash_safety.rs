//! Crash safety (issue 12 item 2): a client defines, updates and deletes
//! tasks, records and writes while `kapacitord` is killed with SIGKILL at a
//! random moment; after each restart on the same data dir every acknowledged
//! change must be there, every recording reported finished must replay, and a
//! recording cut short must read `failed`, never `running`.
//!
//! The only change allowed to go either way is the one request in flight when
//! the server died (it may have committed before the answer was lost).
//! `CRASH_ITERATIONS` (default 8) sets the number of kills; `CRASH_SEED` replays
//! a failing run (the seed is printed).

mod common;

use common::Server;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A task as the server acknowledged it.
#[derive(Debug, Clone, PartialEq)]
struct TaskState {
    script: String,
    status: String,
}

/// What the client knows the server holds.
#[derive(Default)]
struct Model {
    /// Acknowledged tasks; an acknowledged delete removes the entry.
    tasks: BTreeMap<String, TaskState>,
    /// Recordings the server reported `finished`.
    finished: BTreeSet<String>,
    /// Recordings created (201) and not yet seen finished.
    started: BTreeSet<String>,
    /// The task the unanswered request was about (it may or may not have landed).
    in_flight: Option<String>,
    acked_changes: u64,
}

fn script(threshold: u64) -> String {
    format!(
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > {threshold})\n"
    )
}

/// One client turn; returns false once the server stops answering.
fn client_step(s: &Server, rng: &mut Rng, model: &Mutex<Model>, clock: &mut i64) -> bool {
    let pick = rng.below(10);
    let id = format!("t{}", rng.below(12));
    let known = model.lock().unwrap().tasks.get(&id).cloned();
    let changes_task = matches!((pick, &known), (0..=5, _) | (6, Some(_)));
    if changes_task {
        model.lock().unwrap().in_flight = Some(id.clone());
    }
    let ok = match (pick, &known) {
        (0..=3, None) => {
            let st = TaskState {
                script: script(rng.below(100)),
                status: if rng.below(2) == 0 {
                    "enabled"
                } else {
                    "disabled"
                }
                .into(),
            };
            let body = json!({"id": id, "type": "stream",
                "dbrps": [{"db": "crash", "rp": "autogen"}],
                "script": st.script, "status": st.status});
            match s.json("POST", "/kapacitor/v1/tasks", body).0 {
                0 => return false,
                200 => {
                    let mut m = model.lock().unwrap();
                    m.tasks.insert(id.clone(), st);
                    m.acked_changes += 1;
                    true
                }
                other => panic!("define {id}: {other}"),
            }
        }
        (0..=5, Some(old)) => {
            let st = TaskState {
                script: script(rng.below(100)),
                status: if old.status == "enabled" {
                    "disabled"
                } else {
                    "enabled"
                }
                .into(),
            };
            let body = json!({"script": st.script, "status": st.status});
            match s
                .json("PATCH", &format!("/kapacitor/v1/tasks/{id}"), body)
                .0
            {
                0 => return false,
                200 => {
                    let mut m = model.lock().unwrap();
                    m.tasks.insert(id.clone(), st);
                    m.acked_changes += 1;
                    true
                }
                other => panic!("update {id}: {other}"),
            }
        }
        (6, Some(_)) => match s
            .call("DELETE", &format!("/kapacitor/v1/tasks/{id}"), None)
            .0
        {
            0 => return false,
            204 => {
                let mut m = model.lock().unwrap();
                m.tasks.remove(&id);
                m.acked_changes += 1;
                true
            }
            other => panic!("delete {id}: {other}"),
        },
        (7, Some(_)) => record(s, &id, model, clock),
        _ => {
            *clock += 1_000_000_000;
            let line = format!("cpu v={} {}\n", rng.below(100), clock);
            s.call("POST", "/write?db=crash&rp=autogen", Some(line.as_bytes()))
                .0
                != 0
        }
    };
    if ok {
        model.lock().unwrap().in_flight = None;
    }
    ok
}

/// A stream recording of `task`: started, fed past its stop time, and
/// polled until the server reports it finished.
fn record(s: &Server, task: &str, model: &Mutex<Model>, clock: &mut i64) -> bool {
    let stop = *clock + 2_000_000_000;
    let stop_text = time_text(stop);
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/recordings/stream",
        json!({"task": task, "stop": stop_text}),
    );
    match code {
        0 => return false,
        201 => {}
        other => panic!("record {task}: {other} {body}"),
    }
    let rid = body["id"].as_str().expect("recording id").to_string();
    model.lock().unwrap().started.insert(rid.clone());
    for _ in 0..4 {
        *clock += 1_000_000_000;
        let line = format!("cpu v=1 {clock}\n");
        if s.call("POST", "/write?db=crash&rp=autogen", Some(line.as_bytes()))
            .0
            == 0
        {
            return false;
        }
    }
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        match s.get(&format!("/kapacitor/v1/recordings/{rid}")) {
            (0, _) => return false,
            (_, v) if v["status"] == "finished" => {
                let mut m = model.lock().unwrap();
                m.started.remove(&rid);
                m.finished.insert(rid);
                return true;
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    panic!("recording {rid} did not finish");
}

fn time_text(ns: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ns as i128).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Everything acknowledged is there after the restart.
fn check(s: &Server, model: &mut Model, replay_task: &mut u64) -> u64 {
    let mut checked = 0;
    let in_flight = model.in_flight.take();
    let (_, list) = s.get("/kapacitor/v1/tasks?fields=script&fields=status&limit=1000");
    let listed: BTreeMap<String, TaskState> = list["tasks"]
        .as_array()
        .expect("task list")
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                TaskState {
                    script: t["script"].as_str().unwrap_or("").to_string(),
                    status: t["status"].as_str().unwrap_or("").to_string(),
                },
            )
        })
        .collect();
    for (id, want) in &model.tasks {
        if in_flight.as_deref() == Some(id.as_str()) {
            continue;
        }
        assert_eq!(listed.get(id), Some(want), "task {id} after the restart");
        checked += 1;
    }
    for id in listed.keys() {
        assert!(
            model.tasks.contains_key(id) || in_flight.as_deref() == Some(id.as_str()),
            "task {id} exists but its creation was never acknowledged (or it was deleted)"
        );
    }
    // The in-flight task is whatever the server says now.
    if let Some(id) = in_flight {
        match listed.get(&id) {
            Some(st) => model.tasks.insert(id, st.clone()),
            None => model.tasks.remove(&id),
        };
    }
    // Recordings: finished ones replay; cut-short ones are failed.
    for rid in std::mem::take(&mut model.started) {
        let (code, v) = s.get(&format!("/kapacitor/v1/recordings/{rid}"));
        assert_eq!(
            code, 200,
            "recording {rid} was created (201) but is gone: {v}"
        );
        match v["status"].as_str() {
            Some("failed") => {}
            Some("finished") => {
                model.finished.insert(rid);
            }
            other => panic!("recording {rid} cut short reads {other:?}"),
        }
    }
    *replay_task += 1;
    let task = format!("replay{replay_task}");
    let (c, b) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": task, "type": "stream", "dbrps": [{"db": "crash", "rp": "autogen"}],
            "script": script(0), "status": "disabled"}),
    );
    assert_eq!(c, 200, "{b}");
    for rid in &model.finished {
        let (c, v) = s.get(&format!("/kapacitor/v1/recordings/{rid}"));
        assert_eq!((c, v["status"].as_str()), (200, Some("finished")), "{rid}");
        let (c, r) = s.json(
            "POST",
            "/kapacitor/v1/replays",
            json!({"task": task, "recording": rid}),
        );
        assert_eq!(c, 201, "replay of {rid}: {r}");
        let replay = r["id"].as_str().unwrap().to_string();
        let t = Instant::now();
        loop {
            let (_, v) = s.get(&format!("/kapacitor/v1/replays/{replay}"));
            match v["status"].as_str() {
                Some("finished") => break,
                Some("failed") => panic!("replay of {rid} failed: {v}"),
                _ if t.elapsed() > Duration::from_secs(20) => panic!("replay of {rid}: {v}"),
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        checked += 1;
    }
    assert_eq!(
        s.call("DELETE", &format!("/kapacitor/v1/tasks/{task}"), None)
            .0,
        204
    );
    checked
}

#[test]
fn acknowledged_changes_survive_sigkill_at_random_moments() {
    let iterations: u64 = std::env::var("CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash_safety: CRASH_SEED={seed} CRASH_ITERATIONS={iterations}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let model = Arc::new(Mutex::new(Model::default()));
    let mut clock: i64 = 1_600_000_000_000_000_000;
    let (mut checked, mut replay_task) = (0, 0);
    for i in 0..iterations {
        let server = Arc::new(Server::start(dir.path(), &[], &[]));
        {
            let mut m = model.lock().unwrap();
            checked += check(&server, &mut m, &mut replay_task);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let client = {
            let (server, model, stop) = (server.clone(), model.clone(), stop.clone());
            let mut rng = Rng(rng.next() | 1);
            let mut clock_here = clock;
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed)
                    && client_step(&server, &mut rng, &model, &mut clock_here)
                {}
                clock_here
            })
        };
        std::thread::sleep(Duration::from_millis(50 + rng.below(400)));
        server.signal("KILL");
        stop.store(true, Ordering::Relaxed);
        clock = client.join().expect("client thread") + 10_000_000_000;
        drop(server);
        let m = model.lock().unwrap();
        eprintln!(
            "crash_safety: kill {}: {} tasks, {} finished recordings, {} changes acknowledged",
            i + 1,
            m.tasks.len(),
            m.finished.len(),
            m.acked_changes
        );
    }
    let server = Server::start(dir.path(), &[], &[]);
    let mut m = model.lock().unwrap();
    checked += check(&server, &mut m, &mut replay_task);
    eprintln!(
        "crash_safety: {iterations} kills survived, {} changes acknowledged, {checked} checks passed",
        m.acked_changes
    );
    assert!(m.acked_changes > 0, "the client never got an answer");
}

/// A data directory that cannot be used (a file stands in for it: root
/// writes through permission bits) stops the server with a clear error and
/// exit code 1, not a panic.
#[test]
fn an_unusable_data_dir_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = testkit::Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .home(dir.path())
        .data_dir(&file)
        .env("KAPACITOR_LOGGING_FILE", "STDERR")
        .command()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("not-a-dir"),
        "the error names the path: {stderr}"
    );
}

/// SIGTERM with a running task drains and exits within `[http]
/// shutdown-timeout` (a hang check with a generous bound, not a timing test).
#[test]
fn sigterm_exits_within_the_shutdown_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(
        dir.path(),
        &[("KAPACITOR_HTTP_SHUTDOWN_TIMEOUT", "2s")],
        &[],
    );
    let (c, b) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "t", "type": "stream", "dbrps": [{"db": "crash", "rp": "autogen"}],
            "script": script(50), "status": "enabled"}),
    );
    assert_eq!(c, 200, "{b}");
    for i in 0..100 {
        let line = format!("cpu v={i} {}\n", 1_600_000_000_000_000_000i64 + i);
        assert_eq!(
            s.call("POST", "/write?db=crash&rp=autogen", Some(line.as_bytes()))
                .0,
            204
        );
    }
    s.signal("TERM");
    let status = s.wait_exit(Duration::from_secs(30)).unwrap_or_else(|| {
        panic!("kapacitord still running 30 s after SIGTERM (shutdown-timeout 2s)")
    });
    assert!(status.success(), "{status:?}\n{}", s.log_text());
}
