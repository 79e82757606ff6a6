//! Subscriptions against a real influxd (testkit) and the real kapacitord:
//! Kapacitor's name and destination, no duplicates across a restart, a
//! database created later subscribed at the next sync, InfluxDB down at
//! startup then up, stale subscriptions of ours dropped while foreign ones
//! stay, forwarded writes reaching a stream task, UDP, and basic auth.

mod support;

use std::time::Duration;
use support::{wait_for, Kapacitord};
use testkit::influxd::InfluxdOptions;
use testkit::Influxd;

const ID: &str = "1b0f9c52-3d5e-4c1a-9c61-5b8e2f4d7a10";

fn influxdb_section(url: &str, extra: &str) -> String {
    format!(
        "[[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  \
         urls = [\"{url}\"]\n  subscriptions-sync-interval = \"1s\"\n  startup-timeout = \"2s\"\n{extra}"
    )
}

type Sub = (String, String, String, String, Vec<String>);

fn ours<'a>(subs: &'a [Sub], name: &str) -> Vec<&'a Sub> {
    subs.iter().filter(|s| s.2 == name).collect()
}

#[test]
fn subscriptions_follow_kapacitors_rules_across_restarts_and_new_databases() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE telegraf", None);
    influx.query(None, "CREATE DATABASE excluded", None);
    let name = format!("kapacitor-{ID}");
    // Ours, pointing elsewhere: dropped and re-created pointing at us.
    influx.query(
        None,
        &format!("CREATE SUBSCRIPTION \"{name}\" ON telegraf.autogen DESTINATIONS ANY 'http://10.255.0.1:9092'"),
        None,
    );
    // Ours on an excluded db/rp: dropped. Someone else's: kept.
    influx.query(
        None,
        &format!("CREATE SUBSCRIPTION \"{name}\" ON excluded.autogen DESTINATIONS ANY 'http://127.0.0.1:1'"),
        None,
    );
    influx.query(
        None,
        "CREATE SUBSCRIPTION other ON telegraf.autogen DESTINATIONS ANY 'http://127.0.0.1:2'",
        None,
    );
    let section = influxdb_section(
        &influx.url(),
        "  [influxdb.excluded-subscriptions]\n    excluded = [\"autogen\"]\n",
    );
    let mut k = Kapacitord::start_with_cluster_id(&section, "", ID);
    let dest = format!("http://127.0.0.1:{}", k.port);
    let expected = |subs: &[Sub]| {
        let mine = ours(subs, &name);
        mine.len() == 1
            && mine[0].0 == "telegraf"
            && mine[0].1 == "autogen"
            && mine[0].3 == "ANY"
            && mine[0].4 == vec![dest.clone()]
    };
    let subs = wait_for(Duration::from_secs(15), "our subscription", || {
        let s = influx.subscriptions();
        expected(&s).then_some(s)
    });
    assert!(
        subs.iter()
            .any(|s| s.2 == "other" && s.4 == vec!["http://127.0.0.1:2".to_string()]),
        "foreign subscription kept: {subs:?}"
    );
    let (_, vars) = k.call("GET", "/kapacitor/v1/debug/vars", None);
    assert!(vars.contains("\"num_subscriptions\": 1"), "{vars}");

    // A restart on the same port keeps exactly one subscription.
    k.restart();
    std::thread::sleep(Duration::from_secs(3));
    let subs = influx.subscriptions();
    assert!(expected(&subs), "after restart: {subs:?}");

    // A database created later is subscribed at the next sync.
    influx.query(None, "CREATE DATABASE later", None);
    influx.query(
        None,
        "CREATE RETENTION POLICY week ON later DURATION 7d REPLICATION 1",
        None,
    );
    wait_for(
        Duration::from_secs(10),
        "the new database's subscriptions",
        || {
            let s = influx.subscriptions();
            let mine = ours(&s, &name);
            (mine.iter().any(|x| x.0 == "later" && x.1 == "autogen")
                && mine.iter().any(|x| x.0 == "later" && x.1 == "week"))
            .then_some(())
        },
    );
    // `POST /kapacitor/v1/subscriptions` syncs on demand.
    let (status, body) = k.call("POST", "/kapacitor/v1/subscriptions", None);
    assert_eq!(status, 204, "{body}");
    let subs = influx.subscriptions();
    assert_eq!(ours(&subs, &name).len(), 3, "{subs:?}");
    assert!(
        subs.iter().all(|s| !(s.0 == "excluded" && s.2 == name)),
        "{subs:?}"
    );
}

