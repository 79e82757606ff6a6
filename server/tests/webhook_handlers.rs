//! The discord/teams/… handlers and `.alertmanager()` end to end: the real
//! `kapacitord` with a config file naming a local HTTP listener (which
//! captures each request's path, headers and body) and a real Prometheus
//! Alertmanager (`testkit::Alertmanager`); a task defined over the API,
//! live writes, and the requests and Alertmanager's own API checked.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use testkit::Kapacitord;

fn start(dir: &Path, conf: &Path) -> Kapacitord {
    start_env(dir, conf, &[])
}

fn start_env(dir: &Path, conf: &Path, vars: &[(&str, &str)]) -> Kapacitord {
    Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .arg("-config")
        .arg(conf)
        .envs(vars.iter().copied())
        .home(dir)
        .data_dir(dir)
        .start()
}

/// One captured request.
#[derive(Debug)]
struct Req {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP listener answering every request `200 OK`; each request arrives
/// on the channel.
fn listener() -> (String, Receiver<Req>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some((k, v)) = h.trim_end().split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let len = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let req = Req {
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            if tx.send(req).is_err() {
                return;
            }
        }
    });
    (base, rx)
}

fn recv(rx: &Receiver<Req>) -> Req {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("a request within 30s")
}

/// Polls Alertmanager until `pred` holds for its alert list (30 s).
fn wait_alerts(am: &testkit::Alertmanager, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let alerts = am.alerts();
        if pred(&alerts) {
            return alerts;
        }
        if Instant::now() > deadline {
            panic!(
                "alertmanager: {what} did not happen within 30s; alerts: {alerts}\n{}",
                am.log()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn ours(alerts: &Value) -> Vec<Value> {
    alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["alertname"] == "cpu:a")
        .cloned()
        .collect()
}

#[test]
fn teams_and_alertmanager_from_a_live_task() {
    let am = testkit::Alertmanager::start();
    let (base, rx) = listener();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            "[teams]\n  enabled = true\n  channel-url = \"{base}/teams/hook\"\n\
             [alertmanager]\n  enabled = true\n  url = \"{}\"\n  [alertmanager.labels]\n    env = \"test\"\n",
            am.url()
        ),
    )
    .unwrap();
    let s = start(dir.path(), &conf);
    let script = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        \
                  .crit(lambda: \"usage_idle\" < 70)\n        .id('cpu:{{ index .Tags \"host\" }}')\n        \
                  .message('{{ .ID }} is {{ .Level }}')\n        .details('')\n        \
                  .teams()\n        .alertmanager()\n            .label('team', 'ops')\n";
    let task = json!({"id": "cpu_alert", "type": "stream", "status": "enabled",
                      "dbrps": [{"db": "telegraf", "rp": "autogen"}], "script": script});
    let (st, t) = s.call(
        "POST",
        "/kapacitor/v1/tasks",
        Some(task.to_string().as_bytes()),
    );
    assert_eq!(st, 200, "{t}");

    let write = |v: u32| {
        let (st, b) = s.call(
            "POST",
            "/write?db=telegraf&rp=autogen",
            Some(format!("cpu,host=a usage_idle={v}\n").as_bytes()),
        );
        assert_eq!(st, 204, "{b}");
    };
    write(50);
    let crit = recv(&rx);
    assert_eq!(crit.path, "/teams/hook");
    assert_eq!(crit.header("content-type"), Some("application/json"));
    assert_eq!(
        crit.body,
        r#"{"@type":"MessageCard","@context":"http://schema.org/extensions","title":"CRITICAL: [cpu:a]","text":"cpu:a is CRITICAL","summary":"CRITICAL: [cpu:a] - cpu:a is CRITICAL...","themeColor":"CC4A31"}"#
    );
    let alerts = wait_alerts(&am, "the alert firing", |a| ours(a).len() == 1);
    let fired = &ours(&alerts)[0];
    assert_eq!(
        fired["labels"],
        json!({"alertname": "cpu:a", "env": "test", "host": "a", "team": "ops"})
    );
    assert_eq!(
        fired["annotations"],
        json!({"level": "CRITICAL", "summary": "cpu:a is CRITICAL"})
    );
    assert_eq!(fired["status"]["state"], "active");
    assert_eq!(
        fired["generatorURL"],
        format!("{}/kapacitor/v1/tasks/cpu_alert", s.url())
    );

    write(90);
    let ok = recv(&rx);
    assert_eq!(
        ok.body,
        r#"{"@type":"MessageCard","@context":"http://schema.org/extensions","title":"OK: [cpu:a]","text":"cpu:a is OK","summary":"OK: [cpu:a] - cpu:a is OK...","themeColor":"34CC25"}"#
    );
    // The recovery's endsAt (its event time, now) resolves the alert:
    // Alertmanager stops listing it as active.
    wait_alerts(&am, "the alert resolving", |a| {
        ours(a).iter().all(|x| x["status"]["state"] != "active")
    });
}

#[test]
fn service_tests_of_the_new_handlers_send_kapacitors_payloads_with_secrets_resolved() {
    let (base, rx) = listener();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            "[[discord]]\n  enabled = true\n  url = \"{base}/discord\"\n\
             [talk]\n  enabled = true\n  url = \"${{TALK_BASE}}/talk\"\n  author_name = \"kap\"\n\
             [servicenow]\n  enabled = true\n  url = \"{base}/sn\"\n  username = \"${{SN_USER}}\"\n  password-file = \"sn.pw\"\n"
        ),
    )
    .unwrap();
    // Secrets from the environment and a file beside the config.
    std::fs::write(dir.path().join("sn.pw"), "p4ss\n").unwrap();
    let s = start_env(
        dir.path(),
        &conf,
        &[("TALK_BASE", base.as_str()), ("SN_USER", "admin")],
    );

    let (st, r) = s.call(
        "POST",
        "/kapacitor/v1/service-tests/discord",
        Some(br#"{"timestamp":false}"#),
    );
    assert_eq!(
        (st, r.as_str()),
        (200, "{\"success\":true,\"message\":\"\"}\n")
    );
    let d = recv(&rx);
    assert_eq!(d.path, "/discord");
    assert_eq!(
        d.body,
        "{\"embeds\":[{\"color\":8021490,\"title\":\"Kapacitor Alert\",\"description\":\"test discord message\",\"timestamp\":\"\"}]}\n"
    );

    let (_, r) = s.call("POST", "/kapacitor/v1/service-tests/talk", Some(b"null"));
    assert_eq!(r, "{\"success\":true,\"message\":\"\"}\n");
    let t = recv(&rx);
    assert_eq!(t.path, "/talk");
    assert_eq!(
        t.body,
        "{\"authorName\":\"kap\",\"text\":\"test talk text\",\"title\":\"testTitle\"}\n"
    );

    let (_, r) = s.call("POST", "/kapacitor/v1/service-tests/servicenow", None);
    assert_eq!(r, "{\"success\":true,\"message\":\"\"}\n");
    let n = recv(&rx);
    assert_eq!(n.path, "/sn");
    // admin:p4ss
    assert_eq!(n.header("authorization"), Some("Basic YWRtaW46cDRzcw=="));
    assert_eq!(
        n.body,
        r#"{"source":"Kapacitor","node":"","type":"","resource":"","metric_name":"","message_key":"id","severity":"1","description":"test servicenow alert"}"#
    );

    // The section shows in the config API with its password redacted.
    let (st, sec) = s.call("GET", "/kapacitor/v1/config/servicenow", None);
    assert_eq!(st, 200, "{sec}");
    let sec: Value = serde_json::from_str(&sec).unwrap();
    let el = &sec["elements"][0];
    assert_eq!(el["options"]["password"], json!(true), "{sec}");
    assert_eq!(el["options"]["username"], "admin");
    assert_eq!(el["redacted"], json!(["password"]));
    assert!(!sec.to_string().contains("p4ss"));

    // Sections left disabled answer as Kapacitor's services do.
    let (_, r) = s.call("POST", "/kapacitor/v1/service-tests/zenoss", None);
    assert_eq!(
        r,
        "{\"success\":false,\"message\":\"service is not enabled\"}\n"
    );
    let (_, opts) = s.call("GET", "/kapacitor/v1/service-tests/teams", None);
    assert!(
        opts.contains("\"options\":{\"channel_url\":\"\",\"alert_topic\":\"test kapacitor alert topic\",\"alert_id\":\"foo/bar/bat\",\"message\":\"test teams message\",\"level\":\"CRITICAL\"}"),
        "{opts}"
    );
}

