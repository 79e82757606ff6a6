//! `influxDBOut()` (reference §4.2 "Outputs"; api.md §4.1): `cluster`,
//! `database`, `retentionPolicy`, `measurement` (default: the point's name),
//! `writeConsistency`, `precision`, `buffer` (1000), `flushInterval` (10s),
//! `tag(k, v)` (static tags override the point's), `create()`. Empty db/rp →
//! the point's own. Stats `points_written`, `write_errors`. Terminal.
//!
//! In `tickc run` every written point is output as
//! `{"kind":"point","node":"influxdb_out4","line":"<line protocol>"}`
//! (timestamps in the node's precision). [`Writer`] is the real buffered
//! line-protocol writer over HTTP (`POST <url>/write?consistency=&db=&
//! precision=&rp=`, gzip body); the server wires it to the configured
//! cluster (`tickc run` has no InfluxDB to talk to).

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::line_protocol::{write_line, Precision};
use crate::message::{Message, Point, Str};
use crate::output::Output;
use compiler::ir::{self, Arg};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

/// What a point is rewritten with before it is written.
pub struct PointRewrite {
    pub database: Option<Str>,
    pub retention_policy: Option<Str>,
    pub measurement: Option<Str>,
    pub tags: Vec<(Str, Str)>,
    pub precision: Precision,
}

impl PointRewrite {
    pub fn from_ir(node: &ir::Node) -> Result<PointRewrite, BuildError> {
        let nonempty = |name: &str| node.string(name).filter(|s| !s.is_empty()).map(Str::from);
        let mut tags = Vec::new();
        for p in node.props_named("tag") {
            match (
                p.arg(0).and_then(Arg::as_str),
                p.arg(1).and_then(Arg::as_str),
            ) {
                (Some(k), Some(v)) => tags.push((Str::from(k), Str::from(v))),
                _ => return Err(BuildError::new(node, "tag needs a key and a value")),
            }
        }
        let precision = match node.string("precision") {
            None => Precision::Nanoseconds,
            Some(p) => Precision::parse(p)
                .ok_or_else(|| BuildError::new(node, format!("invalid precision {p:?}")))?,
        };
        Ok(PointRewrite {
            database: nonempty("database"),
            retention_policy: nonempty("retentionPolicy"),
            measurement: nonempty("measurement"),
            tags,
            precision,
        })
    }

    /// The point as written: measurement, static tags, db/rp applied.
    pub fn apply(&self, mut p: Point) -> Point {
        if let Some(m) = &self.measurement {
            p.name = m.clone();
        }
        if let Some(db) = &self.database {
            p.database = db.clone();
        }
        if let Some(rp) = &self.retention_policy {
            p.retention_policy = rp.clone();
        }
        for (k, v) in &self.tags {
            set(&mut p.tags, k, v.clone());
        }
        p
    }

