//! The diagnostic service: kapacitord's log (tracing) with a level changed while running
//! (`POST /kapacitor/v1/loglevel`, `kapacitor level`) and sessions that stream the records
//! matching their tags (`GET /kapacitor/v1preview/logs`, `kapacitor logs` / `watch`).
//!
//! Shape: one global filter (a `reload` layer over an `EnvFilter` built from a Kapacitor level
//! name) in front of two layers — the text log (file, stdout or stderr) and the session
//! broadcaster. Sessions therefore see the records the log shows; `kapacitor level debug`
//! widens both. When no session is open the broadcaster returns at one atomic load, so it
//! costs nothing on the write path.
//!
//! The text log is Kapacitor's: one logfmt line per record,
//! `ts=2026-12-04T19:47:53.893Z lvl=error msg="…" task=… node=…`, so the greps, log shippers
//! and parsers pointed at a Kapacitor log read ours.

use bytes::Bytes;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer, Registry};

/// Kapacitor's level names, lowest first.
pub const LEVELS: &[&str] = &["debug", "info", "warn", "error"];

/// A level name Kapacitor does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLevel;

impl fmt::Display for InvalidLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid log level")
    }
}

impl std::error::Error for InvalidLevel {}

/// A Kapacitor level name (any case) as our crates' filter; other crates (hyper, redb, ...)
/// log warnings only. `off` silences everything.
pub fn filter_for(level: &str) -> Result<String, InvalidLevel> {
    let l = level.to_ascii_lowercase();
    if l == "off" {
        return Ok("off".into());
    }
    if !LEVELS.contains(&l.as_str()) {
        return Err(InvalidLevel);
    }
    Ok(format!(
        "warn,server={l},kapacitord={l},runtime={l},compiler={l},vm={l}"
    ))
}

/// Where the text log goes (`[logging] file`).
pub enum LogTarget {
    Stderr,
    Stdout,
    File(std::fs::File),
}

type ReloadHandle = reload::Handle<EnvFilter, Registry>;

/// The running log: its level handle and its sessions.
pub struct LogService {
    reload: ReloadHandle,
    sessions: Arc<Sessions>,
}

static SERVICE: OnceLock<LogService> = OnceLock::new();

/// Install the process's logger (once; later calls are ignored). An unknown level name
/// starts at `info`, as Kapacitor's.
pub fn init(level: &str, target: LogTarget) {
    let filter = EnvFilter::try_new(
        filter_for(level).unwrap_or_else(|_| filter_for("info").expect("info is a level")),
    )
    .unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, reload) = reload::Layer::new(filter);
    let text = TextLog {
        out: Mutex::new(match target {
            LogTarget::Stderr => Box::new(std::io::stderr()),
            LogTarget::Stdout => Box::new(std::io::stdout()),
            LogTarget::File(f) => Box::new(f),
        }),
    };
    let sessions = Arc::new(Sessions::default());
    let broadcast = Broadcast(sessions.clone());
    if tracing_subscriber::registry()
        .with(filter)
        .with(text)
        .with(broadcast)
        .try_init()
        .is_ok()
    {
        let _ = SERVICE.set(LogService { reload, sessions });
    }
}

/// The installed log service (`None` in a process that never called `init`, e.g. tests
/// driving `http::app` in-process).
pub fn service() -> Option<&'static LogService> {
    SERVICE.get()
}

impl LogService {
    /// Change the level of the running log (Kapacitor accepts debug, info, warn, error).
    pub fn set_level(&self, level: &str) -> Result<(), InvalidLevel> {
        let l = level.to_ascii_lowercase();
        if l == "off" {
            return Err(InvalidLevel);
        }
        let f = EnvFilter::try_new(filter_for(&l)?).map_err(|_| InvalidLevel)?;
        self.reload.reload(f).map_err(|_| InvalidLevel)
    }

    /// Open a session: records matching `filter` arrive as lines in `format` on the receiver until
    /// it is dropped. A slow reader loses records rather than slowing the server (bounded).
    pub fn subscribe(&self, filter: SessionFilter, format: Format) -> mpsc::Receiver<Bytes> {
        let (tx, rx) = mpsc::channel(1024);
        let mut list = self.sessions.list.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|s| !s.tx.is_closed());
        list.push(Session { filter, format, tx });
        self.sessions.count.store(list.len(), Ordering::Release);
        rx
    }
}

/// What a session wants: every `(key, value)` tag must match; `lvl` is a minimum
/// (`info+`) or an exact level (`error`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    pub tags: Vec<(String, String)>,
    pub min_level: Option<usize>,
    pub exact_level: Option<usize>,
}

/// A bad `lvl` or a key given twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    DuplicateKey(String),
    Level(String),
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::DuplicateKey(k) => write!(f, "duplicate key {k:?} in query"),
            FilterError::Level(l) => write!(f, "invalid log level {l:?}"),
        }
    }
}

impl std::error::Error for FilterError {}

