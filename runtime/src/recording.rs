//! Input data for offline runs (api.md §5.2): plain line protocol, Kapacitor
//! stream recordings (`.srpl`: gzip text, db/rp/line triples, ns timestamps),
//! batch recordings (`.brpl`: zip, entry `i` feeds the batch node's `i`-th
//! query child in Kapacitor's numbering, `task::replay_order`; one JSON batch
//! per line) and the same JSON batches in a plain file. The format is chosen
//! by extension, else sniffed from the content.
//!
//! As Kapacitor's recording decoder, a batch with no points is skipped but
//! every point of a batch is kept, even one whose fields are empty or all
//! null (a null field is absent: the point then has no fields), so nodes
//! such as `default` see it.

use crate::group::group_id;
use crate::line_protocol::{LineError, Parser, Precision};
use crate::message::{Batch, BatchPoint, Dimensions, FieldValue, Group, Point, Str, Tags};
use serde_json::Value;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// What a data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    LineProtocol,
    StreamRecording,
    BatchRecording,
    JsonBatches,
}

impl Format {
    /// By extension first, then by the first bytes.
    pub fn detect(path: &Path, head: &[u8]) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("srpl") => return Format::StreamRecording,
            Some("brpl") => return Format::BatchRecording,
            Some("jsonl") | Some("json") => return Format::JsonBatches,
            Some("lp") | Some("txt") => return Format::LineProtocol,
            _ => {}
        }
        if head.starts_with(&[0x1f, 0x8b]) {
            Format::StreamRecording
        } else if head.starts_with(b"PK\x03\x04") {
            Format::BatchRecording
        } else if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            Format::JsonBatches
        } else {
            Format::LineProtocol
        }
    }
}

/// A data file that cannot be read at all (bad lines are reported per line instead).
#[derive(Debug)]
pub struct DataError(pub String);

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataError {}

/// Loaded input, in replay order.
#[derive(Debug)]
pub enum Data {
    /// Points or per-line errors, in file order.
    Stream(Vec<Result<Point, LineError>>),
    /// (query index in `task::replay_order`, batch), ordered by batch time
    /// (ties: entry order), or per-line errors.
    Batches(Vec<Result<(usize, Batch), LineError>>),
}

/// Load `path`. `dbrp` and `precision` apply to plain line protocol only.
pub fn load(path: &Path, dbrp: (&str, &str), precision: Precision) -> Result<Data, DataError> {
    let bytes = std::fs::read(path)
        .map_err(|e| DataError(format!("cannot read {}: {e}", path.display())))?;
    load_bytes(path, &bytes, dbrp, precision)
}

pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    dbrp: (&str, &str),
    precision: Precision,
) -> Result<Data, DataError> {
    match Format::detect(path, bytes) {
        Format::LineProtocol => {
            let text = utf8(bytes)?;
            let mut parser = Parser::new(dbrp.0, dbrp.1, precision);
            let mut out = Vec::new();
            parser.parse_text(text, |r| out.push(r));
            Ok(Data::Stream(out))
        }
        Format::StreamRecording => {
            let mut text = String::new();
            flate2::read::GzDecoder::new(bytes)
                .read_to_string(&mut text)
                .map_err(|e| {
                    DataError(format!(
                        "{}: not a gzip stream recording: {e}",
                        path.display()
                    ))
                })?;
            Ok(Data::Stream(parse_srpl(&text)))
        }
        Format::BatchRecording => {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
                DataError(format!(
                    "{}: not a zip batch recording: {e}",
                    path.display()
                ))
            })?;
            let mut all = Vec::new();
            for i in 0..zip.len() {
                let mut entry = zip
                    .by_index(i)
                    .map_err(|e| DataError(format!("{}: {e}", path.display())))?;
                let name = entry
                    .name()
                    .map_err(|e| DataError(format!("{}: {e}", path.display())))?
                    .to_string();
                let index: usize = name.parse().map_err(|_| {
                    DataError(format!(
                        "{}: entry {name:?} is not a query node number",
                        path.display()
                    ))
                })?;
                let mut text = String::new();
                entry
                    .read_to_string(&mut text)
                    .map_err(|e| DataError(format!("{}: entry {name}: {e}", path.display())))?;
                all.extend(parse_json_batches(&text, index));
            }
            Ok(Data::Batches(order(all)))
        }
        Format::JsonBatches => Ok(Data::Batches(order(parse_json_batches(utf8(bytes)?, 0)))),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, DataError> {
    std::str::from_utf8(bytes).map_err(|e| DataError(format!("input is not UTF-8: {e}")))
}

