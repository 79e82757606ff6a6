//! A real SNMP trap receiver (`snmptrapd`, Debian's `snmptrapd` package) on
//! a free loopback UDP port, accepting any community, logging each trap to
//! its stdout with numeric OIDs; killed on drop.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);
const BINARY: &str = "/usr/sbin/snmptrapd";

pub struct Snmptrapd {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
    lines: Receiver<String>,
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("bind udp 127.0.0.1:0")
}

impl Snmptrapd {
    /// Starts the receiver and waits until it reports it is running.
    pub fn start() -> Snmptrapd {
        if !Path::new(BINARY).exists() {
            panic!("{BINARY} not found: install Debian's `snmptrapd` package (`apt-get install -y snmptrapd`); .ci/test does this");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("snmptrapd.conf");
        std::fs::write(&conf, "disableAuthorization yes\n").expect("write snmptrapd.conf");
        let port = free_udp_port();
        let mut child = Command::new("stdbuf")
            .args(["-oL", BINARY, "-f", "-Lo", "-n", "-On", "-C", "-c"])
            .arg(&conf)
            .arg(format!("udp:127.0.0.1:{port}"))
            // No MIBs: numeric output, and no warnings about missing modules.
            .env("MIBS", "")
            .env("MIBDIRS", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn snmptrapd");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(l) if l.starts_with("NET-SNMP version") => break,
                Ok(_) => {}
                Err(_) => panic!("snmptrapd did not start within 30s"),
            }
        }
        Snmptrapd {
            child,
            _dir: dir,
            port,
            lines,
        }
    }

    /// `127.0.0.1:<port>`, a `[snmptrap] addr`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The varbinds of the next trap as snmptrapd prints them
    /// (`.1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00`, one per entry),
    /// waiting up to 30s.
    pub fn next_trap(&self) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("no trap logged by snmptrapd within 30s");
            // The header line names the transport; the next one holds the
            // tab-separated varbinds.
            if line.starts_with(".1.3.6.1.2.1.1.3.0 = ") {
                return line.split('\t').map(str::to_string).collect();
            }
        }
    }
}

impl Drop for Snmptrapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
