use crate::group::group_of;
use crate::message::{Batch, BatchPoint, Dimensions, FieldValue, Message, Point, Str};
use crate::node::harness::{f, i, s, Harness};
use crate::testing::{point, secs};
use compiler::catalog::NodeKind;
use compiler::ir::Arg;
use std::sync::Arc;

fn grouped(host: &str, fields: &[(&str, FieldValue)], t: i64) -> Point {
    let mut p = point("cpu", &[("host", host), ("dc", "east")], fields, t);
    let dims = Arc::new(Dimensions {
        by_name: false,
        tag_names: vec![Str::from("host")],
    });
    p.group = group_of(&p.name, &p.tags, &dims);
    p
}

fn field(p: &Point, k: &str) -> Option<FieldValue> {
    p.field(k).cloned()
}

#[test]
fn stream_mean_waits_for_the_next_time() {
    let mut h = Harness::new(false, NodeKind::Mean, vec![s("v")], vec![]);
    h.point(point("m", &[], &[("v", f(1.0))], secs(1)));
    h.point(point("m", &[], &[("v", f(3.0))], secs(1)));
    assert!(h.take().is_empty());
    h.point(point("m", &[], &[("v", f(10.0))], secs(2)));
    let out = h.take_points();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].time, secs(1));
    assert_eq!(out[0].fields, vec![(Str::from("mean"), f(2.0))]);
    h.finish();
    assert!(h.take().is_empty(), "the newest run waits");
}

#[test]
fn stream_groups_are_independent_and_keep_group_tags() {
    let mut h = Harness::new(
        false,
        NodeKind::Sum,
        vec![s("v")],
        vec![("as", vec![s("total")])],
    );
    h.point(grouped("a", &[("v", i(1))], secs(1)));
    h.point(grouped("b", &[("v", i(5))], secs(1)));
    h.point(grouped("a", &[("v", i(2))], secs(2)));
    let out = h.take_points();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].tags, vec![(Str::from("host"), Str::from("a"))]);
    assert_eq!(field(&out[0], "total"), Some(i(1)));
    assert_eq!(&*out[0].group.id, "host=a");
}

fn batch(points: Vec<BatchPoint>, tmax: i64) -> Message {
    Message::Batch(Arc::new(Batch {
        name: Str::from("cpu"),
        group: crate::group::nil_group(),
        tags: vec![],
        by_name: false,
        tmax,
        points,
    }))
}

fn bp(tags: &[(&str, &str)], fields: &[(&str, FieldValue)], t: i64) -> BatchPoint {
    let p = point("cpu", tags, fields, t);
    BatchPoint {
        tags: p.tags,
        fields: p.fields,
        time: t,
    }
}

#[test]
fn batch_count_of_empty_batch_is_zero_and_mean_gives_nothing() {
    let mut h = Harness::new(true, NodeKind::Count, vec![s("v")], vec![]);
    h.send(0, batch(vec![], secs(10)));
    let out = h.take_points();
    assert_eq!(out[0].fields, vec![(Str::from("count"), i(0))]);
    assert_eq!(out[0].time, secs(10));
    let mut h = Harness::new(true, NodeKind::Mean, vec![s("v")], vec![]);
    h.send(0, batch(vec![], secs(10)));
    assert!(h.take().is_empty());
}

#[test]
fn selector_carries_the_whole_point_renamed() {
    let mut h = Harness::new(true, NodeKind::Max, vec![s("v")], vec![]);
    h.send(
        0,
        batch(
            vec![
                bp(&[("host", "a")], &[("v", f(1.0)), ("w", i(7))], secs(1)),
                bp(&[("host", "b")], &[("v", f(9.0)), ("w", i(8))], secs(2)),
            ],
            secs(10),
        ),
    );
    let out = h.take_points();
    assert_eq!(out[0].time, secs(10));
    assert_eq!(out[0].tags, vec![(Str::from("host"), Str::from("b"))]);
    assert_eq!(
        out[0].fields,
        vec![(Str::from("max"), f(9.0)), (Str::from("w"), i(8))]
    );
    let mut h = Harness::new(
        true,
        NodeKind::Min,
        vec![s("v")],
        vec![("usePointTimes", vec![]), ("as", vec![s("v")])],
    );
    h.send(
        0,
        batch(
            vec![
                bp(&[], &[("v", f(4.0))], secs(3)),
                bp(&[], &[("v", f(2.0))], secs(4)),
            ],
            secs(10),
        ),
    );
    let out = h.take_points();
    assert_eq!(out[0].time, secs(4));
    assert_eq!(out[0].fields, vec![(Str::from("v"), f(2.0))]);
}

#[test]
fn top_keeps_point_tags_and_batch_time() {
    let mut h = Harness::new(true, NodeKind::Top, vec![Arg::Int(2), s("v")], vec![]);
    h.send(
        0,
        batch(
            vec![
                bp(&[("host", "a")], &[("v", i(1))], secs(1)),
                bp(&[("host", "b")], &[("v", i(3))], secs(2)),
                bp(&[("host", "c")], &[("v", i(2))], secs(3)),
            ],
            secs(10),
        ),
    );
    let out = h.take();
    let Message::Batch(b) = &out[0] else { panic!() };
    assert_eq!(b.points.len(), 2);
    assert_eq!(b.points[0].tags, vec![(Str::from("host"), Str::from("b"))]);
    assert_eq!(b.points[0].fields, vec![(Str::from("top"), i(3))]);
    assert!(b.points.iter().all(|p| p.time == secs(10)));
}

