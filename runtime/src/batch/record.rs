//! Recording files made from query results, in Kapacitor's formats
//! (api.md §5.2):
//!
//! * `.brpl`: a zip archive, entry `i` (named `"0"`, `"1"`, …) holding the
//!   batches of the task's *i*-th query node, one JSON object per line as
//!   Go marshals Kapacitor's buffered batch: `name`, `tmax`, `group`,
//!   `byname`, `tags`, `points` in that order, `name`/`group`/`byname`/
//!   `tags`/`points` omitted when empty; each point `fields`, `tags`
//!   (`null` when it has none, Go's nil map), `time`; maps sorted by key.
//! * `.srpl` from a query (`record query -type stream`): the result's points
//!   merged across series in time order (ties: series order), as
//!   Kapacitor's `runQueryStream`, each as database, retention policy and a
//!   nanosecond line-protocol line.

use crate::line_protocol::{write_line, Precision};
use crate::message::{Batch, Group, Point};
use crate::result::{write_field, write_str};
use crate::time::rfc3339_nano;
use std::io::{Seek, Write};

/// One batch as a recording line (without the newline).
pub fn write_batch_json(out: &mut String, b: &Batch) {
    out.push('{');
    if !b.name.is_empty() {
        out.push_str("\"name\":");
        write_str(out, &b.name);
        out.push(',');
    }
    out.push_str("\"tmax\":\"");
    out.push_str(&rfc3339_nano(b.tmax));
    out.push('"');
    if !b.group.id.is_empty() {
        out.push_str(",\"group\":");
        write_str(out, &b.group.id);
    }
    if b.by_name {
        out.push_str(",\"byname\":true");
    }
    if !b.tags.is_empty() {
        out.push_str(",\"tags\":");
        write_tags(out, &b.tags);
    }
    if !b.points.is_empty() {
        out.push_str(",\"points\":[");
        for (i, p) in b.points.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"fields\":{");
            for (j, (k, v)) in p.fields.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_field(out, v);
            }
            out.push_str("},\"tags\":");
            if p.tags.is_empty() {
                out.push_str("null");
            } else {
                write_tags(out, &p.tags);
            }
            out.push_str(",\"time\":\"");
            out.push_str(&rfc3339_nano(p.time));
            out.push_str("\"}");
        }
        out.push(']');
    }
    out.push('}');
}

fn write_tags(out: &mut String, tags: &[(crate::message::Str, crate::message::Str)]) {
    out.push('{');
    for (i, (k, v)) in tags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, k);
        out.push(':');
        write_str(out, v);
    }
    out.push('}');
}

/// Write a `.brpl`: `entries[i]` = the batches of query node *i*.
pub fn write_brpl<W: Write + Seek>(w: W, entries: &[Vec<Batch>]) -> std::io::Result<W> {
    let mut zip = zip::ZipWriter::new(w);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut line = String::new();
    for (i, batches) in entries.iter().enumerate() {
        zip.start_file(i.to_string(), opts)
            .map_err(std::io::Error::other)?;
        for b in batches {
            line.clear();
            write_batch_json(&mut line, b);
            line.push('\n');
            zip.write_all(line.as_bytes())?;
        }
    }
    zip.finish().map_err(std::io::Error::other)
}

/// The points of a stream recording made from a query's batches: merged
/// in time order (stable: ties keep series order), in (db, rp).
pub fn stream_points(batches: &[Batch], db: &str, rp: &str) -> Vec<Point> {
    let mut points: Vec<Point> = batches
        .iter()
        .flat_map(|b| {
            b.points.iter().map(|p| Point {
                name: b.name.clone(),
                database: db.into(),
                retention_policy: rp.into(),
                tags: p.tags.clone(),
                fields: p.fields.clone(),
                time: p.time,
                group: Group::default(),
            })
        })
        .collect();
    points.sort_by_key(|p| p.time);
    points
}

