//! End-to-end: the real `kapacitord` on a free port with a temp data dir,
//! driven over HTTP (the Getting Started flow, crash recovery, bad input).

use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::kapacitord::{agent, Kapacitord};

fn start(dir: &Path) -> Kapacitord {
    Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .home(dir)
        .data_dir(dir)
        .env("KAPACITOR_STATS_STATS_INTERVAL", "200ms")
        .start()
}

fn write(s: &Kapacitord, lines: &str) -> u16 {
    s.call(
        "POST",
        "/write?db=kapacitor_example&rp=autogen",
        Some(lines.as_bytes()),
    )
    .0
}

fn wait_until(mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(15) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn lines(p: &Path) -> Vec<Value> {
    testkit::alert_log::events(p)
}

fn cpu_alert(log: &Path, threshold: i64) -> String {
    format!(
        "dbrp \"kapacitor_example\".\"autogen\"\n\nstream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: int(\"usage_idle\") < {threshold})\n        .log('{}')\n",
        log.display()
    )
}

fn rfc3339(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
    time::OffsetDateTime::from_unix_timestamp_nanos(d.as_nanos() as i128)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[test]
fn getting_started_record_replay_live_and_crash_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.log");
    let mut s = start(dir.path());

    // Define (disabled, as `kapacitor define`).
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "cpu_alert", "type": "stream", "script": cpu_alert(&log, 70)}),
    );
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["status"], "disabled");
    assert_eq!(t["executing"], false);
    assert_eq!(
        t["dbrps"],
        json!([{"db": "kapacitor_example", "rp": "autogen"}])
    );
    assert_eq!(
        t["dot"],
        "digraph cpu_alert {\nstream0 -> from1;\nfrom1 -> alert2;\n}"
    );

    // Record 2 s of the stream while cpu and mem points arrive.
    let stop = rfc3339(std::time::SystemTime::now() + Duration::from_secs(2));
    let (st, r) = s.json(
        "POST",
        "/kapacitor/v1/recordings/stream",
        json!({"id": "rec1", "task": "cpu_alert", "stop": stop}),
    );
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["status"], "running");
    assert_eq!(s.get("/kapacitor/v1/recordings/rec1").0, 202);
    // usage_idle 50, 90, 40, 95, 30 against crit < 70: CRITICAL, OK,
    // CRITICAL, OK, CRITICAL — five state changes, five logged events.
    for v in [50, 90, 40, 95, 30] {
        assert_eq!(
            write(
                &s,
                &format!("cpu,host=a usage_idle={v}\nmem,host=a used=1\n")
            ),
            204
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(2100));
    // A point past the stop time ends the recording (not recorded).
    assert_eq!(write(&s, "cpu,host=a usage_idle=99\n"), 204);
    assert!(wait_until(
        || s.get("/kapacitor/v1/recordings/rec1").0 == 200
    ));
    let (_, r) = s.get("/kapacitor/v1/recordings/rec1");
    assert_eq!(r["status"], "finished", "{r}");
    assert!(r["size"].as_u64().unwrap() > 0);
    let (_, l) = s.get("/kapacitor/v1/recordings");
    assert_eq!(l["recordings"][0]["id"], "rec1");
    // The recording holds the five cpu points only, as Kapacitor's .srpl.
    let srpl = std::fs::read(dir.path().join("replay/rec1.srpl")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&srpl[..]), &mut text).unwrap();
    assert_eq!(text.lines().count(), 15, "{text}");
    assert!(text.starts_with("kapacitor_example\nautogen\ncpu,host=a usage_idle=50 "));
    assert!(lines(&log).is_empty(), "a disabled task alerts nothing");

    // Replay: the five alert events reach the log file.
    let (st, rp) = s.json(
        "POST",
        "/kapacitor/v1/replays",
        json!({"id": "rp1", "task": "cpu_alert", "recording": "rec1"}),
    );
    assert_eq!(st, 201, "{rp}");
    assert!(wait_until(|| s.get("/kapacitor/v1/replays/rp1").0 == 200));
    let levels: Vec<String> = lines(&log)
        .iter()
        .map(|e| e["level"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(levels, ["CRITICAL", "OK", "CRITICAL", "OK", "CRITICAL"]);
    let (_, t) = s.get("/kapacitor/v1/tasks/cpu_alert?replay-id=rp1");
    assert!(
        t["dot"]
            .as_str()
            .unwrap()
            .contains("stream0 -> from1 [processed=\"5\"];"),
        "{t}"
    );

    // Threshold 100: every point alerts (all CRITICAL, five more lines).
    let (st, _) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/cpu_alert",
        json!({"script": cpu_alert(&log, 100)}),
    );
    assert_eq!(st, 200);
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/replays",
        json!({"id": "rp2", "task": "cpu_alert", "recording": "rec1"}),
    );
    assert_eq!(st, 201);
    assert!(wait_until(|| s.get("/kapacitor/v1/replays/rp2").0 == 200));
    let ev = lines(&log);
    assert_eq!(ev.len(), 10);
    assert!(ev[5..].iter().all(|e| e["level"] == "CRITICAL"));

    // Enable and write live: cpu points alert, mem points are not routed.
    let (st, t) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/cpu_alert",
        json!({"status": "enabled"}),
    );
    assert_eq!(st, 200);
    assert_eq!(t["executing"], true);
    assert_eq!(
        write(
            &s,
            "cpu,host=b usage_idle=10\nmem,host=b used=3\ncpu,host=b usage_idle=20\n"
        ),
        204
    );
    assert!(wait_until(|| lines(&log).len() == 12));
    let (_, t) = s.get("/kapacitor/v1/tasks/cpu_alert");
    let dot = t["dot"].as_str().unwrap();
    assert!(dot.contains("stream0 -> from1 [processed=\"2\"];"), "{dot}");
    assert!(dot.contains("from1 -> alert2 [processed=\"2\"];"), "{dot}");
    assert_eq!(t["stats"]["node-stats"]["alert2"]["crits_triggered"], 2);
    // The anonymous topic holds the live events.
    let (_, topics) = s.get("/kapacitor/v1/alerts/topics");
    assert!(topics["topics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == "main:cpu_alert:alert2" && t["level"] == "CRITICAL"));

    // kill -9, restart: the task is enabled and running, the recording intact.
    s.kill();
    let s = start(dir.path());
    let (_, t) = s.get("/kapacitor/v1/tasks/cpu_alert");
    assert_eq!(t["status"], "enabled");
    assert_eq!(t["executing"], true);
    assert!(t["script"].as_str().unwrap().contains("< 100"));
    let (st, r) = s.get("/kapacitor/v1/recordings/rec1");
    assert_eq!((st, r["status"].as_str()), (200, Some("finished")));
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/replays",
        json!({"id": "rp3", "task": "cpu_alert", "recording": "rec1"}),
    );
    assert_eq!(st, 201);
    assert!(wait_until(|| s.get("/kapacitor/v1/replays/rp3").0 == 200));
    assert!(wait_until(|| lines(&log).len() == 17));
    // And it still takes live data.
    assert_eq!(write(&s, "cpu,host=c usage_idle=1\n"), 204);
    assert!(wait_until(|| lines(&log).len() == 18));
}

