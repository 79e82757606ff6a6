//! The real `kapacitord` for end-to-end tests: one starter instead of a copy
//! per test file. Started on a loopback port (free, or fixed so a restart
//! keeps its URL) with the test's data dir, environment, flags or config
//! file; ready once `/kapacitor/v1/ping` answers 204; driven over HTTP with
//! ureq and by signals; killed on drop. The binary path is a parameter:
//! server tests pass `env!("CARGO_BIN_EXE_kapacitord")`, cli tests
//! [`beside`]`(env!("CARGO_BIN_EXE_kapacitor"))`. A failing helper panics
//! with the server's log text, so a CI failure can be read from its output.

use crate::ports::free_port;
use serde_json::Value;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a start waits for the ping.
const READY: Duration = Duration::from_secs(30);

/// Makes the agent of each request.
type AgentFn = Arc<dyn Fn() -> ureq::Agent + Send + Sync>;

/// (status, headers as (name, value), body bytes)
pub type RawResponse = (u16, Vec<(String, String)>, Vec<u8>);

/// A ureq agent for test requests: every status is an answer (not an
/// error), and no request outlives 30 s.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The `kapacitord` beside `exe`, for cli tests, which only know their own
/// `env!("CARGO_BIN_EXE_kapacitor")`: `cargo build --workspace --bins`
/// (`.ci/test`'s first step) puts both in the same directory. Missing is a
/// test failure saying so, never a skip.
pub fn beside(exe: impl AsRef<Path>) -> PathBuf {
    let exe = exe.as_ref();
    let dir = exe
        .parent()
        .unwrap_or_else(|| panic!("{} has no directory", exe.display()));
    let p = dir.join(format!("kapacitord{}", std::env::consts::EXE_SUFFIX));
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (as .ci/test does)",
        p.display()
    );
    p
}

/// Runs `cmd` to its end with stdout and stderr captured (stdin closed);
/// killed after `limit`, so a hang fails the test instead of stalling it.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    // Read both pipes while waiting: a child writing more than a pipe holds
    // would otherwise block and look hung.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|r| Box::new(r) as _));
    let err = drain(child.stderr.take().map(|r| Box::new(r) as _));
    let t = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} hung: killed after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// How to start a server: [`Kapacitord::builder`], options, then
/// [`Builder::start`] (or [`Builder::command`] for a run expected to fail).
/// `KAPACITOR_CONFIG_PATH` is always removed; the HTTP address is
/// `127.0.0.1:<port>` through `KAPACITOR_HTTP_BIND_ADDRESS` unless
/// [`Builder::port_from_config`] says the config sets it.
#[derive(Clone)]
pub struct Builder {
    bin: PathBuf,
    port: u16,
    bind_env: bool,
    env_clear: bool,
    /// In order; `None` removes the variable.
    env: Vec<(OsString, Option<OsString>)>,
    args: Vec<OsString>,
    current_dir: Option<PathBuf>,
    /// Written before every start and passed as `-config`.
    config: Option<(PathBuf, String)>,
    log: Option<PathBuf>,
    scheme: &'static str,
    agent: AgentFn,
    ready: Duration,
}

impl Builder {
    /// The `kapacitord` at `bin` on a free port.
    pub fn new(bin: impl Into<PathBuf>) -> Builder {
        Builder {
            bin: bin.into(),
            port: free_port(),
            bind_env: true,
            env_clear: false,
            env: Vec::new(),
            args: Vec::new(),
            current_dir: None,
            config: None,
            log: None,
            scheme: "http",
            agent: Arc::new(agent),
            ready: READY,
        }
    }

    /// Listen on `port` (set through `KAPACITOR_HTTP_BIND_ADDRESS`) instead
    /// of a free one.
    pub fn port(mut self, port: u16) -> Builder {
        self.port = port;
        self
    }

    /// The config (file or `-config` argument) binds `127.0.0.1:port`
    /// itself: no `KAPACITOR_HTTP_BIND_ADDRESS`.
    pub fn port_from_config(mut self, port: u16) -> Builder {
        self.port = port;
        self.bind_env = false;
        self
    }

    /// The data under `dir`: `KAPACITOR_DATA_DIR`, and the replay dir and
    /// the store in it (Kapacitor moves no other dir with `data_dir`).
    pub fn data_dir(self, dir: impl AsRef<Path>) -> Builder {
        let dir = dir.as_ref();
        self.env("KAPACITOR_DATA_DIR", dir)
            .env("KAPACITOR_REPLAY_DIR", dir.join("replay"))
            .env("KAPACITOR_STORAGE_BOLTDB", dir.join("kapacitor.db"))
    }

