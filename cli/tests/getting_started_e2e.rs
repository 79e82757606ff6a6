//! The Getting Started guide, driven as a user would: the real `kapacitord` (built by
//! `cargo build --workspace --bins`, `.ci/test`'s first step) on a free port with a temp data
//! dir, and our `kapacitor` binary with `-url`. Points are posted to `/write` standing in for
//! InfluxDB.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `target/debug/kapacitord`, next to our own `kapacitor` binary. Missing is a failure, never a skip.
fn kapacitord() -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_kapacitor")).parent().unwrap();
    let p = dir.join("kapacitord");
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (as .ci/test does)",
        p.display()
    );
    p
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

impl Server {
    fn start(data: &Path) -> Server {
        let port = testkit::free_port();
        let child = Command::new(kapacitord())
            .env("KAPACITOR_DATA_DIR", data)
            // The store and replays default to ~/.kapacitor, shared by every run: keep them here.
            .env("KAPACITOR_STORAGE_BOLTDB", data.join("kapacitor.db"))
            .env("KAPACITOR_REPLAY_DIR", data.join("replay"))
            .env("KAPACITOR_HTTP_BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env_remove("KAPACITOR_CONFIG_PATH")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if let Ok(r) = agent().get(format!("{}/kapacitor/v1/ping", s.url)).call() {
                if r.status().as_u16() == 204 {
                    return s;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("kapacitord did not answer its ping");
    }

    /// Posts line protocol to the InfluxDB-compatible `/write`.
    // A write without `rp` takes `default-retention-policy`, empty by default (as in
    // Kapacitor), so it would miss the guide's `autogen` task: the writes name it.
    fn write(url: &str, lines: &str) {
        let r = agent()
            .post(format!("{url}/write?db=kapacitor_example&rp=autogen"))
            .send(lines.as_bytes())
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }

    /// Runs `kapacitor -url URL args...`, killed after 30 s so a hang fails the test.
    fn cli(&self, args: &[&str], cwd: &Path) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kapacitor"))
            .arg("-url")
            .arg(&self.url)
            .args(args)
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if t.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("kapacitor {args:?} hung");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    text(&o.stdout)
}

/// The guide's script without its `dbrp` line (the dbrp comes from `-dbrp`).
fn script(log: &Path, threshold: u32) -> String {
    format!(
        "stream\n    // Select just the cpu measurement from our example database.\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: int(\"usage_idle\") < {threshold})\n        // Whenever we get an alert write it to a file.\n        .log('{}')\n",
        log.display()
    )
}

fn levels(log: &Path) -> Vec<String> {
    testkit::alert_log::levels(log)
}

fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(15) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn getting_started_guide_with_our_binaries() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let log = work.join("alerts.log");
    let s = Server::start(&work.join("data"));
    std::fs::write(work.join("cpu_alert.tick"), script(&log, 70)).unwrap();

    let define = [
        "define",
        "cpu_alert",
        "-tick",
        "cpu_alert.tick",
        "-dbrp",
        "kapacitor_example.autogen",
    ];
    assert_eq!(ok(&s.cli(&define, work)), "");
    // Go's tabular layout: each column padded to its header's width.
    assert_eq!(
        ok(&s.cli(&["list", "tasks"], work)),
        "ID        Type      Status    Executing Databases and Retention Policies\n\
         cpu_alert stream    disabled  false     [\"kapacitor_example\".\"autogen\"]\n"
    );

    // Record 3 s of the stream while a writer posts cpu (and mem) points. usage_idle 50, 90,
    // 40, 95, 30 against `< 70`: CRITICAL, OK, CRITICAL, OK, CRITICAL.
    let url = s.url.clone();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        for v in [50, 90, 40, 95, 30] {
            Server::write(
                &url,
                &format!("cpu,host=a usage_idle={v}\nmem,host=a used=1\n"),
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // A point past the stop time ends the recording, as Kapacitor's does.
        std::thread::sleep(Duration::from_millis(3000));
        Server::write(&url, "cpu,host=a usage_idle=99\n");
    });
    let rec = s.cli(
        &["record", "stream", "-task", "cpu_alert", "-duration", "3s"],
        work,
    );
    writer.join().unwrap();
    let id = ok(&rec).trim().to_string();
    assert_eq!(id.len(), 36, "a UUID recording ID: {id:?}");

    let recs = ok(&s.cli(&["list", "recordings"], work));
    let row = recs.lines().find(|l| l.starts_with(&id)).expect(&recs);
    assert!(
        row.contains(" stream ") && row.contains(" finished "),
        "{row}"
    );
    assert!(!row.contains(" 0 B "), "a size: {row}");

    assert!(levels(&log).is_empty(), "a disabled task alerts nothing");
    ok(&s.cli(&["replay", "-recording", &id, "-task", "cpu_alert"], work));
    assert!(wait_for(|| levels(&log).len() == 5));
    assert_eq!(
        levels(&log),
        ["CRITICAL", "OK", "CRITICAL", "OK", "CRITICAL"]
    );

    // Threshold 100: all five points are CRITICAL. Without `.stateChangesOnly()` every
    // non-OK event reaches the handlers, so five more lines, all CRITICAL.
    std::fs::write(work.join("cpu_alert.tick"), script(&log, 100)).unwrap();
    ok(&s.cli(&define, work));
    ok(&s.cli(&["replay", "-recording", &id, "-task", "cpu_alert"], work));
    assert!(wait_for(|| levels(&log).len() == 10), "{:?}", levels(&log));
    assert!(levels(&log)[5..].iter().all(|l| l == "CRITICAL"));

    // Live: enable, write, alerts appear; mem points are not routed to the task.
    ok(&s.cli(&["enable", "cpu_alert"], work));
    Server::write(
        &s.url,
        "cpu,host=b usage_idle=10\nmem,host=b used=1\ncpu,host=b usage_idle=20\n",
    );
    assert!(wait_for(|| levels(&log).len() == 12), "{:?}", levels(&log));
    let show = ok(&s.cli(&["show", "cpu_alert"], work));
    assert!(show.contains("ID: cpu_alert\n"), "{show}");
    assert!(show.contains("Status: enabled\n"), "{show}");
    assert!(show.contains("Executing: true\n"), "{show}");
    assert!(show.contains("digraph cpu_alert {"), "{show}");
    assert!(
        show.contains("stream0 -> from1 [processed=\"2\"];"),
        "two cpu points routed: {show}"
    );

    ok(&s.cli(&["disable", "cpu_alert"], work));
    ok(&s.cli(&["delete", "tasks", "cpu_alert"], work));
    ok(&s.cli(&["delete", "recordings", &id], work));
    assert_eq!(
        ok(&s.cli(&["list", "tasks"], work)),
        "ID Type      Status    Executing Databases and Retention Policies\n"
    );

    // An ID may hold any letter: the CLI escapes it in the path as Go's client
    // does, and the server decodes it back.
    let unicode = [
        "define",
        "tâche_α",
        "-tick",
        "cpu_alert.tick",
        "-dbrp",
        "kapacitor_example.autogen",
    ];
    assert_eq!(ok(&s.cli(&unicode, work)), "");
    ok(&s.cli(&["enable", "tâche_α"], work));
    let show = ok(&s.cli(&["show", "tâche_α"], work));
    assert!(
        show.contains("ID: tâche_α") && show.contains("Status: enabled"),
        "{show}"
    );
    ok(&s.cli(&["delete", "tasks", "tâche_α"], work));
    assert_eq!(s.cli(&["show", "tâche_α"], work).status.code(), Some(3));

    // Errors: an unknown task, and a broken script shows our diagnostic with its caret.
    let o = s.cli(&["show", "nope"], work);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("no task exists"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(work.join("bad.tick"), "stream\n  |from()\n  |alert(\n").unwrap();
    let o = s.cli(
        &["define", "bad", "-tick", "bad.tick", "-dbrp", "a.b"],
        work,
    );
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    assert!(
        err.contains("invalid TICKscript") && err.contains('^'),
        "{err}"
    );
}
