//! `-blacklist-cidrs` and `-disable-handlers` on the real kapacitord: alert handlers and
//! `httpPost` never reach a listed network (the refusal is logged and counted in
//! `/debug/vars`), a task using a disabled handler does not start, and bad flag values stop
//! the server at start-up with a message.

mod common;

use common::Server;
use serde_json::json;
use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A listener counting the connections it receives.
fn listener() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = c.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = c.read(&mut buf);
            let _ = std::io::Write::write_all(
                &mut c,
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (url, n)
}

fn denied(s: &Server) -> u64 {
    let (_, vars) = s.get("/kapacitor/v1/debug/vars");
    vars["kapacitor"]
        .as_object()
        .unwrap()
        .values()
        .find(|v| v["name"] == "net_policy")
        .and_then(|v| v["values"]["denied"].as_u64())
        .expect("net_policy stat")
}

#[test]
fn blacklisted_networks_are_never_contacted() {
    let (url, hits) = listener();
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[],
        &["-blacklist-cidrs", "10.0.0.0/8,127.0.0.0/8"],
    );
    assert_eq!(denied(&s), 0);
    let alert = format!(
        "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('m')\n    |alert()\n        .crit(lambda: \"v\" > 0)\n        .post('{url}')\n"
    );
    let post = format!(
        "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('m')\n    |httpPost('{url}')\n"
    );
    for (id, script) in [("alert", alert), ("post", post)] {
        let (st, t) = s.json(
            "POST",
            "/kapacitor/v1/tasks",
            json!({"id": id, "script": script, "status": "enabled"}),
        );
        assert_eq!(st, 200, "{t}");
    }
    s.call("POST", "/write?db=db&rp=rp&precision=s", Some(b"m v=1 1\n"));
    // Both refusals are counted and logged; the listener never sees a connection.
    s.wait_for("two refusals", |s| denied(s) >= 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    let log = s.log_text();
    assert!(
        log.contains("is in blacklisted network 127.0.0.0/8"),
        "{log}"
    );
}

#[test]
fn a_blacklist_of_other_networks_lets_the_task_connect() {
    let (url, hits) = listener();
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &["-blacklist-cidrs", "10.0.0.0/8"]);
    let script = format!(
        "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('m')\n    |httpPost('{url}')\n"
    );
    let (st, _) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "post", "script": script, "status": "enabled"}),
    );
    assert_eq!(st, 200);
    s.call("POST", "/write?db=db&rp=rp&precision=s", Some(b"m v=1 1\n"));
    s.wait_for("the post", |_| hits.load(Ordering::SeqCst) >= 1);
    assert_eq!(denied(&s), 0);
}

#[test]
fn a_task_using_a_disabled_handler_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[], &["-disable-handlers", "exec,post"]);
    let script = "dbrp \"db\".\"rp\"\nstream\n    |from()\n    |alert()\n        .crit(lambda: TRUE)\n        .post('http://example.invalid')\n";
    // Defined disabled: fine (nothing runs). Enabling fails and says why.
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "t", "script": script}),
    );
    assert_eq!(st, 200, "{t}");
    let (st, e) = s.json(
        "PATCH",
        "/kapacitor/v1/tasks/t",
        json!({"status": "enabled"}),
    );
    assert_eq!(st, 500, "{e}");
    assert_eq!(
        e["error"],
        "failed to start task t: alert2: the post alert handler is disabled on this server"
    );
    let (_, t) = s.get("/kapacitor/v1/tasks/t");
    assert_eq!(t["executing"], false);
    assert!(t["error"].as_str().unwrap().contains("disabled"), "{t}");
    // Other handlers still work.
    let ok = "dbrp \"db\".\"rp\"\nstream\n    |from()\n    |alert()\n        .crit(lambda: TRUE)\n        .log('/dev/null')\n";
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "ok", "script": ok, "status": "enabled"}),
    );
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["executing"], true);
}

#[test]
fn bad_flag_values_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, msg) in [
        (
            "-disable-handlers",
            "exec,nope",
            "unknown alert handler \"nope\"",
        ),
        (
            "-blacklist-cidrs",
            "10.0.0.0/40",
            "invalid CIDR address: 10.0.0.0/40",
        ),
    ] {
        let out = testkit::Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
            .home(dir.path())
            .data_dir(dir.path())
            .args([flag, value])
            .command()
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{err}");
    }
}
