//! When a stream recording ends. Kapacitor's ends only at the first point
//! stamped after its stop time, so `kapacitor record stream -duration 20s`
//! hung whenever data stopped or never came (kapacitor#148, #526, #677). Ours
//! also ends once the wall clock passes a stop time that was still ahead when
//! it started; a stop time already past records back-dated points as
//! Kapacitor's does, ended by a newer point only.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::io::Read;
use std::time::{Duration, SystemTime};

fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
    time::OffsetDateTime::from_unix_timestamp_nanos(d.as_nanos() as i128)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn define_task(s: &Server) {
    let (status, v) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({
            "id": "t",
            "dbrps": [{"db": "db", "rp": "rp"}],
            "script": "stream\n    |from()\n        .measurement('cpu')\n",
            "status": "disabled",
        }),
    );
    assert_eq!(status, 200, "{v}");
}

fn record(s: &Server, id: &str, stop: &str) {
    let (status, v) = s.json(
        "POST",
        "/kapacitor/v1/recordings/stream",
        json!({"id": id, "task": "t", "stop": stop}),
    );
    assert_eq!(status, 201, "{v}");
}

fn write(s: &Server, lines: &str) {
    let (status, text) = s.call("POST", "/write?db=db&rp=rp", Some(lines.as_bytes()));
    assert_eq!(status, 204, "{text}");
}

fn status(s: &Server, id: &str) -> Value {
    s.get(&format!("/kapacitor/v1/recordings/{id}")).1
}

/// The `cpu` lines in a finished recording's `.srpl` (db, rp, line per point).
fn recorded_lines(dir: &std::path::Path, id: &str) -> Vec<String> {
    let gz = std::fs::read(dir.join("replay").join(format!("{id}.srpl"))).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("cpu"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_recording_ends_on_time_when_the_data_stops() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    define_task(&s);
    record(
        &s,
        "r",
        &rfc3339(SystemTime::now() + Duration::from_secs(1)),
    );
    write(&s, "cpu v=1\ncpu v=2\n");
    // No point after the stop time ever comes.
    s.wait_for("the recording to finish without a newer point", |s| {
        status(s, "r")["status"] == "finished"
    });
    assert_eq!(recorded_lines(dir.path(), "r").len(), 2);
}

#[test]
fn a_stop_time_already_past_waits_for_back_dated_points() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    define_task(&s);
    record(&s, "old", "2020-01-01T00:00:10Z");
    // Longer than the grace a live recording gets: this one keeps running.
    std::thread::sleep(Duration::from_millis(2_500));
    assert_eq!(status(&s, "old")["status"], "running");
    write(&s, "cpu v=1 1577836805000000000\n"); // 00:00:05, before the stop
    write(&s, "cpu v=2 1577836820000000000\n"); // 00:00:20, after it: the end
    s.wait_for("the newer point to end the recording", |s| {
        status(s, "old")["status"] == "finished"
    });
    assert_eq!(
        recorded_lines(dir.path(), "old"),
        ["cpu v=1 1577836805000000000"]
    );
}
