//! `~subscriber` tokens end to end, with a real influxd and the real
//! kapacitord: Kapacitor's documented start (users made with auth off, then
//! `[http] auth-enabled` on), the subscription re-created carrying a token,
//! points written to InfluxDB reaching a stream task through it, and a wrong
//! token refused with Kapacitor's 401.

use base64::Engine as _;
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::{Influxd, Kapacitord};

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// (status, body); `auth` an `Authorization` value.
fn call(k: &Kapacitord, path: &str, method: &str, auth: Option<&str>, body: &str) -> (u16, String) {
    let headers: Vec<(&str, &str)> = auth.map(|h| ("Authorization", h)).into_iter().collect();
    k.call_with(method, path, &headers, Some(body.as_bytes()))
}

/// /ping answers without credentials even with auth on.
fn start(dir: &Path, port: u16, influx: &str, auth_enabled: bool) -> Kapacitord {
    let d = dir.display();
    let config = format!(
        "hostname = \"127.0.0.1\"\ndata_dir = \"{d}\"\n\
         [http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n  auth-enabled = {auth_enabled}\n\
         [auth]\n  enabled = true\n  bcrypt-cost = 4\n  cache-expiration = \"10m\"\n\
         [replay]\n  dir = \"{d}/replay\"\n\
         [storage]\n  boltdb = \"{d}/kapacitor.db\"\n\
         [logging]\n  file = \"{d}/kapacitord.log\"\n  level = \"INFO\"\n\
         [stats]\n  enabled = false\n\
         [[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  urls = [\"{influx}\"]\n  \
         subscriptions-sync-interval = \"1s\"\n  startup-timeout = \"5s\"\n"
    );
    Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .config(dir.join("kapacitor.conf"), config)
        .port_from_config(port)
        .log_at(dir.join("kapacitord.log"))
        .start()
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let t = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn influxdb_writes_reach_a_task_through_a_token_and_a_wrong_token_is_refused() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE telegraf", None);
    let dir = tempfile::tempdir().expect("temp dir");
    let port = testkit::free_port();
    let base = "/kapacitor/v1";

    // Kapacitor's documented bootstrap: [auth] on, [http] auth off, make an admin.
    let k = start(dir.path(), port, &influx.url(), false);
    let (s, b) = call(
        &k,
        &format!("{base}/users"),
        "POST",
        None,
        r#"{"name":"root","password":"rootpw","type":"admin"}"#,
    );
    assert_eq!(s, 200, "{b}");
    drop(k);

    let k = start(dir.path(), port, &influx.url(), true);
    let root = basic("root", "rootpw");
    let task = serde_json::json!({
        "id": "fwd",
        "type": "stream",
        "dbrps": [{"db": "telegraf", "rp": "autogen"}],
        "script": "stream\n    |from()\n        .measurement('cpu')\n    |httpOut('out')\n",
        "status": "enabled",
    });
    let (s, b) = call(
        &k,
        &format!("{base}/tasks"),
        "POST",
        None,
        &task.to_string(),
    );
    assert_eq!(s, 401, "no credentials: {b}");
    let (s, b) = call(
        &k,
        &format!("{base}/tasks"),
        "POST",
        Some(&root),
        &task.to_string(),
    );
    assert_eq!(s, 200, "{b}");

    // The subscription carries ~subscriber:<token>.
    let dest = wait_for("a subscription with a token", || {
        influx
            .subscriptions()
            .into_iter()
            .find(|s| s.0 == "telegraf" && s.4.iter().any(|d| d.contains("~subscriber:")))
            .map(|s| s.4[0].clone())
    });
    let token = dest
        .strip_prefix("http://~subscriber:")
        .and_then(|r| r.split_once('@'))
        .map(|(t, _)| t.to_string())
        .unwrap_or_else(|| panic!("{dest}"));

    // Points written to InfluxDB are forwarded with the token and reach the task.
    let out = format!("{base}/tasks/fwd/out");
    let body = wait_for("the forwarded point", || {
        influx.write("telegraf", "", "cpu,host=a usage_idle=42.5");
        let (s, b) = call(&k, &out, "GET", Some(&root), "");
        (s == 200 && b.contains("42.5")).then_some(b)
    });
    assert!(body.contains("\"usage_idle\""), "{body}");

    // The token writes to its own database only; a wrong token is refused.
    let write = "/write?db=telegraf&rp=autogen";
    let sub = basic("~subscriber", &token);
    assert_eq!(call(&k, write, "POST", Some(&sub), "cpu v=1").0, 204);
    let other = "/write?db=other";
    assert_eq!(
        call(&k, other, "POST", Some(&sub), "cpu v=1"),
        (
            401,
            format!("\"_sub:{token}\" user is not authorized to write to database \"other\"\n")
        )
    );
    let wrong = basic("~subscriber", "d3Jvbmc");
    assert_eq!(
        call(&k, write, "POST", Some(&wrong), "cpu v=1"),
        (
            401,
            r#"{"error":"invalid subscription token","message":"invalid subscription token"}"#
                .to_string()
        )
    );
    // The token is no API credential.
    let (s, b) = call(&k, &format!("{base}/tasks"), "GET", Some(&sub), "");
    assert_eq!(s, 403, "{b}");
}
