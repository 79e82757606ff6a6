//! Storage, backup, log level, log sessions and durable replays, end to end: the real
//! kapacitord driven over HTTP and with our `kapacitor` CLI (`backup`, `level`, `logs`).

mod common;

use common::Server;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Our `kapacitor` binary beside `kapacitord` (`cargo build -p cli --bin kapacitor`).
/// Missing is a failure, never a skip.
fn kapacitor() -> PathBuf {
    let p = std::path::Path::new(env!("CARGO_BIN_EXE_kapacitord"))
        .parent()
        .unwrap()
        .join("kapacitor");
    assert!(
        p.exists(),
        "{} is missing: cargo build -p cli --bin kapacitor",
        p.display()
    );
    p
}

fn cli(s: &Server, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(kapacitor())
        .arg("-url")
        .arg(s.url())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TASK: &str =
    "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('m')\n    |httpOut('h')\n";

#[test]
fn stores_rebuild_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "kept", "script": TASK, "status": "enabled"}),
    );
    assert_eq!(st, 200, "{t}");

    let (st, l) = s.get("/kapacitor/v1/storage/stores");
    assert_eq!(st, 200);
    assert_eq!(l["link"]["href"], "/kapacitor/v1/storage/stores");
    let names: Vec<&str> = l["storage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"tasks") && names.contains(&"replays") && names.contains(&"users"),
        "{l}"
    );
    assert_eq!(
        l["storage"][0]["link"]["href"],
        format!("/kapacitor/v1/storage/stores/{}", names[0])
    );
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/storage/stores/tasks",
        json!({"action": "rebuild"}),
    );
    assert_eq!(st, 204, "{e}");
    assert_eq!(
        s.get("/kapacitor/v1/tasks/kept").0,
        200,
        "rebuild keeps records"
    );
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/storage/stores/nope",
        json!({"action": "rebuild"}),
    );
    assert_eq!(
        (st, e["error"].as_str()),
        (404, Some("unknown storage \"nope\""))
    );
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/storage/stores/tasks",
        json!({"action": "shrink"}),
    );
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("unkown storage action \"shrink\""))
    );

    // The raw endpoint: octet-stream, attachment, Content-Length = bytes sent.
    let (st, headers, body) = s.call_raw("GET", "/kapacitor/v1/storage/backup", None);
    assert_eq!(st, 200);
    let h = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(h("content-type"), "application/octet-stream");
    assert_eq!(
        h("content-disposition"),
        "attachment; filename=\"kapacitor.db\""
    );
    assert_eq!(h("content-length"), body.len().to_string());

    // `kapacitor backup FILE`: silent, exit 0, and the file is a store holding the task.
    let file = dir.path().join("backup.db");
    let (code, out, err) = cli(&s, &["backup", file.to_str().unwrap()]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join("kapacitor.db")).unwrap();
    let store = server::store::Store::open(&restored.path().join("kapacitor.db")).unwrap();
    let task = store.task("kept").unwrap().expect("task in the backup");
    assert!(task.enabled);
    let (code, _, err) = cli(&s, &["backup"]);
    assert_ne!(code, 0);
    assert!(err.contains("must provide file path for backup."), "{err}");

    // pprof: the command line only.
    let (st, _, body) = s.call_raw("GET", "/kapacitor/v1/debug/pprof/cmdline", None);
    assert_eq!(st, 200);
    assert!(String::from_utf8_lossy(&body).contains("kapacitord"));
    assert_eq!(s.call("GET", "/kapacitor/v1/debug/pprof/heap", None).0, 404);
}

/// Sets the level to info until a session delivers the record of the change
/// (it opens asynchronously); that record and the lines before it (the
/// `http request` records of the changes themselves).
fn until_level_change(
    s: &Server,
    rx: &std::sync::mpsc::Receiver<String>,
) -> (Option<String>, Vec<String>) {
    let mut before = Vec::new();
    for _ in 0..100 {
        s.json("POST", "/kapacitor/v1/loglevel", json!({"level": "info"}));
        while let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            if l.contains("log level changed") {
                return (Some(l), before);
            }
            before.push(l);
        }
    }
    (None, before)
}

