//! Line protocol in, line protocol out (api.md §5.1), with InfluxDB 1.x rules:
//! unsigned `42u` rejected (Kapacitor does not enable unsigned support),
//! NaN/Inf rejected, timestamps scaled by the precision, blank and `#` lines
//! skipped, errors naming the line.
//!
//! The parser is our own and zero-copy: `scan` splits the body into lines,
//! `syntax` walks a line's bytes handing out slices, `escape` unescapes the
//! few parts that hold a backslash into one reused buffer. It accepts exactly
//! what the `influxdb-line-protocol` crate accepts, with the same values and
//! the same reasons — `model` keeps the crate-based parser as the reference
//! (`tests/line_protocol_diff.rs`, the `line_protocol` fuzz target) and as
//! the benchmark's baseline.
//!
//! Keys are **interned**: every point of a series shares the same `Arc<str>`
//! for its measurement, tag keys and field keys, which is what the VM's slot
//! cache compares by pointer. Tag values are interned too (bounded), so a
//! series' points also share their tag value strings.

mod escape;
pub mod model;
mod raw;
mod scan;
mod stream;
mod syntax;
mod write;

pub use model::ModelParser;
pub use raw::{parse_raw_lines, RawLine};
pub use stream::{LineStream, StreamError};
pub use syntax::{RawStr, RawValue, SyntaxError};
pub use write::{to_line, write_field_value, write_line};

use crate::group::nil_group;
use crate::message::{FieldValue, Fields, Group, Point, Str, Tags};
use escape::Component;
use rustc_hash::FxHashSet;
use std::fmt;
use syntax::Sink;

/// Timestamp precision of a write (`n`/`ns`, `u`, `ms`, `s`, `m`, `h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
}

impl Precision {
    pub fn parse(s: &str) -> Option<Precision> {
        Some(match s {
            "" | "n" | "ns" => Precision::Nanoseconds,
            "u" | "us" | "µ" => Precision::Microseconds,
            "ms" => Precision::Milliseconds,
            "s" => Precision::Seconds,
            "m" => Precision::Minutes,
            "h" => Precision::Hours,
            _ => return None,
        })
    }

    /// Nanoseconds per unit.
    pub fn nanos(self) -> i64 {
        match self {
            Precision::Nanoseconds => 1,
            Precision::Microseconds => 1_000,
            Precision::Milliseconds => 1_000_000,
            Precision::Seconds => 1_000_000_000,
            Precision::Minutes => 60_000_000_000,
            Precision::Hours => 3_600_000_000_000,
        }
    }
}

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the input.
    pub line: usize,
    /// The line's text.
    pub text: String,
    /// InfluxDB's reason (`invalid number`, `missing fields`, ...).
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: unable to parse '{}': {}",
            self.line, self.text, self.reason
        )
    }
}

impl std::error::Error for LineError {}

/// Cap on interned tag values: beyond it values are allocated per point, so
/// a high-cardinality tag cannot grow the interner without bound.
const MAX_INTERNED_VALUES: usize = 1 << 16;

/// Shares `Arc<str>`s for repeated strings.
/// (Fx hashing: the strings are short and not attacker-chosen bucket
/// keys of anything long-lived beyond the capped tables.)
#[derive(Debug, Default)]
pub struct Interner {
    keys: FxHashSet<Str>,
    values: FxHashSet<Str>,
}

impl Interner {
    /// The shared `Arc` for a key (measurement, tag key, field key, db, rp).
    pub fn key(&mut self, s: &str) -> Str {
        if let Some(k) = self.keys.get(s) {
            return k.clone();
        }
        let k = Str::from(s);
        self.keys.insert(k.clone());
        k
    }

    /// A tag value: shared while the table is below its cap.
    pub fn value(&mut self, s: &str) -> Str {
        if let Some(v) = self.values.get(s) {
            return v.clone();
        }
        let v = Str::from(s);
        if self.values.len() < MAX_INTERNED_VALUES {
            self.values.insert(v.clone());
        }
        v
    }
}