#[test]
fn bad_input_gets_kapacitor_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());

    // Malformed line protocol: 400, plain text naming every bad line,
    // nothing ingested (api.md §1.3; tests/config_cli.rs checks the good
    // line is not routed).
    let (st, body) = s.call(
        "POST",
        "/write?db=kapacitor_example&rp=autogen",
        Some(b"cpu v=1\ncpu v=\ncpu\n"),
    );
    assert_eq!(st, 400);
    assert_eq!(
        body,
        "unable to parse 'cpu v=': missing fields\nunable to parse 'cpu': missing fields\n"
    );
    // No valid line at all: the same form.
    let (st, body) = s.call("POST", "/write?db=a", Some(b"cpu\n"));
    assert_eq!(
        (st, body.as_str()),
        (400, "unable to parse 'cpu': missing fields\n")
    );
    let (st, body) = s.call("POST", "/write", Some(b"cpu v=1\n"));
    assert_eq!((st, body.as_str()), (400, "database is required\n"));
    // A path is decoded before routing, as Go's URL.Path is: a broken escape
    // is a 400 saying so, an escaped ID reaches its task.
    let (st, body) = s.call("GET", "/kapacitor/v1/tasks/%zz", None);
    assert_eq!(st, 400, "{body}");
    assert!(body.contains("invalid URL escape"), "{body}");
    let (st, body) = s.call("GET", "/kapacitor/v1/tasks/t%C3%A2che", None);
    assert_eq!(st, 404, "{body}");
    assert!(body.contains("no task exists"), "{body}");
    // gzip bodies are accepted.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"cpu v=1\n").unwrap();
    let gz = gz.finish().unwrap();
    let r = agent()
        .post(format!("{}/kapacitor/v1/write?db=a&rp=b", s.url()))
        .header("Content-Encoding", "gzip")
        .send(&gz[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);

    // An invalid script: 400 whose message carries the diagnostic's line:col.
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "bad", "script": "dbrp \"a\".\"b\"\nstream\n    |from()\n    |alert().crit(lambda: \"x\" >< 1)\n"}),
    );
    assert_eq!(st, 400);
    let msg = e["error"].as_str().unwrap();
    assert!(msg.starts_with("invalid TICKscript: "), "{msg}");
    // Line 4: four spaces, `|alert()`, `.crit(`, `lambda: `, `"x" ` end at
    // column 30; `>` is 31 and the unexpected `<` is column 32.
    assert!(msg.contains("bad:4:32"), "{msg}");
    assert_eq!(e["message"], e["error"]);
    let (st, e) = s.json("POST", "/kapacitor/v1/tasks", json!({"id": "x"}));
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("must provide TICKscript"))
    );
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "x", "script": "stream|from()|log()"}),
    );
    assert_eq!((st, e["error"].as_str()), (400, Some("must specify dbrp")));
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "a b", "script": "x"}),
    );
    assert_eq!(st, 400);
    assert!(e["error"]
        .as_str()
        .unwrap()
        .starts_with("task ID must contain only letters"));
    let (st, _) = s.call("POST", "/kapacitor/v1/tasks", Some(b"{not json"));
    assert_eq!(st, 400);

    // Unknown IDs.
    assert_eq!(
        s.get("/kapacitor/v1/tasks/nope").1["error"],
        "no task exists"
    );
    assert_eq!(s.get("/kapacitor/v1/tasks/nope").0, 404);
    assert_eq!(
        s.json("PATCH", "/kapacitor/v1/tasks/nope", json!({})).0,
        404
    );
    assert_eq!(s.get("/kapacitor/v1/tasks/nope/endpoint").0, 404);
    assert_eq!(s.get("/kapacitor/v1/replays/nope").0, 404);
    assert_eq!(s.get("/kapacitor/v1/recordings/nope").0, 500);
    assert_eq!(s.get("/kapacitor/v1/alerts/topics/nope").0, 404);
    assert_eq!(s.call("DELETE", "/kapacitor/v1/tasks/nope", None).0, 204);

    // Wrong methods and paths: 404 as Kapacitor's router.
    assert_eq!(s.call("PUT", "/kapacitor/v1/tasks", Some(b"{}")).0, 404);
    assert_eq!(s.call("GET", "/write", None).0, 404);
    assert_eq!(s.call("GET", "/kapacitor/v1/nothing", None).0, 404);

    // List parameters.
    let (st, e) = s.get("/kapacitor/v1/tasks?offset=x");
    assert_eq!(st, 400);
    assert!(e["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid offset parameter \"x\" must be an integer"));
    assert_eq!(
        s.get("/kapacitor/v1/tasks?fields=nope").1["error"],
        "unsupported field \"nope\""
    );

    // An oversized body: 413 (the default limit is 25 MiB).
    let big = vec![b'#'; 26 << 20];
    assert_eq!(s.call("POST", "/write?db=a", Some(&big)).0, 413);

    // Concurrent defines of one task: one wins, the others are told it exists.
    let script = "dbrp \"a\".\"b\"\nstream|from()|log()\n";
    let statuses: Vec<u16> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8)
            .map(|_| {
                sc.spawn(|| {
                    s.json(
                        "POST",
                        "/kapacitor/v1/tasks",
                        json!({"id": "same", "script": script}),
                    )
                    .0
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&c| c == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 400).count(),
        7,
        "{statuses:?}"
    );
}

#[test]
fn http_out_is_served_while_the_task_runs() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "h", "status": "enabled",
               "script": "dbrp \"db\".\"rp\"\nstream|from().measurement('m')|httpOut('last')\n"}),
    );
    assert_eq!(st, 200);
    assert_eq!(
        s.call("GET", "/kapacitor/v1/tasks/h/last", None),
        (200, "{\"series\":null}".to_string())
    );
    assert_eq!(
        s.call(
            "POST",
            "/write?db=db&rp=rp&precision=s",
            Some(b"m,host=a v=1 10\nm,host=a v=2 20\n")
        )
        .0,
        204
    );
    assert!(wait_until(|| {
        s.call("GET", "/kapacitor/v1/tasks/h/last", None).1
        == "{\"series\":[{\"name\":\"m\",\"tags\":{\"host\":\"a\"},\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:20Z\",2]]}]}"
    }));
    // debug/vars counts the task and shows its edges.
    let (st, v) = s.get("/kapacitor/v1/debug/vars");
    assert_eq!(st, 200);
    assert_eq!(
        (v["num_tasks"].as_u64(), v["num_enabled_tasks"].as_u64()),
        (Some(1), Some(1))
    );
    let cluster = std::fs::read_to_string(dir.path().join("cluster.id")).unwrap();
    assert_eq!(v["cluster_id"], cluster.as_str());
    assert!(v["kapacitor"]
        .as_object()
        .unwrap()
        .values()
        .any(|s| s["name"] == "edges"
            && s["tags"]["parent"] == "stream0"
            && s["values"]["collected"] == 2));
    // Disabled: the endpoint is gone.
    assert_eq!(
        s.json(
            "PATCH",
            "/kapacitor/v1/tasks/h",
            json!({"status": "disabled"})
        )
        .0,
        200
    );
    assert_eq!(s.call("GET", "/kapacitor/v1/tasks/h/last", None).0, 404);
}

