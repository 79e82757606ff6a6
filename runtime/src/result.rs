//! Result/Row JSON (api.md §5.4): what httpOut serves and what an alert
//! event carries in `data`. Written by hand so key order, omission of empty
//! keys and number formatting follow Go's `encoding/json` exactly.

use crate::message::{Batch, FieldValue, Point, Str};
use crate::point::lookup;
use std::fmt::Write as _;

/// One series row: `{name, tags, columns, values}`.

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub name: Str,
    /// Sorted by key.
    pub tags: Vec<(Str, Str)>,
    /// `time` first.
    pub columns: Vec<Str>,
    /// One vector per row; the first cell is the time.
    pub values: Vec<(i64, Vec<Cell>)>,
}

/// A non-time cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Field(FieldValue),
    Tag(Str),
    Null,
}

fn time_col() -> Str {
    thread_local! { static T: Str = Str::from("time"); }
    T.with(Str::clone)
}

/// Stream form: tags = all point tags, columns = time + sorted field names.
pub fn row_from_point(p: &Point) -> Row {
    let mut columns = Vec::with_capacity(p.fields.len() + 1);
    columns.push(time_col());
    columns.extend(p.fields.iter().map(|(k, _)| k.clone()));
    let cells = p
        .fields
        .iter()
        .map(|(_, v)| Cell::Field(v.clone()))
        .collect();
    Row {
        name: p.name.clone(),
        tags: p.tags.clone(),
        columns,
        values: vec![(p.time, cells)],
    }
}

/// Batch form: tags = group tags; columns = time + sorted(first point's fields
/// ∪ its tags absent from the group tags); one row per point (a field, else a
/// tag, else null). An empty batch has no columns and no values.
pub fn row_from_batch(b: &Batch) -> Row {
    let mut row = Row {
        name: b.name.clone(),
        tags: b.tags.clone(),
        columns: Vec::new(),
        values: Vec::new(),
    };
    let Some(first) = b.points.first() else {
        return row;
    };
    let mut cols: Vec<Str> = first.fields.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in &first.tags {
        if lookup(&b.tags, k).is_none() {
            cols.push(k.clone());
        }
    }
    cols.sort();
    cols.dedup();
    row.values = b
        .points
        .iter()
        .map(|p| {
            let cells = cols
                .iter()
                .map(|c| {
                    if let Some(v) = lookup(&p.fields, c) {
                        Cell::Field(v.clone())
                    } else if let Some(t) = lookup(&p.tags, c) {
                        Cell::Tag(t.clone())
                    } else {
                        Cell::Null
                    }
                })
                .collect();
            (p.time, cells)
        })
        .collect();
    row.columns.push(time_col());
    row.columns.extend(cols);
    row
}

/// Append a row's JSON.
pub fn write_row(out: &mut String, row: &Row) {
    out.push('{');
    let mut sep = false;
    let mut key = |out: &mut String, k: &str| {
        if sep {
            out.push(',');
        }
        sep = true;
        write_str(out, k);
        out.push(':');
    };
    if !row.name.is_empty() {
        key(out, "name");
        write_str(out, &row.name);
    }
    if !row.tags.is_empty() {
        key(out, "tags");
        out.push('{');
        for (i, (k, v)) in row.tags.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, k);
            out.push(':');
            write_str(out, v);
        }
        out.push('}');
    }
    if !row.columns.is_empty() {
        key(out, "columns");
        out.push('[');
        for (i, c) in row.columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, c);
        }
        out.push(']');
    }
    if !row.values.is_empty() {
        key(out, "values");
        out.push('[');
        for (i, (t, cells)) in row.values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("[\"");
            // A timestamp needs no JSON escaping: written in place.
            crate::template::gotime::rfc3339_nano(*t, out);
            out.push('"');
            for c in cells {
                out.push(',');
                match c {
                    Cell::Field(v) => write_field(out, v),
                    Cell::Tag(s) => write_str(out, s),
                    Cell::Null => out.push_str("null"),
                }
            }
            out.push(']');
        }
        out.push(']');
    }
    out.push('}');
}

/// `{"series":[...]}` with `null` for slots without data yet, or
/// `{"series":null}` when there are no slots at all.
pub fn result_json(rows: &[Option<Row>]) -> String {
    let mut s = String::from("{\"series\":");
    if rows.is_empty() {
        s.push_str("null}");
        return s;
    }
    s.push('[');
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        match r {
            Some(r) => write_row(&mut s, r),
            None => s.push_str("null"),
        }
    }
    s.push_str("]}");
    s
}

/// A JSON string with Go's escaping (`<`, `>`, `&` as \u003c etc., as
/// `encoding/json` does by default): the template engine's encoder, so event
/// data and `json` in templates escape alike.
pub use crate::template::json::json_string as write_str;

/// A field value as Go marshals it.
pub fn write_field(out: &mut String, v: &FieldValue) {
    match v {
        FieldValue::Float(f) => write_float(out, *f),
        FieldValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FieldValue::String(s) => write_str(out, s),
        FieldValue::Null => out.push_str("null"),
    }
}

/// Go `encoding/json` float64: shortest representation, `'f'` form unless
/// |f| < 1e-6 or |f| >= 1e21 (then `1e+21`, `1e-7`). NaN/Inf (which Go
/// refuses to marshal) are written as `null`.
pub fn write_float(out: &mut String, f: f64) {
    if f.is_finite() {
        crate::template::gofmt::json_float(out, f);
    } else {
        out.push_str("null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::nil_group;
    use crate::message::BatchPoint;
    use crate::testing::point;

    #[test]
    fn stream_row_shape() {
        let p = point(
            "cpu",
            &[("host", "a")],
            &[
                ("usage_idle", FieldValue::Float(3.2)),
                ("n", FieldValue::Int(2)),
            ],
            1_462_383_840_000_000_000,
        );
        let mut s = String::new();
        write_row(&mut s, &row_from_point(&p));
        assert_eq!(
            s,
            r#"{"name":"cpu","tags":{"host":"a"},"columns":["time","n","usage_idle"],"values":[["2016-05-04T17:44:00Z",2,3.2]]}"#
        );
    }

    #[test]
    fn batch_row_adds_non_group_tags_and_nulls() {
        let s = |x: &str| Str::from(x);
        let b = Batch {
            name: s("cpu"),
            group: nil_group(),
            tags: vec![(s("host"), s("a"))],
            by_name: false,
            tmax: 0,
            points: vec![
                BatchPoint {
                    tags: vec![(s("cpu"), s("c0")), (s("host"), s("a"))],
                    fields: vec![(s("v"), FieldValue::Float(1.0))],
                    time: 0,
                },
                BatchPoint {
                    tags: vec![(s("host"), s("a"))],
                    fields: vec![(s("w"), FieldValue::Float(2.0))],
                    time: 1_000_000_000,
                },
            ],
        };
        let r = row_from_batch(&b);
        assert_eq!(
            result_json(&[Some(r), None]),
            r#"{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","cpu","v"],"values":[["1970-01-01T00:00:00Z","c0",1],["1970-01-01T00:00:01Z",null,null]]},null]}"#
        );
        assert_eq!(result_json(&[]), r#"{"series":null}"#);
    }

    #[test]
    fn floats_like_go() {
        let f = |x: f64| {
            let mut s = String::new();
            write_float(&mut s, x);
            s
        };
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.5), "0.5");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(1.5e-7), "1.5e-7");
        assert_eq!(f(123456789.0), "123456789");
        assert_eq!(f(-0.000001), "-0.000001");
    }
}