/// A parser keeping its interner across calls (one per input stream).
#[derive(Debug)]
pub struct Parser {
    pub interner: Interner,
    pub precision: Precision,
    database: Str,
    retention_policy: Str,
    /// Time given to a point without a timestamp: the previous point's time
    /// (deterministic offline; 0 before any timestamped point).
    pub default_time: i64,
    recent: Recent,
    /// Where escaped parts are unescaped before interning.
    scratch: String,
    /// The nil group every parsed point gets, kept here so a point costs
    /// two reference counts for it rather than two thread-local lookups too.
    group: Group,
}

impl Parser {
    pub fn new(database: &str, retention_policy: &str, precision: Precision) -> Self {
        let mut interner = Interner::default();
        let database = interner.key(database);
        let retention_policy = interner.key(retention_policy);
        Parser {
            interner,
            precision,
            database,
            retention_policy,
            default_time: 0,
            recent: Recent::default(),
            scratch: String::new(),
            group: nil_group(),
        }
    }

    /// Set the db/rp of the following points (recordings switch per point).
    pub fn set_dbrp(&mut self, database: &str, retention_policy: &str) {
        if &*self.database != database {
            self.database = self.interner.key(database);
        }
        if &*self.retention_policy != retention_policy {
            self.retention_policy = self.interner.key(retention_policy);
        }
    }

    /// Parse a whole text; `f` gets each point or line error in input order.
    pub fn parse_text(&mut self, text: &str, mut f: impl FnMut(Result<Point, LineError>)) {
        let mut line_no = 1;
        for chunk in scan::Lines::new(text) {
            let here = line_no;
            line_no += chunk.newlines + 1;
            if let Some(r) = self.parse_chunk(chunk.text, chunk.newlines > 0, here) {
                f(r);
            }
        }
    }

    /// Parse one line (`None` for a blank or `#` comment line).
    pub fn parse_line(&mut self, line: &str, line_no: usize) -> Option<Result<Point, LineError>> {
        self.parse_chunk(line, scan::has_newline(line), line_no)
    }

    fn parse_chunk(
        &mut self,
        line: &str,
        has_newline: bool,
        line_no: usize,
    ) -> Option<Result<Point, LineError>> {
        let (trimmed, piece) = piece_of(line, has_newline)?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(reason) = key_too_long(piece) {
            return Some(Err(LineError {
                line: line_no,
                text: line.to_string(),
                reason,
            }));
        }
        Some(self.parse_piece(piece).map_err(|e| {
            LineError {
                line: line_no,
                text: line.to_string(),
                reason: match e {
                    Rejected::Syntax(e) => syntax_reason(e, trimmed),
                    Rejected::Value(r) => r,
                }
                .to_string(),
            }
        }))
    }

    fn parse_piece(&mut self, piece: &str) -> Result<Point, Rejected> {
        let mut b = Builder {
            interner: &mut self.interner,
            recent: &mut self.recent,
            scratch: &mut self.scratch,
            name: None,
            tags: Vec::new(),
            fields: Vec::new(),
            invalid_number: false,
        };
        let timestamp = syntax::parse(piece, &mut b).map_err(Rejected::Syntax)?;
        if b.invalid_number {
            return Err(Rejected::Value("invalid number"));
        }
        let Builder {
            name,
            mut tags,
            mut fields,
            ..
        } = b;
        if !tags.windows(2).all(|w| w[0].0 <= w[1].0) {
            tags.sort_by(|a, b| a.0.cmp(&b.0));
        }
        if !fields.windows(2).all(|w| w[0].0 < w[1].0) {
            // Stable sort then keep the last of equal keys (a later
            // duplicate wins).
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            dedup_keep_last(&mut fields);
        }
        let time = match timestamp {
            Some(t) => t
                .checked_mul(self.precision.nanos())
                .ok_or(Rejected::Value("bad timestamp"))?,
            None => self.default_time,
        };
        self.default_time = time;
        Ok(Point {
            name: name.expect("the grammar delivers a measurement first"),
            database: self.database.clone(),
            retention_policy: self.retention_policy.clone(),
            tags,
            fields,
            time,
            group: self.group.clone(),
        })
    }
}

