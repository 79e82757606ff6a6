//! `influxDBOut()` (reference §4.2 "Outputs"; api.md §4.1): `cluster`,
//! `database`, `retentionPolicy`, `measurement` (default: the point's name),
//! `writeConsistency`, `precision`, `buffer` (1000), `flushInterval` (10s),
//! `tag(k, v)` (static tags override the point's), `create()`. Empty db/rp →
//! the point's own. Stats `points_written` (counted when queued, as
//! Kapacitor does), `write_errors`. Terminal.
//!
//! Offline (`tickc run`, no InfluxDB clusters) every written point is output
//! as `{"kind":"point","node":"influxdb_out4","line":"<line protocol>"}`
//! (timestamps in the node's precision). In the server the node writes to
//! its cluster's InfluxDB through a [`Writer`]: a thread of its own that
//! buffers lines per (db, rp, precision, consistency), writes a buffer when
//! it holds `buffer` points and every `flushInterval` of wall-clock time,
//! and counts failed writes — Kapacitor's `writeBuffer`. With `.create()`
//! the thread first issues `CREATE DATABASE <db>` (+ ` WITH NAME <rp>`).

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::influxdb::{quote_ident, Client, InfluxError, Query, WriteRequest};
use crate::line_protocol::{write_line, Precision};
use crate::message::{Message, Point, Str};
use crate::output::Output;
use compiler::ir::{self, Arg};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// The server's writer; `None` offline (points are output instead).
    writer: Option<Writer>,
    consistency: String,
    precision: String,
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let buffer = node.int("buffer").unwrap_or(1000);
    if buffer <= 0 {
        return Err(BuildError::new(node, "buffer must be > 0"));
    }
    let rewrite = PointRewrite::from_ir(node)?;
    let writer = if env.config.influxdb.is_live() {
        let cluster = node.string("cluster").unwrap_or("");
        let client = env
            .config
            .influxdb
            .get(cluster)
            .map_err(|e| BuildError::new(node, e.to_string()))?;
        let create = node.flag("create").then(|| {
            (
                node.string("database").unwrap_or("").to_string(),
                node.string("retentionPolicy").unwrap_or("").to_string(),
            )
        });
        let interval = node.duration("flushInterval").unwrap_or(10_000_000_000);
        Some(
            Writer::start(WriterOptions {
                client,
                task: env.task_name.to_string(),
                buffer: usize::try_from(buffer).unwrap_or(1000),
                flush_interval: Duration::from_nanos(u64::try_from(interval).unwrap_or(1).max(1)),
                create,
            })
            .map_err(|e| BuildError::new(node, format!("cannot start the writer: {e}")))?,
        )
    } else {
        None
    };
    Ok(Box::new(InfluxDbOut {
        rewrite,
        line: String::with_capacity(128),
        writer,
        consistency: node.string("writeConsistency").unwrap_or("").to_string(),
        // Kapacitor's batch points default to "ns".
        precision: node
            .string("precision")
            .filter(|p| !p.is_empty())
            .unwrap_or("ns")
            .to_string(),
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

impl InfluxDbOut {
    /// Queue every point of `msg` on the writer: one entry per (db, rp) run
    /// of points, so a batch costs one hand-over, not one per point.
    fn queue(&mut self, msg: &Message) -> i64 {
        let Some(writer) = &self.writer else {
            return 0;
        };
        let mut n = 0;
        let mut current: Option<(WriteRequest, String, usize)> = None;
        for p in self.rewrite.points(msg) {
            let same = current.as_ref().is_some_and(|(k, _, _)| {
                *k.database == *p.database && *k.retention_policy == *p.retention_policy
            });
            if !same {
                if let Some(entry) = current.take() {
                    writer.send(entry);
                }
                let key = WriteRequest {
                    database: p.database.to_string(),
                    retention_policy: p.retention_policy.to_string(),
                    precision: self.precision.clone(),
                    consistency: self.consistency.clone(),
                };
                current = Some((key, String::new(), 0));
            }
            if let Some((_, lines, count)) = current.as_mut() {
                write_line(lines, &p, self.rewrite.precision);
                lines.push('\n');
                *count += 1;
            }
            n += 1;
        }
        if let Some(entry) = current {
            writer.send(entry);
        }
        n
    }
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
        let n = if self.writer.is_some() {
            self.queue(&msg)
        } else {
            output_points(&self.rewrite, &mut self.line, &msg, cx)
        };
        cx.stats.add("points_written", n);
        if let Some(w) = &self.writer {
            cx.stats.set("write_errors", w.errors());
        }
        Ok(())
    }

    fn wants_ticks(&self) -> bool {
        self.writer.is_some()
    }

    /// Live tasks tick on the wall clock: keep `write_errors` current even
    /// when no point arrives.
    fn tick(&mut self, _now: i64, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        if let Some(w) = &self.writer {
            cx.stats.register("write_errors");
            cx.stats.set("write_errors", w.errors());
        }
        Ok(())
    }
}

/// Lines waiting per (db, rp, precision, consistency), and the rule for
/// when a buffer is written: when it holds `size` points.
#[derive(Debug, Default)]
pub struct WriteBuffer {
    size: usize,
    pending: BTreeMap<WriteRequest, (String, usize)>,
}

impl WriteBuffer {
    pub fn new(size: usize) -> WriteBuffer {
        WriteBuffer {
            size: size.max(1),
            pending: BTreeMap::new(),
        }
    }

    /// Add `count` lines (each `\n`-terminated); the buffer to write now
    /// when it is full.
    pub fn push(
        &mut self,
        key: WriteRequest,
        lines: &str,
        count: usize,
    ) -> Option<(WriteRequest, String)> {
        let entry = self.pending.entry(key.clone()).or_default();
        entry.0.push_str(lines);
        entry.1 += count;
        if entry.1 >= self.size {
            let (body, _) = self.pending.remove(&key)?;
            return Some((key, body));
        }
        None
    }

    /// Everything waiting (the flush interval passed, or the node stopped).
    pub fn take_all(&mut self) -> Vec<(WriteRequest, String)> {
        std::mem::take(&mut self.pending)
            .into_iter()
            .map(|(k, (body, _))| (k, body))
            .collect()
    }
}

pub struct WriterOptions {
    pub client: Arc<Client>,
    /// For log lines.
    pub task: String,
    pub buffer: usize,
    pub flush_interval: Duration,
    /// `.create()`: (database, retention policy) to create first.
    pub create: Option<(String, String)>,
}

/// The node's side of the writer thread. Dropping it closes the queue; the
/// thread then writes what it holds and ends (Kapacitor flushes on stop).
pub struct Writer {
    tx: SyncSender<(WriteRequest, String, usize)>,
    errors: Arc<AtomicI64>,
}

/// Entries the node may queue before it waits for the writer (Kapacitor's
/// write buffer queue is 1000 deep).
const QUEUE: usize = 1000;

impl Writer {
    pub fn start(o: WriterOptions) -> std::io::Result<Writer> {
        let (tx, rx) = sync_channel::<(WriteRequest, String, usize)>(QUEUE);
        let errors = Arc::new(AtomicI64::new(0));
        let counter = errors.clone();
        std::thread::Builder::new()
            .name(format!("influxdb-out-{}", o.task))
            .spawn(move || {
                if let Some((db, rp)) = &o.create {
                    create_database(&o.client, &o.task, db, rp);
                }
                let mut buf = WriteBuffer::new(o.buffer);
                let mut next_flush = Instant::now() + o.flush_interval;
                let write = |key: &WriteRequest, body: &str| {
                    if let Err(e) = o.client.write(key, body.as_bytes()) {
                        counter.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(
                            task = o.task,
                            db = key.database,
                            rp = key.retention_policy,
                            "failed to write points to InfluxDB: {e}"
                        );
                    }
                };
                loop {
                    let wait = next_flush.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(wait) {
                        Ok((key, lines, count)) => {
                            if let Some((key, body)) = buf.push(key, &lines, count) {
                                write(&key, &body);
                            }
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            for (key, body) in buf.take_all() {
                                write(&key, &body);
                            }
                            next_flush = Instant::now() + o.flush_interval;
                        }
                        Err(RecvTimeoutError::Disconnected) => {
                            for (key, body) in buf.take_all() {
                                write(&key, &body);
                            }
                            return;
                        }
                    }
                }
            })?;
        Ok(Writer { tx, errors })
    }

    /// Queue lines; waits while the writer is a full queue behind.
    fn send(&self, entry: (WriteRequest, String, usize)) {
        // A closed queue means the thread ended (it never does first).
        let _ = self.tx.send(entry);
    }

    /// Failed writes so far.
    pub fn errors(&self) -> i64 {
        self.errors.load(Ordering::Relaxed)
    }
}

/// `CREATE DATABASE <db>` (+ ` WITH NAME <rp>`); a failure is logged and the
/// node goes on (writes will then fail and be counted), as Kapacitor does.
fn create_database(client: &Client, task: &str, db: &str, rp: &str) {
    if db.is_empty() {
        return;
    }
    let mut q = format!("CREATE DATABASE {}", quote_ident(db));
    if !rp.is_empty() {
        q.push_str(" WITH NAME ");
        q.push_str(&quote_ident(rp));
    }
    if let Err(e) = client.query(&Query::new(q)) {
        let e: InfluxError = e;
        tracing::error!(task, db, "failed to create database: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;

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

    fn key(db: &str) -> WriteRequest {
        WriteRequest {
            database: db.into(),
            precision: "s".into(),
            ..WriteRequest::default()
        }
    }

    #[test]
    fn a_buffer_is_written_when_it_holds_size_points() {
        let mut b = WriteBuffer::new(3);
        assert!(b.push(key("a"), "m v=1 1\n", 1).is_none());
        assert!(b.push(key("b"), "m v=1 1\n", 1).is_none());
        // Two more in a's buffer: 3 points, written as one body.
        let (k, body) = b.push(key("a"), "m v=2 2\nm v=3 3\n", 2).expect("full");
        assert_eq!(k.database, "a");
        assert_eq!(body, "m v=1 1\nm v=2 2\nm v=3 3\n");
        let rest = b.take_all();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].0.database, "b");
        assert!(b.take_all().is_empty());
    }
}
