//! A local HTTP listener that plays an API no real server exists for here
//! (Kubernetes, Docker Swarm, AWS Auto Scaling): each request is recorded
//! exactly (method, path with query, lower-cased headers, body) and answered
//! by the test's closure. One request per connection (`Connection: close`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the listener received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Lower-cased names, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The answer: status and body (sent as `application/json` unless it starts with `<`).
pub type Answer = (u16, String);

type Handler = dyn Fn(&Recorded) -> Answer + Send + Sync;

/// The listener. Its accept thread lives until the test process ends (a
/// test binary is short-lived; nothing connects once the test is done).
pub struct Recorder {
    pub port: u16,
    calls: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    /// Listens on a free loopback port, answering with `answer`.
    pub fn start(answer: impl Fn(&Recorded) -> Answer + Send + Sync + 'static) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let answer: Arc<Handler> = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = seen.clone();
                let answer = answer.clone();
                std::thread::spawn(move || {
                    if let Some(req) = read_request(&stream) {
                        let (status, body) = answer(&req);
                        seen.lock().expect("calls lock").push(req);
                        let ctype = if body.starts_with('<') {
                            "text/xml"
                        } else {
                            "application/json"
                        };
                        let mut w = stream;
                        let _ = write!(
                            w,
                            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                });
            }
        });
        Recorder { port, calls }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests so far.
    pub fn calls(&self) -> Vec<Recorded> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// Waits (up to `deadline`) until at least `n` requests arrived.
    pub fn wait_for(&self, n: usize, deadline: Duration) -> Vec<Recorded> {
        let end = Instant::now() + deadline;
        loop {
            let calls = self.calls();
            if calls.len() >= n || Instant::now() > end {
                return calls;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_request(stream: &std::net::TcpStream) -> Option<Recorded> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l).ok()?;
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}
