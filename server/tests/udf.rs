//! UDFs through the real `kapacitord`: `[udf.functions.<name>]` in its
//! config, tasks defined over HTTP (the agent's info checks the options at
//! define time), points written to `/write`, answers read from `httpOut`.
//! The agent is the Python moving average written from Kapacitor's protocol
//! (`runtime/tests/udf_agents/moving_avg.py`), as a child process and on a
//! unix socket; a crashing one shows the task surviving with counted errors.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn agent_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/tests/udf_agents/moving_avg.py")
}

fn require_python() {
    let ok = Command::new("python3")
        .arg("-c")
        .arg("pass")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 is needed for the Python UDF agent: apt-get install -y python3"
    );
}

/// A config with `mavg` (child process), `mavgsock` (socket) and `crashy`
/// (a child that exits on its 4th point).
fn start(dir: &Path, socket: &Path) -> Server {
    require_python();
    let script = agent_script().display().to_string();
    let conf = format!(
        "[udf]\n[udf.functions]\n  [udf.functions.mavg]\n    prog = \"python3\"\n    args = [\"-u\", {script:?}]\n    timeout = \"10s\"\n  [udf.functions.mavgsock]\n    socket = {sock:?}\n    timeout = \"10s\"\n  [udf.functions.crashy]\n    prog = \"python3\"\n    args = [\"-u\", {script:?}, \"--crash-after\", \"4\"]\n    timeout = \"5s\"\n",
        sock = socket.display().to_string()
    );
    let path = dir.join("kapacitor.conf");
    std::fs::write(&path, conf).unwrap();
    Server::start(dir, &[], &["-config", path.to_str().unwrap()])
}

struct SocketAgent(Child);

impl Drop for SocketAgent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn script(udf: &str, size: &str) -> String {
    format!(
        "stream\n    |from()\n        .measurement('m')\n    @{udf}()\n        .field('value')\n        .size({size})\n        .as('avg')\n    |window()\n        .periodCount(10)\n        .everyCount(10)\n    |httpOut('avg')\n"
    )
}

fn define(s: &Server, id: &str, script: &str) -> (u16, Value) {
    s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": id, "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}], "script": script, "status": "enabled"}),
    )
}

fn values() -> Vec<f64> {
    (0..12)
        .map(|i| i as f64 * 1.5 + 0.25 * (i % 3) as f64)
        .collect()
}

fn write(s: &Server, vals: &[f64]) {
    let body: String = vals
        .iter()
        .enumerate()
        .map(|(i, v)| format!("m,host=a value={v} {}\n", (i as i64 + 1) * 1_000_000_000))
        .collect();
    let (st, text) = s.call(
        "POST",
        "/kapacitor/v1/write?db=db&rp=rp&precision=ns",
        Some(body.as_bytes()),
    );
    assert_eq!(st, 204, "{text}");
}

/// The `avg` column of the httpOut result once it holds `n` rows.
fn averages(s: &Server, task: &str, n: usize) -> Vec<f64> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, v) = s.get(&format!("/kapacitor/v1/tasks/{task}/avg"));
        let rows = v["series"][0]["values"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if rows.len() >= n {
            let col = v["series"][0]["columns"]
                .as_array()
                .and_then(|c| c.iter().position(|x| x == "avg"))
                .expect("an avg column");
            return rows
                .iter()
                .map(|r| r[col].as_f64().expect("a number"))
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "no {n} answers: {v}\nlog:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn expected(vals: &[f64], size: usize) -> Vec<f64> {
    (size..=vals.len())
        .map(|end| vals[end - size..end].iter().sum::<f64>() / size as f64)
        .collect()
}

#[test]
fn tasks_run_udf_agents_as_processes_and_on_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("mavg.sock");
    let _agent = SocketAgent(
        Command::new("python3")
            .arg("-u")
            .arg(agent_script())
            .arg("--socket")
            .arg(&sock)
            .spawn()
            .expect("python3 starts"),
    );
    let s = start(dir.path(), &sock);
    let vals = values();
    for (id, udf) in [("proc", "mavg"), ("sock", "mavgsock")] {
        let (st, body) = define(&s, id, &script(udf, "3"));
        assert_eq!(st, 200, "{body}");
    }
    write(&s, &vals);
    let want = expected(&vals, 3);
    assert_eq!(averages(&s, "proc", want.len()), want);
    assert_eq!(averages(&s, "sock", want.len()), want);
}

