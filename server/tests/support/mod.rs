//! The real `kapacitord` for the InfluxDB tests (`testkit::kapacitord`): a
//! temp data dir, a config file with the caller's `[[influxdb]]` section, a
//! log file to read, a fixed port kept across restarts (so a restart
//! advertises the same destination), killed on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use testkit::kapacitord::agent;

pub struct Kapacitord {
    /// Declared first: dropped (killed) before the temp dir goes.
    server: testkit::Kapacitord,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

impl Kapacitord {
    /// `influxdb` is the TOML of the `[[influxdb]]` section(s); `extra` more
    /// top-level sections.
    pub fn start(influxdb: &str, extra: &str) -> Kapacitord {
        Kapacitord::start_with_http(influxdb, extra, "")
    }

    /// `http` = more lines of the `[http]` section (`auth-enabled = true`).
    pub fn start_with_http(influxdb: &str, extra: &str, http: &str) -> Kapacitord {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = testkit::free_port();
        let d = dir.path().display();
        let config = format!(
            "hostname = \"127.0.0.1\"\ndata_dir = \"{d}\"\n\
             [http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n{http}\n\
             [replay]\n  dir = \"{d}/replay\"\n\
             [storage]\n  boltdb = \"{d}/kapacitor.db\"\n\
             [logging]\n  file = \"{d}/kapacitord.log\"\n  level = \"INFO\"\n\
             [stats]\n  enabled = false\n\
             {extra}\n{influxdb}\n"
        );
        let server = testkit::Kapacitord::builder(env!("CARGO_BIN_EXE_kapacitord"))
            .config(dir.path().join("kapacitor.conf"), config)
            .port_from_config(port)
            .log_at(dir.path().join("kapacitord.log"))
            .start();
        Kapacitord { server, dir, port }
    }

    /// Write `<data_dir>/cluster.id` before the first start, so a test knows
    /// the subscription name in advance.
    pub fn start_with_cluster_id(influxdb: &str, extra: &str, id: &str) -> Kapacitord {
        let mut k = Kapacitord::start(influxdb, extra);
        k.stop();
        std::fs::write(k.dir.path().join("cluster.id"), id).expect("cluster.id");
        k.server.restart();
        k
    }

    /// kill -9; `restart` starts it again.
    pub fn stop(&mut self) {
        self.server.kill();
    }

    /// Same port, so the same destination.
    pub fn restart(&mut self) {
        self.server.restart();
    }

    pub fn url(&self) -> String {
        self.server.url().to_string()
    }

    pub fn cluster_id(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("cluster.id"))
            .expect("cluster.id")
            .trim()
            .to_string()
    }

    pub fn log(&self) -> String {
        self.server.log_text()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// (status, body)
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.server.call(method, path, body.map(str::as_bytes))
    }

    /// Define and enable a stream task on `db.autogen`.
    pub fn define_stream_task(&self, id: &str, db: &str, script: &str) {
        let body = serde_json::json!({
            "id": id,
            "type": "stream",
            "dbrps": [{"db": db, "rp": "autogen"}],
            "script": script,
            "status": "enabled",
        });
        let (status, text) = self.call("POST", "/kapacitor/v1/tasks", Some(&body.to_string()));
        assert_eq!(status, 200, "define {id}: {text}");
    }
}

/// Poll `f` until it returns Some, or panic with `what` after `limit`.
pub fn wait_for<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let t = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if t.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn path_of(p: &Path) -> PathBuf {
    p.to_path_buf()
}
