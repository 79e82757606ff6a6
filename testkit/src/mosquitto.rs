//! A real MQTT broker (`mosquitto`, Debian's `mosquitto` package) on a free
//! loopback port, anonymous access, killed on drop; and a real subscriber
//! (`mosquitto_sub` from `mosquitto-clients`) whose received messages are
//! read back with their QoS, retained flag and exact payload bytes.

use crate::ports::free_port;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

fn need(path: &str, package: &str) {
    if !Path::new(path).exists() {
        panic!("{path} not found: install Debian's `{package}` package (`apt-get install -y {package}`); .ci/test does this");
    }
}

pub struct Mosquitto {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    tls_port: Option<u16>,
}

impl Mosquitto {
    /// Starts a broker and waits until it accepts connections.
    pub fn start() -> Mosquitto {
        Mosquitto::start_with(None)
    }

    /// Also listens with TLS (the test certificate) on `tls_port()`.
    pub fn start_tls(certs: &crate::tls::Certs) -> Mosquitto {
        Mosquitto::start_with(Some(certs))
    }

    fn start_with(certs: Option<&crate::tls::Certs>) -> Mosquitto {
        need("/usr/sbin/mosquitto", "mosquitto");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        // `user root`: started as root, mosquitto would switch to its own
        // user, which cannot read the temp dir's key file (ignored otherwise).
        let mut text = format!(
            "user root\nper_listener_settings false\nallow_anonymous true\npersistence false\nlog_dest file {}\nlistener {port} 127.0.0.1\n",
            dir.path().join("mosquitto.log").display()
        );
        let tls_port = certs.map(|c| {
            let p = free_port();
            text += &format!(
                "listener {p} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\n",
                c.ca.display(),
                c.cert.display(),
                c.key.display()
            );
            p
        });
        std::fs::write(&conf, text).expect("write mosquitto.conf");
        let child = Command::new("/usr/sbin/mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mosquitto");
        let mut m = Mosquitto {
            child,
            dir,
            port,
            tls_port,
        };
        let deadline = Instant::now() + DEADLINE;
        let listening = |p: u16| TcpStream::connect(("127.0.0.1", p)).is_ok();
        while !listening(port) || !tls_port.is_none_or(listening) {
            if let Ok(Some(status)) = m.child.try_wait() {
                panic!("mosquitto exited with {status}:\n{}", m.log());
            }
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen within 30s:\n{}",
                m.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        m
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ssl://127.0.0.1:<tls port>` of a broker started with `start_tls`.
    pub fn tls_url(&self) -> String {
        format!(
            "ssl://127.0.0.1:{}",
            self.tls_port.expect("started with start_tls")
        )
    }

    /// `tcp://127.0.0.1:<port>`, an `[[mqtt]] url`.
    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// Subscribes to `topic` (QoS 2, so a message keeps the QoS it was
    /// published with) and returns once the broker acknowledged it.
    pub fn subscribe(&self, topic: &str) -> Subscriber {
        need("/usr/bin/mosquitto_sub", "mosquitto-clients");
        // Line-buffered: piped stdio is block-buffered, and the SUBACK line
        // must arrive before anything is published.
        let mut child = Command::new("stdbuf")
            .args(["-oL", "/usr/bin/mosquitto_sub"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-t", topic, "-q", "2", "-d"])
            // One line per message: a marker the debug lines never start
            // with, the flags, and the payload in hex (exact bytes).
            .args(["-F", "MSG %r %q %t %x"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mosquitto_sub");
        let lines = read_lines(child.stdout.take().expect("stdout"));
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(l) if l.starts_with("Subscribed") => break,
                Ok(_) => {}
                Err(_) => panic!("mosquitto_sub did not subscribe within 30s"),
            }
        }
        Subscriber { child, lines }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_lines(out: ChildStdout) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// A message as the subscriber received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub topic: String,
    pub qos: u8,
    pub retained: bool,
    pub payload: Vec<u8>,
}

pub struct Subscriber {
    child: Child,
    lines: Receiver<String>,
}

impl Subscriber {
    /// The next message, waiting up to 30s.
    pub fn next(&self) -> Received {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("no MQTT message within 30s");
            let Some(rest) = line.strip_prefix("MSG ") else {
                continue;
            };
            let mut parts = rest.splitn(4, ' ');
            let retained = parts.next() == Some("1");
            let qos = parts.next().and_then(|q| q.parse().ok()).expect("qos");
            let topic = parts.next().expect("topic").to_string();
            let hex = parts.next().unwrap_or("");
            let payload = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex payload"))
                .collect();
            return Received {
                topic,
                qos,
                retained,
                payload,
            };
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
