//! `kapacitord`'s command line and configuration, driving the real binary:
//! `kapacitord config`, `-config FILE`, `KAPACITOR_*` overrides, the
//! embedded defaults, validation failures, and the write endpoint's
//! whole-body rejection of bad writes. Expected values come from api.md §1.3 and §3 (Kapacitor's
//! struct defaults and key names), not from our output.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use testkit::kapacitord::{Builder, Kapacitord};

/// `kapacitord` with a clean environment: only `HOME` (and what the test
/// adds), so the developer's `~/.kapacitor` and variables never leak in.
fn kapacitord(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kapacitord"));
    c.env_clear().env("HOME", home).current_dir(home);
    c
}

/// The server started from `kapacitord(home)`'s clean environment.
fn server(home: &Path) -> Builder {
    Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
        .env_clear()
        .home(home)
        .current_dir(home)
}

fn run_to_end(mut c: Command) -> Output {
    c.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn config_prints_the_full_default_toml_rooted_in_home() {
    let home = tempfile::tempdir().unwrap();
    let out = run_to_end({
        let mut c = kapacitord(home.path());
        c.arg("config");
        c
    });
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    // Followed by a blank line, as Kapacitor prints it.
    assert!(text.ends_with("\n\n"), "{text:?}");
    let t: toml::Table = text.parse().unwrap();
    let root = home.path().join(".kapacitor");
    assert_eq!(t["hostname"].as_str(), Some("localhost"));
    assert_eq!(t["data_dir"].as_str(), root.to_str());
    assert_eq!(t["http"]["bind-address"].as_str(), Some(":9092"));
    assert_eq!(t["replay"]["dir"].as_str(), root.join("replay").to_str());
    assert_eq!(
        t["storage"]["boltdb"].as_str(),
        root.join("kapacitor.db").to_str()
    );
    assert_eq!(t["stats"]["stats-interval"].as_str(), Some("10s"));
    assert_eq!(t["stats"]["database"].as_str(), Some("_kapacitor"));
    assert_eq!(t["logging"]["file"].as_str(), Some("STDERR"));
    assert_eq!(
        t["influxdb"][0]["urls"][0].as_str(),
        Some("http://localhost:8086")
    );
    for section in [
        "alert",
        "auth",
        "config-override",
        "load",
        "task",
        "tls",
        "smtp",
        "slack",
        "pagerduty",
        "pagerduty2",
        "victorops",
        "opsgenie",
        "opsgenie2",
        "telegram",
        "sensu",
        "alerta",
        "pushover",
        "httppost",
        "snmptrap",
        "reporting",
        "udf",
        "deadman",
    ] {
        assert!(t.contains_key(section), "missing [{section}]");
    }

    // With -config the file is merged over the demo config; env applies last.
    let file = home.path().join("k.conf");
    std::fs::write(
        &file,
        "hostname = \"fromfile\"\n[http]\nlog-enabled = false\n",
    )
    .unwrap();
    let out = run_to_end({
        let mut c = kapacitord(home.path());
        c.args(["config", "-config"])
            .arg(&file)
            .env("KAPACITOR_STATS_DATABASE", "mine");
        c
    });
    assert!(out.status.success(), "{out:?}");
    let t: toml::Table = String::from_utf8(out.stdout).unwrap().parse().unwrap();
    assert_eq!(t["hostname"].as_str(), Some("fromfile"));
    assert_eq!(t["http"]["log-enabled"].as_bool(), Some(false));
    assert_eq!(t["data_dir"].as_str(), root.to_str());
    assert_eq!(t["stats"]["database"].as_str(), Some("mine"));
}

#[test]
fn run_honours_the_config_file_and_tolerates_unknown_keys() {
    let home = tempfile::tempdir().unwrap();
    let port = testkit::free_port();
    let data = home.path().join("data");
    let store = home.path().join("store");
    let log = home.path().join("k.log");
    let file = home.path().join("k.conf");
    std::fs::write(
        &file,
        format!(
            "data_dir = {data:?}\nno-such-key = 1\n\
             [http]\nbind-address = \"127.0.0.1:{port}\"\n\
             [replay]\ndir = {:?}\n\
             [storage]\nboltdb = {:?}\n\
             [logging]\nfile = {log:?}\nlevel = \"INFO\"\n",
            home.path().join("rep"),
            store.join("kapacitor.db"),
        ),
    )
    .unwrap();
    let s = server(home.path())
        .port_from_config(port)
        .args(["run", "-config"])
        .arg(&file)
        .start();
    // The data dir holds the IDs, the store is in boltdb's directory, the
    // replay dir exists.
    assert!(data.join("cluster.id").is_file());
    assert!(store.join("kapacitor.db").is_file());
    assert!(home.path().join("rep").is_dir());
    assert!(!home.path().join(".kapacitor").exists());
    // The unknown key is named in the log, and the server runs.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("no-such-key"), "{text}");
    assert!(text.contains("Using configuration at:"), "{text}");
    assert_eq!(s.call("GET", "/kapacitor/v1/ping", None).0, 204);
}

#[test]
fn no_config_runs_on_embedded_defaults_with_env_overrides() {
    let home = tempfile::tempdir().unwrap();
    let s = server(home.path()).start();
    assert_eq!(s.call("GET", "/kapacitor/v1/ping", None).0, 204);
    // Embedded defaults: everything under ~/.kapacitor.
    let root = home.path().join(".kapacitor");
    assert!(root.join("cluster.id").is_file());
    assert!(root.join("server.id").is_file());
    assert!(root.join("kapacitor.db").is_file());
    assert!(root.join("replay").is_dir());
}

/// (config file text, extra environment, the key the error must name)
type BadCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn a_bad_value_exits_non_zero_naming_the_key() {
    let home = tempfile::tempdir().unwrap();
    let cases: [BadCase; 4] = [
        (
            "data_dir = \"/d\"\n[http]\nbind-address = \"nope\"\n",
            &[],
            "http.bind-address",
        ),
        (
            "data_dir = \"/d\"\n[stats]\nstats-interval = \"ten\"\n",
            &[],
            "stats.stats-interval",
        ),
        // A file without data_dir: Kapacitor's struct default is empty.
        ("hostname = \"h\"\n", &[], "data_dir"),
        (
            "data_dir = \"/d\"\n",
            &[("KAPACITOR_HTTP_AUTH_ENABLED", "maybe")],
            "KAPACITOR_HTTP_AUTH_ENABLED",
        ),
    ];
    for (i, (text, env, key)) in cases.iter().enumerate() {
        let file = home.path().join(format!("{i}.conf"));
        std::fs::write(&file, text).unwrap();
        let mut c = kapacitord(home.path());
        c.arg("-config").arg(&file).envs(env.iter().copied());
        let out = run_to_end(c);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "case {i} started");
        assert!(err.contains(key), "case {i}: {err}");
    }
}