#[test]
fn templates_make_tasks_from_vars_and_rebuild_them_on_change() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let tpl = |t: f64| {
        format!("var measurement string\nvar threshold = {t:?}\nstream\n    |from()\n        .measurement(measurement)\n    |where(lambda: \"v\" > threshold)\n    |httpOut('h')\n")
    };
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/templates",
        json!({"id": "tpl", "script": tpl(70.0)}),
    );
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["type"], "stream");
    assert_eq!(
        t["vars"]["measurement"],
        json!({"type": "string", "value": null, "description": ""})
    );
    assert_eq!(t["vars"]["threshold"]["value"], 70.0);
    let (st, e) = s.json(
        "POST",
        "/kapacitor/v1/templates",
        json!({"id": "tpl", "script": tpl(1.0)}),
    );
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("template tpl already exists"))
    );

    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "tt", "template-id": "tpl", "status": "enabled",
               "dbrps": [{"db": "db", "rp": "rp"}],
               "vars": {"measurement": {"type": "string", "value": "m"}}}),
    );
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["template-id"], "tpl");
    assert_eq!(t["executing"], true);
    let body = |v: i64, ts: i64| {
        format!("{{\"series\":[{{\"name\":\"m\",\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:{ts:02}Z\",{v}]]}}]}}")
    };
    s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(b"m v=50 1\nm v=80 2\nother v=99 3\n"),
    );
    // Only 80 passes `v > 70`; `other` is not the task's measurement.
    assert!(wait_until(|| s
        .call("GET", "/kapacitor/v1/tasks/tt/h", None)
        .1
        == body(80, 2)));
    // A new threshold in the template rebuilds and restarts the task.
    let (st, _) = s.json(
        "PATCH",
        "/kapacitor/v1/templates/tpl",
        json!({"script": tpl(90.0)}),
    );
    assert_eq!(st, 200);
    assert_eq!(
        s.call("GET", "/kapacitor/v1/tasks/tt/h", None).1,
        "{\"series\":null}"
    );
    s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(b"m v=85 4\nm v=95 5\n"),
    );
    assert!(wait_until(|| s
        .call("GET", "/kapacitor/v1/tasks/tt/h", None)
        .1
        == body(95, 5)));
    assert_eq!(s.get("/kapacitor/v1/templates/nope").0, 404);
    assert_eq!(
        s.get("/kapacitor/v1/templates").1["templates"][0]["id"],
        "tpl"
    );
}