/// Write an `.srpl` (gzip of db, rp, line triples) of `points`.
pub fn write_srpl<W: Write>(w: W, points: &[Point]) -> std::io::Result<W> {
    let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
    let mut line = String::new();
    for p in points {
        line.clear();
        line.push_str(&p.database);
        line.push('\n');
        line.push_str(&p.retention_policy);
        line.push('\n');
        write_line(&mut line, p, Precision::Nanoseconds);
        line.push('\n');
        gz.write_all(line.as_bytes())?;
    }
    gz.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::result::{result_to_batches, Series};
    use crate::recording::{load_bytes, Data};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn series_batches() -> Vec<Batch> {
        let tags: BTreeMap<String, String> = [("host".to_string(), "a<b".to_string())].into();
        let none = BTreeMap::new();
        let columns = vec!["time".to_string(), "mean".to_string()];
        let v1 = vec![
            vec![json!("2016-05-04T17:43:00Z"), json!(1.5)],
            vec![json!("2016-05-04T17:44:00Z"), json!(2)],
        ];
        let v2 = vec![vec![json!("2016-05-04T17:43:30Z"), json!(1e-7)]];
        let s1 = Series {
            name: "cpu",
            tags: &tags,
            columns: &columns,
            values: &v1,
        };
        let s2 = Series {
            name: "cpu",
            tags: &none,
            columns: &columns,
            values: &v2,
        };
        result_to_batches(None, [s1, s2], false)
            .unwrap()
            .into_iter()
            .map(|q| q.stamped(1_462_383_900_000_000_000, false))
            .collect()
    }

    #[test]
    fn batch_lines_as_go_marshals_them() {
        let b = series_batches();
        let mut s = String::new();
        write_batch_json(&mut s, &b[0]);
        // Go: HTML-escaped "<", 2 as float 2, tmax the latest point (17:44).
        assert_eq!(
            s,
            r#"{"name":"cpu","tmax":"2016-05-04T17:44:00Z","group":"host=a\u003cb","tags":{"host":"a\u003cb"},"points":[{"fields":{"mean":1.5},"tags":{"host":"a\u003cb"},"time":"2016-05-04T17:43:00Z"},{"fields":{"mean":2},"tags":{"host":"a\u003cb"},"time":"2016-05-04T17:44:00Z"}]}"#
        );
        s.clear();
        write_batch_json(&mut s, &b[1]);
        // No tags: no group, no batch tags, point tags null; 1e-7 in e form.
        assert_eq!(
            s,
            r#"{"name":"cpu","tmax":"2016-05-04T17:43:30Z","points":[{"fields":{"mean":1e-7},"tags":null,"time":"2016-05-04T17:43:30Z"}]}"#
        );
    }

    #[test]
    fn brpl_and_srpl_read_back() {
        let b = series_batches();
        let cur = write_brpl(
            std::io::Cursor::new(Vec::new()),
            &[b.clone(), vec![b[1].clone()]],
        )
        .unwrap();
        let data = load_bytes(
            std::path::Path::new("x.brpl"),
            &cur.into_inner(),
            ("", ""),
            Precision::Nanoseconds,
        )
        .unwrap();
        let Data::Batches(v) = data else {
            panic!("batches")
        };
        let got: Vec<(usize, i64)> = v
            .iter()
            .map(|r| {
                let (q, b) = r.as_ref().unwrap();
                (*q, b.tmax)
            })
            .collect();
        // Sorted by time: 17:43:30 (entry 0 and 1), then 17:44.
        let t = 1_462_383_810_000_000_000;
        assert_eq!(got, [(0, t), (1, t), (0, t + 30_000_000_000)]);

        let points = stream_points(&b, "db", "rp");
        // Merged by time: 17:43 (a), 17:43:30 (no tags), 17:44 (a).
        assert_eq!(
            points.iter().map(|p| p.time).collect::<Vec<_>>(),
            [t - 30_000_000_000, t, t + 30_000_000_000]
        );
        let gz = write_srpl(Vec::new(), &points).unwrap();
        let Data::Stream(v) = load_bytes(
            std::path::Path::new("x.srpl"),
            &gz,
            ("", ""),
            Precision::Nanoseconds,
        )
        .unwrap() else {
            panic!("stream")
        };
        let p = v[0].as_ref().unwrap();
        assert_eq!(
            (&*p.database, &*p.retention_policy, p.time),
            ("db", "rp", t - 30_000_000_000)
        );
    }
}