impl SessionFilter {
    /// From the query pairs of `GET /logs`.
    pub fn from_query(pairs: &[(String, String)]) -> Result<SessionFilter, FilterError> {
        let mut f = SessionFilter::default();
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in pairs {
            if seen.contains(&k.as_str()) {
                return Err(FilterError::DuplicateKey(k.clone()));
            }
            seen.push(k);
            if k == "lvl" {
                let (name, plus) = match v.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (v.as_str(), false),
                };
                let i = LEVELS
                    .iter()
                    .position(|l| l.eq_ignore_ascii_case(name))
                    .ok_or_else(|| FilterError::Level(v.clone()))?;
                if plus {
                    f.min_level = Some(i);
                } else {
                    f.exact_level = Some(i);
                }
            } else {
                f.tags.push((k.clone(), v.clone()));
            }
        }
        Ok(f)
    }

    fn matches(&self, level: usize, fields: &[(String, String)]) -> bool {
        if self.min_level.is_some_and(|m| level < m) || self.exact_level.is_some_and(|e| e != level)
        {
            return false;
        }
        self.tags
            .iter()
            .all(|(k, v)| fields.iter().any(|(fk, fv)| fk == k && fv == v))
    }
}

/// How a session's records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (`Accept: application/json`).
    Json,
    /// `key=value` pairs per line, Kapacitor's default.
    Logfmt,
}

struct Session {
    filter: SessionFilter,
    format: Format,
    tx: mpsc::Sender<Bytes>,
}

#[derive(Default)]
struct Sessions {
    /// Open sessions (a cheap check before any work per record).
    count: AtomicUsize,
    list: Mutex<Vec<Session>>,
}

/// The layer feeding sessions.
struct Broadcast(Arc<Sessions>);

/// The layer writing the text log. Each line goes out in one `write` (the
/// file is unbuffered), so a crash loses no line that was logged and a reader
/// tailing the file sees whole lines. With `[http] log-enabled` it runs once
/// per request, so a record is formatted straight into this thread's buffers
/// (no allocation per field).
struct TextLog {
    out: Mutex<Box<dyn std::io::Write + Send>>,
}

/// A thread's buffers for one record: the message, the `key=value` pairs
/// after it, and a value formatted before it is quoted.
#[derive(Default)]
struct LineBuffers {
    msg: String,
    pairs: String,
    value: String,
    line: String,
}

thread_local! {
    static LINE: std::cell::RefCell<LineBuffers> = std::cell::RefCell::default();
}

/// Writes each field as it is visited: the message aside (it comes first in
/// the line, last in the visit), the others as logfmt pairs.
struct LogfmtVisit<'a> {
    b: &'a mut LineBuffers,
}

impl Visit for LogfmtVisit<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.b.msg.push_str(value);
        } else {
            push_pair(&mut self.b.pairs, field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.b.msg, "{value:?}");
        } else {
            self.b.value.clear();
            let _ = write!(self.b.value, "{value:?}");
            push_pair(&mut self.b.pairs, field.name(), &self.b.value);
        }
    }
}

impl<S: Subscriber> Layer<S> for TextLog {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = level_index(event.metadata().level());
        let ts = timestamp(crate::ids::now_ns());
        let write = |b: &mut LineBuffers| {
            b.msg.clear();
            b.pairs.clear();
            event.record(&mut LogfmtVisit { b: &mut *b });
            b.line.clear();
            push_line(&mut b.line, &ts, level, &b.msg, &b.pairs);
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            // Nowhere left to report a failing log write.
            let _ = out.write_all(b.line.as_bytes());
        };
        // A record logged while this thread formats one (a `Debug` impl
        // that logs), or while the thread exits, gets buffers of its own.
        let written = LINE
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut b) => {
                    write(&mut b);
                    true
                }
                Err(_) => false,
            })
            .unwrap_or(false);
        if !written {
            write(&mut LineBuffers::default());
        }
    }
}

/// Kapacitor's log timestamp (Go's `2006-01-02T15:04:05.000Z07:00`, in UTC):
/// always three fraction digits, so the lines sort and align as text.
fn timestamp(now_ns: i64) -> String {
    const NS: i64 = 1_000_000_000;
    let seconds = runtime::time::rfc3339_nano(now_ns.div_euclid(NS) * NS);
    let millis = now_ns.rem_euclid(NS) / 1_000_000;
    format!("{}.{millis:03}Z", seconds.trim_end_matches('Z'))
}