#[test]
fn a_write_with_bad_lines_ingests_nothing_and_names_them() {
    let home = tempfile::tempdir().unwrap();
    let s = server(home.path()).start();
    let task = serde_json::json!({
        "id": "t", "status": "enabled", "dbrps": [{"db": "db", "rp": "rp"}],
        "script": "stream|from().measurement('cpu')|httpOut('o')\n",
    });
    assert_eq!(
        s.call(
            "POST",
            "/kapacitor/v1/tasks",
            Some(task.to_string().as_bytes())
        )
        .0,
        200
    );
    // api.md §1.3 (Kapacitor's serveWriteLine): any bad line rejects the
    // whole body. Line 2 has no field value, line 3 no fields: both named,
    // in order; the good line 1 (v = 5 at 5 s) is not ingested.
    let (st, body) = s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(b"cpu,host=a v=5 5\ncpu,host=b v=\nmem\n"),
    );
    assert_eq!(st, 400);
    assert_eq!(
        body,
        "unable to parse 'cpu,host=b v=': missing fields\nunable to parse 'mem': missing fields\n"
    );
    // A clean body afterwards is ingested: 204.
    let (st, _) = s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(b"cpu,host=a v=7 10\n"),
    );
    assert_eq!(st, 204);
    // Only the clean write reached the task: its one row is time 10 s,
    // v = 7 (the rejected v = 5 never arrived).
    let t = Instant::now();
    let mut last = String::new();
    while t.elapsed() < Duration::from_secs(10) {
        last = s.call("GET", "/kapacitor/v1/tasks/t/o", None).1;
        if last.contains("\"values\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        last.contains("[\"1970-01-01T00:00:10Z\",7]"),
        "httpOut: {last}"
    );
    assert!(!last.contains("00:00:05Z"), "httpOut: {last}");
}
