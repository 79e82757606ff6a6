//! `server::config` against Kapacitor's documented behaviour. Expected
//! values come from Kapacitor's sources and docs (api.md §3, the services'
//! `NewConfig()`, the `kapacitord config` docs page), not from our output.

use server::config::{Config, ConfigError, GoDuration, SubscriptionMode};
use std::collections::BTreeMap;
use std::path::Path;

fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Vec<_>>()
        .into_iter()
}

#[test]
fn defaults_are_kapacitors_struct_defaults() {
    let c = Config::default();
    assert_eq!(c.hostname, "localhost");
    assert_eq!(c.data_dir, Path::new(""));
    assert!(!c.skip_config_overrides);
    assert_eq!(c.default_retention_policy, "");
    assert_eq!(c.http.bind_address, ":9092");
    assert!(!c.http.auth_enabled);
    assert!(c.http.log_enabled);
    assert_eq!(c.http.https_certificate, "/etc/ssl/kapacitor.pem");
    assert_eq!(c.http.shutdown_timeout, GoDuration::from_secs(10));
    assert_eq!(c.replay.dir, "./replay");
    assert_eq!(c.storage.boltdb, "./kapacitor.db");
    assert_eq!(c.task.dir, "./tasks");
    assert_eq!(c.task.snapshot_interval, GoDuration::from_secs(60));
    assert!(!c.load.enabled);
    assert_eq!(c.load.dir, "./load");
    assert_eq!(c.logging.file, "STDERR");
    assert_eq!(c.logging.level, "DEBUG");
    assert!(c.config_override.enabled);
    assert!(c.alert.persist_topics);
    assert_eq!(c.alert.topic_buffer_length, 5000);

    assert_eq!(c.influxdb.len(), 1);
    let db = &c.influxdb[0];
    assert!(db.enabled);
    assert!(!db.default);
    assert_eq!(db.name, "default");
    assert_eq!(db.urls, vec!["http://localhost:8086"]);
    assert_eq!(db.timeout, GoDuration::ZERO);
    assert_eq!(db.startup_timeout, GoDuration::from_secs(300));
    assert_eq!(db.subscriptions_sync_interval, GoDuration::from_secs(60));
    assert_eq!(db.subscription_protocol, "http");
    assert_eq!(db.subscription_mode, SubscriptionMode::Cluster);
    assert_eq!(db.udp_buffer, 1000);
    assert_eq!(db.compression, "gzip");
    assert!(db.subscriptions.is_empty());
    assert_eq!(
        db.excluded_subscriptions,
        BTreeMap::from([("_kapacitor".to_string(), vec!["autogen".to_string()])])
    );

    assert!(c.stats.enabled);
    assert_eq!(c.stats.stats_interval, GoDuration::from_secs(10));
    assert_eq!(c.stats.database, "_kapacitor");
    assert_eq!(c.stats.retention_policy, "autogen");
    assert_eq!(c.stats.timing_sample_rate, 0.10);
    assert_eq!(c.stats.timing_movavg_size, 1000);
    assert!(c.reporting.enabled);
    assert_eq!(c.reporting.url, "https://usage.influxdata.com");
    assert_eq!(c.deadman.interval, GoDuration::from_secs(10));
    assert_eq!(c.deadman.threshold, 0.0);
    assert!(!c.deadman.global);

    assert_eq!(c.smtp.host, "localhost");
    assert_eq!(c.smtp.port, 25);
    assert_eq!(c.smtp.idle_timeout, GoDuration::from_secs(30));
    assert_eq!(c.snmptrap.addr, "localhost:162");
    assert_eq!(c.snmptrap.community, "kapacitor");
    assert_eq!(c.snmptrap.retries, 1);
    assert_eq!(c.slack.len(), 1);
    assert!(c.slack[0].default);
    assert_eq!(c.slack[0].username, "kapacitor");
    assert_eq!(
        c.pagerduty.url,
        "https://events.pagerduty.com/generic/2010-04-15/create_event.json"
    );
    assert_eq!(c.pagerduty2.url, "https://events.pagerduty.com/v2/enqueue");
    assert_eq!(
        c.victorops.url,
        "https://alert.victorops.com/integrations/generic/20131114/alert"
    );
    assert_eq!(c.opsgenie.url, "https://api.opsgenie.com/v1/json/alert");
    assert_eq!(
        c.opsgenie.recovery_url,
        "https://api.opsgenie.com/v1/json/alert/note"
    );
    assert_eq!(c.opsgenie2.url, "https://api.opsgenie.com/v2/alerts");
    assert_eq!(c.opsgenie2.recovery_action, "notes");
    assert_eq!(c.telegram.url, "https://api.telegram.org/bot");
    assert_eq!(c.sensu.source, "Kapacitor");
    assert_eq!(c.pushover.url, "https://api.pushover.net/1/messages.json");
    assert_eq!(c.httppost.len(), 1);
    assert_eq!(c.httppost[0].endpoint, "example");
    assert_eq!(c.httppost[0].url, "http://example.com");
}

