//! Our messages to and from the protocol's, as Kapacitor's UDF server maps
//! them (`udf/server.go`: `writePoint`, `writeBeginBatch`, `writeBatchPoint`,
//! `writeEndBatch`, `handleResponse`).
//!
//! This is IPC: every point is encoded and decoded anyway, so the maps and
//! strings built here are not on an allocation-free path.

use super::proto;
use crate::group::group_of;
use crate::message::{Batch, BatchPoint, Dimensions, FieldValue, Fields, Point, Str, Tags};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Field maps by type, as the protocol carries them.
#[derive(Default)]
struct TypedFields {
    double: BTreeMap<String, f64>,
    int: BTreeMap<String, i64>,
    string: BTreeMap<String, String>,
    bool: BTreeMap<String, bool>,
}

fn typed_fields(fields: &Fields) -> TypedFields {
    let mut t = TypedFields::default();
    for (k, v) in fields {
        let k = k.to_string();
        match v {
            FieldValue::Float(f) => {
                t.double.insert(k, *f);
            }
            FieldValue::Int(i) => {
                t.int.insert(k, *i);
            }
            FieldValue::String(s) => {
                t.string.insert(k, s.to_string());
            }
            FieldValue::Bool(b) => {
                t.bool.insert(k, *b);
            }
            // join's fill('null') marks a missing value; the protocol has no null.
            FieldValue::Null => {}
        }
    }
    t
}

fn tag_map(tags: &Tags) -> BTreeMap<String, String> {
    tags.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A stream point as a `Point` request.
pub fn point_request(p: &Point) -> proto::Point {
    let f = typed_fields(&p.fields);
    proto::Point {
        time: p.time,
        name: p.name.to_string(),
        database: p.database.to_string(),
        retention_policy: p.retention_policy.to_string(),
        group: p.group.id.to_string(),
        dimensions: p
            .group
            .dims
            .tag_names
            .iter()
            .map(|s| s.to_string())
            .collect(),
        tags: tag_map(&p.tags),
        fields_double: f.double,
        fields_int: f.int,
        fields_string: f.string,
        fields_bool: f.bool,
        by_name: p.group.dims.by_name,
    }
}

/// A whole batch as BeginBatch, its points, EndBatch.
pub fn batch_requests(b: &Batch) -> Vec<proto::request::Message> {
    let group = b.group.id.to_string();
    let tags = tag_map(&b.tags);
    let mut out = Vec::with_capacity(b.points.len() + 2);
    out.push(proto::request::Message::Begin(proto::BeginBatch {
        name: b.name.to_string(),
        group: group.clone(),
        tags: tags.clone(),
        size: b.points.len() as i64,
        by_name: b.by_name,
    }));
    for p in &b.points {
        let f = typed_fields(&p.fields);
        out.push(proto::request::Message::Point(proto::Point {
            time: p.time,
            group: group.clone(),
            tags: tag_map(&p.tags),
            fields_double: f.double,
            fields_int: f.int,
            fields_string: f.string,
            fields_bool: f.bool,
            ..Default::default()
        }));
    }
    // Kapacitor's writeEndBatch leaves byName unset.
    out.push(proto::request::Message::End(proto::EndBatch {
        name: b.name.to_string(),
        group,
        tmax: b.tmax,
        tags,
        by_name: false,
    }));
    out
}

fn tags_of(map: BTreeMap<String, String>) -> Tags {
    map.into_iter()
        .map(|(k, v)| (Str::from(k), Str::from(v)))
        .collect()
}

/// The point's fields, key-sorted. A key present in several typed maps
/// keeps the value Kapacitor's `typeMapsToFields` keeps (bool over double
/// over int over string: the last map written wins).
fn fields_of(p: &mut proto::Point) -> Fields {
    let mut merged: BTreeMap<String, FieldValue> = BTreeMap::new();
    for (k, v) in std::mem::take(&mut p.fields_string) {
        merged.insert(k, FieldValue::String(Str::from(v)));
    }
    for (k, v) in std::mem::take(&mut p.fields_int) {
        merged.insert(k, FieldValue::Int(v));
    }
    for (k, v) in std::mem::take(&mut p.fields_double) {
        merged.insert(k, FieldValue::Float(v));
    }
    for (k, v) in std::mem::take(&mut p.fields_bool) {
        merged.insert(k, FieldValue::Bool(v));
    }
    merged.into_iter().map(|(k, v)| (Str::from(k), v)).collect()
}

/// An answered stream point: its group is recomputed from its dimensions,
/// as `edge.NewPointMessage` does.
pub fn point_from_response(mut p: proto::Point) -> Point {
    let fields = fields_of(&mut p);
    let mut tag_names: Vec<Str> = p.dimensions.iter().map(|s| Str::from(s.as_str())).collect();
    tag_names.sort_unstable();
    tag_names.dedup();
    let dims = Arc::new(Dimensions {
        by_name: p.by_name,
        tag_names,
    });
    let tags = tags_of(std::mem::take(&mut p.tags));
    let group = group_of(&p.name, &tags, &dims);
    Point {
        name: Str::from(p.name),
        database: Str::from(p.database),
        retention_policy: Str::from(p.retention_policy),
        tags,
        fields,
        time: p.time,
        group,
    }
}

/// An answered point inside a batch.
pub fn batch_point_from_response(mut p: proto::Point) -> BatchPoint {
    BatchPoint {
        fields: fields_of(&mut p),
        tags: tags_of(std::mem::take(&mut p.tags)),
        time: p.time,
    }
}

/// An answered batch: name, tags and tmax from EndBatch, byName from
/// BeginBatch, and the group from the tags (`edge.NewBeginBatchMessage`).
pub fn batch_from_response(
    begin: &proto::BeginBatch,
    end: proto::EndBatch,
    points: Vec<BatchPoint>,
) -> Batch {
    let tags = tags_of(end.tags);
    let dims = Arc::new(Dimensions {
        by_name: begin.by_name,
        tag_names: tags.iter().map(|(k, _)| k.clone()).collect(),
    });
    let group = group_of(&end.name, &tags, &dims);
    Batch {
        name: Str::from(end.name),
        group,
        tags,
        by_name: begin.by_name,
        tmax: end.tmax,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_round_trips_through_the_protocol() {
        let dims = Arc::new(Dimensions {
            by_name: false,
            tag_names: vec![Str::from("host")],
        });
        let tags: Tags = vec![
            (Str::from("host"), Str::from("a")),
            (Str::from("region"), Str::from("eu")),
        ];
        let p = Point {
            name: Str::from("cpu"),
            database: Str::from("db"),
            retention_policy: Str::from("rp"),
            group: group_of("cpu", &tags, &dims),
            tags,
            fields: vec![
                (Str::from("b"), FieldValue::Bool(true)),
                (Str::from("f"), FieldValue::Float(1.5)),
                (Str::from("i"), FieldValue::Int(-3)),
                (Str::from("s"), FieldValue::String(Str::from("x"))),
            ],
            time: 42,
        };
        let req = point_request(&p);
        assert_eq!(req.group, "host=a");
        assert_eq!(req.dimensions, vec!["host"]);
        assert_eq!(req.fields_double["f"], 1.5);
        assert_eq!(req.fields_int["i"], -3);
        assert_eq!(req.fields_string["s"], "x");
        assert!(req.fields_bool["b"]);
        assert_eq!(point_from_response(req), p);
    }
}
