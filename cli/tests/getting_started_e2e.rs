//! The Getting Started guide, driven as a user would: the real `kapacitord` (built by
//! `cargo build --workspace --bins`, `.ci/test`'s first step) on a free port with a temp data
//! dir, and our `kapacitor` binary with `-url`. Points are posted to `/write` standing in for
//! InfluxDB.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};
use testkit::kapacitord::{self, agent, Kapacitord};

fn start(data: &Path) -> Kapacitord {
    // The store and replays default to ~/.kapacitor, shared by every run: keep them here.
    Kapacitord::builder(kapacitord::beside(env!("CARGO_BIN_EXE_kapacitor")))
        .data_dir(data)
        .start()
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
fn cli(s: &Kapacitord, args: &[&str], cwd: &Path) -> Output {
    s.cli(
        env!("CARGO_BIN_EXE_kapacitor"),
        args,
        cwd,
        Duration::from_secs(30),
    )
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
    let s = start(&work.join("data"));
    std::fs::write(work.join("cpu_alert.tick"), script(&log, 70)).unwrap();

    let define = [
        "define",
        "cpu_alert",
        "-tick",
        "cpu_alert.tick",
        "-dbrp",
        "kapacitor_example.autogen",
    ];
    assert_eq!(ok(&cli(&s, &define, work)), "");
    // Go's tabular layout: each column padded to its header's width.
    assert_eq!(
        ok(&cli(&s, &["list", "tasks"], work)),
        "ID        Type      Status    Executing Databases and Retention Policies\n\
         cpu_alert stream    disabled  false     [\"kapacitor_example\".\"autogen\"]\n"
    );

    // Record 3 s of the stream while a writer posts cpu (and mem) points. usage_idle 50, 90,
    // 40, 95, 30 against `< 70`: CRITICAL, OK, CRITICAL, OK, CRITICAL.
    let url = s.url().to_string();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        for v in [50, 90, 40, 95, 30] {
            write(
                &url,
                &format!("cpu,host=a usage_idle={v}\nmem,host=a used=1\n"),
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // A point past the stop time ends the recording, as Kapacitor's does.
        std::thread::sleep(Duration::from_millis(3000));
        write(&url, "cpu,host=a usage_idle=99\n");
    });
    let rec = cli(
        &s,
        &["record", "stream", "-task", "cpu_alert", "-duration", "3s"],
        work,
    );
    writer.join().unwrap();
    let id = ok(&rec).trim().to_string();
    assert_eq!(id.len(), 36, "a UUID recording ID: {id:?}");

    let recs = ok(&cli(&s, &["list", "recordings"], work));
    let row = recs.lines().find(|l| l.starts_with(&id)).expect(&recs);
    assert!(
        row.contains(" stream ") && row.contains(" finished "),
        "{row}"
    );
    assert!(!row.contains(" 0 B "), "a size: {row}");

    assert!(levels(&log).is_empty(), "a disabled task alerts nothing");
    ok(&cli(
        &s,
        &["replay", "-recording", &id, "-task", "cpu_alert"],
        work,
    ));
    assert!(wait_for(|| levels(&log).len() == 5));
    assert_eq!(
        levels(&log),
        ["CRITICAL", "OK", "CRITICAL", "OK", "CRITICAL"]
    );

    // Threshold 100: all five points are CRITICAL. Without `.stateChangesOnly()` every
    // non-OK event reaches the handlers, so five more lines, all CRITICAL.
    std::fs::write(work.join("cpu_alert.tick"), script(&log, 100)).unwrap();
    ok(&cli(&s, &define, work));
    ok(&cli(
        &s,
        &["replay", "-recording", &id, "-task", "cpu_alert"],
        work,
    ));
    assert!(wait_for(|| levels(&log).len() == 10), "{:?}", levels(&log));
    assert!(levels(&log)[5..].iter().all(|l| l == "CRITICAL"));

    // Live: enable, write, alerts appear; mem points are not routed to the task.
    ok(&cli(&s, &["enable", "cpu_alert"], work));
    write(
        s.url(),
        "cpu,host=b usage_idle=10\nmem,host=b used=1\ncpu,host=b usage_idle=20\n",
    );
    assert!(wait_for(|| levels(&log).len() == 12), "{:?}", levels(&log));
    let show = ok(&cli(&s, &["show", "cpu_alert"], work));
    assert!(show.contains("ID: cpu_alert\n"), "{show}");
    assert!(show.contains("Status: enabled\n"), "{show}");
    assert!(show.contains("Executing: true\n"), "{show}");
    assert!(show.contains("digraph cpu_alert {"), "{show}");
    assert!(
        show.contains("stream0 -> from1 [processed=\"2\"];"),
        "two cpu points routed: {show}"
    );

    ok(&cli(&s, &["disable", "cpu_alert"], work));
    ok(&cli(&s, &["delete", "tasks", "cpu_alert"], work));
    ok(&cli(&s, &["delete", "recordings", &id], work));
    assert_eq!(
        ok(&cli(&s, &["list", "tasks"], work)),
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
    assert_eq!(ok(&cli(&s, &unicode, work)), "");
    ok(&cli(&s, &["enable", "tâche_α"], work));
    let show = ok(&cli(&s, &["show", "tâche_α"], work));
    assert!(
        show.contains("ID: tâche_α") && show.contains("Status: enabled"),
        "{show}"
    );
    ok(&cli(&s, &["delete", "tasks", "tâche_α"], work));
    assert_eq!(cli(&s, &["show", "tâche_α"], work).status.code(), Some(3));

    // Errors: an unknown task, and a broken script shows our diagnostic with its caret.
    let o = cli(&s, &["show", "nope"], work);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("no task exists"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(work.join("bad.tick"), "stream\n  |from()\n  |alert(\n").unwrap();
    let o = cli(
        &s,
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