#[test]
fn default_output_matches_the_documented_kapacitord_config() {
    let out = Config::demo(Path::new("/Users/username")).to_toml();
    // Blocks copied from the `kapacitord config` reference page.
    for block in [
        "hostname = \"localhost\"\ndata_dir = \"/Users/username/.kapacitor\"\nskip-config-overrides = false\ndefault-retention-policy = \"\"\n\n[alert]\n  persist-topics = true\n  topic-buffer-length = 5000\n",
        "[http]\n  bind-address = \":9092\"\n  auth-enabled = false\n  log-enabled = true\n  write-tracing = false\n  pprof-enabled = false\n  https-enabled = false\n  https-certificate = \"/etc/ssl/kapacitor.pem\"\n  https-private-key = \"\"\n  shutdown-timeout = \"10s\"\n  shared-secret = \"\"\n\n[replay]\n  dir = \"/Users/username/.kapacitor/replay\"\n\n[storage]\n  boltdb = \"/Users/username/.kapacitor/kapacitor.db\"\n\n[task]\n  dir = \"/Users/username/.kapacitor/tasks\"\n  snapshot-interval = \"1m0s\"\n",
        "[load]\n  enabled = false\n  dir = \"/Users/username/.kapacitor/load\"\n\n[[influxdb]]\n  enabled = true\n  name = \"default\"\n  default = false\n  urls = [\"http://localhost:8086\"]\n  username = \"\"\n  password = \"\"\n  token = \"\"\n  http-shared-secret = false\n  ssl-ca = \"\"\n  ssl-cert = \"\"\n  ssl-key = \"\"\n  insecure-skip-verify = false\n  timeout = \"0s\"\n",
        "[auth]\n  enabled = false\n  cache-expiration = \"0s\"\n  bcrypt-cost = 0\n",
        "  [influxdb.excluded-subscriptions]\n    _kapacitor = [\"autogen\"]\n",
    ] {
        assert!(out.contains(block), "missing block:\n{block}\nin:\n{out}");
    }
    // Nil slices and maps of the Go defaults are left out by its encoder:
    // udf.Config{} has no functions, httppost.NewConfig() no headers,
    // smtp.NewConfig() no `to` list; the empty [udf] struct still prints.
    assert!(out.contains("\n[udf]\n\n[deadman]\n"), "{out}");
    assert!(!out.contains("[udf.functions]"));
    assert!(!out.contains("[httppost.headers]"));
    assert!(!out.contains("  to = "));
    assert!(
        out.contains("\n[[httppost]]\n  endpoint = \"example\"\n  url = \"http://example.com\"\n")
    );
}

/// Modelled on the packaged etc/kapacitor/kapacitor.conf.
const SAMPLE: &str = r##"
# The hostname of this node.
hostname = "kapacitor-1"
data_dir = "/var/lib/kapacitor"
skip-config-overrides = false
default-retention-policy = ""

[http]
  bind-address = ":9092"
  log-enabled = true
  https-certificate = "/etc/ssl/kapacitor.pem"

[config-override]
  enabled = true

[logging]
    file = "/var/log/kapacitor/kapacitor.log"
    level = "INFO"

[load]
  enabled = true
  dir = "/etc/kapacitor/load"

[replay]
  dir = "/var/lib/kapacitor/replay"

[task]
  dir = "/var/lib/kapacitor/tasks"
  snapshot-interval = "60s"

[storage]
  boltdb = "/var/lib/kapacitor/kapacitor.db"

[deadman]
  global = false
  threshold = 0.0
  interval = "10s"

[[influxdb]]
  enabled = true
  default = true
  name = "localhost"
  urls = ["http://localhost:8086"]
  username = ""
  password = ""
  timeout = 0
  insecure-skip-verify = false
  startup-timeout = "5m"
  disable-subscriptions = false
  subscription-protocol = "http"
  subscriptions-sync-interval = "1m0s"
  [influxdb.subscriptions]
    telegraf = ["autogen", "longterm"]
  [influxdb.excluded-subscriptions]
    internal = ["monitor"]

