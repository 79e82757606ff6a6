//! A real NATS JetStream cluster (Debian's `nats-server`, 2.9 here): `n`
//! servers on free loopback ports, each with its own store directory in one
//! temp dir, routed to each other (`--cluster`, `--routes`, cluster name
//! `kc`, server names `node1..`), killed on drop. `start` returns once every
//! server reports JetStream ready on its monitoring port (`/healthz`).

use crate::ports::free_port;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = "/usr/sbin/nats-server";
const DEADLINE: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    client_port: u16,
    monitor_port: u16,
    log: std::path::PathBuf,
}

pub struct NatsCluster {
    servers: Vec<Server>,
    _dir: tempfile::TempDir,
}

/// The status line and body of `GET path` on `127.0.0.1:port`, if it answered.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Attempts at starting a cluster whose ports another process took meanwhile.
const PORT_ATTEMPTS: usize = 5;

impl NatsCluster {
    /// Start `n` clustered JetStream servers and wait until all are ready.
    ///
    /// Free ports are picked, then bound by the servers: between the two
    /// another process (a test running beside) may take one. A server that
    /// exits for that reason makes the whole cluster start again on new ports.
    pub fn start(n: usize) -> NatsCluster {
        if !Path::new(BIN).exists() {
            panic!("{BIN} not found: install Debian's `nats-server` package (`apt-get install -y nats-server`); .ci/test does this");
        }
        for attempt in 1..=PORT_ATTEMPTS {
            match NatsCluster::try_start(n) {
                Ok(c) => return c,
                Err(log) if attempt < PORT_ATTEMPTS && log.contains("address already in use") => {}
                Err(log) => panic!("{log}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// One attempt: the cluster, or why a server exited (with its log).
    fn try_start(n: usize) -> Result<NatsCluster, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports: Vec<(u16, u16, u16)> = (0..n)
            .map(|_| (free_port(), free_port(), free_port()))
            .collect();
        let routes = ports
            .iter()
            .map(|(_, c, _)| format!("nats://127.0.0.1:{c}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut servers = Vec::new();
        for (i, (client, cluster, monitor)) in ports.iter().enumerate() {
            let name = format!("node{}", i + 1);
            let store = dir.path().join(&name);
            let log = dir.path().join(format!("{name}.log"));
            let child = Command::new(BIN)
                .args(["-a", "127.0.0.1", "-p", &client.to_string()])
                .args(["-m", &monitor.to_string()])
                .arg("-js")
                .arg("-sd")
                .arg(&store)
                .args(["--cluster", &format!("nats://127.0.0.1:{cluster}")])
                .args(["--routes", &routes])
                .args(["--cluster_name", "kc", "-n", &name])
                .arg("-l")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn nats-server");
            servers.push(Server {
                child,
                client_port: *client,
                monitor_port: *monitor,
                log,
            });
        }
        let mut c = NatsCluster { servers, _dir: dir };
        let deadline = Instant::now() + DEADLINE;
        for i in 0..n {
            loop {
                if let Ok(Some(status)) = c.servers[i].child.try_wait() {
                    // Dropping `c` stops the others.
                    return Err(format!(
                        "nats-server node{} exited with {status}:\n{}",
                        i + 1,
                        c.log(i)
                    ));
                }
                let ok = http_get(c.servers[i].monitor_port, "/healthz").is_some_and(|r| {
                    r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200")
                });
                if ok {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "nats-server node{} not ready within 30s:\n{}",
                    i + 1,
                    c.log(i)
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(c)
    }

    /// Every server's client URL, comma-separated (a `[cluster] nats-urls` element).
    pub fn urls(&self) -> String {
        self.servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(&self.servers[i].log).unwrap_or_default()
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for s in &mut self.servers {
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
    }
}