/// The line without a final `\r` and blanks in front, and the piece of it
/// the grammar parses; `None` for a blank or `#` comment line. A line
/// holding a (quoted or escaped) `\n` is split again from its trimmed start
/// and only its first non-blank piece is parsed: what the model does by
/// handing the line to the crate's `parse_lines`.
#[inline]
fn piece_of(line: &str, has_newline: bool) -> Option<(&str, &str)> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let b = line.as_bytes();
    let blanks = b.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    let trimmed = &line[blanks..];
    if trimmed.is_empty() || trimmed.as_bytes()[0] == b'#' {
        return None;
    }
    let piece = if has_newline {
        scan::Lines::new(trimmed)
            .map(|c| scan::trim_leading(c.text))
            .find(|p| !p.is_empty())?
    } else {
        trimmed
    };
    Some((trimmed, piece))
}

/// Why a line was rejected: by the grammar, or a value it parsed.
enum Rejected {
    Syntax(SyntaxError),
    Value(&'static str),
}

/// The strings of the previous lines, by position: consecutive lines of a
/// series repeat their measurement, keys and mostly their tag values at the
/// same places, so a byte compare with the last string seen there usually
/// replaces the interner's hash lookup.
#[derive(Debug, Default)]
struct Recent {
    measurement: Vec<Str>,
    tag_keys: Vec<Str>,
    tag_values: Vec<Str>,
    field_keys: Vec<Str>,
}

/// Positions remembered per list (lines with more parts use the interner
/// only).
const RECENT_SLOTS: usize = 64;

/// The string at position `at` of a recent-list, via the interner (`intern`)
/// when it differs from the last one there.
#[inline]
fn recall(
    recent: &mut Vec<Str>,
    at: usize,
    s: &str,
    interner: &mut Interner,
    intern: fn(&mut Interner, &str) -> Str,
) -> Str {
    if let Some(r) = recent.get(at) {
        if **r == *s {
            return r.clone();
        }
    }
    let v = intern(interner, s);
    if at < recent.len() {
        recent[at] = v.clone();
    } else if at == recent.len() && at < RECENT_SLOTS {
        recent.push(v.clone());
    }
    v
}

/// Builds a point's parts from what the grammar hands out.
struct Builder<'p> {
    interner: &'p mut Interner,
    recent: &'p mut Recent,
    scratch: &'p mut String,
    name: Option<Str>,
    tags: Tags,
    fields: Fields,
    /// A field value Kapacitor rejects (unsigned, NaN/Inf); reported only
    /// if the whole line parses, as the model does.
    invalid_number: bool,
}

impl Builder<'_> {
    /// The text of `s`: its own bytes, or unescaped into the scratch buffer.
    #[inline]
    fn text<'s>(scratch: &'s mut String, s: &'s RawStr<'_>, kind: Component) -> &'s str {
        if s.escaped {
            escape::unescape_into(s.raw, kind, scratch);
            scratch
        } else {
            s.raw
        }
    }
}

