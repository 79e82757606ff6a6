//! One connection to a UDF agent — a child process on stdin/stdout or a
//! unix socket — as Kapacitor's `udf.Server` drives it (`udf/server.go`):
//! a writer thread (requests, framed), a reader thread (responses, framed),
//! a keepalive every `timeout / 2`, and any response resetting the
//! keepalive clock.
//!
//! Nothing here can block its caller for longer than `timeout`: requests go
//! through a bounded queue with a send timeout (an agent that stops reading
//! its input is detected, not waited on forever — Kapacitor issue #1174),
//! responses come back through a channel read with a deadline. Liveness is
//! measured on the monotonic clock: it is about the agent process, never
//! about data time.

use super::config::UdfFunction;
use super::framing::{read_message, write_message, FrameError};
use super::proto::{self, request, response};
use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, SendTimeoutError, Sender};
use std::collections::VecDeque;
use std::fmt;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests queued for the writer thread before a sender waits.
const QUEUE: usize = 1024;

/// Why an agent cannot be used (any of these makes the node restart it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentError {
    /// The program did not start or the socket did not accept.
    Start(String),
    /// No answer to `what` within the timeout.
    Timeout {
        what: &'static str,
        timeout: Duration,
    },
    /// The agent's output ended or broke (exit, crash, garbage).
    Closed(String),
    /// The agent sent an ErrorResponse.
    Agent(String),
    /// InitResponse with success = false.
    Init(String),
    /// RestoreResponse with success = false.
    Restore(String),
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentError::Start(e) => write!(f, "failed to start: {e}"),
            AgentError::Timeout { what, timeout } => {
                let t = compiler::golang::duration::duration_string(timeout.as_nanos() as i64);
                write!(f, "{what} timed out after {t}")
            }
            AgentError::Closed(e) => f.write_str(e),
            AgentError::Agent(e) => write!(f, "agent error: {e}"),
            AgentError::Init(e) => write!(f, "failed to initialize processes {e}"),
            AgentError::Restore(e) => write!(f, "error restoring snapshot: {e}"),
        }
    }
}

impl std::error::Error for AgentError {}

/// What the reader and writer threads report.
enum Event {
    /// Boxed: a response is large, an end is small.
    Response(Box<response::Message>),
    /// The output ended: `None` at a clean EOF, else the error.
    Closed(Option<String>),
}

/// A live connection to one agent.
pub struct Agent {
    name: String,
    timeout: Duration,
    requests: Option<Sender<proto::Request>>,
    events: Receiver<Event>,
    /// Dropping it stops the keepalive thread.
    stop_keepalive: Option<Sender<()>>,
    child: Option<Child>,
    socket: Option<UnixStream>,
    epoch: Instant,
    /// Milliseconds since `epoch` of the last response of any kind.
    last_heard: Arc<AtomicU64>,
    /// Data responses read while waiting for a management response.
    pending: VecDeque<response::Message>,
    closed: Option<Option<String>>,
}