#[test]
fn restart_fails_cut_recordings_and_registers_dropped_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "t", "script": "dbrp \"db\".\"rp\"\nstream|from()|log()\n"}),
    );
    assert_eq!(st, 200);
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/recordings/stream",
        json!({"id": "cut", "task": "t", "stop": "2100-01-01T00:00:00Z"}),
    );
    assert_eq!(st, 201);
    s.kill();
    // A recording made elsewhere, dropped into the replay dir.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"db\nrp\nm v=1 1\n").unwrap();
    std::fs::write(dir.path().join("replay/dropped.srpl"), gz.finish().unwrap()).unwrap();
    let s = start(dir.path());
    let (st, r) = s.get("/kapacitor/v1/recordings/cut");
    assert_eq!(st, 200);
    assert_eq!(r["status"], "failed");
    assert_eq!(r["error"], "unexpected Kapacitor shutdown");
    let (st, r) = s.get("/kapacitor/v1/recordings/dropped");
    assert_eq!(
        (st, r["status"].as_str(), r["type"].as_str()),
        (200, Some("finished"), Some("stream"))
    );
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/replays",
        json!({"id": "r", "task": "t", "recording": "dropped", "recording-time": true}),
    );
    assert_eq!(st, 201);
    assert!(wait_until(|| s.get("/kapacitor/v1/replays/r").0 == 200));
    let (_, rp) = s.get("/kapacitor/v1/replays/r");
    assert_eq!(rp["status"], "finished", "{rp}");
    assert_eq!(rp["stats"]["node-stats"]["stream0"]["collected"], 1);
}

#[test]
fn a_task_can_watch_kapacitors_own_stats() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "watch", "status": "enabled",
               "script": "dbrp \"_kapacitor\".\"autogen\"\nstream|from().measurement('edges').where(lambda: \"task\" == 'watch').groupBy('parent')|httpOut('e')\n"}),
    );
    assert_eq!(st, 200);
    // Within a few stats intervals (200 ms here) the task sees its own edges.
    assert!(wait_until(|| s
        .call("GET", "/kapacitor/v1/tasks/watch/e", None)
        .1
        .contains("\"parent\":\"stream0\"")));
}
