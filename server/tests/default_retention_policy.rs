//! `default-retention-policy` (api.md §1.3 step 5): a write without `rp` enters
//! the stream with the configured default, so a task on `db.autogen` sees it;
//! with the default `""` it stays outside that task, as in Kapacitor.

mod common;

use common::Server;
use serde_json::json;

fn seen_without_rp(env: &[(&str, &str)]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), env, &[]);
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "t", "type": "stream", "dbrps": [{"db": "db", "rp": "autogen"}], "status": "enabled",
               "script": "stream\n    |from()\n        .measurement('m')\n    |httpOut('out')\n"}),
    );
    assert_eq!(code, 200, "{body}");
    let (code, text) = s.call("POST", "/write?db=db", Some(b"m v=1 1000000000"));
    assert_eq!(code, 204, "{text}");
    // The write is routed before it is answered; the task may still be running it.
    let mut seen = false;
    for _ in 0..20 {
        let (_, out) = s.get("/kapacitor/v1/tasks/t/out");
        if out["series"].as_array().is_some_and(|a| !a.is_empty()) {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    s.stop();
    seen
}

#[test]
fn a_write_without_rp_takes_the_configured_default() {
    assert!(seen_without_rp(&[(
        "KAPACITOR_DEFAULT_RETENTION_POLICY",
        "autogen"
    )]));
}

#[test]
fn without_a_default_a_write_without_rp_is_not_on_autogen() {
    assert!(!seen_without_rp(&[]));
}