impl Agent {
    /// Starts the program or connects to the socket of `f`.
    pub fn open(name: &str, f: &UdfFunction) -> Result<Agent, AgentError> {
        let timeout = f.timeout();
        let (input, output, child, socket): (Box<dyn Write + Send>, Box<dyn Read + Send>, _, _) =
            if !f.socket.is_empty() {
                let s = connect(&f.socket, timeout)?;
                let r = s
                    .try_clone()
                    .map_err(|e| AgentError::Start(e.to_string()))?;
                let w = s
                    .try_clone()
                    .map_err(|e| AgentError::Start(e.to_string()))?;
                (Box::new(SocketWriter(w)), Box::new(r), None, Some(s))
            } else {
                if f.prog.is_empty() {
                    return Err(AgentError::Start("neither prog nor socket is set".into()));
                }
                let mut child = Command::new(&f.prog)
                    .args(&f.args)
                    .envs(&f.env)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| AgentError::Start(format!("{}: {e}", f.prog)))?;
                let stdin = child.stdin.take().expect("piped stdin");
                let stdout = child.stdout.take().expect("piped stdout");
                let stderr = child.stderr.take().expect("piped stderr");
                log_stderr(name, stderr);
                (Box::new(stdin), Box::new(stdout), Some(child), None)
            };
        let epoch = Instant::now();
        let last_heard = Arc::new(AtomicU64::new(0));
        let (req_tx, req_rx) = bounded::<proto::Request>(QUEUE);
        let (ev_tx, ev_rx) = unbounded::<Event>();
        spawn_writer(name, input, req_rx, ev_tx.clone());
        spawn_reader(name, output, ev_tx, epoch, last_heard.clone());
        let (stop_tx, stop_rx) = bounded::<()>(0);
        spawn_keepalive(name, timeout, req_tx.clone(), stop_rx);
        Ok(Agent {
            name: name.to_string(),
            timeout,
            requests: Some(req_tx),
            events: ev_rx,
            stop_keepalive: Some(stop_tx),
            child,
            socket,
            epoch,
            last_heard,
            pending: VecDeque::new(),
            closed: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Asks for the agent's info.
    pub fn info(&mut self) -> Result<proto::InfoResponse, AgentError> {
        match self.call(
            request::Message::Info(proto::InfoRequest {}),
            "info request",
        )? {
            response::Message::Info(i) => Ok(i),
            _ => unreachable!("call returns the matching response"),
        }
    }

    /// Initialises the agent with the node's options.
    pub fn init(&mut self, init: proto::InitRequest) -> Result<(), AgentError> {
        match self.call(request::Message::Init(init), "init request")? {
            response::Message::Init(r) if r.success => Ok(()),
            response::Message::Init(r) => Err(AgentError::Init(r.error)),
            _ => unreachable!("call returns the matching response"),
        }
    }

    /// The agent's serialized state.
    pub fn snapshot(&mut self) -> Result<Vec<u8>, AgentError> {
        match self.call(
            request::Message::Snapshot(proto::SnapshotRequest {}),
            "snapshot request",
        )? {
            response::Message::Snapshot(s) => Ok(s.snapshot),
            _ => unreachable!("call returns the matching response"),
        }
    }

    /// Restores state from a snapshot.
    pub fn restore(&mut self, snapshot: Vec<u8>) -> Result<(), AgentError> {
        match self.call(
            request::Message::Restore(proto::RestoreRequest { snapshot }),
            "restore request",
        )? {
            response::Message::Restore(r) if r.success => Ok(()),
            response::Message::Restore(r) => Err(AgentError::Restore(r.error)),
            _ => unreachable!("call returns the matching response"),
        }
    }

    /// Queues a data request; waits at most the timeout for queue space.
    pub fn send(&mut self, msg: request::Message) -> Result<(), AgentError> {
        self.check_alive()?;
        let Some(tx) = &self.requests else {
            return Err(AgentError::Closed("agent already closed".into()));
        };
        match tx.send_timeout(proto::Request { message: Some(msg) }, self.timeout) {
            Ok(()) => Ok(()),
            Err(SendTimeoutError::Timeout(_)) => Err(AgentError::Timeout {
                what: "writing to the agent",
                timeout: self.timeout,
            }),
            Err(SendTimeoutError::Disconnected(_)) => Err(self.closed_error()),
        }
    }

    /// Every response that has arrived, without waiting; then whether the
    /// agent is still healthy (alive, answering keepalives in time).
    pub fn poll(&mut self, out: &mut Vec<response::Message>) -> Result<(), AgentError> {
        out.extend(self.pending.drain(..));
        while let Ok(ev) = self.events.try_recv() {
            match ev {
                Event::Response(m) => match *m {
                    response::Message::Error(e) => return Err(AgentError::Agent(e.error)),
                    m => out.push(m),
                },
                Event::Closed(e) => self.closed = Some(e),
            }
        }
        self.check_alive()
    }

    /// Ends the agent's input and collects what it still answers until its
    /// output ends or the timeout passes (Kapacitor's `Close`), then stops it.
    pub fn close(mut self, out: &mut Vec<response::Message>) -> Result<(), AgentError> {
        self.requests = None;
        self.stop_keepalive = None;
        out.extend(self.pending.drain(..));
        let deadline = Instant::now() + self.timeout;
        let mut result = Ok(());
        while self.closed.is_none() {
            match self.events.recv_deadline(deadline) {
                Ok(Event::Response(m)) => match *m {
                    response::Message::Error(e) => {
                        result = Err(AgentError::Agent(e.error));
                        break;
                    }
                    m => out.push(m),
                },
                Ok(Event::Closed(e)) => self.closed = Some(e),
                Err(_) => {
                    result = Err(AgentError::Timeout {
                        what: "closing the agent",
                        timeout: self.timeout,
                    });
                    break;
                }
            }
        }
        if let Some(Some(e)) = &self.closed {
            result = result.and(Err(AgentError::Closed(e.clone())));
        }
        // A process that ended its output must also end well.
        if let (Ok(()), Some(child)) = (&result, &mut self.child) {
            loop {
                match child.try_wait() {
                    Ok(Some(status)) if !status.success() => {
                        result = Err(AgentError::Closed(format!(
                            "process exited unexpectedly: {status}"
                        )));
                        break;
                    }
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    _ => break,
                }
            }
        }
        result
    }

    /// Sends a management request and waits (at most the timeout) for its
    /// response; data responses read meanwhile are kept for `poll`.
    fn call(
        &mut self,
        msg: request::Message,
        what: &'static str,
    ) -> Result<response::Message, AgentError> {
        let want = std::mem::discriminant(&match &msg {
            request::Message::Info(_) => response::Message::Info(Default::default()),
            request::Message::Init(_) => response::Message::Init(Default::default()),
            request::Message::Snapshot(_) => response::Message::Snapshot(Default::default()),
            request::Message::Restore(_) => response::Message::Restore(Default::default()),
            _ => response::Message::Keepalive(Default::default()),
        });
        self.send(msg)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            if self.closed.is_some() {
                return Err(self.closed_error());
            }
            match self.events.recv_deadline(deadline) {
                Ok(Event::Response(m)) => match *m {
                    m if std::mem::discriminant(&m) == want => return Ok(m),
                    response::Message::Error(e) => return Err(AgentError::Agent(e.error)),
                    response::Message::Keepalive(_) => {}
                    m => self.pending.push_back(m),
                },
                Ok(Event::Closed(e)) => self.closed = Some(e),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(AgentError::Timeout {
                        what,
                        timeout: self.timeout,
                    })
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = Some(Some("agent connection lost".into()));
                }
            }
        }
    }

