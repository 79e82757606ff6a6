//! A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) for
//! tests: a minimal config with one no-op receiver, its storage in a temp
//! dir, the web API on a free loopback port, clustering off, killed on drop.

use crate::ports::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Alertmanager {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

fn binary() -> PathBuf {
    for p in [
        "/usr/bin/prometheus-alertmanager",
        "/usr/local/bin/alertmanager",
    ] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("prometheus-alertmanager not found: install Debian's `prometheus-alertmanager` package (`apt-get install -y prometheus-alertmanager`); .ci/test does this");
}

impl Alertmanager {
    /// Starts a fresh server and waits until its API answers.
    pub fn start() -> Alertmanager {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("alertmanager.yml");
        // One receiver without integrations: alerts are stored and shown by
        // the API, nothing is sent anywhere.
        std::fs::write(
            &conf,
            "route:\n  receiver: none\nreceivers:\n  - name: none\n",
        )
        .expect("write alertmanager.yml");
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).expect("log file");
        let child = Command::new(binary())
            .arg(format!("--config.file={}", conf.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn prometheus-alertmanager");
        let mut am = Alertmanager { child, dir, port };
        am.wait_ready();
        am
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("alertmanager exited with {status}:\n{}", self.log());
            }
            let ready = ureq::get(&format!("{}/-/ready", self.url()))
                .call()
                .map(|r| r.status().as_u16() == 200)
                .unwrap_or(false);
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("alertmanager did not get ready within 30s:\n{}", self.log());
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `GET /api/v2/alerts` (every alert it holds, resolved ones only while
    /// they are kept).
    pub fn alerts(&self) -> serde_json::Value {
        let mut resp = ureq::get(&format!("{}/api/v2/alerts", self.url()))
            .call()
            .unwrap_or_else(|e| panic!("GET /api/v2/alerts: {e}"));
        let body = resp.body_mut().read_to_string().expect("alerts body");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("alerts: bad JSON {e}: {body}"))
    }

    /// The server's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("alertmanager.log")).unwrap_or_default()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
