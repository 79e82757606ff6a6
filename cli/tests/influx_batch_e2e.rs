//! The Getting Started guide's batch part against a real InfluxDB: influxd
//! (testkit) holds `cpu` points in `kapacitor_example`; the real kapacitord
//! (configured with that `[[influxdb]]`) and our `kapacitor` CLI define
//! `batch_cpu_alert`, `record batch -past 20m`, `replay` it, and the alerts
//! land in the log; `record query`, `replay-live batch|query`; and an
//! enabled batch task whose scheduled queries reach its alert log.
//!
//! How the expected alerts follow (by hand): host `serverA`'s `cpu-total`
//! has usage_idle 50 every 10 s for the last 25 minutes, `cpu0` has 95.
//! `mean(usage_idle) < 70` is CRITICAL for cpu-total, never for cpu0 (OK
//! without a previous alert is not logged). With `.every(5m)`, recording
//! the past 20 minutes runs the query at start+5m, +10m, +15m and +20m
//! (= stop): 4 queries, each one batch per cpu (GROUP BY time(1m), cpu),
//! so the replay logs 4 CRITICAL events, all `cpu:cpu=cpu-total`.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use testkit::kapacitord::{self, Kapacitord};
use testkit::Influxd;

fn start(dir: &Path, influx_url: &str) -> Kapacitord {
    let port = testkit::free_port();
    let d = dir.display();
    let config = format!(
        "hostname = \"127.0.0.1\"\ndata_dir = \"{d}\"\n\
         [http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n\
         [replay]\n  dir = \"{d}/replay\"\n\
         [storage]\n  boltdb = \"{d}/kapacitor.db\"\n\
         [logging]\n  file = \"{d}/kapacitord.log\"\n  level = \"INFO\"\n\
         [stats]\n  enabled = false\n\
         [[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  \
         urls = [\"{influx_url}\"]\n  disable-subscriptions = true\n"
    );
    Kapacitord::builder(kapacitord::beside(env!("CARGO_BIN_EXE_kapacitor")))
        .config(dir.join("kapacitor.conf"), config)
        .port_from_config(port)
        .log_at(dir.join("kapacitord.log"))
        .start()
}