    fn check_alive(&mut self) -> Result<(), AgentError> {
        if self.closed.is_some() {
            return Err(self.closed_error());
        }
        let heard = Duration::from_millis(self.last_heard.load(Ordering::Relaxed));
        let silent = self.epoch.elapsed().saturating_sub(heard);
        if silent > self.timeout {
            return Err(AgentError::Timeout {
                what: "keepalive",
                timeout: self.timeout,
            });
        }
        Ok(())
    }

    /// The agent's output ended: say how (exit status for a process).
    fn closed_error(&mut self) -> AgentError {
        let reason = self.closed.clone().flatten();
        if let Some(child) = &mut self.child {
            // The output ends just before the process does: give it a moment.
            let deadline = Instant::now() + Duration::from_millis(500);
            loop {
                match child.try_wait() {
                    Ok(Some(status)) if !status.success() || reason.is_none() => {
                        return AgentError::Closed(format!(
                            "process exited unexpectedly: {status}"
                        ));
                    }
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    _ => break,
                }
            }
        }
        AgentError::Closed(reason.unwrap_or_else(|| "agent closed its output".into()))
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.requests = None;
        self.stop_keepalive = None;
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(s) = &self.socket {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Connects to a unix socket, retrying with backoff until `timeout` (an
/// agent may still be starting; Kapacitor retries for up to 5 minutes, we
/// keep to the function's timeout so a task start is bounded).
fn connect(path: &str, timeout: Duration) -> Result<UnixStream, AgentError> {
    let deadline = Instant::now() + timeout;
    let mut wait = Duration::from_millis(10);
    loop {
        match UnixStream::connect(path) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() + wait > deadline => {
                return Err(AgentError::Start(format!("dial unix {path}: {e}")))
            }
            Err(_) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(500));
            }
        }
    }
}

/// The write half of a socket: closing it shuts down writing only, so the
/// agent sees EOF while its answers can still be read.
struct SocketWriter(UnixStream);

impl Write for SocketWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Drop for SocketWriter {
    fn drop(&mut self) {
        let _ = self.0.shutdown(std::net::Shutdown::Write);
    }
}

fn spawn_writer(
    name: &str,
    input: Box<dyn Write + Send>,
    requests: Receiver<proto::Request>,
    events: Sender<Event>,
) {
    let _ = std::thread::Builder::new()
        .name(format!("udf-{name}-write"))
        .spawn(move || {
            let mut w = BufWriter::new(input);
            for req in requests.iter() {
                let mut r = write_message(&req, &mut w);
                // Flush when the queue is empty: batches of requests go out
                // in few writes, a lone request goes out at once.
                if r.is_ok() && requests.is_empty() {
                    r = w.flush();
                }
                if let Err(e) = r {
                    let _ = events.send(Event::Closed(Some(format!("write error: {e}"))));
                    return;
                }
            }
            let _ = w.flush();
            // Dropping `w` closes the agent's input (stdin, or the socket's write half).
        });
}

fn spawn_reader(
    name: &str,
    output: Box<dyn Read + Send>,
    events: Sender<Event>,
    epoch: Instant,
    last_heard: Arc<AtomicU64>,
) {
    let _ = std::thread::Builder::new()
        .name(format!("udf-{name}-read"))
        .spawn(move || {
            let mut r = BufReader::new(output);
            let mut buf = Vec::new();
            loop {
                match read_message::<proto::Response>(&mut r, &mut buf) {
                    Ok(resp) => {
                        last_heard.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
                        let Some(m) = resp.message else {
                            // An empty Response: counts as a sign of life only.
                            continue;
                        };
                        if events.send(Event::Response(Box::new(m))).is_err() {
                            return;
                        }
                    }
                    Err(FrameError::Eof) => {
                        let _ = events.send(Event::Closed(None));
                        return;
                    }
                    Err(e) => {
                        let _ = events.send(Event::Closed(Some(format!("read error: {e}"))));
                        return;
                    }
                }
            }
        });
}

fn spawn_keepalive(
    name: &str,
    timeout: Duration,
    requests: Sender<proto::Request>,
    stop: Receiver<()>,
) {
    let _ = std::thread::Builder::new()
        .name(format!("udf-{name}-keepalive"))
        .spawn(move || loop {
            match stop.recv_timeout(timeout / 2) {
                Err(RecvTimeoutError::Timeout) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos() as i64);
                    let req = proto::Request {
                        message: Some(request::Message::Keepalive(proto::KeepaliveRequest {
                            time: now,
                        })),
                    };
                    // A full queue means the agent is not reading: the
                    // missing answer is what the node will notice.
                    let _ = requests.try_send(req);
                }
                _ => return,
            }
        });
}

/// Lines the agent writes on stderr go to our log (Kapacitor logs them as `I!P`).
fn log_stderr(name: &str, stderr: impl Read + Send + 'static) {
    let name = name.to_string();
    let _ = std::thread::Builder::new()
        .name(format!("udf-{name}-stderr"))
        .spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                tracing::info!(udf = %name, "P {line}");
            }
        });
}