    /// Every point a message writes (a batch writes each of its points).
    pub fn points(&self, msg: &Message) -> Vec<Point> {
        match msg {
            Message::Point(p) => vec![self.apply((**p).clone())],
            Message::Batch(b) => b
                .points
                .iter()
                .map(|bp| {
                    self.apply(Point {
                        name: b.name.clone(),
                        database: Str::from(""),
                        retention_policy: Str::from(""),
                        tags: bp.tags.clone(),
                        fields: bp.fields.clone(),
                        time: bp.time,
                        group: b.group.clone(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

pub struct InfluxDbOut {
    rewrite: PointRewrite,
    line: String,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    if node.int("buffer").is_some_and(|b| b <= 0) {
        return Err(BuildError::new(node, "buffer must be > 0"));
    }
    Ok(Box::new(InfluxDbOut {
        rewrite: PointRewrite::from_ir(node)?,
        line: String::with_capacity(128),
    }))
}

/// Output each written point as a `point` line; returns how many.
pub fn output_points(
    rewrite: &PointRewrite,
    line: &mut String,
    msg: &Message,
    cx: &mut NodeCx<'_>,
) -> i64 {
    let mut n = 0;
    for p in rewrite.points(msg) {
        line.clear();
        write_line(line, &p, rewrite.precision);
        let node = cx.node;
        cx.output(Output::Point { node, line });
        n += 1;
    }
    n
}

impl NodeImpl for InfluxDbOut {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        cx.stats.register("points_written");
        cx.stats.register("write_errors");
        let n = output_points(&self.rewrite, &mut self.line, &msg, cx);
        cx.stats.add("points_written", n);
        Ok(())
    }
}

/// Where and how a batch of lines is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WriteKey {
    pub database: String,
    pub retention_policy: String,
    /// `n`, `u`, `ms`, `s`, `m`, `h` or empty.
    pub precision: String,
    pub consistency: String,
}

/// Why a write to InfluxDB failed (the message keeps Kapacitor's
/// `write failed: …` wording).
#[derive(Debug)]
pub enum WriteError {
    /// The server answered with a status other than 200/204.
    Status { status: u16, body: String },
    /// No answer: connection, TLS or timeout failure.
    Transport(String),
    /// Compressing the body failed.
    Gzip(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Status { status, body } => {
                write!(f, "write failed: status {status}: {body}")
            }
            WriteError::Transport(e) => write!(f, "write failed: {e}"),
            WriteError::Gzip(e) => write!(f, "write failed: gzip: {e}"),
        }
    }
}

impl std::error::Error for WriteError {}

/// A buffered line-protocol writer to one InfluxDB 1.x URL: lines are
/// buffered per (db, rp, precision, consistency) and written when a buffer
/// holds `buffer` lines, when `flush_due` finds it older than the flush
/// interval, or on `flush_all`.
pub struct Writer {
    base_url: String,
    agent: ureq::Agent,
    gzip: bool,
    buffer: usize,
    flush_interval: i64,
    pending: BTreeMap<WriteKey, (i64, String, usize)>,
}

impl Writer {
    /// `flush_interval` in ns; `gzip` = the cluster's compression is not "none".
    pub fn new(
        base_url: &str,
        buffer: usize,
        flush_interval: i64,
        gzip: bool,
        timeout: Duration,
    ) -> Writer {
        Writer {
            base_url: base_url.trim_end_matches('/').to_string(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(timeout))
                .build()
                .into(),
            gzip,
            buffer: buffer.max(1),
            flush_interval,
            pending: BTreeMap::new(),
        }
    }

    /// Buffer one line (no newline) written at time `now` (ns).
    pub fn write(&mut self, key: &WriteKey, line: &str, now: i64) -> Result<(), WriteError> {
        let entry = self
            .pending
            .entry(key.clone())
            .or_insert_with(|| (now, String::new(), 0));
        entry.1.push_str(line);
        entry.1.push('\n');
        entry.2 += 1;
        if entry.2 >= self.buffer {
            let (_, body, _) = self.pending.remove(key).expect("present");
            return self.send(key, body);
        }
        Ok(())
    }

    /// Write the buffers older than the flush interval at `now`.
    pub fn flush_due(&mut self, now: i64) -> Result<(), WriteError> {
        let due: Vec<WriteKey> = self
            .pending
            .iter()
            // Saturating: data times far apart are simply "long enough ago".
            .filter(|(_, (since, _, _))| now.saturating_sub(*since) >= self.flush_interval)
            .map(|(k, _)| k.clone())
            .collect();
        let mut result = Ok(());
        for k in due {
            let (_, body, _) = self.pending.remove(&k).expect("present");
            if let Err(e) = self.send(&k, body) {
                result = Err(e);
            }
        }
        result
    }

    pub fn flush_all(&mut self) -> Result<(), WriteError> {
        self.flush_due(i64::MAX)
    }

    /// The write URL: parameters sorted by name, empty ones included.
    pub fn url(&self, key: &WriteKey) -> String {
        format!(
            "{}/write?consistency={}&db={}&precision={}&rp={}",
            self.base_url,
            encode(&key.consistency),
            encode(&key.database),
            encode(&key.precision),
            encode(&key.retention_policy)
        )
    }

    fn send(&self, key: &WriteKey, body: String) -> Result<(), WriteError> {
        let url = self.url(key);
        let req = self
            .agent
            .post(&url)
            .header("Content-Type", "application/octet-stream")
            .header("User-Agent", "KapacitorInfluxDBClient");
        let resp = if self.gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(body.as_bytes()).map_err(WriteError::Gzip)?;
            let gz = enc.finish().map_err(WriteError::Gzip)?;
            req.header("Content-Encoding", "gzip").send(&gz[..])
        } else {
            req.send(body.as_bytes())
        };
        match resp {
            Ok(mut r) => {
                let status = r.status().as_u16();
                if status == 200 || status == 204 {
                    Ok(())
                } else {
                    let text = r.body_mut().read_to_string().unwrap_or_default();
                    Err(WriteError::Status { status, body: text })
                }
            }
            Err(e) => Err(WriteError::Transport(e.to_string())),
        }
    }
}

/// Query-string encoding (Go `url.Values.Encode`: space → `+`).
fn encode(s: &str) -> String {
    compiler::golang::query_escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn outputs_rewritten_lines() {
        let mut h = Harness::new(
            false,
            NodeKind::InfluxDbOut,
            vec![],
            vec![
                ("measurement", vec![s("out")]),
                ("tag", vec![s("host"), s("z")]),
                ("precision", vec![s("s")]),
            ],
        );
        h.point(point(
            "cpu",
            &[("host", "a"), ("dc", "e")],
            &[("v", f(1.5))],
            secs(7),
        ));
        assert_eq!(
            h.sink.lines,
            vec!["{\"kind\":\"point\",\"node\":\"influxdb_out1\",\"line\":\"out,dc=e,host=z v=1.5 7\"}\n"]
        );
        assert_eq!(h.stats.get("points_written"), Some(1));
        assert!(h.take().is_empty(), "terminal node");
    }

    fn serve_once(l: TcpListener) -> std::thread::JoinHandle<crate::node::harness::Received> {
        crate::node::harness::serve_once(l, 204)
    }

    #[test]
    fn writer_posts_gzip_line_protocol_when_the_buffer_fills() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = serve_once(listener);
        let mut w = Writer::new(
            &format!("http://{addr}"),
            2,
            secs(10),
            true,
            Duration::from_secs(5),
        );
        let key = WriteKey {
            database: "db".into(),
            retention_policy: "rp one".into(),
            precision: "s".into(),
            consistency: String::new(),
        };
        w.write(&key, "m v=1 1", 0).expect("buffered");
        w.write(&key, "m v=2 2", 0).expect("sent");
        let (line, headers, body) = server.join().expect("server");
        assert_eq!(
            line,
            "POST /write?consistency=&db=db&precision=s&rp=rp+one HTTP/1.1"
        );
        let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(h("content-encoding").as_deref(), Some("gzip"));
        assert_eq!(
            h("content-type").as_deref(),
            Some("application/octet-stream")
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .expect("gunzip");
        assert_eq!(text, "m v=1 1\nm v=2 2\n");
    }

    #[test]
    fn writer_flushes_on_interval() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = serve_once(listener);
        let mut w = Writer::new(
            &format!("http://{addr}"),
            1000,
            secs(10),
            false,
            Duration::from_secs(5),
        );
        let key = WriteKey {
            database: "db".into(),
            retention_policy: String::new(),
            precision: String::new(),
            consistency: String::new(),
        };
        w.write(&key, "m v=1 1", 0).expect("buffered");
        w.flush_due(secs(5)).expect("not yet");
        w.flush_due(secs(10)).expect("flushed");
        let (_, _, body) = server.join().expect("server");
        assert_eq!(body, b"m v=1 1\n");
    }
}
