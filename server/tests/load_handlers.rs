//! The load service's topic handlers (`<dir>/handlers/*.{yaml,yml,json}`), end to end: loaded
//! at start-up through the topic-handler API, replaced when the file changes, deleted on
//! SIGHUP once their file is gone; a handler file missing `topic` or `id` is logged and skipped.

mod common;

use common::Server;
use std::fs;

#[test]
fn handler_files_load_and_unload() {
    let dir = tempfile::tempdir().unwrap();
    let load = dir.path().join("load");
    fs::create_dir_all(load.join("handlers")).unwrap();
    fs::write(
        load.join("handlers/h1.yaml"),
        "topic: cpu\nid: h1\nkind: log\noptions:\n  path: /tmp/h1.log\n",
    )
    .unwrap();
    fs::write(
        load.join("handlers/h2.json"),
        r#"{"topic": "cpu", "id": "h2", "kind": "log", "options": {"path": "/tmp/h2.log"}}"#,
    )
    .unwrap();
    fs::write(load.join("handlers/bad.yaml"), "kind: log\n").unwrap();
    let load_dir = load.to_str().unwrap();
    let env = [
        ("KAPACITOR_LOAD_ENABLED", "true"),
        ("KAPACITOR_LOAD_DIR", load_dir),
    ];
    let s = Server::start(dir.path(), &env, &[]);
    let (st, h) = s.get("/kapacitor/v1/alerts/topics/cpu/handlers/h1");
    assert_eq!(st, 200, "{h}");
    assert_eq!(h["kind"], "log");
    assert_eq!(h["options"]["path"], "/tmp/h1.log");
    assert_eq!(s.get("/kapacitor/v1/alerts/topics/cpu/handlers/h2").0, 200);
    let log = s.log_text();
    assert!(
        // The log is logfmt: the message is quoted, its own quotes escaped.
        log.contains("bad.yaml") && log.contains(r#"needs \"topic\" and \"id\""#),
        "{log}"
    );

    // Changed: replaced; removed: deleted (the bad file fixed so handlers may be removed).
    fs::write(
        load.join("handlers/h1.yaml"),
        "topic: cpu\nid: h1\nkind: log\noptions:\n  path: /tmp/h1b.log\n",
    )
    .unwrap();
    fs::remove_file(load.join("handlers/h2.json")).unwrap();
    fs::remove_file(load.join("handlers/bad.yaml")).unwrap();
    s.signal("HUP");
    s.wait_for("h2 to be removed", |s| {
        s.get("/kapacitor/v1/alerts/topics/cpu/handlers/h2").0 == 404
    });
    let (_, h) = s.get("/kapacitor/v1/alerts/topics/cpu/handlers/h1");
    assert_eq!(h["options"]["path"], "/tmp/h1b.log");
}
