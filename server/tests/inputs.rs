//! The input services through the real `kapacitord`: `[[udp]]` line
//! protocol, `[[graphite]]` over TCP (with templates) and UDP, and
//! `[opentsdb]` telnet `put` lines and HTTP `/api/put`, each written by the
//! test as a client would; a stream task per database shows the points it
//! received through `httpOut` (names, tags and fields as Kapacitor maps them).

mod common;

use common::{free_port, Server};
use serde_json::{json, Value};
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

fn poll(s: &Server, what: &str, mut f: impl FnMut() -> Option<Value>) -> Value {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < end,
            "timed out waiting for {what}; log:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn define(s: &Server, id: &str, db: &str, script: &str) {
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": id, "type": "stream", "dbrps": [{"db": db, "rp": "autogen"}],
               "script": script, "status": "enabled"}),
    );
    assert_eq!(code, 200, "{body}");
}

/// The series `httpOut('out')` of task `id` serves once it has any.
fn series(s: &Server, id: &str) -> Value {
    poll(s, &format!("task {id} output"), || {
        let (code, v) = s.get(&format!("/kapacitor/v1/tasks/{id}/out"));
        (code == 200 && v["series"].is_array()).then(|| v["series"].clone())
    })
}

#[test]
fn udp_graphite_and_opentsdb_inputs_feed_stream_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let (udp, gtcp, gudp, tsdb) = (free_port(), free_port(), free_port(), free_port());
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            r#"
[[influxdb]]
  enabled = false
[[udp]]
  enabled = true
  bind-address = "127.0.0.1:{udp}"
  database = "udpdb"
  retention-policy = "autogen"
  precision = "s"
[[graphite]]
  enabled = true
  bind-address = "127.0.0.1:{gtcp}"
  database = "graphite"
  retention-policy = "autogen"
  templates = ["servers.* .host.measurement.field", "measurement*"]
  tags = ["dc=eu"]
[[graphite]]
  enabled = true
  bind-address = "127.0.0.1:{gudp}"
  database = "graphiteudp"
  retention-policy = "autogen"
  protocol = "udp"
[opentsdb]
  enabled = true
  bind-address = "127.0.0.1:{tsdb}"
  database = "tsdb"
  retention-policy = "autogen"
"#
        ),
    )
    .unwrap();
    let s = Server::start(dir.path(), &[], &["-config", conf.to_str().unwrap()]);
    define(
        &s,
        "u",
        "udpdb",
        "stream|from().measurement('cpu')|httpOut('out')",
    );
    define(
        &s,
        "g",
        "graphite",
        "stream|from().measurement('cpu')|httpOut('out')",
    );
    define(
        &s,
        "gu",
        "graphiteudp",
        "stream|from().measurement('app.req.count')|httpOut('out')",
    );
    define(
        &s,
        "t",
        "tsdb",
        "stream|from().measurement('sys.load')|groupBy('host')|httpOut('out')",
    );

    // [[udp]]: line protocol, timestamps in seconds.
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .send_to(b"cpu,host=a usage=1.5 1500000000\n", ("127.0.0.1", udp))
        .unwrap();
    let u = series(&s, "u");
    assert_eq!(u[0]["name"], "cpu");
    assert_eq!(u[0]["tags"], json!({"host": "a"}));
    assert_eq!(u[0]["columns"], json!(["time", "usage"]));
    assert_eq!(u[0]["values"][0], json!(["2017-07-14T02:40:00Z", 1.5]));

    // [[graphite]] over TCP: the filter template makes host a tag and the
    // last part the field.
    let mut tcp = TcpStream::connect(("127.0.0.1", gtcp)).unwrap();
    tcp.write_all(b"servers.web01.cpu.idle 97.5 1500000000\n")
        .unwrap();
    drop(tcp);
    let g = series(&s, "g");
    assert_eq!(g[0]["name"], "cpu");
    assert_eq!(g[0]["tags"], json!({"dc": "eu", "host": "web01"}));
    assert_eq!(g[0]["columns"], json!(["time", "idle"]));
    assert_eq!(g[0]["values"][0], json!(["2017-07-14T02:40:00Z", 97.5]));

    // [[graphite]] over UDP with the default template.
    client
        .send_to(b"app.req.count 12 1500000001\n", ("127.0.0.1", gudp))
        .unwrap();
    let gu = series(&s, "gu");
    assert_eq!(gu[0]["name"], "app.req.count");
    assert_eq!(gu[0]["values"][0], json!(["2017-07-14T02:40:01Z", 12]));

    // [opentsdb]: a telnet put, then an HTTP /api/put on the same port.
    let mut telnet = TcpStream::connect(("127.0.0.1", tsdb)).unwrap();
    telnet
        .write_all(b"put sys.load 1500000000 0.25 host=a\n")
        .unwrap();
    drop(telnet);
    let t = series(&s, "t");
    assert_eq!(t[0]["tags"], json!({"host": "a"}));
    assert_eq!(t[0]["values"][0], json!(["2017-07-14T02:40:00Z", 0.25]));
    let (code, body) = {
        let a = common::agent();
        let mut r = a
            .post(&format!("http://127.0.0.1:{tsdb}/api/put"))
            .send(
                r#"[{"metric":"sys.load","timestamp":1500000002,"value":0.5,"tags":{"host":"b"}}]"#,
            )
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    };
    assert_eq!((code, body.as_str()), (204, ""));
    let t = poll(&s, "the second opentsdb group", || {
        let (_, v) = s.get("/kapacitor/v1/tasks/t/out");
        (v["series"].as_array().map_or(0, |a| a.len()) == 2).then(|| v["series"].clone())
    });
    assert_eq!(t[1]["tags"], json!({"host": "b"}));
    assert_eq!(t[1]["values"][0], json!(["2017-07-14T02:40:02Z", 0.5]));
    // A bad body is a 400 with OpenTSDB's message.
    let a = common::agent();
    let r = a
        .post(&format!("http://127.0.0.1:{tsdb}/api/put"))
        .send("nope")
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    s.stop();
}

