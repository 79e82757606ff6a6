//! Line protocol in, line protocol out (api.md §5.1), with InfluxDB 1.x rules
//! on top of the `influxdb-line-protocol` crate's parser: unsigned `42u`
//! rejected (Kapacitor does not enable unsigned support), NaN/Inf rejected,
//! timestamps scaled by the precision, blank and `#` lines skipped, errors
//! naming the line.
//!
//! Keys are **interned**: every point of a series shares the same `Arc<str>`
//! for its measurement, tag keys and field keys, which is what the VM's slot
//! cache compares by pointer. Tag values are interned too (bounded), so a
//! series' points also share their tag value strings.

use crate::group::nil_group;
use crate::message::{FieldValue, Fields, Point, Str, Tags};
use influxdb_line_protocol as lp;
use std::collections::HashSet;
use std::fmt::{self, Write as _};

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
#[derive(Debug, Default)]
pub struct Interner {
    keys: HashSet<Str>,
    values: HashSet<Str>,
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
        for chunk in lp::split_lines(text) {
            let here = line_no;
            line_no += chunk.matches('\n').count() + 1;
            if let Some(r) = self.parse_line(chunk, here) {
                f(r);
            }
        }
    }

    /// Parse one line (`None` for a blank or `#` comment line).
    pub fn parse_line(&mut self, line: &str, line_no: usize) -> Option<Result<Point, LineError>> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return None;
        }
        let err = |reason: &str| LineError {
            line: line_no,
            text: line.to_string(),
            reason: reason.to_string(),
        };
        let parsed = match lp::parse_lines(trimmed).next() {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                // The crate reports a line without a field set as a generic
                // nom error; InfluxDB says "missing fields".
                let r = if !trimmed.trim_end().contains(' ') {
                    "missing fields"
                } else if matches!(
                    e,
                    lp::Error::FieldSetMissing | lp::Error::GenericParsingError { .. }
                ) {
                    field_value_reason(trimmed)
                } else {
                    reason(&e)
                };
                return Some(Err(err(r)));
            }
            None => return None,
        };
        Some(self.convert(parsed).map_err(err))
    }

    fn convert(&mut self, parsed: lp::ParsedLine<'_>) -> Result<Point, &'static str> {
        let measurement = parsed.series.measurement.as_str();
        if measurement.is_empty() {
            return Err("missing measurement");
        }
        let name = self.interner.key(measurement);
        let mut tags: Tags = Vec::new();
        if let Some(ts) = &parsed.series.tag_set {
            tags.reserve(ts.len());
            for (k, v) in ts {
                if k.as_str().is_empty() {
                    return Err("missing tag key");
                }
                if v.as_str().is_empty() {
                    return Err("missing tag value");
                }
                tags.push((
                    self.interner.key(k.as_str()),
                    self.interner.value(v.as_str()),
                ));
            }
            tags.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let mut fields: Fields = Vec::with_capacity(parsed.field_set.len());
        for (k, v) in &parsed.field_set {
            let value = match v {
                lp::FieldValue::F64(f) => {
                    if !f.is_finite() {
                        return Err("invalid number");
                    }
                    FieldValue::Float(*f)
                }
                lp::FieldValue::I64(i) => FieldValue::Int(*i),
                lp::FieldValue::U64(_) => return Err("invalid number"),
                lp::FieldValue::String(s) => FieldValue::String(Str::from(s.as_str())),
                lp::FieldValue::Boolean(b) => FieldValue::Bool(*b),
            };
            fields.push((self.interner.key(k.as_str()), value));
        }
        if fields.is_empty() {
            return Err("missing fields");
        }
        // Stable sort then keep the last of equal keys (a later duplicate wins).
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        dedup_keep_last(&mut fields);
        let time = match parsed.timestamp {
            Some(t) => t
                .checked_mul(self.precision.nanos())
                .ok_or("bad timestamp")?,
            None => self.default_time,
        };
        self.default_time = time;
        Ok(Point {
            name,
            database: self.database.clone(),
            retention_policy: self.retention_policy.clone(),
            tags,
            fields,
            time,
            group: nil_group(),
        })
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

/// InfluxDB 1.x's wording for a parse failure.
fn reason(e: &lp::Error) -> &'static str {
    match e {
        lp::Error::DuplicateTag { .. } => "duplicate tags",
        lp::Error::MeasurementValueInvalid => "missing measurement",
        lp::Error::FieldSetMissing => "missing fields",
        lp::Error::IntegerValueInvalid { .. }
        | lp::Error::UIntegerValueInvalid { .. }
        | lp::Error::FloatValueInvalid { .. } => "invalid number",
        lp::Error::TimestampValueInvalid { .. } | lp::Error::CannotParseEntireLine { .. } => {
            "bad timestamp"
        }
        lp::Error::TagSetMalformed => "missing tag value",
        _ => "invalid field format",
    }
}

/// Write `p` as one line of line protocol (no newline): sorted keys, shortest
/// floats, `i` integers, escaped strings; the timestamp in `precision` units
/// (truncated toward zero).
pub fn write_line(out: &mut String, p: &Point, precision: Precision) {
    escape(out, &p.name, &[',', ' ']);
    for (k, v) in &p.tags {
        if v.is_empty() {
            continue;
        }
        out.push(',');
        escape(out, k, &[',', '=', ' ']);
        out.push('=');
        escape(out, v, &[',', '=', ' ']);
    }
    let mut first = true;
    for (k, v) in &p.fields {
        if matches!(v, FieldValue::Null) {
            continue;
        }
        out.push(if first { ' ' } else { ',' });
        first = false;
        escape(out, k, &[',', '=', ' ']);
        out.push('=');
        write_field_value(out, v);
    }
    let _ = write!(out, " {}", p.time / precision.nanos());
}

/// The line of `p` as a `String`.
pub fn to_line(p: &Point, precision: Precision) -> String {
    let mut s = String::with_capacity(64);
    write_line(&mut s, p, precision);
    s
}

/// A field value in line-protocol form.
pub fn write_field_value(out: &mut String, v: &FieldValue) {
    match v {
        FieldValue::Float(f) => {
            let _ = write!(out, "{f}");
        }
        FieldValue::Int(i) => {
            let _ = write!(out, "{i}i");
        }
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FieldValue::String(s) => {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        FieldValue::Null => {}
    }
}

fn escape(out: &mut String, s: &str, special: &[char]) {
    for c in s.chars() {
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
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