impl<'a> Sink<'a> for Builder<'_> {
    fn measurement(&mut self, m: RawStr<'a>) {
        let s = Self::text(self.scratch, &m, Component::Measurement);
        self.name = Some(recall(
            &mut self.recent.measurement,
            0,
            s,
            self.interner,
            Interner::key,
        ));
    }

    fn tag(&mut self, key: RawStr<'a>, value: RawStr<'a>) {
        let at = self.tags.len();
        let k = Self::text(self.scratch, &key, Component::Key);
        let k = recall(
            &mut self.recent.tag_keys,
            at,
            k,
            self.interner,
            Interner::key,
        );
        let v = Self::text(self.scratch, &value, Component::TagValue);
        let v = recall(
            &mut self.recent.tag_values,
            at,
            v,
            self.interner,
            Interner::value,
        );
        if self.tags.capacity() == 0 {
            self.tags.reserve(self.recent.tag_keys.len().max(1));
        }
        self.tags.push((k, v));
    }

    fn field(&mut self, key: RawStr<'a>, value: RawValue<'a>) {
        let value = match value {
            RawValue::Float(f) if f.is_finite() => FieldValue::Float(f),
            RawValue::Float(_) | RawValue::Unsigned => {
                self.invalid_number = true;
                return;
            }
            RawValue::Int(i) => FieldValue::Int(i),
            RawValue::Bool(b) => FieldValue::Bool(b),
            RawValue::String { raw, escaped } => FieldValue::String(if escaped {
                escape::unescape_string_into(raw, self.scratch);
                Str::from(self.scratch.as_str())
            } else {
                Str::from(raw)
            }),
        };
        let at = self.fields.len();
        let k = Self::text(self.scratch, &key, Component::Key);
        let k = recall(
            &mut self.recent.field_keys,
            at,
            k,
            self.interner,
            Interner::key,
        );
        if self.fields.capacity() == 0 {
            self.fields.reserve(self.recent.field_keys.len().max(1));
        }
        self.fields.push((k, value));
    }
}

/// InfluxDB refuses a series key (the measurement and tags as written)
/// longer than this (`models.MaxKeyLength`).
pub const MAX_KEY_LENGTH: usize = 65535;

/// InfluxDB's `max key length exceeded: N > 65535` for a line whose key
/// (up to the first unescaped space) is too long. Only lines longer than the
/// bound are scanned, so ordinary lines pay one comparison.
pub(crate) fn key_too_long(line: &str) -> Option<String> {
    if line.len() <= MAX_KEY_LENGTH {
        return None;
    }
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b' ' => break,
            _ => i += 1,
        }
    }
    let key = i.min(b.len());
    (key > MAX_KEY_LENGTH).then(|| format!("max key length exceeded: {key} > {MAX_KEY_LENGTH}"))
}

/// InfluxDB 1.x's wording for a line the grammar rejects (the model's
/// mapping of the crate's errors, variant for variant).
fn syntax_reason(e: SyntaxError, trimmed: &str) -> &'static str {
    if !trimmed.trim_end().contains(' ') {
        return "missing fields";
    }
    match e {
        SyntaxError::FieldSet | SyntaxError::Generic => field_value_reason(trimmed),
        SyntaxError::Measurement => "missing measurement",
        SyntaxError::TagSet => "missing tag value",
        SyntaxError::Integer | SyntaxError::Unsigned => "invalid number",
        SyntaxError::Timestamp | SyntaxError::Trailing => "bad timestamp",
        SyntaxError::EndsWithBackslash => "invalid field format",
    }
}

fn dedup_keep_last<V>(v: &mut Vec<(Str, V)>) {
    if v.windows(2).all(|w| w[0].0 != w[1].0) {
        return;
    }
    let mut out: Vec<(Str, V)> = Vec::with_capacity(v.len());
    for kv in v.drain(..) {
        match out.last_mut() {
            Some(last) if last.0 == kv.0 => *last = kv,
            _ => out.push(kv),
        }
    }
    *v = out;
}

