//! A real InfluxDB 1.x (`influxd`, Debian's `influxdb` package) for tests:
//! its own meta/data/wal dirs in a temp dir, HTTP and RPC on free loopback
//! ports, reporting and the internal monitor store off (they would add
//! `_internal` writes and outbound calls), killed on drop.

use crate::ports::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the test server is configured.
#[derive(Debug, Clone, Default)]
pub struct InfluxdOptions {
    /// `[http] auth-enabled`: the first user must be created as admin
    /// (`CREATE USER ... WITH ALL PRIVILEGES`) before anything else works.
    pub auth_enabled: bool,
    /// Use this HTTP port instead of a fresh one (to restart a server on the
    /// port a client already knows).
    pub http_port: Option<u16>,
    /// Serve HTTPS with this (certificate, private key) PEM pair
    /// (`testkit::tls::Certs`).
    pub https: Option<(PathBuf, PathBuf)>,
    /// `[http] shared-secret`: JWTs signed with it are accepted.
    pub shared_secret: Option<String>,
}

pub struct Influxd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    http_port: u16,
    options: InfluxdOptions,
}

fn binary() -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] {
        let p = Path::new(dir).join("influxd");
        if p.exists() {
            return p;
        }
    }
    panic!("influxd not found: install Debian's `influxdb` package (`apt-get install -y influxdb`); .ci/test does this");
}

impl Influxd {
    /// Start a fresh server with default options and wait until it answers.
    pub fn start() -> Influxd {
        Influxd::start_with(InfluxdOptions::default())
    }

    pub fn start_with(options: InfluxdOptions) -> Influxd {
        let dir = tempfile::tempdir().expect("temp dir");
        let http_port = options.http_port.unwrap_or_else(free_port);
        let mut s = Influxd {
            child: None,
            dir,
            http_port,
            options,
        };
        s.spawn();
        s
    }

    fn config_text(&self) -> String {
        let d = self.dir.path().display();
        format!(
            "reporting-disabled = true\n\
             bind-address = \"127.0.0.1:{rpc}\"\n\
             [meta]\n  dir = \"{d}/meta\"\n\
             [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
             [monitor]\n  store-enabled = false\n\
             [subscriber]\n  enabled = true\n\
             [http]\n  enabled = true\n  bind-address = \"127.0.0.1:{http}\"\n  auth-enabled = {auth}\n  log-enabled = false\n{https}",
            rpc = free_port(),
            http = self.http_port,
            auth = self.options.auth_enabled,
            https = match &self.options.https {
                Some((cert, key)) => format!(
                    "  https-enabled = true\n  https-certificate = \"{}\"\n  https-private-key = \"{}\"\n",
                    cert.display(),
                    key.display()
                ),
                None => String::new(),
            } + &match &self.options.shared_secret {
                Some(secret) => format!("  shared-secret = \"{secret}\"\n"),
                None => String::new(),
            },
        )
    }

    fn spawn(&mut self) {
        let conf = self.dir.path().join("influxdb.conf");
        std::fs::write(&conf, self.config_text()).expect("write influxdb.conf");
        let log = std::fs::File::create(self.dir.path().join("influxd.log")).expect("log file");
        let child = Command::new(binary())
            .arg("-config")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn influxd");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("influxd exited with {status}:\n{}", self.log());
                }
            }
            if self
                .agent()
                .get(&format!("{}/ping", self.url()))
                .call()
                .map(|r| r.status().as_u16() == 204)
                .unwrap_or(false)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("influxd did not answer /ping within 30s:\n{}", self.log());
    }

    /// `http://127.0.0.1:<port>` (`https://` when serving TLS).
    pub fn url(&self) -> String {
        let scheme = if self.options.https.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.http_port)
    }

    /// The helpers' own client: trusts the test certificate without a CA.
    fn agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(self.options.https.is_some())
                    .build(),
            )
            .build()
            .into()
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The server's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("influxd.log")).unwrap_or_default()
    }

    /// Stop the process (data stays) — for "InfluxDB down" tests.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start again on the same port and data after `stop`.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Run one InfluxQL statement (as `POST /query`, which InfluxDB requires
    /// for statements that change things) and return the JSON answer.
    /// `auth` is a (user, password) pair for servers with auth enabled.
    pub fn query(
        &self,
        db: Option<&str>,
        q: &str,
        auth: Option<(&str, &str)>,
    ) -> serde_json::Value {
        let mut url = format!("{}/query?q={}", self.url(), encode(q));
        if let Some(db) = db {
            url.push_str("&db=");
            url.push_str(&encode(db));
        }
        if let Some((u, p)) = auth {
            url.push_str(&format!("&u={}&p={}", encode(u), encode(p)));
        }
        let mut resp = self
            .agent()
            .post(&url)
            .send_empty()
            .unwrap_or_else(|e| panic!("query {q:?}: {e}"));
        let body = resp.body_mut().read_to_string().expect("query body");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("query {q:?}: bad JSON {e}: {body}"))
    }

    /// Write line protocol into `db` (`rp` empty = the default policy).
    pub fn write(&self, db: &str, rp: &str, lines: &str) {
        let mut url = format!("{}/write?db={}", self.url(), encode(db));
        if !rp.is_empty() {
            url.push_str("&rp=");
            url.push_str(&encode(rp));
        }
        let resp = self
            .agent()
            .post(&url)
            .send(lines.as_bytes())
            .unwrap_or_else(|e| panic!("write to {db}: {e}"));
        assert_eq!(resp.status().as_u16(), 204, "write to {db}");
    }

    /// The rows of `SHOW SUBSCRIPTIONS` as (db, rp, name, mode, destinations).
    pub fn subscriptions(&self) -> Vec<(String, String, String, String, Vec<String>)> {
        self.subscriptions_as(None)
    }

    /// `subscriptions` on a server with auth enabled.
    pub fn subscriptions_as(
        &self,
        auth: Option<(&str, &str)>,
    ) -> Vec<(String, String, String, String, Vec<String>)> {
        let v = self.query(None, "SHOW SUBSCRIPTIONS", auth);
        let mut out = Vec::new();
        for series in v["results"][0]["series"].as_array().into_iter().flatten() {
            let db = series["name"].as_str().unwrap_or_default().to_string();
            for row in series["values"].as_array().into_iter().flatten() {
                let s = |i: usize| row[i].as_str().unwrap_or_default().to_string();
                let dests = row[3]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.as_str().map(str::to_string))
                    .collect();
                out.push((db.clone(), s(0), s(1), s(2), dests));
            }
        }
        out
    }
}

/// Percent-encode a query-string value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Drop for Influxd {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_and_stores_a_point() {
        let s = Influxd::start();
        s.query(None, "CREATE DATABASE t1", None);
        s.write("t1", "", "cpu,host=a value=1 1000000000");
        let v = s.query(Some("t1"), "SELECT value FROM cpu", None);
        assert_eq!(v["results"][0]["series"][0]["values"][0][1], 1.0, "{v}");
    }

    #[test]
    fn subscriptions_are_listed() {
        let s = Influxd::start();
        s.query(None, "CREATE DATABASE t2", None);
        s.query(
            None,
            "CREATE SUBSCRIPTION \"sub1\" ON \"t2\".\"autogen\" DESTINATIONS ANY 'http://127.0.0.1:1'",
            None,
        );
        let subs = s.subscriptions();
        assert!(
            subs.iter().any(|(db, rp, name, mode, d)| db == "t2"
                && rp == "autogen"
                && name == "sub1"
                && mode == "ANY"
                && d == &vec!["http://127.0.0.1:1".to_string()]),
            "{subs:?}"
        );
    }
}
