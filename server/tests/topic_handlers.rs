//! Topic handlers end to end (api.md §1.9): the real `kapacitord` on a free
//! port with a temp data dir; a local HTTP listener plays the `post`
//! handler's endpoint and captures the exact bytes it receives.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;
use testkit::Kapacitord;

fn start(dir: &Path) -> Kapacitord {
    start_with(dir, &[])
}

fn start_with(dir: &Path, args: &[&str]) -> Kapacitord {
    Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .args(args)
        .home(dir)
        .data_dir(dir)
        .start()
}

/// A one-route HTTP server: every request's body goes to the channel, and
/// the answer is `200 OK`.
fn listener() -> (String, Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alert", l.local_addr().unwrap());
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if tx
                .send(String::from_utf8_lossy(&body).into_owned())
                .is_err()
            {
                return;
            }
        }
    });
    (url, rx)
}

const H: &str = "/kapacitor/v1/alerts/topics/cpu/handlers";

#[test]
fn crud_statuses_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());

    // Create: 200 with the handler; the topic now exists (implicitly).
    let (st, h) = s.call_json(
        "POST",
        H,
        Some(br#"{"id":"b-log","kind":"log","options":{"path":"/tmp/x.log"}}"#),
    );
    assert_eq!(st, 200, "{h}");
    assert_eq!(
        h,
        json!({"link":{"rel":"self","href":"/kapacitor/v1/alerts/topics/cpu/handlers/b-log"},
               "id":"b-log","kind":"log","options":{"path":"/tmp/x.log"},"match":""})
    );
    let (st, _) = s.call_json(
        "POST",
        H,
        Some(br#"{"id":"a-tcp","kind":"tcp","options":{"address":"127.0.0.1:1"},"match":"changed()"}"#),
    );
    assert_eq!(st, 200);
    assert_eq!(
        s.call_json("GET", "/kapacitor/v1/alerts/topics/cpu", None)
            .0,
        200
    );

    // The raw text keeps Kapacitor's key order.
    let (_, text) = s.call("GET", &format!("{H}/a-tcp"), None);
    let keys: Vec<usize> = ["\"link\"", "\"id\"", "\"kind\"", "\"options\"", "\"match\""]
        .iter()
        .map(|k| text.find(k).unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");

    // List: sorted by ID, with a pattern.
    let (_, l) = s.call_json("GET", H, None);
    let ids: Vec<&str> = l["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a-tcp", "b-log"]);
    assert_eq!(l["topic"], "cpu");
    let (_, l) = s.call_json("GET", &format!("{H}?pattern=b*"), None);
    assert_eq!(l["handlers"].as_array().unwrap().len(), 1);
    assert_eq!(l["link"]["href"], format!("{H}?pattern=b*"));
    assert_eq!(s.call_json("GET", &format!("{H}?pattern=%5B"), None).0, 400);

    // Bad input.
    let (st, e) = s.call_json("POST", H, Some(b"{not json"));
    assert_eq!(st, 400);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid handler json: "),
        "{e}"
    );
    let (st, e) = s.call_json("POST", H, Some(br#"{"id":"x"}"#));
    assert_eq!(
        (st, e["error"].as_str().unwrap()),
        (400, "invalid handler spec: handler Kind must not be empty")
    );
    let (st, e) = s.call_json("POST", H, Some(br#"{"id":"a b","kind":"log"}"#));
    assert_eq!(st, 400);
    assert_eq!(
        e["error"],
        "invalid handler spec: handler ID must contain only letters, numbers, '-', '.' and '_'. \"a b\""
    );
    // Kapacitor answers a spec it cannot build, or a taken ID, with a 500.
    let (st, e) = s.call_json("POST", H, Some(br#"{"id":"k","kind":"nope"}"#));
    assert_eq!(
        (st, e["error"].as_str().unwrap()),
        (
            500,
            "failed to create handler: unsupported handler kind \"nope\""
        )
    );
    let (st, e) = s.call_json(
        "POST",
        H,
        Some(br#"{"id":"m","kind":"log","options":{"path":"/tmp/y"},"match":"level() =="}"#),
    );
    assert_eq!(st, 500);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .starts_with("failed to create handler: invalid match expression"),
        "{e}"
    );
    let (st, e) = s.call_json(
        "POST",
        H,
        Some(br#"{"id":"b-log","kind":"log","options":{"path":"/tmp/x.log"}}"#),
    );
    assert_eq!(st, 500);
    assert_eq!(e["error"], "failed to create handler: cannot register handler, handler with ID \"b-log\" already exists");

    // Unknown handler: 404 on GET, PUT, PATCH.
    for m in ["GET", "PUT", "PATCH"] {
        let (st, e) = s.call_json(m, &format!("{H}/nope"), Some(b"[]"));
        assert_eq!(
            (st, e["error"].as_str().unwrap()),
            (404, "unknown handler: \"nope\""),
            "{m}"
        );
    }

    // PATCH (RFC 6902) and PUT.
    let (st, h) = s.call_json(
        "PATCH",
        &format!("{H}/b-log"),
        Some(br#"[{"op":"replace","path":"/options/path","value":"/tmp/z.log"},{"op":"add","path":"/match","value":"level() == CRITICAL"}]"#),
    );
    assert_eq!(st, 200, "{h}");
    assert_eq!(h["options"]["path"], "/tmp/z.log");
    assert_eq!(h["match"], "level() == CRITICAL");
    let (st, e) = s.call_json("PATCH", &format!("{H}/b-log"), Some(b"{}"));
    assert_eq!(st, 400);
    assert!(e["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid patch json: "));
    let (st, e) = s.call_json(
        "PATCH",
        &format!("{H}/b-log"),
        Some(br#"[{"op":"remove","path":"/nothing"}]"#),
    );
    assert_eq!(st, 400);
    assert!(e["error"]
        .as_str()
        .unwrap()
        .starts_with("failed to apply patch: "));
    let (st, h) = s.call_json(
        "PUT",
        &format!("{H}/a-tcp"),
        Some(br#"{"id":"a-tcp","kind":"tcp","options":{"address":"127.0.0.1:2"}}"#),
    );
    assert_eq!(st, 200);
    assert_eq!(h["options"]["address"], "127.0.0.1:2");
    assert_eq!(h["match"], "");
    let (st, e) = s.call_json("PUT", &format!("{H}/a-tcp"), Some(b"nope"));
    assert_eq!(st, 400);
    assert!(e["error"]
        .as_str()
        .unwrap()
        .starts_with("failed to unmarshal JSON: "));

    // Delete: 204, twice (deleting nothing is fine, as in Kapacitor).
    assert_eq!(s.call("DELETE", &format!("{H}/a-tcp"), None).0, 204);
    assert_eq!(s.call("DELETE", &format!("{H}/a-tcp"), None).0, 204);
    assert_eq!(s.call_json("GET", &format!("{H}/a-tcp"), None).0, 404);

    // Handlers survive a restart (kill -9: each change was committed).
    s.kill();
    let s = start(dir.path());
    let (_, l) = s.call_json("GET", H, None);
    assert_eq!(l["handlers"].as_array().unwrap().len(), 1);
    assert_eq!(l["handlers"][0]["options"]["path"], "/tmp/z.log");
    assert_eq!(l["handlers"][0]["match"], "level() == CRITICAL");

    // Deleting the topic removes its handlers.
    assert_eq!(
        s.call("DELETE", "/kapacitor/v1/alerts/topics/cpu", None).0,
        204
    );
    assert_eq!(s.call_json("GET", &format!("{H}/b-log"), None).0, 404);
}

#[test]
fn topic_task_fires_matching_handler_with_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path());
    let (url, bodies) = listener();
    let spec =
        json!({"id": "hook", "kind": "post", "options": {"url": url}, "match": "\"host\" == 'a'"});
    assert_eq!(
        s.call_json("POST", H, Some(spec.to_string().as_bytes())).0,
        200
    );

    let script = "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |alert()\n        .id('{{ index .Tags \"host\" }}')\n        .message('{{ .ID }} is {{ .Level }}')\n        .details('')\n        .crit(lambda: \"value\" > 10)\n        .topic('cpu')\n";
    let task = json!({"id": "t", "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}], "script": script, "status": "enabled"});
    let (st, body) = s.call_json(
        "POST",
        "/kapacitor/v1/tasks",
        Some(task.to_string().as_bytes()),
    );
    assert_eq!(st, 200, "{body}");

    // 1767225600 s = 2026-01-01T00:00:00Z. host b fails the match; host a
    // passes it; host a's second point repeats CRITICAL (also delivered:
    // the match has no changed()).
    let lines = "cpu,host=b value=20 1767225600000000000\ncpu,host=a value=20 1767225600000000000\ncpu,host=a value=30 1767225601000000000\n";
    assert_eq!(
        s.call("POST", "/write?db=db&rp=rp", Some(lines.as_bytes()))
            .0,
        204
    );

    let got = bodies
        .recv_timeout(Duration::from_secs(10))
        .expect("the post handler was called");
    // By hand (api.md §5.3): id = the host tag, message from the template,
    // empty details, the point's time, duration 0 (first CRITICAL), data =
    // the point as one row (name, group tags, time + field), previous OK.
    assert_eq!(
        got,
        "{\"id\":\"a\",\"message\":\"a is CRITICAL\",\"details\":\"\",\"time\":\"2026-01-01T00:00:00Z\",\"duration\":0,\"level\":\"CRITICAL\",\"data\":{\"series\":[{\"name\":\"cpu\",\"tags\":{\"host\":\"a\"},\"columns\":[\"time\",\"value\"],\"values\":[[\"2026-01-01T00:00:00Z\",20]]}]},\"previousLevel\":\"OK\",\"recoverable\":true}\n"
    );
    let got = bodies
        .recv_timeout(Duration::from_secs(10))
        .expect("second event");
    assert!(got.starts_with("{\"id\":\"a\",\"message\":\"a is CRITICAL\",\"details\":\"\",\"time\":\"2026-01-01T00:00:01Z\",\"duration\":1000000000,"), "{got}");
    assert!(
        bodies.recv_timeout(Duration::from_millis(500)).is_err(),
        "host b must not match"
    );

    // The topic saw all three events; two event IDs, both CRITICAL.
    let (_, t) = s.call_json("GET", "/kapacitor/v1/alerts/topics/cpu", None);
    assert_eq!(
        (t["collected"].as_u64(), t["level"].as_str()),
        (Some(3), Some("CRITICAL"))
    );
    let (_, ev) = s.call_json("GET", "/kapacitor/v1/alerts/topics/cpu/events/a", None);
    assert_eq!(ev["state"]["duration"], "1s");
    assert_eq!(ev["state"]["time"], "2026-01-01T00:00:01Z");

    // persist-topics: the event states survive a restart (flushed every second).
    std::thread::sleep(Duration::from_millis(1500));
    s.kill();
    let s = start(dir.path());
    let (st, ev) = s.call_json("GET", "/kapacitor/v1/alerts/topics/cpu/events", None);
    assert_eq!(st, 200);
    let ids: Vec<&str> = ev["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(ev["events"][0]["state"]["level"], "CRITICAL");
    assert_eq!(ev["events"][0]["state"]["message"], "a is CRITICAL");

    // The resumed task restores group a's level from the topic (Kapacitor's
    // restoreEventState): CRITICAL entered at the new point's time (T+2s),
    // triggered at the stored event's time (T+1s); the point's own
    // CRITICAL then has previousLevel CRITICAL and duration T+2s - T+1s = 1s.
    // Without the restore it would read previousLevel OK, duration 0.
    assert_eq!(
        s.call(
            "POST",
            "/write?db=db&rp=rp",
            Some(b"cpu,host=a value=40 1767225602000000000\n")
        )
        .0,
        204
    );
    let got = bodies
        .recv_timeout(Duration::from_secs(10))
        .expect("event after restart");
    assert!(
        got.starts_with("{\"id\":\"a\",\"message\":\"a is CRITICAL\",\"details\":\"\",\"time\":\"2026-01-01T00:00:02Z\",\"duration\":1000000000,"),
        "{got}"
    );
    assert!(
        got.ends_with(",\"previousLevel\":\"CRITICAL\",\"recoverable\":true}\n"),
        "{got}"
    );
}

#[test]
fn service_tests_list_options_and_run_against_a_listener() {
    let dir = tempfile::tempdir().unwrap();
    let (url, bodies) = listener();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!("[[slack]]\n  enabled = true\n  default = true\n  url = \"{url}\"\n  channel = \"#alerts\"\n"),
    )
    .unwrap();
    let s = start_with(dir.path(), &["-config", conf.to_str().unwrap()]);

    // List: sorted names, compact JSON plus a newline; defaults from the config.
    let (st, text) = s.call("GET", "/kapacitor/v1/service-tests?pattern=s*", None);
    assert_eq!(st, 200);
    assert!(text.ends_with("}\n") && !text.contains("\n "), "{text}");
    let l: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = l["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sensu", "servicenow", "slack", "smtp", "snmptrap"]);
    let (_, one) = s.call("GET", "/kapacitor/v1/service-tests/slack", None);
    assert_eq!(
        one,
        "{\"link\":{\"rel\":\"self\",\"href\":\"/kapacitor/v1/service-tests/slack\"},\"name\":\"slack\",\"options\":{\"workspace\":\"\",\"channel\":\"#alerts\",\"message\":\"test slack message\",\"level\":\"CRITICAL\",\"username\":\"\",\"icon-emoji\":\"\"}}\n"
    );
    assert_eq!(
        s.call("GET", "/kapacitor/v1/service-tests/nope", None).0,
        404
    );
    assert_eq!(
        s.call("POST", "/kapacitor/v1/service-tests/nope", Some(b"null"))
            .0,
        404
    );

    // Run with null options (what `kapacitor service-tests` sends): the
    // listener gets Kapacitor's Slack body (preparePost) — a Go map, so keys
    // sorted; username and icon_emoji always set, from the config when the
    // options leave them empty ("kapacitor" and ""); color "danger" for
    // CRITICAL; json.Encoder's trailing newline.
    let (st, r) = s.call("POST", "/kapacitor/v1/service-tests/slack", Some(b"null"));
    assert_eq!(
        (st, r.as_str()),
        (200, "{\"success\":true,\"message\":\"\"}\n")
    );
    let got = bodies.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        got,
        "{\"as_user\":false,\"attachments\":[{\"fallback\":\"test slack message\",\"color\":\"danger\",\"text\":\"test slack message\",\"mrkdwn_in\":[\"text\"]}],\"channel\":\"#alerts\",\"icon_emoji\":\"\",\"text\":\"\",\"username\":\"kapacitor\"}\n"
    );
    // Options overlay the defaults.
    let (_, r) = s.call(
        "POST",
        "/kapacitor/v1/service-tests/slack",
        Some(br#"{"message":"hi","level":"WARNING"}"#),
    );
    assert_eq!(r, "{\"success\":true,\"message\":\"\"}\n");
    let got = bodies.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        got.contains("\"text\":\"hi\"") && got.contains("\"color\":\"warning\""),
        "{got}"
    );
    // A disabled service fails the test but still answers 200.
    let (st, r) = s.call("POST", "/kapacitor/v1/service-tests/victorops", None);
    assert_eq!(
        (st, r.as_str()),
        (
            200,
            "{\"success\":false,\"message\":\"service is not enabled\"}\n"
        )
    );
    let (st, _) = s.call("POST", "/kapacitor/v1/service-tests/slack", Some(b"[1]"));
    assert_eq!(st, 400);
}