#[test]
fn level_and_log_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    // `kapacitor level`: silent on success, the server's error otherwise.
    let (code, out, err) = cli(&s, &["level", "debug"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, _, err) = cli(&s, &["level", "loud"]);
    assert_eq!(code, 3);
    assert!(err.trim_end().ends_with("invalid log level"), "{err}");
    let (st, e) = s.call("POST", "/kapacitor/v1/loglevel", Some(b"{"));
    assert_eq!(st, 400);
    assert!(e.contains("invalid json"), "{e}");
    // Back at info, a debug line is filtered from the file log.
    let (code, _, _) = cli(&s, &["level", "INFO"]);
    assert_eq!(code, 0);

    // `kapacitor logs service=http lvl=info+` follows the stream: the log line of the next
    // level change arrives as one JSON object.
    let mut child = Command::new(kapacitor())
        .arg("-url")
        .arg(s.url())
        .args(["logs", "service=http", "lvl=info+"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let (got, before) = until_level_change(&s, &rx);
    let _ = child.kill();
    let _ = child.wait();
    // The CLI asks for no encoding: logfmt, Kapacitor's default.
    let line = got.expect("a log record on the session");
    assert!(line.starts_with("ts="), "{line}");
    assert!(
        line.contains(" lvl=info msg=\"log level changed\" ") && line.contains(" service=http"),
        "{line}"
    );
    // The requests themselves are `service=http` records too (`[http] log-enabled`).
    assert!(
        before
            .iter()
            .chain(std::iter::once(&line))
            .all(|l| l.contains(" service=http")),
        "{before:?}"
    );

    // `Accept: application/json`: one JSON object per line.
    let url = format!("{}/kapacitor/v1preview/logs?service=http", s.url());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(mut resp) = common::agent()
            .get(&url)
            .header("Accept", "application/json")
            .call()
        else {
            return;
        };
        let reader = BufReader::new(resp.body_mut().as_reader());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let line = until_level_change(&s, &rx).0.expect("a JSON log record");
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["service"], "http", "{line}");
    assert_eq!(v["lvl"], "info");
    assert_eq!(v["msg"], "log level changed");
    assert_eq!(v["level"], "info");
    assert!(v["ts"].as_str().is_some());

    // A key twice or a bad level: 400.
    assert_eq!(
        s.call("GET", "/kapacitor/v1preview/logs?task=a&task=b", None)
            .0,
        400
    );
    assert_eq!(
        s.call("GET", "/kapacitor/v1preview/logs?lvl=loud", None).0,
        400
    );
}

/// A recording made elsewhere, dropped into the replay dir (registered at start-up).
fn drop_recording(dir: &std::path::Path, id: &str, lines: &str) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, format!("db\nrp\n{lines}").as_bytes()).unwrap();
    std::fs::create_dir_all(dir.join("replay")).unwrap();
    std::fs::write(dir.join(format!("replay/{id}.srpl")), gz.finish().unwrap()).unwrap();
}

#[test]
fn replays_survive_a_restart_with_their_final_status() {
    let dir = tempfile::tempdir().unwrap();
    drop_recording(dir.path(), "short", "m v=1 1000000000\nm v=2 2000000000\n");
    let s = Server::start(dir.path(), &[], &[]);
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "t", "script": TASK}),
    );
    assert_eq!(st, 200, "{t}");
    let (st, r) = s.json(
        "POST",
        "/kapacitor/v1/replays",
        json!({"id": "done", "task": "t", "recording": "short", "recording-time": true}),
    );
    assert_eq!(st, 201, "{r}");
    s.wait_for("replay done to finish", |s| {
        s.get("/kapacitor/v1/replays/done").1["status"] == "finished"
    });
    let (_, before) = s.get("/kapacitor/v1/replays/done");
    // The final record is stored a moment after the status turns (polled every 100 ms).
    std::thread::sleep(Duration::from_millis(400));
    s.stop(); // kill -9
              // A replay the crash cut short: stored as running, as `POST /replays` stores it first.
    {
        let store = server::store::Store::open(&dir.path().join("kapacitor.db")).unwrap();
        let mut cut: server::replay::ReplayRecord = serde_json::from_value(json!({
            "id": "cut", "task": "t", "recording": "short", "recording_time": false,
            "clock": "real", "date": 1, "status": "running", "error": "", "progress": 0.5
        }))
        .unwrap();
        cut.progress = 0.5;
        store.put_replay("cut", &cut).unwrap();
    }

    let s = Server::start(dir.path(), &[], &[]);
    let (st, after) = s.get("/kapacitor/v1/replays/done");
    assert_eq!(st, 200, "{after}");
    assert_eq!(after["status"], "finished");
    assert_eq!(after["progress"], 1.0);
    assert_eq!(after["stats"], before["stats"]);
    assert_eq!(after["date"], before["date"]);
    let (st, cut) = s.get("/kapacitor/v1/replays/cut");
    assert_eq!(st, 200);
    assert_eq!(cut["status"], "failed");
    assert_eq!(cut["error"], "unexpected Kapacitor shutdown");
    let (_, l) = s.get("/kapacitor/v1/replays");
    assert_eq!(l["replays"].as_array().unwrap().len(), 2, "{l}");
    // Deleted replays stay deleted.
    assert_eq!(s.call("DELETE", "/kapacitor/v1/replays/done", None).0, 204);
    s.stop();
    let s = Server::start(dir.path(), &[], &[]);
    assert_eq!(s.get("/kapacitor/v1/replays/done").0, 404);
}
