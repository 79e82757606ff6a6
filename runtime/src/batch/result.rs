//! A query result as batches, as Kapacitor's `ResultToBufferedBatches`:
//! one batch per series (name, the series tags as the group's tags, sorted
//! tag keys as its dimensions, byName as the node says); one point per row,
//! `time` parsed (RFC3339Nano, then RFC3339), every other non-null column a
//! field — numbers always float64 (Go decodes them as `json.Number` and
//! converts) — and rows left without fields dropped. The batch time is the
//! latest point time, or the query's stop as [`Stamp`] says.

use crate::group::group_id;
use crate::message::{Batch, BatchPoint, Dimensions, FieldValue, Group, Str, Tags};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// One series of a result, borrowed from whatever decoded it.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub name: &'a str,
    pub tags: &'a BTreeMap<String, String>,
    pub columns: &'a [String],
    pub values: &'a [Vec<Value>],
}

impl<'a> Series<'a> {
    pub fn of(row: &'a crate::influxdb::Row) -> Series<'a> {
        Series {
            name: &row.name,
            tags: &row.tags,
            columns: &row.columns,
            values: &row.values,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResultError {
    /// The result's own `error` (InfluxDB's text).
    Query(String),
    /// A `time` cell that is not a string.
    TimeValue(String),
    /// A `time` string that is neither RFC3339Nano nor RFC3339.
    TimeFormat(String),
    /// A cell of a type no field can hold (array, object).
    FieldValue { column: String, value: String },
}

impl fmt::Display for ResultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultError::Query(e) => f.write_str(e),
            ResultError::TimeValue(v) => write!(f, "unexpected time value: {v}"),
            ResultError::TimeFormat(v) => write!(f, "unexpected time format: {v}"),
            ResultError::FieldValue { column, value } => {
                write!(f, "unexpected value for column {column:?}: {value}")
            }
        }
    }
}

impl std::error::Error for ResultError {}

/// A batch as the result gave it: `latest` is its latest point time
/// (`None`: no points, Go's zero time).
#[derive(Debug, Clone, PartialEq)]
pub struct QueriedBatch {
    pub batch: Batch,
    pub latest: Option<i64>,
}

impl QueriedBatch {
    /// The batch with its time set: the query's `stop` when it has no
    /// points or when `use_stop` (see [`Stamp`]), else its latest point time.
    pub fn stamped(mut self, stop: i64, use_stop: bool) -> Batch {
        self.batch.tmax = match self.latest {
            Some(t) if !use_stop => t,
            _ => stop,
        };
        self.batch
    }
}

/// Which of Kapacitor's two rules stamps a queried batch with the query's
/// stop time (both also stamp a batch without points): the live query node
/// (batch.go `doQuery`) does when the query groups by time; batch
/// recordings and `replay-live batch` (`startRecordBatch`) do when it does
/// **not**.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Live,
    Recording,
}

impl Stamp {
    pub fn use_stop(self, grouped_by_time: bool) -> bool {
        match self {
            Stamp::Live => grouped_by_time,
            Stamp::Recording => !grouped_by_time,
        }
    }
}

fn parse_time(s: &str) -> Result<i64, ResultError> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| ResultError::TimeFormat(format!("parsing time {s:?}: {e}")))?;
    i64::try_from(t.unix_timestamp_nanos())
        .map_err(|_| ResultError::TimeFormat(format!("time {s:?} out of range")))
}

fn field_value(column: &str, v: &Value) -> Result<Option<FieldValue>, ResultError> {
    Ok(Some(match v {
        Value::Null => return Ok(None),
        Value::Number(n) => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => FieldValue::String(Str::from(s.as_str())),
        Value::Bool(b) => FieldValue::Bool(*b),
        other => {
            return Err(ResultError::FieldValue {
                column: column.to_string(),
                value: other.to_string(),
            })
        }
    }))
}

