//! Storage that cannot be written (issue 12 item 2): the real `kapacitord` on a data dir
//! that is a small tmpfs which fills up mid-run (`ENOSPC`, a real full disk), and on a data
//! dir bind-mounted read-only (`EROFS`). The server must answer changes it cannot store with
//! a 5xx naming the storage problem, keep answering everything else (writes, reads), never
//! crash; a stream recording cut by the full disk must not read "finished"; and once the
//! space is back every change it acknowledged is in the store after a restart.
//!
//! The mounts are made in the test's own temp dir and undone on drop. This needs root
//! with CAP_SYS_ADMIN (the CI container has it); without it the test fails saying so.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A mount on `path`, undone (lazily, so a leftover process cannot keep it) on drop.
struct Mount(PathBuf);

impl Mount {
    fn run(args: &[&str]) {
        let out = Command::new("mount")
            .args(args)
            .output()
            .expect("the mount program (util-linux) is needed");
        assert!(
            out.status.success(),
            "mount {args:?} failed (this test needs root with CAP_SYS_ADMIN): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn tmpfs(path: &Path, size: &str) -> Mount {
        std::fs::create_dir_all(path).unwrap();
        let p = path.to_str().unwrap();
        Mount::run(&["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", p]);
        Mount(path.to_path_buf())
    }

    /// `path` mounted over itself, read-only.
    fn read_only(path: &Path) -> Mount {
        let p = path.to_str().unwrap();
        Mount::run(&["--bind", p, p]);
        let m = Mount(path.to_path_buf());
        Mount::run(&["-o", "remount,bind,ro", p]);
        m
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn task_body(id: &str, padding: usize) -> Value {
    // The comment makes each definition take room in the store.
    let script = format!(
        "// {}\nstream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 90)\n",
        "x".repeat(padding)
    );
    json!({"id": id, "type": "stream", "dbrps": [{"db": "disk", "rp": "autogen"}],
        "script": script, "status": "enabled"})
}

/// Fills the file system holding `dir` with one file until a write fails for lack of space.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0xA5u8; 64 << 10];
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(28), "filling: {e}");
                break;
            }
        }
    }
    let _ = f.sync_all();
    path
}

/// The error text of an API answer.
fn error_of(v: &Value) -> String {
    v.get("error")
        .and_then(Value::as_str)
        .map_or_else(|| v.to_string(), str::to_string)
}

fn stop(mut s: Server) {
    s.signal("TERM");
    assert!(
        s.wait_exit(Duration::from_secs(30)).is_some(),
        "no exit after SIGTERM"
    );
}

