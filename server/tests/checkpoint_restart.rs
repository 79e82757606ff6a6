//! A task's state survives a graceful restart of kapacitord and a
//! disable/enable: its window keeps the points it buffered and its alert
//! keeps its level (Kapacitor loses both). The state is the task's
//! checkpoint (`Task::snapshot`), stored at stop/shutdown and restored at
//! start.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

/// Every 10s window goes to `httpOut('window')`; its point count feeds an
/// alert that warns at 3 or more, logging state changes to `alerts`.
fn script(alerts: &Path) -> String {
    format!(
        "var w = stream\n    |from()\n        .measurement('m')\n    |window()\n        .period(10s)\n        .every(10s)\n\
         w\n    |httpOut('window')\n\
         w\n    |count('value')\n    |alert()\n        .id('load')\n        .warn(lambda: \"count\" >= 3)\n        .stateChangesOnly()\n        .log('{}')\n",
        alerts.display()
    )
}

fn write_at(s: &Server, secs: i64) {
    let line = format!("m value={secs} {secs}\n");
    let (st, text) = s.call(
        "POST",
        "/kapacitor/v1/write?db=db&rp=autogen&precision=s",
        Some(line.as_bytes()),
    );
    assert_eq!(st, 204, "{text}");
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

/// Waits until `n` points in all went from `from1` into `window2` (the edge
/// counts are part of the checkpoint, so they go on across restarts).
fn wait_processed(s: &Server, n: i64) {
    let until = deadline();
    let edge = format!("from1 -> window2 [processed=\"{n}\"]");
    loop {
        let (_, t) = s.get("/kapacitor/v1/tasks/ck");
        if t["dot"].as_str().is_some_and(|d| d.contains(&edge)) {
            return;
        }
        assert!(Instant::now() < until, "window2 never got {n} points: {t}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the last window emitted holds the points at `times` (s).
fn wait_window(s: &Server, times: &[i64]) {
    let until = deadline();
    let want: Vec<Value> = times
        .iter()
        .map(|t| json!(format!("1970-01-01T00:00:{t:02}Z")))
        .collect();
    loop {
        let (_, v) = s.get("/kapacitor/v1/tasks/ck/window");
        let got: Vec<Value> = v["series"][0]["values"]
            .as_array()
            .map(|rows| rows.iter().map(|r| r[0].clone()).collect())
            .unwrap_or_default();
        if got == want {
            return;
        }
        assert!(
            Instant::now() < until,
            "the window never held {want:?}: {v}\nlog:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The levels of the alert events logged so far, once there are `n`.
fn wait_events(alerts: &Path, n: usize) -> Vec<String> {
    let until = deadline();
    loop {
        let levels = testkit::alert_log::levels(alerts);
        if levels.len() >= n {
            return levels;
        }
        assert!(Instant::now() < until, "never {n} alert events: {levels:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn set_status(s: &Server, status: &str) {
    let (st, body) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/ck",
        json!({ "status": status }),
    );
    assert_eq!(st, 200, "{body}");
}

#[test]
fn windows_and_alert_levels_survive_a_graceful_restart_and_disable_enable() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.log");
    let mut s = Server::start(dir.path(), &[], &[]);
    let (st, body) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "ck", "type": "stream", "dbrps": [{"db": "db", "rp": "autogen"}],
               "script": script(&alerts), "status": "enabled"}),
    );
    assert_eq!(st, 200, "{body}");

    // Window [0s, 10s) fills with 5 points; the point at 11s closes it:
    // count 5, the alert warns (event 1).
    for t in [1, 2, 3, 4, 5, 11] {
        write_at(&s, t);
    }
    wait_window(&s, &[1, 2, 3, 4, 5]);
    assert_eq!(wait_events(&alerts, 1), ["WARNING"]);

    // Two more points of [10s, 20s) are buffered, then a graceful restart.
    write_at(&s, 12);
    write_at(&s, 13);
    wait_processed(&s, 8);
    s.signal("TERM");
    s.wait();
    s = Server::start(dir.path(), &[], &[]);

    // The restored window emits what it held before the restart; the alert
    // is still WARNING, so the same level logs nothing (stateChangesOnly).
    write_at(&s, 21);
    wait_window(&s, &[11, 12, 13]);

    // Disable/enable keeps the state the same way.
    write_at(&s, 22);
    wait_processed(&s, 10);
    set_status(&s, "disabled");
    set_status(&s, "enabled");
    // Window [20s, 30s) held 2 points: count 2, the alert recovers (event
    // 2). Had the level been lost, OK after OK would log nothing; had the
    // window been lost, it would be empty.
    write_at(&s, 31);
    wait_window(&s, &[21, 22]);
    assert_eq!(wait_events(&alerts, 2), ["WARNING", "OK"]);

    // Another version of the script: the stored state does not fit, so the
    // task starts fresh (and says so in the log) instead of failing.
    let changed = script(&alerts).replace("period(10s)", "period(20s)");
    let (st, body) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/ck",
        json!({ "script": changed }),
    );
    assert_eq!(st, 200, "{body}");
    let (_, task) = s.get("/kapacitor/v1/tasks/ck");
    assert_eq!(task["executing"], json!(true), "{task}");
    assert_eq!(task["error"], json!(""), "{task}");
    s.wait_for("the warning about the stored state", |s| {
        s.log_text().contains("starting without the stored state")
    });
    s.stop();
}
