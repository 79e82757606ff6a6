//! Config overrides end to end: the real kapacitord's `/kapacitor/v1/config` shows the
//! overridable sections with secrets redacted, `POST` changes them (validated, stored in
//! redb, kept across a restart, skipped with `skip-config-overrides`), and a handler section
//! is reconfigured live: the next alert goes where the new options say.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

/// An HTTP listener that answers 200 and hands each request's body to the test.
fn hook() -> (String, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { return };
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ =
                c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
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

fn post(s: &Server, path: &str, body: Value) -> (u16, Value) {
    s.json("POST", path, body)
}

#[test]
fn overrides_show_redact_persist_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    let (st, all) = s.get("/kapacitor/v1/config");
    assert_eq!(st, 200, "{all}");
    assert_eq!(all["link"]["href"], "/kapacitor/v1/config");
    let smtp = &all["sections"]["smtp"];
    assert_eq!(smtp["link"]["href"], "/kapacitor/v1/config/smtp");
    assert_eq!(
        smtp["elements"][0]["link"]["href"],
        "/kapacitor/v1/config/smtp/"
    );
    assert_eq!(smtp["elements"][0]["redacted"], json!(["password"]));
    assert_eq!(smtp["elements"][0]["options"]["password"], false);
    // List sections are keyed by their element key.
    assert_eq!(
        all["sections"]["httppost"]["elements"][0]["link"]["href"],
        "/kapacitor/v1/config/httppost/example"
    );
    // Not overridable: absent.
    assert!(all["sections"].get("http").is_none());

    // Set and delete name the element: a single section's path ends with a slash.
    let (st, e) = post(
        &s,
        "/kapacitor/v1/config/smtp",
        json!({"set": {"host": "mail.example"}}),
    );
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("failed to apply update: invalid update action: element not specified, are you missing a trailing '/'?"))
    );
    let (st, e) = post(
        &s,
        "/kapacitor/v1/config/smtp/",
        json!({"set": {"host": "mail.example", "port": 2525, "password": "secret"}}),
    );
    assert_eq!(st, 204, "{e}");
    let (st, el) = s.get("/kapacitor/v1/config/smtp/");
    assert_eq!(st, 200);
    assert_eq!(el["options"]["host"], "mail.example");
    assert_eq!(el["options"]["port"], 2525);
    assert_eq!(el["options"]["password"], true, "secrets never read back");

    // Bad input: typed errors, nothing stored.
    let (st, e) = s.get("/kapacitor/v1/config/nope");
    assert_eq!(
        (st, e["error"].as_str()),
        (404, Some("unknown section: nope"))
    );
    let (st, e) = s.get("/kapacitor/v1/config/httppost/nope");
    assert_eq!(
        (st, e["error"].as_str()),
        (404, Some("unknown section/element: httppost/nope"))
    );
    let (st, e) = post(
        &s,
        "/kapacitor/v1/config/smtp/",
        json!({"set": {"nope": 1}}),
    );
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("unknown options [nope] in section smtp"))
    );
    let (st, _) = post(
        &s,
        "/kapacitor/v1/config/smtp",
        json!({"set": {"port": "x"}}),
    );
    assert_eq!(st, 400);
    let (st, _) = post(&s, "/kapacitor/v1/config/smtp/", json!({"bogus": {}}));
    assert_eq!(st, 400);
    let (st, e) = s.get("/kapacitor/v1/config/");
    assert_eq!(
        (st, e["error"].as_str()),
        (
            400,
            Some("section not specified, do you have an extra trailing '/'?")
        )
    );
    let (st, e) = post(&s, "/kapacitor/v1/config/nope/", json!({"set": {"a": 1}}));
    assert_eq!(
        (st, e["error"].as_str()),
        (400, Some("unknown section nope"))
    );
    let (st, _) = post(
        &s,
        "/kapacitor/v1/config/smtp",
        json!({"add": {"host": "x"}}),
    );
    assert_eq!(st, 400);
    assert_eq!(
        s.get("/kapacitor/v1/config/smtp/").1["options"]["port"],
        2525
    );

    // Add an element to a list section, then remove it.
    let (st, e) = post(
        &s,
        "/kapacitor/v1/config/slack",
        json!({"add": {"workspace": "ops", "channel": "#ops", "url": "http://x"}}),
    );
    assert_eq!(st, 204, "{e}");
    let (st, el) = s.get("/kapacitor/v1/config/slack/ops");
    assert_eq!(st, 200, "{el}");
    assert_eq!(el["options"]["channel"], "#ops");
    assert_eq!(el["options"]["url"], true);

    // Stored: a restart keeps the overrides.
    s.stop();
    let s = Server::start(dir.path(), &[], &[]);
    assert_eq!(
        s.get("/kapacitor/v1/config/smtp/").1["options"]["host"],
        "mail.example"
    );
    assert_eq!(s.get("/kapacitor/v1/config/slack/ops").0, 200);
    let (st, _) = post(&s, "/kapacitor/v1/config/slack", json!({"remove": ["ops"]}));
    assert_eq!(st, 204);
    assert_eq!(s.get("/kapacitor/v1/config/slack/ops").0, 404);
    // delete returns an option to the file's value.
    let (st, _) = post(
        &s,
        "/kapacitor/v1/config/smtp/",
        json!({"delete": ["host"]}),
    );
    assert_eq!(st, 204);
    assert_eq!(
        s.get("/kapacitor/v1/config/smtp/").1["options"]["host"],
        "localhost"
    );
    s.stop();

    // skip-config-overrides: the stored port is ignored at boot.
    let s = Server::start(
        dir.path(),
        &[("KAPACITOR_SKIP_CONFIG_OVERRIDES", "true")],
        &[],
    );
    assert_eq!(s.get("/kapacitor/v1/config/smtp/").1["options"]["port"], 25);
    s.stop();
    // The service disabled: 403.
    let s = Server::start(
        dir.path(),
        &[("KAPACITOR_CONFIG_OVERRIDE_ENABLED", "false")],
        &[],
    );
    let (st, e) = s.get("/kapacitor/v1/config");
    assert_eq!(
        (st, e["error"].as_str()),
        (403, Some("config override service is not enabled"))
    );
}

#[test]
fn a_handler_override_reaches_the_next_alert() {
    let (url_a, rx_a) = hook();
    let (url_b, rx_b) = hook();
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    let (st, _) = post(
        &s,
        "/kapacitor/v1/config/httppost/example",
        json!({"set": {"url": url_a}}),
    );
    assert_eq!(st, 204);
    let script = "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('m')\n    |alert()\n        .id('a')\n        .crit(lambda: \"v\" > 0)\n        .post()\n            .endpoint('example')\n";
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "t", "script": script, "status": "enabled"}),
    );
    assert_eq!(st, 200, "{t}");
    s.call("POST", "/write?db=db&rp=rp&precision=s", Some(b"m v=1 1\n"));
    let body = rx_a
        .recv_timeout(Duration::from_secs(10))
        .expect("alert at A");
    assert!(body.contains("\"id\":\"a\""), "{body}");

    let (st, _) = post(
        &s,
        "/kapacitor/v1/config/httppost/example",
        json!({"set": {"url": url_b}}),
    );
    assert_eq!(st, 204);
    s.call("POST", "/write?db=db&rp=rp&precision=s", Some(b"m v=2 2\n"));
    let body = rx_b
        .recv_timeout(Duration::from_secs(10))
        .expect("alert at B");
    assert!(body.contains("\"id\":\"a\""), "{body}");
    assert!(rx_a.try_recv().is_err(), "A no longer receives");
}