#[test]
fn influxdb_down_at_startup_is_retried_in_the_background() {
    let mut influx = Influxd::start();
    influx.query(None, "CREATE DATABASE telegraf", None);
    influx.stop();
    let k = Kapacitord::start(&influxdb_section(&influx.url(), ""), "");
    // Started anyway, and said why it has no subscriptions yet.
    assert_eq!(k.call("GET", "/kapacitor/v1/ping", None).0, 204);
    wait_for(Duration::from_secs(10), "the retry log line", || {
        k.log()
            .contains("failed to connect to InfluxDB")
            .then_some(())
    });
    // A manual sync says why it cannot link.
    let (status, body) = k.call("POST", "/kapacitor/v1/subscriptions", None);
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains("failed to link subscriptions: linking cluster localhost: "),
        "{body}"
    );
    // Past startup-timeout (2s) it keeps trying.
    std::thread::sleep(Duration::from_secs(3));
    influx.restart();
    let name = format!("kapacitor-{}", k.cluster_id());
    wait_for(
        Duration::from_secs(20),
        "subscriptions once InfluxDB is up",
        || {
            let s = influx.subscriptions();
            (ours(&s, &name).len() == 1).then_some(())
        },
    );
    assert!(k.log().contains("connected to InfluxDB"), "{}", k.log());
}

const FORWARD_TASK: &str =
    "stream\n    |from()\n        .measurement('cpu')\n    |httpOut('out')\n";

fn last_forwarded(k: &Kapacitord) -> Option<String> {
    let (status, body) = k.call("GET", "/kapacitor/v1/tasks/fwd/out", None);
    (status == 200 && body.contains("\"usage_idle\"")).then_some(body)
}

#[test]
fn writes_to_influxdb_reach_a_stream_task_through_the_subscription() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE kapacitor_example", None);
    let k = Kapacitord::start(&influxdb_section(&influx.url(), ""), "");
    k.define_stream_task("fwd", "kapacitor_example", FORWARD_TASK);
    let name = format!("kapacitor-{}", k.cluster_id());
    wait_for(Duration::from_secs(15), "the subscription", || {
        (ours(&influx.subscriptions(), &name).len() == 1).then_some(())
    });
    let body = wait_for(Duration::from_secs(15), "the forwarded point", || {
        influx.write(
            "kapacitor_example",
            "",
            "cpu,cpu=cpu-total,host=serverA usage_idle=42.5",
        );
        last_forwarded(&k)
    });
    assert!(body.contains("42.5") && body.contains("serverA"), "{body}");
}

#[test]
fn udp_subscriptions_listen_per_database_and_forward_writes() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE kapacitor_example", None);
    let section = influxdb_section(
        &influx.url(),
        "  subscription-protocol = \"udp\"\n  udp-bind = \"127.0.0.1\"\n  udp-buffer = 100\n",
    );
    let k = Kapacitord::start(&section, "");
    k.define_stream_task("fwd", "kapacitor_example", FORWARD_TASK);
    let name = format!("kapacitor-{}", k.cluster_id());
    let sub = wait_for(Duration::from_secs(15), "the UDP subscription", || {
        ours(&influx.subscriptions(), &name)
            .first()
            .map(|s| (*s).clone())
    });
    assert!(sub.4[0].starts_with("udp://127.0.0.1:"), "{sub:?}");
    assert_ne!(sub.4[0], format!("udp://127.0.0.1:{}", k.port));
    let body = wait_for(Duration::from_secs(15), "the point over UDP", || {
        influx.write("kapacitor_example", "", "cpu,host=u usage_idle=7");
        last_forwarded(&k)
    });
    assert!(body.contains("\"u\""), "{body}");
}

