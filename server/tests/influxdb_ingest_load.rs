//! Ingest under load (issue 10 item 6): InfluxDB forwards writes through
//! its subscription while one task is stuck (its httpPost target accepts
//! connections and never answers, so the task never finishes a point).
//! The stuck task's queue fills, after which each forwarded write waits at
//! most the server's write deadline (`state::WRITE_WAIT_LIMIT`, 2s) and is
//! dropped for that task only; a healthy task on the same database still
//! receives every point, and InfluxDB's writes never hit its 30s timeout.
//! Prints the measured numbers (`cargo test -- --nocapture`). The healthy
//! task is fed as soon as a write reaches it, while that write's answer to
//! InfluxDB still waits (at most the bound) for the stuck task's queue.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::{wait_for, Kapacitord};
use testkit::Influxd;

/// A listener that accepts and then never answers.
fn black_hole() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

fn forwarded(k: &Kapacitord) -> i64 {
    let (_, body) = k.call("GET", "/kapacitor/v1/tasks/healthy", None);
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|t| t["stats"]["node-stats"]["from1"]["emitted"].as_i64())
        .unwrap_or(0)
}

#[test]
fn a_stuck_task_never_stalls_subscription_writes_beyond_the_bound() {
    const BATCHES: usize = 24;
    const PER_BATCH: usize = 5_000;
    let influx = Influxd::start();
    influx.query(None, "CREATE DATABASE load", None);
    let section = format!(
        "[[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  \
         urls = [\"{}\"]\n  subscriptions-sync-interval = \"1s\"\n",
        influx.url()
    );
    let k = Kapacitord::start(&section, "");
    k.define_stream_task(
        "healthy",
        "load",
        "stream\n    |from()\n        .measurement('cpu')\n    |httpOut('o')\n",
    );
    let name = format!("kapacitor-{}", k.cluster_id());
    wait_for(Duration::from_secs(15), "the subscription", || {
        influx
            .subscriptions()
            .iter()
            .any(|s| s.2 == name)
            .then_some(())
    });
    let write_batches = |from: usize, to: usize| {
        let mut max = Duration::ZERO;
        for b in from..to {
            let lines: String = (0..PER_BATCH)
                .map(|i| {
                    format!(
                        "cpu,host=h{} v={i} {}\n",
                        i % 10,
                        (b * PER_BATCH + i + 1) * 1000
                    )
                })
                .collect();
            let t = Instant::now();
            influx.write("load", "", &lines);
            max = max.max(t.elapsed());
        }
        max
    };

    // Baseline: only the healthy task.
    let started = Instant::now();
    write_batches(0, BATCHES);
    let baseline_total = (BATCHES * PER_BATCH) as i64;
    wait_for(Duration::from_secs(60), "the baseline points", || {
        (forwarded(&k) == baseline_total).then_some(())
    });
    let baseline = started.elapsed();

    // Now one task is stuck: its 50,000-point queue fills after 10 of the
    // 24 writes of 5,000 points.
    let hole = black_hole();
    k.define_stream_task(
        "stuck",
        "load",
        &format!(
            "stream\n    |from()\n        .measurement('cpu')\n    |httpPost('http://127.0.0.1:{hole}')\n"
        ),
    );
    let started = Instant::now();
    let influx_write_max = write_batches(BATCHES, 2 * BATCHES);
    let total = 2 * baseline_total;
    wait_for(
        Duration::from_secs(60),
        "every point at the healthy task",
        || (forwarded(&k) == total).then_some(()),
    );
    let all_in = started.elapsed();

    // A direct write now meets the stuck task's full queue: it waits the
    // bound, not forever.
    let t = Instant::now();
    let (status, body) = k.call("POST", "/write?db=load&rp=autogen", Some("cpu v=1\n"));
    let direct = t.elapsed();
    assert_eq!(status, 204, "{body}");
    assert!(
        direct >= Duration::from_millis(1900) && direct < Duration::from_secs(5),
        "a write behind a stuck task waits the 2s bound: {direct:?}"
    );
    // influxd logs failed subscription writes; none timed out.
    let influx_log = influx.log();
    assert!(
        !influx_log.contains("Client.Timeout exceeded"),
        "InfluxDB's subscription writes timed out:\n{influx_log}"
    );
    println!(
        "ingest under load: baseline {baseline_total} points forwarded in {baseline:?} \
         ({:.0} points/s); with one task stuck {baseline_total} more in {all_in:?} \
         ({:.0} points/s); InfluxDB write max {influx_write_max:?}; \
         direct /write behind the stuck task {direct:?}",
        baseline_total as f64 / baseline.as_secs_f64(),
        baseline_total as f64 / all_in.as_secs_f64()
    );
}
