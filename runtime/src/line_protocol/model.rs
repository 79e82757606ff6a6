//! The model: line protocol parsed with the `influxdb-line-protocol` crate
//! (the runtime's parser until the own zero-copy one replaced it). It is
//! kept as the reference the own parser is tested against
//! (`tests/line_protocol_diff.rs`, `fuzz/fuzz_targets/line_protocol.rs`) and
//! as the baseline of `benches/line_protocol.rs`.

use super::{dedup_keep_last, field_value_reason, Interner, LineError, Precision};
use crate::group::nil_group;
use crate::message::{FieldValue, Fields, Point, Str, Tags};
use influxdb_line_protocol as lp;

/// The crate-based parser: the reference the own parser must equal.
#[derive(Debug)]
pub struct ModelParser {
    pub interner: Interner,
    pub precision: Precision,
    database: Str,
    retention_policy: Str,
    /// Time given to a point without a timestamp: the previous point's time
    /// (deterministic offline; 0 before any timestamped point).
    pub default_time: i64,
}

impl ModelParser {
    pub fn new(database: &str, retention_policy: &str, precision: Precision) -> Self {
        let mut interner = Interner::default();
        let database = interner.key(database);
        let retention_policy = interner.key(retention_policy);
        ModelParser {
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
        if let Some(reason) = super::key_too_long(trimmed) {
            return Some(Err(err(&reason)));
        }
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
                    crate_reason(&e)
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

/// InfluxDB 1.x's wording for a parse failure.
fn crate_reason(e: &lp::Error) -> &'static str {
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

/// Parse `text` with both parsers at `precision` and panic with both
/// results at the first difference: accepted set, parsed values, line
/// numbers, error text and reason must all agree. Shared by the
/// differential test and the fuzz target.
pub fn assert_same_as_model(text: &str, precision: Precision) {
    let mut ours = Vec::new();
    super::Parser::new("db", "rp", precision).parse_text(text, |r| ours.push(r));
    let mut model = Vec::new();
    ModelParser::new("db", "rp", precision).parse_text(text, |r| model.push(r));
    assert_eq!(ours, model, "parsers differ on {text:?}");
    // A line handed over on its own (recordings do that) as well.
    for (i, line) in text.split('\n').enumerate() {
        let ours = super::Parser::new("db", "rp", precision).parse_line(line, i + 1);
        let model = ModelParser::new("db", "rp", precision).parse_line(line, i + 1);
        assert_eq!(ours, model, "parse_line differs on {line:?}");
    }
}
