//! The Getting Started guide's stream part against a real InfluxDB: influxd
//! (testkit), a writer standing in for Telegraf writing `cpu` points into
//! `kapacitor_example`, the real kapacitord discovering InfluxDB and
//! subscribing (`SHOW SUBSCRIPTIONS`), then our `kapacitor` CLI: define
//! `cpu_alert` (the guide's script, `dbrp` in the script), record, replay,
//! enable, show; alerts in the log from points that reached us only through
//! InfluxDB's subscription. Needs `cargo build --workspace --bins` (for
//! kapacitord), as `.ci/test` does.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::kapacitord::{self, Kapacitord};
use testkit::Influxd;

fn start(data: &Path, influx_url: &str) -> Kapacitord {
    let port = testkit::free_port();
    let d = data.display();
    // The guide's kapacitor.conf, reduced to what differs in a test:
    // loopback addresses, temp dirs, a short sync interval.
    let config = format!(
        "hostname = \"127.0.0.1\"\ndata_dir = \"{d}\"\n\
         [http]\n  bind-address = \"127.0.0.1:{port}\"\n\
         [replay]\n  dir = \"{d}/replay\"\n\
         [storage]\n  boltdb = \"{d}/kapacitor.db\"\n\
         [logging]\n  file = \"{d}/kapacitord.log\"\n\
         [[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  \
         urls = [\"{influx_url}\"]\n  subscriptions-sync-interval = \"1s\"\n"
    );
    Kapacitord::builder(kapacitord::beside(env!("CARGO_BIN_EXE_kapacitor")))
        .config(data.join("kapacitor.conf"), config)
        .port_from_config(port)
        .log_at(data.join("kapacitord.log"))
        .start()
}

fn cli(k: &Kapacitord, args: &[&str], cwd: &Path) -> Output {
    k.cli(
        env!("CARGO_BIN_EXE_kapacitor"),
        args,
        cwd,
        Duration::from_secs(30),
    )
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn alert_levels(log: &Path) -> Vec<String> {
    testkit::alert_log::levels(log)
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn getting_started_stream_part_with_a_real_influxdb() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE kapacitor_example", None);
    let k = start(&work.join("data"), &influx.url());

    // kapacitord found InfluxDB and subscribed to kapacitor_example.autogen.
    let cluster_id = std::fs::read_to_string(work.join("data/cluster.id")).unwrap();
    let name = format!("kapacitor-{}", cluster_id.trim());
    assert!(
        wait_until(Duration::from_secs(15), || influx
            .subscriptions()
            .iter()
            .any(|s| s.0 == "kapacitor_example"
                && s.1 == "autogen"
                && s.2 == name
                && s.4 == vec![k.url().to_string()])),
        "{:?}",
        influx.subscriptions()
    );

    // "Telegraf": cpu points every 100ms, usage_idle cycling 50, 90, 40, 95
    // (against the guide's `< 70`: CRITICAL, OK, CRITICAL, OK, ...).
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let url = influx.url();
        std::thread::spawn(move || {
            let values = [50, 90, 40, 95];
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let v = values[i % values.len()];
                let line = format!(
                    "cpu,cpu=cpu-total,host=serverA usage_idle={v},usage_user={},usage_system=1",
                    100 - v
                );
                let _ =
                    ureq::post(format!("{url}/write?db=kapacitor_example")).send(line.as_bytes());
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let log = work.join("alerts.log");
    std::fs::write(
        work.join("cpu_alert.tick"),
        format!(
            "dbrp \"kapacitor_example\".\"autogen\"\n\nstream\n    // Select just the cpu measurement from our example database.\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: int(\"usage_idle\") < 70)\n        // Whenever we get an alert write it to a file.\n        .log('{}')\n",
            log.display()
        ),
    )
    .unwrap();
    assert_eq!(
        ok(&cli(
            &k,
            &["define", "cpu_alert", "-tick", "cpu_alert.tick"],
            work
        )),
        ""
    );

    // Record 2s of the stream InfluxDB forwards, replay it: alerts.
    let id = ok(&cli(
        &k,
        &["record", "stream", "-task", "cpu_alert", "-duration", "2s"],
        work,
    ))
    .trim()
    .to_string();
    assert_eq!(id.len(), 36, "{id:?}");
    assert!(
        alert_levels(&log).is_empty(),
        "a disabled task alerts nothing"
    );
    ok(&cli(
        &k,
        &["replay", "-recording", &id, "-task", "cpu_alert"],
        work,
    ));
    assert!(
        wait_until(Duration::from_secs(10), || !alert_levels(&log).is_empty()),
        "alerts from the replay"
    );
    let replayed = alert_levels(&log);
    assert!(replayed.iter().any(|l| l == "CRITICAL"), "{replayed:?}");

    // Enable: live alerts from the subscription.
    ok(&cli(&k, &["enable", "cpu_alert"], work));
    let before = alert_levels(&log).len();
    assert!(
        wait_until(Duration::from_secs(10), || alert_levels(&log).len()
            >= before + 4),
        "live alerts: {:?}",
        alert_levels(&log)
    );
    let show = ok(&cli(&k, &["show", "cpu_alert"], work));
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(show.contains("Status: enabled\n"), "{show}");
    assert!(show.contains("Executing: true\n"), "{show}");
    assert!(show.contains("digraph cpu_alert {"), "{show}");
    let live = alert_levels(&log)[before..].to_vec();
    // State changes only are not asked for: every CRITICAL is logged, and
    // an OK after a CRITICAL.
    assert!(live.iter().any(|l| l == "CRITICAL"), "{live:?}");
    assert!(live.iter().any(|l| l == "OK"), "{live:?}");
}