#[test]
fn subscriptions_are_managed_with_basic_auth() {
    let influx = Influxd::start_with(InfluxdOptions {
        auth_enabled: true,
        ..InfluxdOptions::default()
    });
    let admin = Some(("admin", "s3cret"));
    influx.query(
        None,
        "CREATE USER admin WITH PASSWORD 's3cret' WITH ALL PRIVILEGES",
        None,
    );
    influx.query(None, "CREATE DATABASE telegraf", admin);
    let section = influxdb_section(
        &influx.url(),
        "  username = \"admin\"\n  password = \"s3cret\"\n",
    );
    let k = Kapacitord::start(&section, "");
    let name = format!("kapacitor-{}", k.cluster_id());
    wait_for(Duration::from_secs(15), "the subscription", || {
        (ours(&influx.subscriptions_as(admin), &name).len() == 1).then_some(())
    });

    // Wrong password: no subscription, the error logged, still serving.
    let influx2 = Influxd::start_with(InfluxdOptions {
        auth_enabled: true,
        ..InfluxdOptions::default()
    });
    influx2.query(
        None,
        "CREATE USER admin WITH PASSWORD 's3cret' WITH ALL PRIVILEGES",
        None,
    );
    let bad = influxdb_section(
        &influx2.url(),
        "  username = \"admin\"\n  password = \"nope\"\n",
    );
    let k2 = Kapacitord::start(&bad, "");
    wait_for(
        Duration::from_secs(15),
        "the auth failure in the log",
        || k2.log().contains("authorization failed").then_some(()),
    );
    assert_eq!(k2.call("GET", "/kapacitor/v1/ping", None).0, 204);
}

#[test]
fn with_auth_enabled_destinations_carry_a_subscriber_token() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE telegraf", None);
    let k = Kapacitord::start_with_http(
        &influxdb_section(&influx.url(), ""),
        "",
        "  auth-enabled = true\n",
    );
    let name = format!("kapacitor-{}", k.cluster_id());
    let sub = wait_for(Duration::from_secs(15), "the subscription", || {
        ours(&influx.subscriptions(), &name)
            .first()
            .map(|s| (*s).clone())
    });
    // http://~subscriber:<token>@127.0.0.1:<port>, token = unpadded
    // base64url of "localhost;" + 64 random bytes (74 bytes → 99 chars).
    let dest = &sub.4[0];
    let rest = dest
        .strip_prefix("http://~subscriber:")
        .unwrap_or_else(|| panic!("{dest}"));
    let (token, host) = rest.split_once('@').expect("credentials");
    assert_eq!(host, format!("127.0.0.1:{}", k.port));
    assert_eq!(token.len(), 99, "{token}");
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    // "localhost;" base64url-encoded starts "bG9jYWxob3N0O".
    assert!(token.starts_with("bG9jYWxob3N0O"), "{token}");
}

#[test]
fn the_subscriptions_list_server_mode_and_disable_subscriptions_are_obeyed() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE telegraf", None);
    influx.query(None, "CREATE DATABASE other", None);
    influx.query(
        None,
        "CREATE RETENTION POLICY week ON telegraf DURATION 7d REPLICATION 1",
        None,
    );
    // Only telegraf.week, named after the server id.
    let section = influxdb_section(
        &influx.url(),
        "  subscription-mode = \"server\"\n  [influxdb.subscriptions]\n    telegraf = [\"week\"]\n",
    );
    let k = Kapacitord::start(&section, "");
    let server_id = std::fs::read_to_string(k.data_dir().join("server.id")).expect("server.id");
    let name = format!("kapacitor-{}", server_id.trim());
    assert_ne!(name, format!("kapacitor-{}", k.cluster_id()));
    let subs = wait_for(
        Duration::from_secs(15),
        "the one listed subscription",
        || {
            let s = influx.subscriptions();
            (!ours(&s, &name).is_empty()).then_some(s)
        },
    );
    let mine: Vec<(&str, &str)> = ours(&subs, &name)
        .iter()
        .map(|s| (s.0.as_str(), s.1.as_str()))
        .collect();
    assert_eq!(mine, vec![("telegraf", "week")], "{subs:?}");
    drop(k);

    // disable-subscriptions: a second Kapacitor creates none at all.
    let influx2 = Influxd::start();
    influx2.query(None, "CREATE DATABASE telegraf", None);
    let k2 = Kapacitord::start(
        &influxdb_section(&influx2.url(), "  disable-subscriptions = true\n"),
        "",
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        influx2.subscriptions().is_empty(),
        "{:?}",
        influx2.subscriptions()
    );
    assert_eq!(k2.call("POST", "/kapacitor/v1/subscriptions", None).0, 204);
    assert!(influx2.subscriptions().is_empty());
}
