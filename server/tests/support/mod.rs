//! The real `kapacitord` for the InfluxDB tests: a temp data dir, a config
//! file with the caller's `[[influxdb]]` section, a log file to read, a
//! fixed port kept across restarts (so a restart advertises the same
//! destination), killed on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Kapacitord {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    config: String,
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
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
        let mut k = Kapacitord {
            child: None,
            dir,
            port,
            config,
        };
        k.spawn();
        k
    }

    /// Write `<data_dir>/cluster.id` before the first start, so a test knows
    /// the subscription name in advance.
    pub fn start_with_cluster_id(influxdb: &str, extra: &str, id: &str) -> Kapacitord {
        let mut k = Kapacitord::start(influxdb, extra);
        k.stop();
        std::fs::write(k.dir.path().join("cluster.id"), id).expect("cluster.id");
        k.spawn();
        k
    }

    fn spawn(&mut self) {
        let conf = self.dir.path().join("kapacitor.conf");
        std::fs::write(&conf, &self.config).expect("config");
        let child = Command::new(env!("CARGO_BIN_EXE_kapacitord"))
            .arg("-config")
            .arg(&conf)
            .env_remove("KAPACITOR_CONFIG_PATH")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kapacitord");
        self.child = Some(child);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if self.call("GET", "/kapacitor/v1/ping", None).0 == 204 {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("kapacitord did not answer:\n{}", self.log());
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn cluster_id(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("cluster.id"))
            .expect("cluster.id")
            .trim()
            .to_string()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kapacitord.log")).unwrap_or_default()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// (status, body)
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let url = format!("{}{path}", self.url());
        let a = agent();
        let r = match method {
            "GET" => a.get(&url).call(),
            "DELETE" => a.delete(&url).call(),
            "PATCH" => a.patch(&url).send(body.unwrap_or("")),
            _ => a.post(&url).send(body.unwrap_or("")),
        };
        match r {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                (status, resp.body_mut().read_to_string().unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
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

impl Drop for Kapacitord {
    fn drop(&mut self) {
        self.stop();
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
