//! influxDBOut against a real influxd through the real kapacitord: points a
//! task writes are queryable in InfluxDB (measurement, static tag,
//! precision, `.create()` of database and retention policy, buffer and
//! flush interval), and failed writes are counted in `write_errors`.

mod support;

use std::time::Duration;
use support::{wait_for, Kapacitord};
use testkit::Influxd;

fn section(url: &str) -> String {
    format!(
        "[[influxdb]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  \
         urls = [\"{url}\"]\n  disable-subscriptions = true\n"
    )
}

// Three points; `v * 2.0` written as `doubled,host=…,source=kap double=…`
// at second precision. buffer(2): the first two go out together as soon as
// the second arrives, the third when the 1s flush interval passes.
const SCRIPT: &str = "stream
    |from()
        .measurement('cpu')
    |eval(lambda: \"v\" * 2.0)
        .as('double')
    |influxDBOut()
        .database('out_db')
        .retentionPolicy('kept')
        .measurement('doubled')
        .tag('source', 'kap')
        .precision('s')
        .buffer(2)
        .flushInterval(1s)
        .create()
";

#[test]
fn points_written_by_a_task_are_queryable_in_influxdb() {
    let influx = Influxd::start();
    let k = Kapacitord::start(&section(&influx.url()), "");
    k.define_stream_task("out", "src", SCRIPT);
    let (status, body) = k.call(
        "POST",
        "/write?db=src&rp=autogen&precision=s",
        Some("cpu,host=a v=1 100\ncpu,host=b v=2.5 101\ncpu,host=a v=4 102\n"),
    );
    assert_eq!(status, 204, "{body}");
    let rows = wait_for(Duration::from_secs(10), "three points in InfluxDB", || {
        let v = influx.query(
            Some("out_db"),
            "SELECT double, host, source FROM out_db.kept.doubled",
            None,
        );
        let rows = v["results"][0]["series"][0]["values"].as_array().cloned()?;
        (rows.len() == 3).then_some(rows)
    });
    let row = |i: usize| rows[i].as_array().cloned().unwrap_or_default();
    assert_eq!(row(0)[0], "1970-01-01T00:01:40Z");
    assert_eq!(row(0)[1], 2.0);
    assert_eq!(row(0)[2], "a");
    assert_eq!(row(0)[3], "kap");
    assert_eq!(row(1)[1], 5.0);
    assert_eq!(row(2)[0], "1970-01-01T00:01:42Z");
    assert_eq!(row(2)[1], 8.0);
    let (_, task) = k.call("GET", "/kapacitor/v1/tasks/out", None);
    let t: serde_json::Value = serde_json::from_str(&task).expect("task JSON");
    let stats = &t["stats"]["node-stats"]["influxdb_out3"];
    assert_eq!(stats["points_written"], 3, "{task}");
    assert_eq!(stats["write_errors"], 0, "{task}");
}

#[test]
fn failed_writes_are_counted() {
    let influx = Influxd::start();
    let k = Kapacitord::start(&section(&influx.url()), "");
    // No .create(): the database does not exist, InfluxDB answers 404.
    k.define_stream_task(
        "bad",
        "src",
        "stream\n    |from()\n        .measurement('cpu')\n    |influxDBOut()\n        .database('missing')\n        .buffer(1)\n",
    );
    k.call("POST", "/write?db=src&rp=autogen", Some("cpu v=1 1\n"));
    wait_for(Duration::from_secs(10), "write_errors = 1", || {
        // Another point makes the node publish its counter.
        k.call("POST", "/write?db=src&rp=autogen", Some("cpu v=1 2\n"));
        let (_, task) = k.call("GET", "/kapacitor/v1/tasks/bad", None);
        let t: serde_json::Value = serde_json::from_str(&task).ok()?;
        (t["stats"]["node-stats"]["influxdb_out2"]["write_errors"].as_i64()? >= 1).then_some(())
    });
    assert!(k.log().contains("database not found"), "{}", k.log());
}