[smtp]
  enabled = true
  host = "mail.example.com"
  port = 587
  from = "kapacitor@example.com"
  to = ["oncall@example.com"]
  idle-timeout = "1m30s"

[slack]
  enabled = true
  url = "https://hooks.slack.com/services/X"
  channel = "#alerts"

[stats]
  enabled = true
  stats-interval = "10s"
  database = "_kapacitor"
  retention-policy= "autogen"

[udf]
[udf.functions]
    [udf.functions.pyavg]
       prog = "/usr/bin/python2"
       args = ["-u", "./udf/agent/examples/moving_avg.py"]
       timeout = "10s"
       [udf.functions.pyavg.env]
           PYTHONPATH = "./udf/agent/py"

[collectd]
  enabled = false
  bind-address = ":25826"
"##;

#[test]
fn sample_config_parses_over_the_defaults() {
    let loaded = Config::decode(SAMPLE, &Config::default(), None).unwrap();
    let c = &loaded.config;
    assert_eq!(c.hostname, "kapacitor-1");
    assert_eq!(c.data_dir, Path::new("/var/lib/kapacitor"));
    assert_eq!(c.logging.level, "INFO");
    assert!(c.load.enabled);
    assert_eq!(c.task.snapshot_interval, GoDuration::from_secs(60));
    // Keys the file leaves out keep their defaults.
    assert_eq!(c.http.shutdown_timeout, GoDuration::from_secs(10));
    let db = &c.influxdb[0];
    assert_eq!(db.name, "localhost");
    assert!(db.default);
    assert_eq!(db.timeout, GoDuration::ZERO);
    assert_eq!(db.udp_buffer, 1000);
    assert_eq!(db.subscriptions["telegraf"], vec!["autogen", "longterm"]);
    // Go decodes a table into the existing map: the default entry stays.
    assert_eq!(db.excluded_subscriptions.len(), 2);
    assert_eq!(db.excluded_subscriptions["internal"], vec!["monitor"]);
    assert_eq!(db.excluded_subscriptions["_kapacitor"], vec!["autogen"]);
    assert_eq!(c.smtp.port, 587);
    assert_eq!(c.smtp.idle_timeout, GoDuration::from_secs(90));
    // `[slack]` as one table is the one (default) slack entry.
    assert_eq!(c.slack.len(), 1);
    assert!(c.slack[0].default);
    assert_eq!(c.slack[0].username, "kapacitor");
    assert_eq!(c.slack[0].channel, "#alerts");
    let f = &c.udf.functions["pyavg"];
    assert_eq!(f.args, vec!["-u", "./udf/agent/examples/moving_avg.py"]);
    assert_eq!(f.env["PYTHONPATH"], "./udf/agent/py");
    assert_eq!(loaded.not_modelled, vec!["collectd"]);
    assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
    c.validate().unwrap();
    // The runtime's handlers see the same sections.
    let h = c.handler_configs();
    assert_eq!(h.smtp.host, "mail.example.com");
    assert_eq!(h.hostname.as_deref(), Some("kapacitor-1"));
}

#[test]
fn unknown_keys_are_tolerated_and_reported() {
    let src = "[http]\nbind-address = \":1234\"\nno-such-key = 1\n[no-such-section]\nx = 1\n[[influxdb]]\nbogus = true\n";
    let loaded = Config::decode(src, &Config::default(), None).unwrap();
    assert_eq!(loaded.config.http.bind_address, ":1234");
    assert_eq!(
        loaded.unknown_keys,
        vec!["http.no-such-key", "influxdb[0].bogus", "no-such-section"]
    );
    assert!(Config::from_toml_str(src).is_ok());
}

#[test]
fn more_than_one_influxdb_entry_starts_from_zero_values() {
    let src = "[[influxdb]]\nname = \"a\"\ndefault = true\nurls = [\"http://a:8086\"]\n[[influxdb]]\nname = \"b\"\nurls = [\"http://b:8086\"]\n";
    let c = Config::from_toml_str(src).unwrap();
    assert_eq!(c.influxdb.len(), 2);
    // Zero values, except those ApplyConditionalDefaults restores.
    assert!(!c.influxdb[1].enabled);
    assert!(c.influxdb[1].excluded_subscriptions.is_empty());
    assert_eq!(c.influxdb[1].udp_buffer, 1000);
    assert_eq!(c.influxdb[1].startup_timeout, GoDuration::from_secs(300));
    assert_eq!(c.influxdb[1].subscription_protocol, "http");
    assert_eq!(c.influxdb[1].compression, "gzip");
    // A single entry keeps the defaults of the default entry.
    let one = Config::from_toml_str("[[influxdb]]\nname = \"a\"\n").unwrap();
    assert!(one.influxdb[0].enabled);
    assert_eq!(one.influxdb[0].urls, vec!["http://localhost:8086"]);
}