#[test]
fn a_full_disk_refuses_changes_with_a_storage_error_and_keeps_acknowledged_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mount = Mount::tmpfs(&dir, "48m");
    let s = Server::start(&dir, &[], &[]);

    // What the server acknowledged: id -> script.
    let mut acked: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..3 {
        let id = format!("before{i}");
        let body = task_body(&id, 100);
        let (st, b) = s.json("POST", "/kapacitor/v1/tasks", body.clone());
        assert_eq!(st, 200, "{b}");
        acked.insert(id, body["script"].as_str().unwrap().to_string());
    }
    // A stream recording running while the disk fills.
    let (st, b) = s.json(
        "POST",
        "/kapacitor/v1/recordings/stream",
        json!({"id": "rec", "task": "before0", "stop": "2100-01-01T00:00:00Z"}),
    );
    assert_eq!(st, 201, "{b}");

    let filler = fill(&dir);

    // Writes keep being answered (they need no disk) while the recording's file cannot grow.
    let mut t = 1_600_000_000_000_000_000i64;
    let mut lines = String::new();
    for batch in 0..50 {
        lines.clear();
        for i in 0..200 {
            t += 1_000_000;
            lines.push_str(&format!(
                "cpu,host=h{i} v={batch}.{i},pad=\"{}\" {t}\n",
                "p".repeat(64)
            ));
        }
        let (st, body) = s.call("POST", "/write?db=disk&rp=autogen", Some(lines.as_bytes()));
        assert_eq!(st, 204, "write {batch} on a full disk: {body}");
    }

    // Definitions until the store runs out of room: each answer is a success or a 5xx that
    // names the storage problem, never a hang or a dropped connection.
    let mut refused: Vec<(String, String)> = Vec::new();
    for i in 0..400 {
        let id = format!("full{i}");
        let body = task_body(&id, 32 << 10);
        let (st, b) = s.json("POST", "/kapacitor/v1/tasks", body.clone());
        match st {
            200 => {
                acked.insert(id, body["script"].as_str().unwrap().to_string());
            }
            500..=599 => {
                refused.push((id, error_of(&b)));
                if refused.len() >= 3 {
                    break;
                }
            }
            other => panic!("define {id} on a full disk: {other} {b}"),
        }
    }
    assert!(
        !refused.is_empty(),
        "400 large definitions all fit on a full 48 MB disk"
    );
    for (id, e) in &refused {
        assert!(
            e.contains("storage") && e.contains("No space left on device"),
            "{id}: the error names the storage problem: {e}"
        );
    }
    // Everything else still answers.
    assert_eq!(s.call("GET", "/kapacitor/v1/ping", None).0, 204);
    let (st, list) = s.get("/kapacitor/v1/tasks?fields=id");
    assert_eq!(st, 200, "{list}");
    for id in acked.keys() {
        assert!(
            list.to_string().contains(&format!("\"{id}\"")),
            "{id} listed"
        );
    }
    // A point past the stop ends the recording; whatever it reports, never "finished".
    let late = "cpu v=1 4102444800000000001\n";
    assert_eq!(
        s.call("POST", "/write?db=disk&rp=autogen", Some(late.as_bytes()))
            .0,
        204
    );
    let (_, rec) = s.get("/kapacitor/v1/recordings/rec");
    assert_ne!(rec["status"], "finished", "{rec}");

    // Space back: the running server takes changes again (the store reopens itself).
    std::fs::remove_file(filler).unwrap();
    let body = task_body("recovered", 10);
    let (st, b) = s.json("POST", "/kapacitor/v1/tasks", body.clone());
    assert_eq!(st, 200, "a define once the space is back: {b}");
    acked.insert(
        "recovered".into(),
        body["script"].as_str().unwrap().to_string(),
    );
    // Restart: the store opens and holds every acknowledged change.
    stop(s);
    let s = Server::start(&dir, &[], &[]);
    for (id, script) in &acked {
        let (st, t) = s.get(&format!("/kapacitor/v1/tasks/{id}"));
        assert_eq!(st, 200, "acknowledged task {id} lost: {t}");
        assert_eq!(t["script"].as_str(), Some(script.as_str()), "{id}");
    }
    for (id, _) in &refused {
        let (st, _) = s.get(&format!("/kapacitor/v1/tasks/{id}"));
        assert_eq!(st, 404, "refused task {id} is not half-stored");
    }
    let (st, rec) = s.get("/kapacitor/v1/recordings/rec");
    assert_eq!(st, 200, "{rec}");
    assert_eq!(rec["status"], "failed", "{rec}");
    // And the store takes changes again.
    let (st, b) = s.json("POST", "/kapacitor/v1/tasks", task_body("after", 10));
    assert_eq!(st, 200, "{b}");
    stop(s);
    drop(mount);
}

#[test]
fn a_read_only_data_dir_is_a_clear_startup_error_and_the_store_survives() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir_all(&dir).unwrap();
    let s = Server::start(&dir, &[], &[]);
    let body = task_body("kept", 10);
    let (st, b) = s.json("POST", "/kapacitor/v1/tasks", body.clone());
    assert_eq!(st, 200, "{b}");
    stop(s);

    let ro = Mount::read_only(&dir);
    // The common starter's command, logging to stderr.
    let mut child = common::builder(&dir)
        .env("KAPACITOR_LOGGING_FILE", "STDERR")
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("kapacitord kept running on a read-only data dir");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(dir.to_str().unwrap()) && stderr.contains("Read-only file system"),
        "the error names the path and the cause: {stderr}"
    );
    drop(ro);

    // Writable again: the store opens with the task in it.
    let s = Server::start(&dir, &[], &[]);
    let (st, t) = s.get("/kapacitor/v1/tasks/kept");
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["script"], body["script"]);
    stop(s);
}
