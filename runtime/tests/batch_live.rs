//! Live batch tasks against a real influxd (testkit): the engine's scheduler
//! runs the query node's InfluxQL every tick through the cluster's client
//! and feeds the result to the task; a failing query is counted in the
//! node's `query_errors` and the task keeps running; stopping the task
//! stops its queries.

use runtime::config::Config;
use runtime::engine::{Engine, EngineOptions, Outputs};
use runtime::influxdb::{Client, ClientConfig, Clusters};
use runtime::output::{render, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use testkit::Influxd;

#[derive(Default)]
struct Collect(Mutex<Vec<String>>);

impl Outputs for Collect {
    fn output(&self, task: &str, out: Output<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{task} {}", render(out)));
    }
    fn diagnostic(&self, task: &str, node: &str, message: &str) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{task} diag {node}: {message}"));
    }
}

fn engine(url: &str, outputs: Arc<dyn Outputs>) -> Engine {
    let client = Client::new(ClientConfig {
        urls: vec![url.to_string()],
        timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    })
    .unwrap();
    let config = Config {
        influxdb: Clusters::new(
            vec![("default".to_string(), Arc::new(client))],
            Some("default".to_string()),
        ),
        ..Config::default()
    };
    Engine::new(
        EngineOptions {
            workers: 1,
            config,
            ..EngineOptions::default()
        },
        outputs,
    )
}

fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(secs) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn node_counter(e: &Engine, task: &str, node: &str, counter: &str) -> i64 {
    e.snapshot(task)
        .and_then(|s| {
            s.nodes
                .iter()
                .find(|n| n.name == node)
                .and_then(|n| n.values.iter().find(|(k, _)| k == counter).map(|(_, v)| *v))
        })
        .unwrap_or(0)
}

#[test]
fn scheduled_queries_feed_the_task_and_errors_do_not_stop_it() {
    let influxd = Influxd::start();
    influxd.query(None, "CREATE DATABASE kx", None);
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Two hosts' usage_idle over the last minute: a averages 50, b 90.
    let mut lines = String::new();
    for k in 1..=5u64 {
        lines.push_str(&format!(
            "cpu,host=a usage_idle={} {}\n",
            40 + 5 * k - 5,
            (now_s - 60 + k) * 1_000_000_000
        ));
        lines.push_str(&format!(
            "cpu,host=b usage_idle=90 {}\n",
            (now_s - 60 + k) * 1_000_000_000
        ));
    }
    influxd.write("kx", "autogen", &lines);

    let out = Arc::new(Collect::default());
    let e = engine(&influxd.url(), out.clone());
    let script = r#"
dbrp "kx"."autogen"
batch
    |query('SELECT mean(usage_idle) AS mean FROM "kx"."autogen"."cpu"')
        .period(10m)
        .every(300ms)
        .groupBy('host')
    |alert()
        .id('{{ index .Tags "host" }}')
        .crit(lambda: "mean" < 70)
"#;
    let (p, d) = compiler::check(script);
    e.start_task("live", &p.unwrap_or_else(|| panic!("{d:?}")))
        .unwrap();
    // The first tick after 300ms queries the last 10 minutes: host a's mean
    // is (40+45+50+55+60)/5 = 50 < 70: CRITICAL; b's 90 stays OK.
    assert!(
        wait_for(15, || out
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("\"id\":\"a\"") && l.contains("CRITICAL"))),
        "{:?}",
        out.0.lock().unwrap()
    );
    assert!(!out
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("\"id\":\"b\"")));
    assert!(wait_for(10, || node_counter(
        &e,
        "live",
        "query1",
        "batches_queried"
    ) >= 4));
    assert_eq!(node_counter(&e, "live", "query1", "query_errors"), 0);

    // A query InfluxDB rejects: logged, counted, the task goes on.
    let bad = r#"
dbrp "nodb"."autogen"
batch
    |query('SELECT mean(usage_idle) FROM "nodb"."autogen"."cpu" WHERE x =~ /(/')
        .period(1m)
        .every(200ms)
    |log()
"#;
    let (p, d) = compiler::check(bad);
    let err = e.start_task("bad", &p.unwrap_or_else(|| panic!("{d:?}")));
    // The bad regex is refused when the task starts, as Kapacitor's query parse.
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("failed to parse InfluxQL query"));
    let failing = r#"
dbrp "nodb"."autogen"
batch
    |query('SELECT mean(usage_idle) FROM "nodb"."autogen"."cpu"')
        .period(1m)
        .every(200ms)
    |log()
"#;
    let (p, d) = compiler::check(failing);
    e.start_task("failing", &p.unwrap_or_else(|| panic!("{d:?}")))
        .unwrap();
    assert!(wait_for(10, || node_counter(
        &e,
        "failing",
        "query1",
        "query_errors"
    ) >= 2));
    assert!(e.is_executing("failing"));
    assert!(out.0.lock().unwrap().iter().any(|l| l
        .starts_with("failing diag query1: error executing query")
        || l.starts_with("failing diag query1: failed to understand query result")));

    // Stopping the task stops its queries: InfluxDB's query count for the
    // live task's text stops growing.
    // A query outside the task's dbrps is refused at start (checkDBRPs).
    let outside = "dbrp \"kx\".\"autogen\"\nbatch|query('SELECT v FROM \"other\".\"autogen\".\"m\"').every(1s)|log()\n";
    let (p, d) = compiler::check(outside);
    let err = e
        .start_task("outside", &p.unwrap_or_else(|| panic!("{d:?}")))
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("batch query is not allowed to request data from \"other\".\"autogen\""),
        "{err}"
    );

    assert!(e.stop_task("live"));
    std::thread::sleep(Duration::from_millis(700));
    let before = out.0.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(1000));
    let after_lines: Vec<String> = out.0.lock().unwrap()[before..].to_vec();
    assert!(
        after_lines.iter().all(|l| !l.starts_with("live ")),
        "{after_lines:?}"
    );
    e.shutdown();
}