/// A real `prometheus-node-exporter` on a free loopback port.
struct NodeExporter(std::process::Child, u16);

impl NodeExporter {
    fn start() -> NodeExporter {
        let port = free_port();
        let child = std::process::Command::new("prometheus-node-exporter")
            .args([
                "--collector.disable-defaults",
                "--collector.loadavg",
                &format!("--web.listen-address=127.0.0.1:{port}"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("prometheus-node-exporter not runnable ({e}): apt-get install -y prometheus-node-exporter")
            });
        NodeExporter(child, port)
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_scraper_feeds_prometheus_samples_from_static_and_file_discovery() {
    let exporter = NodeExporter::start();
    let target = format!("127.0.0.1:{}", exporter.1);
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.json");
    std::fs::write(
        &targets,
        json!([{"targets": [target], "labels": {"source": "file"}}]).to_string(),
    )
    .unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            r#"
[[influxdb]]
  enabled = false
[[scraper]]
  enabled = true
  name = "node"
  db = "prom"
  rp = "autogen"
  scrape-interval = "1s"
  discoverer-id = "local"
  discoverer-service = "static-discovery"
[[scraper]]
  enabled = true
  name = "fromfile"
  db = "promfile"
  rp = "autogen"
  scrape-interval = "1s"
  discoverer-id = "files"
  discoverer-service = "file-discovery"
[[static-discovery]]
  enabled = true
  id = "local"
  targets = ["{target}"]
  [static-discovery.labels]
    region = "test"
[[file-discovery]]
  enabled = true
  id = "files"
  files = ["{files}/*.json"]
"#,
            files = dir.path().display()
        ),
    )
    .unwrap();
    let s = Server::start(dir.path(), &[], &["-config", conf.to_str().unwrap()]);
    define(
        &s,
        "load",
        "prom",
        "stream|from().measurement('node_load1')|httpOut('out')",
    );
    define(
        &s,
        "up",
        "promfile",
        "stream|from().measurement('up')|httpOut('out')",
    );

    let load = series(&s, "load");
    assert_eq!(load[0]["name"], "node_load1");
    assert_eq!(
        load[0]["tags"],
        json!({"__name__": "node_load1", "instance": target, "region": "test"})
    );
    assert_eq!(load[0]["columns"], json!(["time", "value"]));
    assert!(load[0]["values"][0][1].is_number(), "{load}");

    let up = series(&s, "up");
    assert_eq!(
        up[0]["tags"],
        json!({"__name__": "up", "instance": target, "source": "file"})
    );
    assert_eq!(up[0]["values"][0][1], json!(1));
    s.stop();
}

/// A real `collectd` sending its `load` plugin's values every second to
/// `port` with the `network` plugin (flushed every second: the plugin
/// otherwise waits for a full 1452-byte packet).
struct Collectd(std::process::Child);

impl Collectd {
    fn start(dir: &std::path::Path, port: u16) -> Collectd {
        let conf = dir.join("collectd.conf");
        std::fs::write(
            &conf,
            format!(
                r#"Hostname "kapacitor-test"
FQDNLookup false
Interval 1
BaseDir "{dir}"
PIDFile "{dir}/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin load
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "127.0.0.1" "{port}"
</Plugin>
"#,
                dir = dir.display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new("collectd")
            .args(["-f", "-C", conf.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("collectd not runnable ({e}): apt-get install -y collectd-core")
            });
        Collectd(child)
    }
}

impl Drop for Collectd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn collectd_network_packets_become_points_per_data_source() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            r#"
[[influxdb]]
  enabled = false
[collectd]
  enabled = true
  bind-address = "127.0.0.1:{port}"
  database = "collectd"
  retention-policy = "autogen"
  typesdb = "/usr/share/collectd/types.db"
"#
        ),
    )
    .unwrap();
    let s = Server::start(dir.path(), &[], &["-config", conf.to_str().unwrap()]);
    define(
        &s,
        "load",
        "collectd",
        "stream|from().measurement('load_midterm')|httpOut('out')",
    );
    let _collectd = Collectd::start(dir.path(), port);
    let load = series(&s, "load");
    assert_eq!(load[0]["name"], "load_midterm");
    assert_eq!(
        load[0]["tags"],
        json!({"host": "kapacitor-test", "type": "load"})
    );
    assert_eq!(load[0]["columns"], json!(["time", "value"]));
    assert!(
        load[0]["values"][0][1].as_f64().is_some_and(|v| v >= 0.0),
        "{load}"
    );
    s.stop();
}