#[test]
fn an_unset_secret_variable_stops_kapacitord_naming_key_and_variable() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            "data_dir = \"{}\"\n[talk]\n  url = \"${{KAP_TEST_UNSET_VAR}}\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kapacitord"))
        .arg("-config")
        .arg(&conf)
        .env("HOME", dir.path())
        .env_remove("KAP_TEST_UNSET_VAR")
        .env_remove("KAPACITOR_CONFIG_PATH")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("talk.url: environment variable KAP_TEST_UNSET_VAR is not set"),
        "{stderr}"
    );
}

#[test]
fn topic_handlers_of_the_new_kinds_get_the_topics_events() {
    let (base, rx) = listener();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            "[bigpanda]\n  enabled = true\n  url = \"{base}/bp\"\n  token = \"tok\"\n  app-key = \"cfg\"\n\
             [hipchat]\n  enabled = true\n  url = \"{base}/v2/room\"\n  token = \"cfg-token\"\n"
        ),
    )
    .unwrap();
    let s = start(dir.path(), &conf);
    let h = "/kapacitor/v1/alerts/topics/cpu/handlers";
    let bp = json!({"id": "bp", "kind": "bigpanda",
                    "options": {"app-key": "ak", "primary-property": "host", "attributes": {"team": "ops"}}});
    let (st, b) = s.call("POST", h, Some(bp.to_string().as_bytes()));
    assert_eq!(st, 200, "{b}");
    let (st, b) = s.call(
        "POST",
        h,
        Some(br#"{"id":"bad","kind":"bigpanda","options":{"colour":1}}"#),
    );
    // Kapacitor answers a handler it cannot create with 500.
    assert_eq!(st, 500, "{b}");
    assert!(
        b.contains("failed to create handler: invalid option \\\"colour\\\" for handler kind \\\"bigpanda\\\""),
        "{b}"
    );

    let script = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        \
                  .id('{{ index .Tags \"host\" }}')\n        .message('{{ .ID }} is {{ .Level }}')\n        \
                  .details('')\n        .crit(lambda: \"value\" > 10)\n        .topic('cpu')\n";
    let task = json!({"id": "t", "type": "stream", "dbrps": [{"db": "db", "rp": "rp"}],
                      "script": script, "status": "enabled"});
    let (st, b) = s.call(
        "POST",
        "/kapacitor/v1/tasks",
        Some(task.to_string().as_bytes()),
    );
    assert_eq!(st, 200, "{b}");
    // 1767225600 s = 2026-01-01T00:00:00Z.
    let lines = "cpu,host=a value=20 1767225600000000000\n";
    assert_eq!(
        s.call("POST", "/write?db=db&rp=rp", Some(lines.as_bytes()))
            .0,
        204
    );
    let got = recv(&rx);
    assert_eq!(got.path, "/bp");
    assert_eq!(got.header("authorization"), Some("Bearer tok"));
    assert_eq!(
        got.body,
        "{\"app_key\":\"ak\",\"check\":\"a\",\"description\":\"a is CRITICAL\",\"host\":\"a\",\"primary_property\":\"host\",\"status\":\"critical\",\"task\":\"t:cpu\",\"team\":\"ops\",\"timestamp\":1767225600,\"value\":\"20\"}\n"
    );

    // A second handler on the same topic: hipchat with the room from its options.
    let hc = json!({"id": "hc", "kind": "hipchat", "options": {"room": "ops"}});
    assert_eq!(s.call("POST", h, Some(hc.to_string().as_bytes())).0, 200);
    let lines = "cpu,host=a value=1 1767225601000000000\n";
    assert_eq!(
        s.call("POST", "/write?db=db&rp=rp", Some(lines.as_bytes()))
            .0,
        204
    );
    let mut two = [recv(&rx), recv(&rx)];
    two.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(two[0].path, "/bp");
    assert!(two[0].body.contains("\"status\":\"ok\""), "{}", two[0].body);
    assert_eq!(
        two[1].path,
        "/v2/room/ops/notification?auth_token=cfg-token"
    );
    assert_eq!(
        two[1].body,
        "{\"color\":\"green\",\"from\":\"kapacitor\",\"message\":\"a is OK\",\"notify\":true}\n"
    );
}