/// `kapacitor -url URL args...`, killed after 60 s so a hang fails the test.
fn cli(s: &Kapacitord, args: &[&str], cwd: &Path) -> Output {
    s.cli(
        env!("CARGO_BIN_EXE_kapacitor"),
        args,
        cwd,
        Duration::from_secs(60),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    text(&o.stdout)
}

/// (id, level) of each event in an alert log.
fn events(log: &Path) -> Vec<(String, String)> {
    testkit::alert_log::events(log)
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(secs) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The guide's batch_cpu_alert, its database renamed to the example's.
fn batch_script(log: &Path, every: &str, group_by_time: bool) -> String {
    let dims = if group_by_time {
        "time(1m), 'cpu'"
    } else {
        "'cpu'"
    };
    format!(
        "dbrp \"kapacitor_example\".\"autogen\"\n\nbatch\n    |query('''\n        SELECT mean(usage_idle)\n        FROM \"kapacitor_example\".\"autogen\".\"cpu\"\n    ''')\n        .period(5m)\n        .every({every})\n        .groupBy({dims})\n    |alert()\n        .crit(lambda: \"mean\" < 70)\n        .log('{}')\n",
        log.display()
    )
}

const CRIT: (&str, &str) = ("cpu:cpu=cpu-total", "CRITICAL");

#[test]
fn getting_started_batch_part_against_influxdb() {
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE kapacitor_example", None);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut lines = String::new();
    for k in 0..150u64 {
        let t = (now - 1500 + 10 * k) * 1_000_000_000;
        lines.push_str(&format!(
            "cpu,cpu=cpu-total,host=serverA usage_idle=50,usage_user=40 {t}\n\
             cpu,cpu=cpu0,host=serverA usage_idle=95,usage_user=3 {t}\n"
        ));
    }
    influx.write("kapacitor_example", "autogen", &lines);

    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let s = start(work, &influx.url());
    let log = work.join("batch_alerts.log");
    std::fs::write(
        work.join("batch_cpu_alert.tick"),
        batch_script(&log, "5m", true),
    )
    .unwrap();
    ok(&cli(
        &s,
        &["define", "batch_cpu_alert", "-tick", "batch_cpu_alert.tick"],
        work,
    ));

    // record batch -past 20m, then replay: 4 CRITICAL events.
    let rec = ok(&cli(
        &s,
        &[
            "record",
            "batch",
            "-task",
            "batch_cpu_alert",
            "-past",
            "20m",
        ],
        work,
    ));
    let id = rec.trim().to_string();
    assert_eq!(id.len(), 36, "a UUID recording ID: {rec:?}");
    let recs = ok(&cli(&s, &["list", "recordings"], work));
    let row = recs.lines().find(|l| l.starts_with(&id)).expect(&recs);
    assert!(
        row.contains(" batch ") && row.contains(" finished "),
        "{row}"
    );
    let brpl = work.join("replay").join(format!("{id}.brpl"));
    assert!(brpl.exists(), "{}", brpl.display());
    ok(&cli(
        &s,
        &["replay", "-recording", &id, "-task", "batch_cpu_alert"],
        work,
    ));
    assert!(
        wait_for(10, || events(&log).len() == 4),
        "{:?}",
        events(&log)
    );
    assert!(
        events(&log)
            .iter()
            .all(|e| (e.0.as_str(), e.1.as_str()) == CRIT),
        "{:?}",
        events(&log)
    );

    // replay-live batch over the past 10 minutes: queries at +5m and +10m,
    // 2 more CRITICAL events.
    ok(&cli(
        &s,
        &[
            "replay-live",
            "batch",
            "-task",
            "batch_cpu_alert",
            "-past",
            "10m",
        ],
        work,
    ));
    assert!(
        wait_for(10, || events(&log).len() == 6),
        "{:?}",
        events(&log)
    );

    // record query -type batch, replayed against the task: the query groups
    // by cpu (one batch each), so one more CRITICAL event.
    let q = "SELECT mean(usage_idle) FROM \"kapacitor_example\".\"autogen\".\"cpu\" WHERE time > now() - 5m GROUP BY cpu";
    let qid = ok(&cli(
        &s,
        &["record", "query", "-query", q, "-type", "batch"],
        work,
    ));
    let qid = qid.trim();
    ok(&cli(
        &s,
        &["replay", "-recording", qid, "-task", "batch_cpu_alert"],
        work,
    ));
    assert!(
        wait_for(10, || events(&log).len() == 7),
        "{:?}",
        events(&log)
    );
    // replay-live query: the same, without a recording.
    ok(&cli(
        &s,
        &[
            "replay-live",
            "query",
            "-task",
            "batch_cpu_alert",
            "-query",
            q,
        ],
        work,
    ));
    assert!(
        wait_for(10, || events(&log).len() == 8),
        "{:?}",
        events(&log)
    );
    assert!(
        events(&log)
            .iter()
            .all(|e| (e.0.as_str(), e.1.as_str()) == CRIT),
        "{:?}",
        events(&log)
    );

    // record query -type stream: the raw points, as a stream recording.
    let raw =
        "SELECT usage_idle FROM \"kapacitor_example\".\"autogen\".\"cpu\" WHERE time > now() - 1m";
    let sid = ok(&cli(
        &s,
        &["record", "query", "-query", raw, "-type", "stream"],
        work,
    ));
    let recs = ok(&cli(&s, &["list", "recordings"], work));
    let row = recs
        .lines()
        .find(|l| l.starts_with(sid.trim()))
        .expect(&recs);
    assert!(
        row.contains(" stream ") && row.contains(" finished "),
        "{row}"
    );
    // A query that is not fully qualified fails the recording with Kapacitor's words.
    let o = cli(
        &s,
        &[
            "record",
            "query",
            "-query",
            "SELECT usage_idle FROM cpu",
            "-type",
            "batch",
        ],
        work,
    );
    assert!(
        text(&o.stderr).contains(
            "could not determine database and retention policy. Is the query fully qualified?"
        ),
        "{}",
        text(&o.stderr)
    );

    // Live: a batch task every second over the last 5 minutes (no time
    // grouping: one batch per cpu per tick) alerts on its own.
    let live_log = work.join("live_alerts.log");
    std::fs::write(work.join("live.tick"), batch_script(&live_log, "1s", false)).unwrap();
    ok(&cli(
        &s,
        &["define", "batch_live", "-tick", "live.tick"],
        work,
    ));
    ok(&cli(&s, &["enable", "batch_live"], work));
    assert!(
        wait_for(20, || events(&live_log).len() >= 3),
        "{:?}",
        events(&live_log)
    );
    assert!(events(&live_log)
        .iter()
        .all(|e| (e.0.as_str(), e.1.as_str()) == CRIT));
    let show = ok(&cli(&s, &["show", "batch_live"], work));
    assert!(show.contains("Executing: true"), "{show}");
    assert!(
        show.contains("query1 [avg_exec_time_ns=") && show.contains("batches_queried="),
        "{show}"
    );
    // Disabled: its queries stop.
    ok(&cli(&s, &["disable", "batch_live"], work));
    std::thread::sleep(Duration::from_millis(1500));
    let n = events(&live_log).len();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(events(&live_log).len(), n, "no alerts after disable");
}