/// The crate reports an unparsable field value as a missing field set;
/// InfluxDB names the value's kind from its first character.
fn field_value_reason(line: &str) -> &'static str {
    let value = line
        .split_once(' ')
        .and_then(|(_, fields)| fields.split_once('='))
        .map(|(_, v)| v)
        .unwrap_or("");
    match value.chars().next() {
        Some(c) if c.is_ascii_digit() || c == '-' || c == '.' || c == '+' => "invalid number",
        Some(c) if c.is_ascii_alphabetic() => "invalid boolean",
        Some(_) => "invalid field format",
        None => "missing fields",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parse_all(text: &str, precision: Precision) -> Vec<Result<Point, LineError>> {
        let mut p = Parser::new("db", "rp", precision);
        let mut v = Vec::new();
        p.parse_text(text, |r| v.push(r));
        v
    }

    #[test]
    fn series_keys_longer_than_influxdbs_bound_are_refused() {
        let long_tag = format!("m,host={} value=1 1\n", "a".repeat(70_000));
        let v = parse_all(&long_tag, Precision::Seconds);
        let e = v[0].as_ref().unwrap_err();
        assert_eq!(e.reason, "max key length exceeded: 70007 > 65535");
        // The model parser (the differential reference) agrees.
        let mut m = model::ModelParser::new("db", "rp", Precision::Seconds);
        let e = m.parse_line(long_tag.trim_end(), 1).unwrap().unwrap_err();
        assert_eq!(e.reason, "max key length exceeded: 70007 > 65535");
        // A key at the bound, or a long field value, is fine.
        let at_bound = format!("{} value=1 1", "m".repeat(MAX_KEY_LENGTH));
        assert!(parse_all(&at_bound, Precision::Seconds)[0].is_ok());
        let long_field = format!("m,host=a s=\"{}\" 1", "x".repeat(70_000));
        assert!(parse_all(&long_field, Precision::Seconds)[0].is_ok());
    }

    #[test]
    fn parses_types_sorts_and_interns() {
        let text = "# comment\n\ncpu,host=b,az=x i=42i,f=1.5,s=\"a \\\"q\\\"\",b=T 10\ncpu,host=b,az=x f=2 20\n";
        let v = parse_all(text, Precision::Seconds);
        assert_eq!(v.len(), 2);
        let a = v[0].as_ref().unwrap();
        let b = v[1].as_ref().unwrap();
        assert_eq!(a.time, 10_000_000_000);
        assert_eq!(&*a.tags[0].0, "az");
        let keys: Vec<&str> = a.fields.iter().map(|(k, _)| &**k).collect();
        assert_eq!(keys, ["b", "f", "i", "s"]);
        assert_eq!(a.field("i"), Some(&FieldValue::Int(42)));
        assert_eq!(a.field("s"), Some(&FieldValue::String("a \"q\"".into())));
        assert_eq!(a.field("b"), Some(&FieldValue::Bool(true)));
        assert!(Arc::ptr_eq(&a.name, &b.name));
        assert!(Arc::ptr_eq(&a.tags[1].0, &b.tags[1].0));
        assert!(Arc::ptr_eq(&a.tags[1].1, &b.tags[1].1));
        assert!(Arc::ptr_eq(
            &a.field("f").map(|_| a.fields[1].0.clone()).unwrap(),
            &b.fields[0].0
        ));
        assert_eq!(&*a.database, "db");
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        let text = "cpu v=1 1\ncpu v=42u 2\ncpu\n\ncpu v=1 abc\ncpu v=1 3\n";
        let v = parse_all(text, Precision::Nanoseconds);
        let errs: Vec<String> = v
            .iter()
            .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
            .collect();
        assert_eq!(
            errs,
            [
                "line 2: unable to parse 'cpu v=42u 2': invalid number",
                "line 3: unable to parse 'cpu': missing fields",
                "line 5: unable to parse 'cpu v=1 abc': bad timestamp",
            ]
        );
        assert_eq!(v.iter().filter(|r| r.is_ok()).count(), 2);
    }

    #[test]
    fn missing_timestamp_takes_the_previous_time() {
        let v = parse_all("cpu v=1 5\ncpu v=2\n", Precision::Nanoseconds);
        assert_eq!(v[1].as_ref().unwrap().time, 5);
    }

    #[test]
    fn serializes_sorted_and_escaped() {
        let v = parse_all(
            "my\\ m,t\\=k=a\\,b f=1,i=-3i,s=\"x\\\\y\",z=false 1000000000\n",
            Precision::Nanoseconds,
        );
        let p = v[0].as_ref().unwrap();
        assert_eq!(
            to_line(p, Precision::Nanoseconds),
            "my\\ m,t\\=k=a\\,b f=1,i=-3i,s=\"x\\\\y\",z=false 1000000000"
        );
        assert_eq!(to_line(p, Precision::Seconds).rsplit(' ').next(), Some("1"));
    }
}