/// Stable sort of the batches by time (errors stay where they were relative
/// to the batches before them).
fn order(v: Vec<Result<(usize, Batch), LineError>>) -> Vec<Result<(usize, Batch), LineError>> {
    if v.iter().all(Result::is_ok) {
        let mut v = v;
        v.sort_by_key(|r| r.as_ref().map(|(_, b)| b.tmax).unwrap_or(i64::MIN));
        return v;
    }
    v
}

/// The triples of a stream recording: database, retention policy, line.
pub fn parse_srpl(text: &str) -> Vec<Result<Point, LineError>> {
    let mut parser = Parser::new("", "", Precision::Nanoseconds);
    let mut out = Vec::new();
    let mut lines = text.split('\n').enumerate();
    while let Some((i, db)) = lines.next() {
        if db.is_empty() {
            continue;
        }
        let Some((_, rp)) = lines.next() else {
            out.push(Err(LineError {
                line: i + 1,
                text: db.to_string(),
                reason: "truncated recording: missing retention policy and point".into(),
            }));
            break;
        };
        let Some((j, line)) = lines.next() else {
            out.push(Err(LineError {
                line: i + 2,
                text: rp.to_string(),
                reason: "truncated recording: missing point".into(),
            }));
            break;
        };
        parser.set_dbrp(db, rp);
        match parser.parse_line(line, j + 1) {
            Some(r) => out.push(r),
            None => out.push(Err(LineError {
                line: j + 1,
                text: line.to_string(),
                reason: "missing point".into(),
            })),
        }
    }
    out
}

/// JSON batches, one object per line (concatenated objects are accepted too).
pub fn parse_json_batches(text: &str, query: usize) -> Vec<Result<(usize, Batch), LineError>> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let start = stream.byte_offset();
        let line = text[..start].matches('\n').count() + 1;
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                let end = stream.byte_offset();
                let line = line + text[start..end].len() - text[start..end].trim_start().len();
                let line = line.min(text[..end].matches('\n').count() + 1);
                match batch_from_json(&v) {
                    Ok(Some(b)) => out.push(Ok((query, b))),
                    Ok(None) => {}
                    Err(reason) => out.push(Err(LineError {
                        line,
                        text: snippet(&text[start..end]),
                        reason,
                    })),
                }
            }
            Some(Err(e)) => {
                out.push(Err(LineError {
                    line: e.line(),
                    text: snippet(text[start..].trim_start().lines().next().unwrap_or("")),
                    reason: format!("invalid JSON: {e}"),
                }));
                break;
            }
        }
    }
    out
}

fn snippet(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn parse_time(v: Option<&Value>, what: &str) -> Result<i64, String> {
    let s = v
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing {what}"))?;
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("bad {what} {s:?}: {e}"))?;
    i64::try_from(t.unix_timestamp_nanos()).map_err(|_| format!("{what} out of range"))
}

fn tags_of(v: Option<&Value>) -> Result<Tags, String> {
    let mut tags: Tags = Vec::new();
    // `null` is Go's nil map: Kapacitor writes it for a point without tags.
    if let Some(v) = v.filter(|v| !v.is_null()) {
        let obj = v.as_object().ok_or("tags must be an object")?;
        for (k, v) in obj {
            let v = v
                .as_str()
                .ok_or_else(|| format!("tag {k:?} is not a string"))?;
            tags.push((Str::from(k.as_str()), Str::from(v)));
        }
    }
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(tags)
}