#[test]
fn type_errors_and_missing_fields_are_counted() {
    let mut h = Harness::new(false, NodeKind::Mean, vec![s("v")], vec![]);
    h.point(point(
        "m",
        &[],
        &[("v", FieldValue::String("x".into()))],
        secs(1),
    ));
    h.point(point("m", &[], &[("other", f(1.0))], secs(1)));
    h.point(point("m", &[], &[("v", f(1.0))], secs(2)));
    assert!(h.take().is_empty());
    assert_eq!(h.stats.errors, 2);
    assert_eq!(
        h.sink.diagnostics[0],
        "mean1: failed to realize reduce context from fields: invalid influxql func mean with field v: cannot apply mean to string field"
    );
}

#[test]
fn transforms_per_point_stream_and_batch() {
    let mut h = Harness::new(false, NodeKind::Difference, vec![s("v")], vec![]);
    h.point(point("m", &[], &[("v", i(1))], secs(1)));
    h.point(point("m", &[], &[("v", i(4))], secs(2)));
    let out = h.take_points();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].time, field(&out[0], "difference")),
        (secs(2), Some(i(3)))
    );

    let mut h = Harness::new(true, NodeKind::CumulativeSum, vec![s("v")], vec![]);
    let b = || {
        batch(
            vec![
                bp(&[], &[("v", f(1.0))], secs(1)),
                bp(&[], &[("v", f(2.0))], secs(2)),
            ],
            secs(5),
        )
    };
    h.send(0, b());
    h.send(0, b());
    let out = h.take();
    for m in out {
        let Message::Batch(b) = m else { panic!() };
        let v: Vec<_> = b.points.iter().map(|p| p.fields[0].1.clone()).collect();
        assert_eq!(v, vec![f(1.0), f(3.0)], "state resets per batch");
    }
}

#[test]
fn holt_winters_with_fit_is_named_holt_winters() {
    let mut h = Harness::new(
        true,
        NodeKind::HoltWintersWithFit,
        vec![s("v"), Arg::Int(2), Arg::Int(0), Arg::Duration(secs(1))],
        vec![],
    );
    let pts = (0..5)
        .map(|k| bp(&[], &[("v", f(k as f64))], secs(k)))
        .collect();
    h.send(0, batch(pts, secs(5)));
    let out = h.take();
    let Message::Batch(b) = &out[0] else { panic!() };
    assert_eq!(b.points.len(), 7);
    assert_eq!(b.points[0].fields[0].0.as_ref(), "holtWinters");
    assert_eq!(b.tmax, secs(6));
}

#[test]
fn bad_arguments_fail_the_build() {
    assert!(Harness::try_new(true, NodeKind::Top, vec![Arg::Int(0), s("v")], vec![]).is_err());
    assert!(Harness::try_new(true, NodeKind::MovingAverage, vec![s("v")], vec![]).is_err());
}

#[test]
fn the_reducer_type_follows_the_first_point_of_each_batch() {
    let mut h = Harness::new(true, NodeKind::Sum, vec![s("v")], vec![]);
    h.send(
        0,
        batch(
            vec![
                bp(&[], &[("v", i(2))], secs(1)),
                bp(&[], &[("v", f(1.0))], secs(2)),
            ],
            secs(10),
        ),
    );
    h.send(
        0,
        batch(vec![bp(&[], &[("v", f(2.5))], secs(11))], secs(20)),
    );
    h.send(
        0,
        batch(vec![bp(&[], &[("w", f(2.5))], secs(21))], secs(30)),
    );
    let out = h.take_points();
    let sums: Vec<_> = out.iter().map(|p| p.fields[0].1.clone()).collect();
    // Batch 1 is int (its float point is an error); batch 2 is float; batch 3
    // has no point with the field: sum reports 0 (a float, as for an empty batch).
    assert_eq!(sums, vec![i(2), f(2.5), f(0.0)]);
    assert_eq!(
        h.sink.diagnostics,
        vec![
            "sum1: failed to aggregate point in batch: field v has wrong type: got float64 exp int64",
            "sum1: failed to realize reduce context from fields: field \"v\" missing from point",
        ]
    );
}

#[test]
fn field_less_batch_points_are_skipped_with_kapacitors_errors() {
    // Mean over [no fields, v=2, no fields, v=4]: the first point cannot
    // pick the reducer ("realize"), the third cannot be aggregated; the mean
    // of the rest is (2 + 4) / 2 = 3, stamped with the batch's tmax.
    let mut h = Harness::new(true, NodeKind::Mean, vec![s("v")], vec![]);
    h.send(
        0,
        batch(
            vec![
                bp(&[], &[], secs(1)),
                bp(&[], &[("v", f(2.0))], secs(2)),
                bp(&[], &[], secs(3)),
                bp(&[], &[("v", f(4.0))], secs(4)),
            ],
            secs(10),
        ),
    );
    let out = h.take_points();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].time, field(&out[0], "mean")),
        (secs(10), Some(f(3.0)))
    );
    assert_eq!(h.stats.errors, 2);
    assert_eq!(
        h.sink.diagnostics,
        vec![
            "mean1: failed to realize reduce context from fields: field \"v\" missing from point",
            "mean1: failed to aggregate point in batch: field v missing from point cannot aggregate",
        ]
    );
    // A transform over a batch logs under "failed to aggregate batch point".
    let mut h = Harness::new(true, NodeKind::Difference, vec![s("v")], vec![]);
    h.send(
        0,
        batch(
            vec![
                bp(&[], &[("v", f(1.0))], secs(1)),
                bp(&[], &[], secs(2)),
                bp(&[], &[("v", f(4.0))], secs(3)),
            ],
            secs(10),
        ),
    );
    assert_eq!(
        h.sink.diagnostics,
        vec!["difference1: failed to aggregate batch point: field v missing from point cannot aggregate"]
    );
}
