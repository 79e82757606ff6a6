//! The listeners the inputs share: `UdpServer` (a thread handing each
//! datagram to the service: graphite's `udp` protocol, collectd) and, for the
//! line-oriented TCP inputs (graphite's `tcp` protocol, OpenTSDB's telnet
//! `put`), `TcpServer`, a listener thread handing each connection to its own
//! thread, and the reading loop that turns lines into points and
//! writes them in batches — everything already buffered is parsed before one
//! write, so a burst of lines is one engine write, and a lone line is written
//! at once (no batch timer to wait for).

use crate::udp::Ingest;
use runtime::engine::WriteBatch;
use runtime::message::Point;
use std::io::BufRead;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Parses one line, pushing its points (a bad line is logged by the parser
/// and pushes none).
pub type LineParser = Arc<dyn Fn(&str, &mut Vec<Point>) + Send + Sync>;

/// A TCP listener with a thread per connection; dropping it stops accepting.
pub struct TcpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TcpServer {
    /// Serves `listener`, calling `conn` on a new thread for each connection.
    pub fn start(
        listener: TcpListener,
        name: &str,
        conn: Arc<dyn Fn(TcpStream) + Send + Sync>,
    ) -> std::io::Result<TcpServer> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let accept = std::thread::Builder::new()
            .name(format!("{name}-accept"))
            .spawn(move || {
                for stream in listener.incoming() {
                    if flag.load(Ordering::Relaxed) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let conn = conn.clone();
                    let _ = std::thread::Builder::new().spawn(move || conn(stream));
                }
            })?;
        Ok(TcpServer {
            addr,
            stop,
            accept: Some(accept),
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the blocked accept so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Reads `reader` to its end, line by line, writing the points into `db`/`rp`.
pub fn read_lines<R: std::io::Read>(
    mut reader: std::io::BufReader<R>,
    parse: &LineParser,
    db: &str,
    rp: &str,
    ingest: &Ingest,
) {
    let mut points = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if !text.trim().is_empty() {
            parse(text, &mut points);
        }
        if reader.buffer().is_empty() && !points.is_empty() {
            ingest(WriteBatch::new(db, rp, std::mem::take(&mut points)));
        }
    }
    if !points.is_empty() {
        ingest(WriteBatch::new(db, rp, points));
    }
}

/// A UDP socket served by one thread; dropping it stops the thread.
pub struct UdpServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl UdpServer {
    /// Serves `socket`, calling `datagram` with each datagram received.
    pub fn start(
        socket: std::net::UdpSocket,
        name: &str,
        datagram: impl Fn(&[u8]) + Send + 'static,
    ) -> std::io::Result<UdpServer> {
        socket.set_read_timeout(Some(std::time::Duration::from_millis(100)))?;
        let port = socket.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-udp"))
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                while !flag.load(Ordering::Relaxed) {
                    if let Ok((n, _)) = socket.recv_from(&mut buf) {
                        datagram(&buf[..n]);
                    }
                }
            })?;
        Ok(UdpServer {
            port,
            stop,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for UdpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
