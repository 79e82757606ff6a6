//! The hand-written event JSON writer (`Event::write_json`) against serde_json
//! serializing a mirror of Kapacitor's `alert.Data` for random events.
//!
//! The mirror is what Go's `json.Marshal` does, spelled with serde: the
//! struct's field order, `omitempty` on the row's keys, and a formatter with
//! Go's two differences from serde_json's defaults: HTML-safe strings (`<`,
//! `>`, `&`, U+2028 and U+2029 as `\u003c`…, what `json.HTMLEscape` does to
//! encoded JSON) and `strconv.FormatFloat(f, 'f'|'e', -1, 64)` numbers (the
//! exponent form below 1e-6 and from 1e21, `e+21`/`e-7`). NaN and ±Inf are
//! `null` in the event data (Go cannot marshal them; the writer keeps the
//! event instead of losing it), and the mirror says so with `Option<f64>`.

use super::event::Event;
use super::level::Level;
use crate::message::{FieldValue, Str};
use crate::result::{Cell, Row};
use proptest::prelude::*;
use serde::Serialize;
use std::io;

/// serde_json's compact output with Go's HTML-safe strings and floats.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for c in fragment.chars() {
            match c {
                '<' => w.write_all(b"\\u003c")?,
                '>' => w.write_all(b"\\u003e")?,
                '&' => w.write_all(b"\\u0026")?,
                '\u{2028}' => w.write_all(b"\\u2028")?,
                '\u{2029}' => w.write_all(b"\\u2029")?,
                c => w.write_all(c.encode_utf8(&mut [0; 4]).as_bytes())?,
            }
        }
        Ok(())
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, f: f64) -> io::Result<()> {
        let a = f.abs();
        let s = if a == 0.0 || (1e-6..1e21).contains(&a) {
            // Rust's `Display` is the shortest round-trip digits, no exponent.
            format!("{f}")
        } else {
            // `{:e}` is `1.5e-7` / `1e21`; Go writes `e+21` for a positive
            // exponent (and at least one exponent digit, as here).
            let e = format!("{f:e}");
            match e.split_once('e') {
                Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
                _ => e,
            }
        };
        w.write_all(s.as_bytes())
    }
}

#[derive(Serialize)]
struct GoData<'a> {
    id: &'a str,
    message: &'a str,
    details: &'a str,
    time: String,
    duration: i64,
    level: &'a str,
    data: GoResult,
    #[serde(rename = "previousLevel")]
    previous_level: &'a str,
    recoverable: bool,
}

#[derive(Serialize)]
struct GoResult {
    series: Vec<GoRow>,
}

#[derive(Serialize)]
struct GoRow {
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    /// A Go map marshals sorted by key; the row's tags already are.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    tags: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    columns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    values: Vec<Vec<GoCell>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum GoCell {
    Str(String),
    Float(Option<f64>),
    Int(i64),
    Bool(bool),
    Null,
}

