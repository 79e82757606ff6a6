//! The real `kapacitord` for the service tests (load directory, config overrides, storage,
//! logs): started on a free port with a temp data dir and extra env/flags, driven over HTTP
//! and signals, killed on drop.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

impl Server {
    /// Start with the data under `dir`, the log in `dir/kapacitord.log`, `env` and `args` added.
    pub fn start(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Server {
        let port = free_port();
        let log = dir.join("kapacitord.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kapacitord"));
        cmd.env("HOME", dir)
            .env("KAPACITOR_DATA_DIR", dir)
            .env("KAPACITOR_REPLAY_DIR", dir.join("replay"))
            .env("KAPACITOR_STORAGE_BOLTDB", dir.join("kapacitor.db"))
            .env("KAPACITOR_HTTP_BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env("KAPACITOR_LOGGING_FILE", &log)
            .env("KAPACITOR_STATS_ENABLED", "false")
            .env_remove("KAPACITOR_CONFIG_PATH")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        let s = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            if s.call("GET", "/kapacitor/v1/ping", None).0 == 204 {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("kapacitord did not answer");
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// (status, body text)
    pub fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
        let (s, _, b) = self.call_raw(method, path, body);
        (s, String::from_utf8_lossy(&b).into_owned())
    }

    /// (status, headers as (name, value), body bytes)
    pub fn call_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let url = format!("{}{path}", self.base);
        let a = agent();
        let r = match (method, body) {
            ("GET", _) => a.get(&url).call(),
            ("DELETE", _) => a.delete(&url).call(),
            ("POST", b) => a.post(&url).send(b.unwrap_or(b"")),
            ("PATCH", b) => a.patch(&url).send(b.unwrap_or(b"")),
            ("PUT", b) => a.put(&url).send(b.unwrap_or(b"")),
            _ => unreachable!(),
        };
        match r {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(200 << 20)
                    .read_to_vec()
                    .unwrap_or_default();
                (status, headers, body)
            }
            Err(e) => (0, Vec::new(), e.to_string().into_bytes()),
        }
    }

    pub fn json(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let (s, t) = self.call(method, path, Some(body.to_string().as_bytes()));
        (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let (s, t) = self.call("GET", path, None);
        (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([format!("-{sig}"), self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Poll `f` every 50 ms for up to 10 s.
    pub fn wait_for(&self, what: &str, mut f: impl FnMut(&Server) -> bool) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if f(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; log:\n{}", self.log_text());
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