/// The batches of one statement's result (`error`: that result's error text).
pub fn result_to_batches<'a>(
    error: Option<&str>,
    series: impl IntoIterator<Item = Series<'a>>,
    by_name: bool,
) -> Result<Vec<QueriedBatch>, ResultError> {
    if let Some(e) = error.filter(|e| !e.is_empty()) {
        return Err(ResultError::Query(e.to_string()));
    }
    let mut out = Vec::new();
    for s in series {
        // BTreeMap iterates in key order: the tags come out sorted.
        let tags: Tags = s
            .tags
            .iter()
            .map(|(k, v)| (Str::from(k.as_str()), Str::from(v.as_str())))
            .collect();
        let dims = Arc::new(Dimensions {
            by_name,
            tag_names: tags.iter().map(|(k, _)| k.clone()).collect(),
        });
        let name = Str::from(s.name);
        let id = group_id(&name, &tags, &dims);
        // Fields sorted by key, as every point of ours; columns map to
        // their sorted position once per series.
        let mut order: Vec<usize> = (0..s.columns.len()).collect();
        order.sort_by(|&a, &b| s.columns[a].cmp(&s.columns[b]));
        let keys: Vec<Str> = s.columns.iter().map(|c| Str::from(c.as_str())).collect();
        let mut latest: Option<i64> = None;
        let mut points = Vec::with_capacity(s.values.len());
        for row in s.values {
            let mut time = None;
            let mut fields = Vec::with_capacity(order.len());
            for &i in &order {
                let column = &s.columns[i];
                let Some(cell) = row.get(i) else { continue };
                if column == "time" {
                    let Value::String(text) = cell else {
                        return Err(ResultError::TimeValue(cell.to_string()));
                    };
                    time = Some(parse_time(text)?);
                } else if let Some(v) = field_value(column, cell)? {
                    fields.push((keys[i].clone(), v));
                }
            }
            if fields.is_empty() {
                continue;
            }
            // A row without a time column is at Go's zero time, which never
            // raises the batch time; it sorts before every real time.
            let t = time.unwrap_or(i64::MIN);
            if time.is_some() && latest.is_none_or(|l| t > l) {
                latest = Some(t);
            }
            points.push(BatchPoint {
                tags: tags.clone(),
                fields,
                time: t,
            });
        }
        out.push(QueriedBatch {
            batch: Batch {
                name,
                group: Group {
                    id,
                    dims: dims.clone(),
                },
                tags,
                by_name,
                tmax: latest.unwrap_or(i64::MIN),
                points,
            },
            latest,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S: i64 = 1_000_000_000;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn series_become_batches_with_float_fields_and_dropped_empty_rows() {
        let tags: BTreeMap<String, String> = [
            ("host".to_string(), "a".to_string()),
            ("cpu".to_string(), "cpu0".to_string()),
        ]
        .into();
        let columns = cols(&["time", "mean", "n", "s"]);
        let values = vec![
            vec![
                json!("1970-01-01T00:00:10Z"),
                json!(1.5),
                json!(2),
                json!("x"),
            ],
            // No field left once nulls go: dropped.
            vec![
                json!("1970-01-01T00:00:20Z"),
                json!(null),
                json!(null),
                json!(null),
            ],
            vec![
                json!("1970-01-01T00:00:15.5Z"),
                json!(3),
                json!(null),
                json!(true),
            ],
        ];
        let series = Series {
            name: "cpu",
            tags: &tags,
            columns: &columns,
            values: &values,
        };
        let v = result_to_batches(None, [series], false).unwrap();
        assert_eq!(v.len(), 1);
        let q = &v[0];
        // Group ID: sorted tag keys, "cpu=cpu0,host=a" (not by name).
        assert_eq!(&*q.batch.group.id, "cpu=cpu0,host=a");
        assert_eq!(q.batch.points.len(), 2);
        let p = &q.batch.points[0];
        assert_eq!(p.time, 10 * S);
        // The integer 2 arrives as a float, as Kapacitor's json.Number -> float64.
        assert_eq!(p.field("n"), Some(&FieldValue::Float(2.0)));
        assert_eq!(p.field("s"), Some(&FieldValue::String(Str::from("x"))));
        assert_eq!(p.tag("host").map(|s| &**s), Some("a"));
        // Latest point time is 15.5s (the dropped row at 20s does not count).
        assert_eq!(q.latest, Some(15 * S + S / 2));
        let b = q.clone().stamped(60 * S, false);
        assert_eq!(b.tmax, 15 * S + S / 2);
        // Grouped by time: the query's stop.
        assert_eq!(q.clone().stamped(60 * S, true).tmax, 60 * S);
    }

    #[test]
    fn empty_series_get_the_stop_time_and_by_name_groups() {
        let tags = BTreeMap::new();
        let columns = cols(&["time", "mean"]);
        let values = vec![vec![json!("1970-01-01T00:00:10Z"), json!(null)]];
        let s = Series {
            name: "mem",
            tags: &tags,
            columns: &columns,
            values: &values,
        };
        let v = result_to_batches(None, [s], true).unwrap();
        assert_eq!(&*v[0].batch.group.id, "mem");
        assert!(v[0].batch.points.is_empty());
        assert_eq!(v[0].clone().stamped(7 * S, false).tmax, 7 * S);
    }

    #[test]
    fn errors_are_typed() {
        let tags = BTreeMap::new();
        let columns = cols(&["time", "v"]);
        let values = vec![vec![json!(5), json!(1)]];
        let s = Series {
            name: "m",
            tags: &tags,
            columns: &columns,
            values: &values,
        };
        assert_eq!(
            result_to_batches(None, [s], false).unwrap_err(),
            ResultError::TimeValue("5".into())
        );
        assert_eq!(
            result_to_batches(Some("database not found: x"), [], false)
                .unwrap_err()
                .to_string(),
            "database not found: x"
        );
        let values = vec![vec![json!("yesterday"), json!(1)]];
        let s = Series {
            name: "m",
            tags: &tags,
            columns: &columns,
            values: &values,
        };
        assert!(matches!(
            result_to_batches(None, [s], false),
            Err(ResultError::TimeFormat(_))
        ));
    }
}