#[test]
fn env_overrides_follow_kapacitors_naming() {
    let mut c = Config::from_toml_str(
        "data_dir = \"/d\"\n[[httppost]]\nendpoint = \"e\"\nurl = \"http://x\"\n[httppost.headers]\nAuth = \"old\"\n",
    )
    .unwrap();
    c.apply_env(env(&[
        ("KAPACITOR_HOSTNAME", "k1"),
        ("KAPACITOR_DATA_DIR", ""), // empty values are ignored
        ("KAPACITOR_SKIP_CONFIG_OVERRIDES", "T"),
        ("KAPACITOR_HTTP_BIND_ADDRESS", ":9999"),
        ("KAPACITOR_HTTP_AUTH_ENABLED", "true"),
        ("KAPACITOR_INFLUXDB_0_URLS_0", "http://influx:8086"),
        ("KAPACITOR_INFLUXDB_0_TIMEOUT", "5s"),
        ("KAPACITOR_INFLUXDB_1_NAME", "absent"), // no element 1: ignored
        ("KAPACITOR_SMTP_PORT", "0x19"),
        ("KAPACITOR_STATS_TIMING_SAMPLE_RATE", "0.5"),
        ("KAPACITOR_SLACK_0_CHANNEL", "#ops"),
        ("KAPACITOR_HTTPPOST_0_HEADERS_Auth", "new"),
        ("KAPACITOR_HTTPPOST_0_HEADERS_Other", "x"), // no such key: ignored
        ("OTHER_HTTP_BIND_ADDRESS", ":1"),
    ]))
    .unwrap();
    assert_eq!(c.hostname, "k1");
    assert_eq!(c.data_dir, Path::new("/d"));
    assert!(c.skip_config_overrides);
    assert_eq!(c.http.bind_address, ":9999");
    assert!(c.http.auth_enabled);
    assert_eq!(c.influxdb.len(), 1);
    assert_eq!(c.influxdb[0].urls, vec!["http://influx:8086"]);
    assert_eq!(c.influxdb[0].timeout, GoDuration::from_secs(5));
    assert_eq!(c.smtp.port, 25);
    assert_eq!(c.stats.timing_sample_rate, 0.5);
    assert_eq!(c.slack[0].channel, "#ops");
    assert_eq!(
        c.httppost[0].headers,
        BTreeMap::from([("Auth".to_string(), "new".to_string())])
    );
}

#[test]
fn kubernetes_takes_an_implicit_index() {
    let mut c = Config::from_toml_str("[kubernetes]\nenabled = false\n").unwrap();
    c.apply_env(env(&[("KAPACITOR_KUBERNETES_ENABLED", "true")]))
        .unwrap();
    let k8s = c.passthrough["kubernetes"].as_array().unwrap();
    assert_eq!(k8s[0]["enabled"].as_bool(), Some(true));
}

#[test]
fn env_errors_name_the_variable() {
    let mut c = Config::default();
    let e = c
        .apply_env(env(&[("KAPACITOR_HTTP_AUTH_ENABLED", "yes")]))
        .unwrap_err();
    assert!(matches!(&e, ConfigError::Env { var, .. } if var == "KAPACITOR_HTTP_AUTH_ENABLED"));
    let e = c
        .apply_env(env(&[("KAPACITOR_HTTP_SHUTDOWN_TIMEOUT", "10x")]))
        .unwrap_err();
    assert!(
        e.to_string().starts_with(
            "failed to apply KAPACITOR_HTTP_SHUTDOWN_TIMEOUT using value '10x': time: unknown unit"
        ),
        "{e}"
    );
    let e = c
        .apply_env(env(&[("KAPACITOR_SMTP_PORT", "70000")]))
        .unwrap_err();
    assert!(matches!(&e, ConfigError::Env { var, .. } if var == "KAPACITOR_SMTP_PORT"));
}

#[test]
fn printed_config_parses_back_to_the_same_config() {
    let mut sample = Config::from_toml_str(SAMPLE).unwrap();
    sample.smtp.to.clear(); // empty like the default: left out, reads back empty
    let mut emptied = Config::default();
    emptied.influxdb[0].urls.clear(); // non-empty default emptied prints `urls = []`
    for c in [
        Config::default(),
        Config::demo(Path::new("/home/k")),
        Config::from_toml_str(SAMPLE).unwrap(),
        sample,
        emptied,
    ] {
        let text = c.to_toml();
        let back = Config::from_toml_str(&text).unwrap();
        assert_eq!(back, c, "{text}");
    }
}