#[test]
fn define_time_errors_come_from_the_agents_info() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), &dir.path().join("unused.sock"));
    let (st, body) = define(&s, "bad", &script("mavg", "'3'"));
    assert_eq!(st, 400);
    let text = body["error"].as_str().unwrap_or_default();
    assert!(
        text.contains("unexpected arg to size, got STRING expected INT"),
        "{text}"
    );
    let (st, body) = define(&s, "unknown", &script("mavh", "3"));
    assert_eq!(st, 400);
    let text = body["error"].as_str().unwrap_or_default();
    assert!(
        text.contains("unknown UDF \"mavh\"") && text.contains("did you mean `@mavg()`?"),
        "{text}"
    );
    // The socket agent is not running: its info cannot be had.
    let (st, body) = define(&s, "nosock", &script("mavgsock", "3"));
    assert_eq!(st, 400);
    let text = body["error"].as_str().unwrap_or_default();
    assert!(
        text.contains("failed to load process info for \"mavgsock\""),
        "{text}"
    );
}

#[test]
fn a_crashing_agent_is_restarted_and_its_errors_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), &dir.path().join("unused.sock"));
    let (st, body) = define(
        &s,
        "crash",
        &script("crashy", "2")
            .replace("periodCount(10)", "periodCount(1)")
            .replace("everyCount(10)", "everyCount(1)"),
    );
    assert_eq!(st, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut i = 0i64;
    loop {
        // Keep writing: every agent crashes on its 4th point and is replaced.
        let line = format!("m,host=a value={i} {}\n", (i + 1) * 1_000_000_000);
        let (st, text) = s.call(
            "POST",
            "/kapacitor/v1/write?db=db&rp=rp&precision=ns",
            Some(line.as_bytes()),
        );
        assert_eq!(st, 204, "{text}");
        i += 1;
        let (_, task) = s.get("/kapacitor/v1/tasks/crash");
        assert_eq!(task["executing"], true, "the task keeps running: {task}");
        let node = &task["stats"]["node-stats"]["crashy2"];
        if node["udf_restarts"].as_i64().unwrap_or(0) >= 2
            && node["errors"].as_i64().unwrap_or(0) >= 2
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no restarts counted: {task}\nlog:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        s.log_text().contains("UDF crashy failed, restarting it"),
        "{}",
        s.log_text()
    );
}

/// Polls the httpOut (a stream keeps the last point) until its `avg` is `want`.
fn wait_average(s: &Server, task: &str, want: f64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, v) = s.get(&format!("/kapacitor/v1/tasks/{task}/avg"));
        let cols = v["series"][0]["columns"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let got = cols
            .iter()
            .position(|c| c == "avg")
            .and_then(|c| v["series"][0]["values"][0][c].as_f64());
        if got == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "avg never became {want}: {v}\nlog:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn write_at(s: &Server, i: usize, v: f64) {
    let line = format!("m,host=a value={v} {}\n", (i as i64 + 1) * 1_000_000_000);
    let (st, text) = s.call(
        "POST",
        "/kapacitor/v1/write?db=db&rp=rp&precision=ns",
        Some(line.as_bytes()),
    );
    assert_eq!(st, 204, "{text}");
}

/// Waits until `n` points went from `from1` into the UDF node `node`.
fn wait_processed(s: &Server, task: &str, node: &str, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let edge = format!("from1 -> {node} [processed=\"{n}\"]");
    loop {
        let (_, t) = s.get(&format!("/kapacitor/v1/tasks/{task}"));
        if t["dot"].as_str().is_some_and(|d| d.contains(&edge)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{node} never got {n} points: {t}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_udfs_snapshot_is_stored_with_the_task_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &dir.path().join("unused.sock"));
    let script = "stream\n    |from()\n        .measurement('m')\n    @mavg()\n        .field('value')\n        .size(3)\n        .as('avg')\n    |httpOut('avg')\n";
    let (st, body) = define(&s, "snap", script);
    assert_eq!(st, 200, "{body}");
    let vals = values();
    let want = expected(&vals, 3);
    write_at(&s, 0, vals[0]);
    write_at(&s, 1, vals[1]);
    wait_processed(&s, "snap", "mavg2", 2);
    // Disabling stops the task: its agent's state is stored with it; the
    // new agent of the enabled task gets it back.
    let (st, body) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/snap",
        json!({"status": "disabled"}),
    );
    assert_eq!(st, 200, "{body}");
    let (st, body) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/snap",
        json!({"status": "enabled"}),
    );
    assert_eq!(st, 200, "{body}");
    write_at(&s, 2, vals[2]);
    wait_average(&s, "snap", want[0]);
    // A clean shutdown stores it too; the next start restores it.
    write_at(&s, 3, vals[3]);
    wait_average(&s, "snap", want[1]);
    s.signal("TERM");
    s.wait();
    s = start(dir.path(), &dir.path().join("unused.sock"));
    write_at(&s, 4, vals[4]);
    wait_average(&s, "snap", want[2]);
}
