//! A UDP subscription listener (api.md §4.2, `subscription-protocol =
//! "udp"`): one per subscribed (db, rp), bound to `<udp-bind>:<port>`, each
//! datagram line protocol written into that db/rp through the same engine
//! write path as `/write`.
//!
//! Two threads: a reader that only receives (so the socket buffer drains
//! at the network's pace) and hands datagrams over a queue of `udp-buffer`
//! packets to a writer that parses and routes them. When the queue is full
//! the datagram is dropped and counted rather than stalling the reader: UDP
//! has no backpressure, and a reader blocked on a slow task would only move
//! the loss into the kernel. `udp-read-buffer` (non-zero) sets SO_RCVBUF.

use runtime::engine::WriteBatch;
use runtime::line_protocol::{Parser, Precision};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Where parsed writes go (the engine, in the server).
pub type Ingest = Arc<dyn Fn(WriteBatch) + Send + Sync>;

/// The largest datagram (Kapacitor's UDP service reads 64 KiB).
const MAX_DATAGRAM: usize = 64 * 1024;
/// How often the threads look at the stop flag.
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
pub struct UdpStats {
    pub datagrams: AtomicU64,
    pub points: AtomicU64,
    /// Dropped because the queue to the writer was full.
    pub dropped: AtomicU64,
    /// Dropped because a line did not parse (the whole datagram, as
    /// InfluxDB's UDP service does).
    pub bad: AtomicU64,
}

pub struct UdpListener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    pub stats: Arc<UdpStats>,
}

#[derive(Debug)]
pub enum UdpError {
    Resolve(String),
    Io(std::io::Error),
}

impl std::fmt::Display for UdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UdpError::Resolve(a) => write!(f, "cannot resolve UDP bind address {a:?}"),
            UdpError::Io(e) => write!(f, "UDP listener: {e}"),
        }
    }
}

impl std::error::Error for UdpError {}

impl UdpListener {
    /// Bind `<bind>:<port>` (`bind` empty = every interface; port 0 = any).
    pub fn start(
        bind: &str,
        port: u16,
        db: &str,
        rp: &str,
        buffer: usize,
        read_buffer: usize,
        ingest: Ingest,
    ) -> Result<UdpListener, UdpError> {
        Self::start_with_precision(
            bind,
            port,
            db,
            rp,
            Precision::Nanoseconds,
            buffer,
            read_buffer,
            ingest,
        )
    }

    /// `start`, with timestamps read in `precision` (the `[[udp]]` input).
    #[allow(clippy::too_many_arguments)]
    pub fn start_with_precision(
        bind: &str,
        port: u16,
        db: &str,
        rp: &str,
        precision: Precision,
        buffer: usize,
        read_buffer: usize,
        ingest: Ingest,
    ) -> Result<UdpListener, UdpError> {
        let host = if bind.is_empty() { "0.0.0.0" } else { bind };
        let text = format!("{host}:{port}");
        let addr = text
            .to_socket_addrs()
            .map_err(|_| UdpError::Resolve(text.clone()))?
            .next()
            .ok_or(UdpError::Resolve(text))?;
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )
        .map_err(UdpError::Io)?;
        if read_buffer > 0 {
            socket
                .set_recv_buffer_size(read_buffer)
                .map_err(UdpError::Io)?;
        }
        socket.bind(&addr.into()).map_err(UdpError::Io)?;
        let socket: UdpSocket = socket.into();
        socket.set_read_timeout(Some(POLL)).map_err(UdpError::Io)?;
        let addr = socket.local_addr().map_err(UdpError::Io)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(UdpStats::default());
        let (tx, rx) = sync_channel::<Vec<u8>>(buffer.max(1));

        let reader = {
            let (stop, stats) = (stop.clone(), stats.clone());
            std::thread::Builder::new()
                .name(format!("udp-read-{}", addr.port()))
                .spawn(move || {
                    let mut buf = vec![0u8; MAX_DATAGRAM];
                    while !stop.load(Ordering::Relaxed) {
                        let Ok((n, _)) = socket.recv_from(&mut buf) else {
                            continue;
                        };
                        stats.datagrams.fetch_add(1, Ordering::Relaxed);
                        match tx.try_send(buf[..n].to_vec()) {
                            Ok(()) => {}
                            Err(TrySendError::Full(_)) => {
                                stats.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(TrySendError::Disconnected(_)) => return,
                        }
                    }
                })
                .map_err(UdpError::Io)?
        };
        let writer = {
            let (stop, stats) = (stop.clone(), stats.clone());
            let (db, rp) = (db.to_string(), rp.to_string());
            std::thread::Builder::new()
                .name(format!("udp-write-{}", addr.port()))
                .spawn(move || loop {
                    match rx.recv_timeout(POLL) {
                        Ok(datagram) => {
                            write_datagram(&datagram, &db, &rp, precision, &stats, &ingest)
                        }
                        Err(RecvTimeoutError::Timeout) if !stop.load(Ordering::Relaxed) => {}
                        Err(_) => return,
                    }
                })
                .map_err(UdpError::Io)?
        };
        Ok(UdpListener {
            addr,
            stop,
            threads: vec![reader, writer],
            stats,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

fn write_datagram(
    datagram: &[u8],
    db: &str,
    rp: &str,
    precision: Precision,
    stats: &UdpStats,
    ingest: &Ingest,
) {
    let Ok(text) = std::str::from_utf8(datagram) else {
        stats.bad.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let mut parser = Parser::new(db, rp, precision);
    let now = crate::ids::now_ns();
    let mut points = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        parser.default_time = now;
        match parser.parse_line(line, i + 1) {
            Some(Ok(p)) => points.push(p),
            Some(Err(e)) => {
                stats.bad.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(db, rp, "UDP: unable to parse '{}': {}", e.text, e.reason);
                return;
            }
            None => {}
        }
    }
    if points.is_empty() {
        return;
    }
    stats
        .points
        .fetch_add(points.len() as u64, Ordering::Relaxed);
    ingest(WriteBatch::new(db, rp, points));
}

impl Drop for UdpListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn datagrams_become_writes_into_the_listeners_db_and_rp() {
        let got: Arc<Mutex<Vec<(String, String, usize)>>> = Arc::default();
        let sink = got.clone();
        let l = UdpListener::start(
            "127.0.0.1",
            0,
            "db",
            "rp",
            10,
            0,
            Arc::new(move |b: WriteBatch| {
                sink.lock().unwrap().push((
                    b.database.to_string(),
                    b.retention_policy.to_string(),
                    b.points.len(),
                ))
            }),
        )
        .expect("listener");
        let s = UdpSocket::bind("127.0.0.1:0").expect("client socket");
        let to = format!("127.0.0.1:{}", l.port());
        s.send_to(b"cpu v=1 1\ncpu v=2 2\n", &to).expect("send");
        s.send_to(b"not line protocol", &to).expect("send");
        let t = std::time::Instant::now();
        while l.stats.bad.load(Ordering::Relaxed) == 0 && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(*got.lock().unwrap(), vec![("db".into(), "rp".into(), 2)]);
        assert_eq!(l.stats.points.load(Ordering::Relaxed), 2);
        assert_eq!(l.stats.bad.load(Ordering::Relaxed), 1);
        drop(l);
    }
}