#[test]
fn decode_errors_name_the_key() {
    let cases = [
        (
            "[http]\nshutdown-timeout = \"10x\"\n",
            "http.shutdown-timeout",
        ),
        ("[smtp]\nport = \"x\"\n", "smtp.port"),
        (
            "[[influxdb]]\nsubscription-mode = \"both\"\n",
            "influxdb[0].subscription-mode",
        ),
        ("[[influxdb]]\ntimeout = 10\n", "influxdb[0].timeout"),
        (
            "[task]\nsnapshot-interval = true\n",
            "task.snapshot-interval",
        ),
    ];
    for (src, key) in cases {
        let e = Config::from_toml_str(src).unwrap_err();
        assert_eq!(e.key(), Some(key), "{src}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("invalid value for {key}: ")),
            "{e}"
        );
    }
    assert!(matches!(
        Config::from_toml_str("[http\n").unwrap_err(),
        ConfigError::Syntax { .. }
    ));
}

#[test]
fn validation_errors_name_the_key() {
    let valid = |src: &str| {
        Config::from_toml_str(&format!("data_dir = \"/d\"\n{src}"))
            .unwrap()
            .validate()
    };
    valid("").unwrap();
    let cases = [
        ("hostname = \"\"\n", "hostname", "must configure valid hostname"),
        ("[http]\nbind-address = \":http\"\n", "http.bind-address", "invalid http bind address port http"),
        ("[load]\nenabled = true\ndir = \"rel\"\n", "load.dir", "dir must be an absolute path"),
        ("[[influxdb]]\nurls = [\"http://h:port\"]\n", "influxdb[0].urls[0]", "parse \"http://h:port\": invalid port \":port\" after host"),
        ("[[influxdb]]\nurls = []\n", "influxdb[0].urls", "must specify at least one InfluxDB URL"),
        ("[[influxdb]]\nname = \"a b\"\n", "influxdb[0].name", "influxdb cluster name must contain only numbers, letters or '.', '-', and '_' characters"),
        ("[[influxdb]]\nsubscription-protocol = \"tcp\"\n", "influxdb[0].subscription-protocol", "invalid subscription protocol, must be one of 'udp', 'http' or 'https', got \"tcp\""),
        ("[[influxdb]]\nname = \"a\"\nenabled = true\nurls = [\"http://a\"]\n[[influxdb]]\nname = \"b\"\nenabled = true\nurls = [\"http://b\"]\n", "influxdb", "at least one of the enabled InfluxDB clusters must be marked as default."),
        ("[[influxdb]]\nname = \"a\"\nurls = [\"http://a\"]\n[[influxdb]]\nname = \"a\"\nurls = [\"http://b\"]\n", "influxdb[1].name", "duplicate name \"a\" for influxdb configs"),
        ("[smtp]\nenabled = true\n", "smtp.from", "must provide a 'from' address"),
        ("[slack]\nenabled = true\n", "slack[0].url", "must specify url"),
        ("[alerta]\nenabled = true\n", "alerta.url", "must specify url"),
        ("[udf.functions.f]\nprog = \"/bin/f\"\n", "udf.functions.f.timeout", "timeout for f is too small: 0s"),
    ];
    for (src, key, message) in cases {
        let e = valid(src).unwrap_err();
        assert_eq!(e.key(), Some(key), "{src}");
        assert_eq!(e.to_string(), format!("{key}: {message}"), "{src}");
    }
    // Struct default data_dir is empty: a file must set it.
    let e = Config::from_toml_str("").unwrap().validate().unwrap_err();
    assert_eq!(e.to_string(), "data_dir: must configure valid data dir");
}

#[test]
fn load_reads_a_file_or_falls_back_to_the_demo_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kapacitor.conf");
    std::fs::write(&path, SAMPLE).unwrap();
    assert_eq!(Config::load(Some(&path)).unwrap().hostname, "kapacitor-1");
    let missing = dir.path().join("missing.conf");
    assert!(matches!(
        Config::load(Some(&missing)).unwrap_err(),
        ConfigError::Read { .. }
    ));
    let demo = Config::load(Some(Path::new("/dev/null"))).unwrap();
    assert!(demo.data_dir.ends_with(".kapacitor"));
}
