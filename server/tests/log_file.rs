//! The log file is Kapacitor's: one logfmt line per record,
//! `ts=<RFC 3339, milliseconds> lvl=<level> msg=<message> key=value…`, so a
//! grep for `lvl=error task=…` or a logfmt parser pointed at a Kapacitor log
//! reads ours unchanged.

mod common;

use common::Server;
use serde_json::json;

/// `ts=2026-12-04T19:47:53.893Z lvl=info msg=`: the fixed head of every line.
fn has_kapacitors_head(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("ts=") else {
        return false;
    };
    let (ts, rest) = rest.split_at(rest.find(' ').unwrap_or(0));
    let ts_ok = ts.len() == 24
        && ts.ends_with('Z')
        && ts.as_bytes()[10] == b'T'
        && ts.as_bytes()[19] == b'.'
        && ts[20..23].bytes().all(|b| b.is_ascii_digit());
    let lvl_ok = ["debug", "info", "warn", "error"]
        .iter()
        .any(|l| rest.starts_with(&format!(" lvl={l} msg=")));
    ts_ok && lvl_ok
}

#[test]
fn every_log_line_is_kapacitors_logfmt_and_node_errors_name_their_task() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[("KAPACITOR_LOGGING_LEVEL", "INFO")], &[]);
    let (status, v) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({
            "id": "quotes",
            "dbrps": [{"db": "db", "rp": "rp"}],
            // The quotes mix-up: "cpu-total" is a field reference, missing on the point.
            "script": "stream\n    |from()\n        .measurement('cpu')\n        .where(lambda: \"cpu\" == \"cpu-total\")\n",
            "status": "enabled",
        }),
    );
    assert_eq!(status, 200, "{v}");
    let (status, text) = s.call(
        "POST",
        "/write?db=db&rp=rp",
        Some(b"cpu,cpu=cpu-total usage_idle=5\n"),
    );
    assert_eq!(status, 204, "{text}");
    s.wait_for("the node error in the log", |s| {
        s.log_text().contains(" task=quotes node=from1")
    });
    let log = s.log_text();
    let complete = &log[..log.rfind('\n').unwrap()];
    for line in complete.lines() {
        assert!(
            has_kapacitors_head(line),
            "not Kapacitor's logfmt: {line}\n{log}"
        );
    }
    let error = complete
        .lines()
        .find(|l| l.contains(" task=quotes node=from1"))
        .unwrap();
    assert!(
        error.contains(
            " lvl=error msg=\"error while evaluating WHERE expression: right reference value \\\"cpu-total\\\" is missing value\" "
        ),
        "{error}"
    );
    assert!(
        log.contains(" lvl=info msg=\"Listening on HTTP 127.0.0.1:"),
        "{log}"
    );
    // `[http] log-enabled` (the default): each request, with Kapacitor's keys
    // in its order; the uri stays bare (no space or quote in it).
    let write = complete
        .lines()
        .find(|l| l.contains(" method=POST uri=/write?db=db&rp=rp "))
        .unwrap_or_else(|| panic!("no access record of the write:\n{log}"));
    let keys: Vec<&str> = write
        .split(' ')
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "ts",
            "lvl",
            "msg",
            "service",
            "host",
            "username",
            "start",
            "method",
            "uri",
            "protocol",
            "status",
            "referer",
            "user-agent",
            "request-id",
            "duration"
        ],
        "{write}"
    );
    assert!(
        write.contains(
            " lvl=info msg=\"http request\" service=http host=127.0.0.1 username=- start="
        ) && write.contains(" protocol=HTTP/1.1 status=204 referer=- user-agent="),
        "{write}"
    );
}

#[test]
fn log_enabled_false_keeps_requests_out_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[
            ("KAPACITOR_LOGGING_LEVEL", "INFO"),
            ("KAPACITOR_HTTP_LOG_ENABLED", "false"),
        ],
        &[],
    );
    assert_eq!(s.call("GET", "/kapacitor/v1/ping", None).0, 204);
    let (status, _) = s.call("GET", "/kapacitor/v1/tasks", None);
    assert_eq!(status, 200);
    let log = s.log_text();
    assert!(log.contains("Listening on HTTP"), "{log}");
    assert!(!log.contains("http request"), "{log}");
}