    /// `HOME`, so the developer's `~/.kapacitor` never leaks in.
    pub fn home(self, dir: impl AsRef<Path>) -> Builder {
        self.env("HOME", dir.as_ref())
    }

    /// Log to `path` (`KAPACITOR_LOGGING_FILE`); [`Kapacitord::log_text`]
    /// and the panics read it.
    pub fn log_file(self, path: impl Into<PathBuf>) -> Builder {
        let path = path.into();
        let mut b = self.env("KAPACITOR_LOGGING_FILE", &path);
        b.log = Some(path);
        b
    }

    /// The config already logs to `path`: [`Kapacitord::log_text`] and the
    /// panics read it.
    pub fn log_at(mut self, path: impl Into<PathBuf>) -> Builder {
        self.log = Some(path.into());
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Builder {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Builder {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Builder {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// Start from an empty environment: only what the builder sets.
    pub fn env_clear(mut self) -> Builder {
        self.env_clear = true;
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.current_dir = Some(dir.into());
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Builder {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Builder {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Write `text` to `path` (its directory made) before every start, and
    /// pass `-config path` ahead of the other arguments.
    pub fn config(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Builder {
        self.config = Some((path.into(), text.into()));
        self
    }

    /// Serve HTTPS (the config sets it up): [`Kapacitord::url`] says
    /// `https`, and every request, the ping too, goes through an agent from
    /// `agent` (one that trusts the test certificate).
    pub fn https(mut self, agent: impl Fn() -> ureq::Agent + Send + Sync + 'static) -> Builder {
        self.scheme = "https";
        self.agent = Arc::new(agent);
        self
    }

    /// Make each request's agent with `agent` instead of [`agent`]`()`.
    pub fn agent(mut self, agent: impl Fn() -> ureq::Agent + Send + Sync + 'static) -> Builder {
        self.agent = Arc::new(agent);
        self
    }

    /// Wait up to `limit` for the first ping answer (30 s by default).
    pub fn ready_within(mut self, limit: Duration) -> Builder {
        self.ready = limit;
        self
    }

    /// The command `start` would spawn (the config file written), for a run
    /// expected to end: `.output()` it and read its exit code and stderr.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        if self.env_clear {
            cmd.env_clear();
        }
        cmd.env_remove("KAPACITOR_CONFIG_PATH");
        if self.bind_env {
            cmd.env(
                "KAPACITOR_HTTP_BIND_ADDRESS",
                format!("127.0.0.1:{}", self.port),
            );
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = &self.current_dir {
            cmd.current_dir(dir);
        }
        if let Some((path, text)) = &self.config {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
            }
            std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            cmd.arg("-config").arg(path);
        }
        cmd.args(&self.args);
        cmd
    }

    /// Spawn (stdin and stdout null, stderr kept for the panics) and wait
    /// for the ping.
    pub fn start(self) -> Kapacitord {
        let base = format!("{}://127.0.0.1:{}", self.scheme, self.port);
        let mut k = Kapacitord {
            child: None,
            spec: self,
            base,
            stderr: Arc::default(),
        };
        k.spawn();
        k
    }
}

/// A running `kapacitord`, killed on drop.
pub struct Kapacitord {
    child: Option<Child>,
    spec: Builder,
    base: String,
    /// What the process wrote to stderr (its last `STDERR_KEPT` bytes): a
    /// fatal start-up error (`run: open server: …`) is printed there, not
    /// logged.
    stderr: Arc<std::sync::Mutex<Vec<u8>>>,
}

/// How much of a server's stderr is kept.
const STDERR_KEPT: usize = 64 << 10;

impl Kapacitord {
    /// Options for the `kapacitord` at `bin`.
    pub fn builder(bin: impl Into<PathBuf>) -> Builder {
        Builder::new(bin)
    }

    fn spawn(&mut self) {
        let mut cmd = self.spec.command();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.spec.bin.display()));
        if let Some(mut pipe) = child.stderr.take() {
            let kept = self.stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                    kept.extend_from_slice(&buf[..n]);
                    let over = kept.len().saturating_sub(STDERR_KEPT);
                    kept.drain(..over);
                }
            });
        }
        self.child = Some(child);
        let t = Instant::now();
        loop {
            if self.call("GET", "/kapacitor/v1/ping", None).0 == 204 {
                return;
            }
            if let Some(status) = self.try_wait() {
                // The reader may still be draining the pipe the exit closed.
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "kapacitord exited ({status}) before answering on {}; stderr:\n{}\nlog:\n{}",
                    self.base,
                    self.stderr_text(),
                    self.log_text()
                );
            }
            if t.elapsed() > self.spec.ready {
                panic!(
                    "kapacitord did not answer on {} within {:?}; log:\n{}",
                    self.base,
                    self.spec.ready,
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:<port>` (`https` for [`Builder::https`]).
    pub fn url(&self) -> &str {
        &self.base
    }

    pub fn port(&self) -> u16 {
        self.spec.port
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("kapacitord is not running").id()
    }

    /// The end of what the process wrote to stderr.
    pub fn stderr_text(&self) -> String {
        let kept = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&kept).into_owned()
    }

    /// The log file's text (empty if none is known or written yet).
    pub fn log_text(&self) -> String {
        self.spec
            .log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// `kill -<sig>` (`TERM`, `KILL`, `HUP`, ...).
    pub fn signal(&self, sig: &str) {
        let pid = self.pid();
        let ok = Command::new("kill")
            .args([format!("-{sig}"), pid.to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill -{sig} {pid}: {e}"))
            .success();
        assert!(ok, "kill -{sig} {pid} failed; log:\n{}", self.log_text());
    }

    /// SIGKILL and reap (nothing if already stopped); [`Kapacitord::restart`]
    /// starts it again.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The exit status, if the process has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        let c = self.child.as_mut()?;
        c.try_wait()
            .unwrap_or_else(|e| panic!("try_wait on kapacitord: {e}"))
    }

    /// Wait for the process to exit, however long it takes.
    pub fn wait(&mut self) -> ExitStatus {
        let c = self.child.as_mut().expect("kapacitord is not running");
        c.wait()
            .unwrap_or_else(|e| panic!("wait on kapacitord: {e}"))
    }

    /// Poll for the exit for up to `limit`: `None` if still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let t = Instant::now();
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if t.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then wait up to `limit` for the exit (a panic with the log
    /// if it does not come).
    pub fn terminate(&mut self, limit: Duration) -> ExitStatus {
        self.signal("TERM");
        self.wait_exit(limit).unwrap_or_else(|| {
            panic!(
                "kapacitord still running {limit:?} after SIGTERM; log:\n{}",
                self.log_text()
            )
        })
    }

    /// The config file's text for the next (re)start.
    pub fn set_config(&mut self, text: impl Into<String>) {
        let (_, t) = self
            .spec
            .config
            .as_mut()
            .expect("started without Builder::config");
        *t = text.into();
    }

    /// Kill (if running) and start again: same port, so the same URL; same
    /// environment, arguments and config.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// One request: (status, headers, body bytes). A transport error is
    /// status 0 with the error as the body. Bodies are sent with `POST`,
    /// `PATCH` and `PUT` only.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> RawResponse {
        let url = format!("{}{path}", self.base);
        let a = (self.spec.agent)();
        let r = match method {
            "GET" | "DELETE" | "HEAD" => {
                let mut r = match method {
                    "GET" => a.get(&url),
                    "DELETE" => a.delete(&url),
                    _ => a.head(&url),
                };
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.call()
            }
            "POST" | "PATCH" | "PUT" => {
                let mut r = match method {
                    "POST" => a.post(&url),
                    "PATCH" => a.patch(&url),
                    _ => a.put(&url),
                };
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.send(body.unwrap_or(b""))
            }
            m => panic!("unsupported method {m}"),
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

    /// (status, headers as (name, value), body bytes)
    pub fn call_raw(&self, method: &str, path: &str, body: Option<&[u8]>) -> RawResponse {
        self.request(method, path, &[], body)
    }

    /// (status, body text)
    pub fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
        self.call_with(method, path, &[], body)
    }

    /// (status, body text), with request headers (`Authorization`, ...).
    pub fn call_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> (u16, String) {
        let (s, _, b) = self.request(method, path, headers, body);
        (s, String::from_utf8_lossy(&b).into_owned())
    }

    /// (status, the answer as JSON, or as a JSON string if it is none).
    pub fn call_json(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Value) {
        let (s, t) = self.call(method, path, body);
        (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
    }

    /// `body` sent as JSON; the answer as in [`Kapacitord::call_json`].
    pub fn json(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.call_json(method, path, Some(body.to_string().as_bytes()))
    }

    /// `GET`; the answer as in [`Kapacitord::call_json`].
    pub fn get(&self, path: &str) -> (u16, Value) {
        self.call_json("GET", path, None)
    }

    /// Our `kapacitor` CLI (the binary at `kapacitor`) against this server:
    /// `kapacitor -url <url> args...` in `cwd`, killed after `limit` (see
    /// [`output_within`]).
    pub fn cli(
        &self,
        kapacitor: impl AsRef<Path>,
        args: &[&str],
        cwd: &Path,
        limit: Duration,
    ) -> Output {
        output_within(
            Command::new(kapacitor.as_ref())
                .arg("-url")
                .arg(self.url())
                .args(args)
                .current_dir(cwd),
            limit,
        )
    }

    /// Poll `f` every 50 ms for up to 10 s; a panic naming `what`, with the
    /// log, if it never holds.
    pub fn wait_for(&self, what: &str, mut f: impl FnMut(&Kapacitord) -> bool) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if f(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; log:\n{}", self.log_text());
    }
}

impl Drop for Kapacitord {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_within_reads_more_than_a_pipe_holds() {
        let out = output_within(
            Command::new("sh").args(["-c", "head -c 1000000 /dev/zero; echo err >&2"]),
            Duration::from_secs(30),
        );
        assert!(out.status.success(), "{out:?}");
        assert_eq!(out.stdout.len(), 1_000_000);
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    #[should_panic(expected = "hung: killed after")]
    fn output_within_kills_a_hang() {
        output_within(Command::new("sleep").arg("30"), Duration::from_millis(200));
    }

    #[test]
    #[should_panic(expected = "run `cargo build --workspace --bins` first")]
    fn a_missing_binary_says_how_to_build_it() {
        beside("/nonexistent/target/debug/kapacitor");
    }

    #[test]
    fn the_command_carries_the_options_and_writes_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("etc/kapacitor.conf");
        let cmd = Kapacitord::builder("kapacitord")
            .port(4321)
            .home(dir.path())
            .data_dir(dir.path())
            .env("A", "1")
            .env_remove("B")
            .config(&conf, "hostname = \"h\"\n")
            .arg("-blacklist-cidrs")
            .command();
        let mut envs: Vec<(String, Option<String>)> = cmd
            .get_envs()
            .map(|(k, v)| {
                let s = |o: &OsStr| o.to_string_lossy().into_owned();
                (s(k), v.map(s))
            })
            .collect();
        envs.sort();
        let d = dir.path().display();
        let want: Vec<(String, Option<String>)> = [
            ("A", Some("1".to_string())),
            ("B", None),
            ("HOME", Some(format!("{d}"))),
            ("KAPACITOR_CONFIG_PATH", None),
            ("KAPACITOR_DATA_DIR", Some(format!("{d}"))),
            ("KAPACITOR_HTTP_BIND_ADDRESS", Some("127.0.0.1:4321".into())),
            ("KAPACITOR_REPLAY_DIR", Some(format!("{d}/replay"))),
            (
                "KAPACITOR_STORAGE_BOLTDB",
                Some(format!("{d}/kapacitor.db")),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(envs, want);
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(
            args,
            ["-config", &conf.display().to_string(), "-blacklist-cidrs"]
        );
        assert_eq!(
            std::fs::read_to_string(&conf).unwrap(),
            "hostname = \"h\"\n"
        );
    }

    #[test]
    fn a_port_from_the_config_sets_no_bind_address() {
        let cmd = Kapacitord::builder("kapacitord")
            .port_from_config(4321)
            .command();
        assert!(cmd
            .get_envs()
            .all(|(k, _)| k != "KAPACITOR_HTTP_BIND_ADDRESS"));
    }

    #[test]
    #[should_panic(
        expected = "before answering on http://127.0.0.1:4321; stderr:\nrun: open server: boom\n\nlog:\nthe reason"
    )]
    fn a_server_that_exits_at_start_fails_at_once_with_its_stderr_and_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("kapacitord.log");
        std::fs::write(&log, "the reason\n").unwrap();
        Kapacitord::builder("sh")
            .args(["-c", "echo run: open server: boom >&2; exit 1"])
            .port_from_config(4321)
            .log_at(&log)
            .ready_within(Duration::from_secs(600))
            .start();
    }
}
