//! The batch/query recording and replay-live endpoints' answers through the
//! real kapacitord (no InfluxDB needed): Kapacitor's request errors, and a
//! recording that fails because no `[[influxdb]]` is configured.

mod support;

use std::time::Duration;
use support::{wait_for, Kapacitord};

const BATCH: &str = "dbrp \"db\".\"autogen\"\nbatch|query('SELECT mean(v) FROM \"db\".\"autogen\".\"m\"').every(1m).period(1m)|log()\n";

fn define_batch(k: &Kapacitord) {
    let body = serde_json::json!({"id": "b", "type": "batch", "script": BATCH});
    let (status, text) = k.call("POST", "/kapacitor/v1/tasks", Some(&body.to_string()));
    assert_eq!(status, 200, "{text}");
}

fn error_of(text: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    v["error"].as_str().unwrap_or(text).to_string()
}

#[test]
fn request_errors_are_kapacitors() {
    // The default `[[influxdb]]` (localhost:8086), disabled: no cluster.
    let k = Kapacitord::start(
        "[[influxdb]]\n  enabled = false\n  name = \"localhost\"\n",
        "",
    );
    define_batch(&k);
    k.define_stream_task("s", "db", "stream|from().measurement('m')|log()\n");
    let post =
        |path: &str, body: &str| k.call("POST", &format!("/kapacitor/v1/{path}"), Some(body));

    let (st, t) = post("recordings/batch", r#"{"task":"b"}"#);
    assert_eq!(
        (st, error_of(&t).as_str()),
        (400, "must provide start time")
    );
    let (st, t) = post(
        "recordings/batch",
        r#"{"task":"nope","start":"2020-01-01T00:00:00Z"}"#,
    );
    assert_eq!((st, error_of(&t).as_str()), (404, "no task exists"));
    let (st, t) = post(
        "recordings/batch",
        r#"{"id":"bad id","task":"b","start":"2020-01-01T00:00:00Z"}"#,
    );
    assert_eq!(st, 400, "{t}");
    let (st, t) = post("recordings/query", r#"{"type":"batch"}"#);
    assert_eq!((st, error_of(&t).as_str()), (400, "must provide query"));
    let (st, t) = post(
        "replays/batch",
        r#"{"task":"s","start":"2020-01-01T00:00:00Z"}"#,
    );
    assert_eq!(
        (st, error_of(&t).as_str()),
        (400, "cannot replay batch against stream task: s")
    );
    let (st, t) = post("replays/batch", r#"{"id":"a b","task":"b"}"#);
    assert_eq!(
        (st, error_of(&t).as_str()),
        (400, r#"replay ID must match ^[-\._\p{L}0-9]+$ "a b""#)
    );
    let (st, t) = post("replays/query", r#"{"task":"b"}"#);
    assert_eq!((st, error_of(&t).as_str()), (400, "must provide query"));
    let (st, t) = post(
        "replays/query",
        r#"{"task":"nope","query":"SELECT v FROM db.autogen.m"}"#,
    );
    assert_eq!(
        (st, error_of(&t).as_str()),
        (404, "task load: no task exists")
    );

    // Accepted (201, running), then failed: no InfluxDB is configured.
    let (st, t) = post(
        "recordings/batch",
        r#"{"id":"r1","task":"b","start":"2020-01-01T00:00:00Z","stop":"2020-01-01T00:10:00Z"}"#,
    );
    assert_eq!(st, 201, "{t}");
    let rec = wait_for(Duration::from_secs(10), "the recording to end", || {
        let (st, t) = k.call("GET", "/kapacitor/v1/recordings/r1", None);
        (st == 200).then_some(t)
    });
    let v: serde_json::Value = serde_json::from_str(&rec).unwrap();
    assert_eq!(v["status"], "failed", "{rec}");
    assert_eq!(
        v["error"], "InfluxDB not configured, cannot record batch query",
        "{rec}"
    );
    // A query recording checks the query first: not fully qualified.
    let (st, _) = post(
        "recordings/query",
        r#"{"id":"r2","type":"stream","query":"SELECT v FROM m"}"#,
    );
    assert_eq!(st, 201);
    let rec = wait_for(Duration::from_secs(10), "the recording to end", || {
        let (st, t) = k.call("GET", "/kapacitor/v1/recordings/r2", None);
        (st == 200).then_some(t)
    });
    let v: serde_json::Value = serde_json::from_str(&rec).unwrap();
    assert_eq!(
        v["error"],
        "could not determine database and retention policy. Is the query fully qualified?",
        "{rec}"
    );
    // replay-live batch of a task without InfluxDB: the replay fails.
    let (st, _) = post(
        "replays/batch",
        r#"{"id":"p1","task":"b","start":"2020-01-01T00:00:00Z","stop":"2020-01-01T00:10:00Z"}"#,
    );
    assert_eq!(st, 201);
    let rp = wait_for(Duration::from_secs(10), "the replay to end", || {
        let (st, t) = k.call("GET", "/kapacitor/v1/replays/p1", None);
        (st == 200).then_some(t)
    });
    let v: serde_json::Value = serde_json::from_str(&rp).unwrap();
    assert_eq!(v["status"], "failed", "{rp}");
    assert_eq!(
        v["error"], "InfluxDB not configured, cannot record batch query",
        "{rp}"
    );
}