/// Go's `time.Time` JSON: RFC3339Nano in UTC (trailing fraction zeros dropped).
fn go_time(ns: i64) -> String {
    let t = chrono::DateTime::from_timestamp_nanos(ns);
    let mut s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos != 0 {
        let f = format!(".{nanos:09}");
        s.push_str(f.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

fn go_cell(c: &Cell) -> GoCell {
    match c {
        Cell::Field(FieldValue::Float(f)) => GoCell::Float(f.is_finite().then_some(*f)),
        Cell::Field(FieldValue::Int(i)) => GoCell::Int(*i),
        Cell::Field(FieldValue::Bool(b)) => GoCell::Bool(*b),
        Cell::Field(FieldValue::String(s)) | Cell::Tag(s) => GoCell::Str(s.to_string()),
        Cell::Field(FieldValue::Null) | Cell::Null => GoCell::Null,
    }
}

fn serde_json_of(ev: &Event) -> String {
    let r = &ev.data;
    let row = GoRow {
        name: r.name.to_string(),
        tags: r
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(v.to_string())))
            .collect(),
        columns: r.columns.iter().map(|c| c.to_string()).collect(),
        values: r
            .values
            .iter()
            .map(|(t, cells)| {
                let mut v = vec![GoCell::Str(go_time(*t))];
                v.extend(cells.iter().map(go_cell));
                v
            })
            .collect(),
    };
    let data = GoData {
        id: &ev.id,
        message: &ev.message,
        details: &ev.details,
        time: go_time(ev.time),
        duration: ev.duration,
        level: ev.level.as_str(),
        data: GoResult { series: vec![row] },
        previous_level: ev.previous_level.as_str(),
        recoverable: ev.recoverable,
    };
    let mut out = Vec::new();
    data.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        GoFormatter,
    ))
    .expect("serializing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Strings that exercise every escape: quotes, backslashes, control
/// characters, `<>&`, U+2028/9, multi-byte and astral characters.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 _.:-]{0,6}",
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("<>&".to_string()),
        Just("\u{2028}\u{2029}".to_string()),
        Just("é€😀".to_string()),
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or(' ').to_string()),
        Just("\u{7f}\u{80}\u{ffff}".to_string()),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(1e21),
        Just(1e-7),
        Just(123456.789),
        (-1e6f64..1e6),
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        float().prop_map(|f| Cell::Field(FieldValue::Float(f))),
        any::<i64>().prop_map(|i| Cell::Field(FieldValue::Int(i))),
        any::<bool>().prop_map(|b| Cell::Field(FieldValue::Bool(b))),
        text().prop_map(|s| Cell::Field(FieldValue::String(Str::from(s)))),
        text().prop_map(|s| Cell::Tag(Str::from(s))),
        Just(Cell::Null),
    ]
}

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![
        Just(Level::Ok),
        Just(Level::Info),
        Just(Level::Warning),
        Just(Level::Critical),
    ]
}

/// Times across the whole ns range (years 1677..2262), with and without
/// fractions.
fn time() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        (0i64..4_000_000_000).prop_map(|s| s * 1_000_000_000),
        Just(0i64),
    ]
}

fn row() -> impl Strategy<Value = Row> {
    (
        text(),
        prop::collection::btree_map(text(), text(), 0..4),
        prop::collection::vec(text(), 0..4),
        prop::collection::vec((time(), prop::collection::vec(cell(), 0..4)), 0..3),
    )
        .prop_map(|(name, tags, columns, values)| Row {
            name: Str::from(name),
            tags: tags
                .into_iter()
                .map(|(k, v)| (Str::from(k), Str::from(v)))
                .collect(),
            columns: columns.into_iter().map(Str::from).collect(),
            values,
        })
}

fn event() -> impl Strategy<Value = Event> {
    (
        (text(), text(), text()),
        time(),
        any::<i64>(),
        (level(), level(), any::<bool>()),
        row(),
    )
        .prop_map(
            |(
                (id, message, details),
                time,
                duration,
                (level, previous_level, recoverable),
                data,
            )| {
                Event {
                    id,
                    message,
                    details,
                    time,
                    duration,
                    level,
                    previous_level,
                    recoverable,
                    data,
                    ..Event::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn event_json_equals_serde_json_with_go_escaping(ev in event()) {
        let mut fast = String::new();
        ev.write_json(&mut fast);
        prop_assert_eq!(&fast, &serde_json_of(&ev));
        prop_assert_eq!(fast, ev.to_json());
    }
}

#[test]
fn the_mirror_escapes_as_go_does() {
    // Pins the reference itself to Go's bytes for a known event.
    let ev = Event {
        id: "a<b>&\"c\"\u{2028}\u{1}".into(),
        message: "é\n\t\u{8}\u{c}\\".into(),
        time: 1_500_000_000,
        duration: -5,
        level: Level::Critical,
        data: Row {
            name: "m".into(),
            values: vec![(0, vec![Cell::Field(FieldValue::Float(1e21))])],
            columns: vec!["time".into(), "v".into()],
            ..Row::default()
        },
        ..Event::default()
    };
    let want = "{\"id\":\"a\\u003cb\\u003e\\u0026\\\"c\\\"\\u2028\\u0001\",\
\"message\":\"é\\n\\t\\b\\f\\\\\",\"details\":\"\",\"time\":\"1970-01-01T00:00:01.5Z\",\
\"duration\":-5,\"level\":\"CRITICAL\",\"data\":{\"series\":[{\"name\":\"m\",\
\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:00Z\",1e+21]]}]},\
\"previousLevel\":\"OK\",\"recoverable\":false}";
    assert_eq!(serde_json_of(&ev), want);
    assert_eq!(ev.to_json(), want);
}