/// One batch; `None` when it has no points (skipped, as Kapacitor does).
/// Points without fields are kept. Every number becomes a float (reference §3).
/// As Kapacitor's decoder and replay: the group comes from name, tags and
/// byname, and tmax is at least the last point's time.
fn batch_from_json(v: &Value) -> Result<Option<Batch>, String> {
    let obj = v.as_object().ok_or("a batch must be a JSON object")?;
    let name = Str::from(obj.get("name").and_then(Value::as_str).unwrap_or(""));
    let tmax = match obj.get("tmax") {
        Some(v) => Some(parse_time(Some(v), "tmax")?),
        None => None,
    };
    let by_name = obj.get("byname").and_then(Value::as_bool).unwrap_or(false);
    let tags = tags_of(obj.get("tags"))?;
    let mut points = Vec::new();
    if let Some(ps) = obj.get("points") {
        for p in ps.as_array().ok_or("points must be an array")? {
            let po = p.as_object().ok_or("a point must be an object")?;
            let mut ptags = tags_of(po.get("tags"))?;
            if ptags.is_empty() {
                ptags = tags.clone();
            }
            let mut fields = Vec::new();
            if let Some(fs) = po.get("fields") {
                for (k, v) in fs.as_object().ok_or("fields must be an object")? {
                    let fv = match v {
                        Value::Number(n) => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
                        Value::String(s) => FieldValue::String(Str::from(s.as_str())),
                        Value::Bool(b) => FieldValue::Bool(*b),
                        Value::Null => continue,
                        _ => return Err(format!("field {k:?} has an unsupported type")),
                    };
                    fields.push((Str::from(k.as_str()), fv));
                }
            }
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            points.push(BatchPoint {
                tags: ptags,
                fields,
                time: parse_time(po.get("time"), "point time")?,
            });
        }
    }
    let Some(last) = points.last().map(|p| p.time) else {
        return Ok(None);
    };
    // Kapacitor's replay raises a batch's time to its last point's time when
    // the recorded tmax is earlier (or absent: Go's zero time).
    let tmax = tmax.map_or(last, |t| t.max(last));
    let dims = Arc::new(Dimensions {
        by_name,
        tag_names: tags.iter().map(|(k, _)| k.clone()).collect(),
    });
    // The recorded "group" is not read back: Kapacitor's decoder derives the
    // group from the name, the tags and byname.
    let id = group_id(&name, &tags, &dims);
    Ok(Some(Batch {
        name,
        group: Group { id, dims },
        tags,
        by_name,
        tmax,
        points,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const BATCH: &str = r#"{"name":"cpu","tmax":"2016-05-04T17:44:00Z","group":"host=a","byname":false,"tags":{"host":"a"},"points":[{"fields":{"mean":1.5,"n":2},"tags":{"host":"a"},"time":"2016-05-04T17:43:00Z"}]}"#;

    #[test]
    fn json_batches_make_floats_and_inherit_tags() {
        let text = format!(
            "{BATCH}\n{{\"tmax\":\"2016-05-04T17:45:00Z\"}}\n{}\n",
            r#"{"name":"cpu","tmax":"2016-05-04T17:46:00Z","tags":{"host":"b"},"points":[{"fields":{"v":1},"time":"2016-05-04T17:45:30.5Z"}]}"#
        );
        let v = parse_json_batches(&text, 0);
        assert_eq!(v.len(), 2, "the empty batch is skipped");
        let (_, a) = v[0].as_ref().unwrap();
        assert_eq!(&*a.group.id, "host=a");
        assert_eq!(a.points[0].field("n"), Some(&FieldValue::Float(2.0)));
        let (_, b) = v[1].as_ref().unwrap();
        assert_eq!(&*b.group.id, "host=b");
        assert_eq!(b.points[0].tag("host").map(|s| &**s), Some("b"));
        assert_eq!(b.points[0].time % 1_000_000_000, 500_000_000);
    }

    #[test]
    fn field_less_points_are_kept_and_empty_batches_skipped() {
        let text = concat!(
            r#"{"name":"cpu","tmax":"2020-01-01T00:00:10Z","points":[{"fields":{},"time":"2020-01-01T00:00:01Z"},{"fields":{"v":null},"time":"2020-01-01T00:00:02Z"},{"time":"2020-01-01T00:00:03Z"}]}"#,
            "\n",
            r#"{"name":"cpu","tmax":"2020-01-01T00:00:20Z","points":[]}"#,
            "\n"
        );
        let v = parse_json_batches(text, 0);
        assert_eq!(v.len(), 1, "only the batch without points is skipped");
        let (_, b) = v[0].as_ref().unwrap();
        assert_eq!(b.points.len(), 3);
        assert!(b.points.iter().all(|p| p.fields.is_empty()));
    }

    #[test]
    fn json_errors_name_the_line() {
        let text = format!("{BATCH}\n{{\"name\":\"x\",\"tmax\":\"soon\"}}\n");
        let v = parse_json_batches(&text, 0);
        let e = v[1].as_ref().unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.starts_with("bad tmax \"soon\""), "{}", e.reason);
    }

    #[test]
    fn tmax_is_at_least_the_last_point_time_and_groups_are_derived() {
        let text = concat!(
            // No tmax: the last point's time (2s). A recorded group that
            // disagrees with the tags is not used.
            r#"{"name":"cpu","group":"bogus","tags":{"host":"a"},"points":[{"fields":{"v":1},"time":"1970-01-01T00:00:01Z"},{"fields":{"v":2},"time":"1970-01-01T00:00:02Z"}]}"#,
            "\n",
            // tmax 1s before the last point (3s): raised to 3s.
            r#"{"name":"cpu","tmax":"1970-01-01T00:00:01Z","points":[{"fields":{"v":1},"time":"1970-01-01T00:00:03Z"}]}"#,
            "\n",
            // tmax after the points: kept.
            r#"{"name":"cpu","tmax":"1970-01-01T00:00:09Z","byname":true,"points":[{"fields":{"v":1},"time":"1970-01-01T00:00:04Z"}]}"#,
            "\n"
        );
        let parsed = parse_json_batches(text, 0);
        let v: Vec<&Batch> = parsed.iter().map(|r| &r.as_ref().unwrap().1).collect();
        let s = 1_000_000_000;
        assert_eq!(
            v.iter().map(|b| b.tmax).collect::<Vec<_>>(),
            [2 * s, 3 * s, 9 * s]
        );
        assert_eq!(&*v[0].group.id, "host=a");
        assert_eq!(&*v[2].group.id, "cpu");
    }

    #[test]
    fn srpl_and_brpl_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let srpl = dir.path().join("r.srpl");
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&srpl).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(b"telegraf\nautogen\ncpu,host=a v=1 10\nother\nrp\nmem v=2i 20\n")
            .unwrap();
        gz.finish().unwrap();
        let Data::Stream(points) = load(&srpl, ("x", "y"), Precision::Seconds).unwrap() else {
            panic!("stream expected")
        };
        let p: Vec<&Point> = points.iter().map(|r| r.as_ref().unwrap()).collect();
        assert_eq!(
            (&*p[0].database, &*p[0].retention_policy, p[0].time),
            ("telegraf", "autogen", 10)
        );
        assert_eq!(
            (&*p[1].database, p[1].field("v")),
            ("other", Some(&FieldValue::Int(2)))
        );

        let brpl = dir.path().join("r.brpl");
        let mut zw = zip::ZipWriter::new(std::fs::File::create(&brpl).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        zw.start_file("0", opts).unwrap();
        zw.write_all(BATCH.as_bytes()).unwrap();
        zw.start_file("1", opts).unwrap();
        zw.write_all(BATCH.replace("17:44", "17:40").as_bytes())
            .unwrap();
        zw.finish().unwrap();
        let Data::Batches(b) = load(&brpl, ("x", "y"), Precision::Seconds).unwrap() else {
            panic!("batches expected")
        };
        let order: Vec<usize> = b.iter().map(|r| r.as_ref().unwrap().0).collect();
        assert_eq!(order, [1, 0], "ordered by tmax");
    }

    #[test]
    fn detects_by_content() {
        let p = Path::new("data");
        assert_eq!(Format::detect(p, b"\x1f\x8b.."), Format::StreamRecording);
        assert_eq!(Format::detect(p, b"PK\x03\x04"), Format::BatchRecording);
        assert_eq!(Format::detect(p, b"  {\"a\":1}"), Format::JsonBatches);
        assert_eq!(Format::detect(p, b"cpu v=1"), Format::LineProtocol);
    }
}
