//! InfluxQL function nodes (§4.3). Every one has `.as(s)` (default: the method
//! name; `holtWintersWithFit`'s is `holtWinters`) and `.usePointTimes()`.

use super::*;

/// Aggregates, selectors and transforms keep their parent's edge type for
/// transforms; aggregates and selectors emit a stream, batch producers a batch.
const fn fnode(kind: NodeKind, args: Params, provides: Provides, doc: &'static str) -> NodeSpec {
    NodeSpec {
        kind,
        args,
        props: PROPS,
        wants: Wants::Same,
        provides,
        chains: Chains::All,
        validate: None,
        doc,
    }
}

static PROPS: &[PropSpec] = &[
    prop_d("as", Params::exact(&[STR]), "the method name"),
    flag("usePointTimes"),
];

const FIELD: Params = Params::exact(&[STR]);
const S: Provides = Provides::Stream;
const B: Provides = Provides::Batch;

pub static SPECS: &[NodeSpec] = &[
    fnode(NodeKind::Count, FIELD, S, "number of points"),
    fnode(NodeKind::Distinct, FIELD, B, "distinct values"),
    fnode(NodeKind::Mean, FIELD, S, "mean value"),
    fnode(NodeKind::Median, FIELD, S, "median value"),
    fnode(NodeKind::Mode, FIELD, S, "most frequent value"),
    fnode(NodeKind::Spread, FIELD, S, "max - min"),
    fnode(NodeKind::Sum, FIELD, S, "sum of values"),
    fnode(NodeKind::First, FIELD, S, "earliest point"),
    fnode(NodeKind::Last, FIELD, S, "latest point"),
    fnode(NodeKind::Min, FIELD, S, "point with the smallest value"),
    fnode(NodeKind::Max, FIELD, S, "point with the largest value"),
    fnode(
        NodeKind::Percentile,
        Params::exact(&[STR, FLOAT]),
        S,
        "point at a percentile",
    ),
    fnode(
        NodeKind::Top,
        Params::variadic(&[INT, STR], STR),
        B,
        "the n points with the largest values",
    ),
    fnode(
        NodeKind::Bottom,
        Params::variadic(&[INT, STR], STR),
        B,
        "the n points with the smallest values",
    ),
    fnode(NodeKind::Stddev, FIELD, S, "sample standard deviation"),
    fnode(
        NodeKind::Difference,
        FIELD,
        Provides::Same,
        "difference with the previous value",
    ),
    fnode(
        NodeKind::MovingAverage,
        Params::exact(&[STR, INT]),
        Provides::Same,
        "moving average over a window of points",
    ),
    fnode(
        NodeKind::CumulativeSum,
        FIELD,
        Provides::Same,
        "running sum",
    ),
    fnode(
        NodeKind::Elapsed,
        Params::exact(&[STR, DUR]),
        Provides::Same,
        "time elapsed since the previous point",
    ),
    fnode(
        NodeKind::HoltWinters,
        Params::exact(&[STR, INT, INT, DUR]),
        B,
        "Holt-Winters forecast",
    ),
    fnode(
        NodeKind::HoltWintersWithFit,
        Params::exact(&[STR, INT, INT, DUR]),
        B,
        "Holt-Winters forecast with the fitted points",
    ),
];