#[derive(Default)]
struct Fields {
    msg: String,
    pairs: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.msg = value.to_string();
        } else {
            self.pairs
                .push((field.name().to_string(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        if field.name() == "message" {
            self.msg = s;
        } else {
            self.pairs.push((field.name().to_string(), s));
        }
    }
}

fn level_index(l: &Level) -> usize {
    match *l {
        Level::TRACE | Level::DEBUG => 0,
        Level::INFO => 1,
        Level::WARN => 2,
        Level::ERROR => 3,
    }
}

impl<S: Subscriber> Layer<S> for Broadcast {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if self.0.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = level_index(event.metadata().level());
        let mut list = self.0.list.lock().unwrap_or_else(|e| e.into_inner());
        let ts = timestamp(crate::ids::now_ns());
        let (mut json, mut logfmt): (Option<Bytes>, Option<Bytes>) = (None, None);
        list.retain(|s| {
            if s.tx.is_closed() {
                return false;
            }
            if s.filter.matches(level, &fields.pairs) {
                let l = match s.format {
                    Format::Json => json.get_or_insert_with(|| json_line(&ts, level, &fields)),
                    Format::Logfmt => {
                        logfmt.get_or_insert_with(|| logfmt_line(&ts, level, &fields))
                    }
                };
                // Full: the reader is behind; the record is dropped for it alone.
                let _ = s.tx.try_send(l.clone());
            }
            true
        });
        self.0.count.store(list.len(), Ordering::Release);
    }
}

/// One record as Kapacitor's JSON log line: `ts`, `lvl`, `msg`, then the tags.
fn json_line(ts: &str, level: usize, f: &Fields) -> Bytes {
    let mut m = serde_json::Map::new();
    m.insert("ts".into(), serde_json::Value::String(ts.to_string()));
    m.insert("lvl".into(), LEVELS[level].into());
    m.insert("msg".into(), f.msg.clone().into());
    for (k, v) in &f.pairs {
        m.insert(k.clone(), v.clone().into());
    }
    let mut s = serde_json::Value::Object(m).to_string();
    s.push('\n');
    Bytes::from(s)
}

/// A logfmt value as Kapacitor writes it: bare unless it holds a space or a
/// quote (so `uri=/write?db=a` and an empty `referer=` stay bare), then quoted
/// with Go's escapes. A control character is quoted too, where Kapacitor
/// would let a newline split the record.
fn logfmt_value(v: &str, out: &mut String) {
    let bare = !v.chars().any(|c| c == ' ' || c == '"' || c.is_control());
    if bare {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One record as a logfmt line: `ts=… lvl=… msg=…` then the tags.
fn logfmt_line(ts: &str, level: usize, f: &Fields) -> Bytes {
    let mut pairs = String::new();
    for (k, v) in &f.pairs {
        push_pair(&mut pairs, k, v);
    }
    let mut s = String::with_capacity(64 + f.msg.len() + pairs.len());
    push_line(&mut s, ts, level, &f.msg, &pairs);
    Bytes::from(s)
}

/// ` key=value`, the value quoted as it needs.
fn push_pair(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push('=');
    logfmt_value(value, out);
}

/// `ts=… lvl=… msg=…` then the pairs (already formatted) and the newline.
fn push_line(out: &mut String, ts: &str, level: usize, msg: &str, pairs: &str) {
    out.push_str("ts=");
    logfmt_value(ts, out);
    out.push_str(" lvl=");
    out.push_str(LEVELS[level]);
    out.push_str(" msg=");
    logfmt_value(msg, out);
    out.push_str(pairs);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_match_tags_and_levels() {
        let f = SessionFilter::from_query(&q(&[("task", "t"), ("lvl", "info+")])).unwrap();
        let tags = q(&[("task", "t"), ("node", "n")]);
        assert!(f.matches(1, &tags));
        assert!(f.matches(3, &tags));
        assert!(!f.matches(0, &tags), "debug is below info+");
        assert!(!f.matches(1, &q(&[("task", "u")])));
        let exact = SessionFilter::from_query(&q(&[("lvl", "error")])).unwrap();
        assert!(exact.matches(3, &[]) && !exact.matches(2, &[]));
        assert_eq!(
            SessionFilter::from_query(&q(&[("task", "a"), ("task", "b")])),
            Err(FilterError::DuplicateKey("task".into()))
        );
        assert!(SessionFilter::from_query(&q(&[("lvl", "loud")])).is_err());
    }

    #[test]
    fn logfmt_quotes_what_needs_quoting() {
        let f = Fields {
            msg: "log level changed".into(),
            pairs: vec![
                ("service".into(), "http".into()),
                ("err".into(), "a \"b\"".into()),
            ],
        };
        let line = logfmt_line("T", 1, &f);
        assert_eq!(
            std::str::from_utf8(&line).unwrap(),
            "ts=T lvl=info msg=\"log level changed\" service=http err=\"a \\\"b\\\"\"\n"
        );
    }

    #[test]
    fn timestamps_have_milliseconds_as_kapacitors() {
        let t = 1_796_413_673_893_706_000; // 2026-12-04T19:47:53.893706Z
        assert_eq!(timestamp(t), "2026-12-04T19:47:53.893Z");
        assert_eq!(timestamp(t - 893_706_000), "2026-12-04T19:47:53.000Z");
    }

    #[test]
    fn level_names_are_kapacitors() {
        assert!(filter_for("DEBUG").unwrap().contains("server=debug"));
        assert!(filter_for("warn").is_ok());
        assert_eq!(filter_for("trace"), Err(InvalidLevel));
    }
}
