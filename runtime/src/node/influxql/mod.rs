//! The InfluxQL function nodes (reference §4.3): count, distinct, mean,
//! median, mode, spread, sum, first, last, min, max, percentile, top, bottom,
//! stddev, difference, movingAverage, cumulativeSum, elapsed, holtWinters,
//! holtWintersWithFit.
//!
//! One node type drives every function; the maths lives in one file per
//! family (`aggregate`, `selector`, `producer`, `transform`, `holt_winters`).
//! The node gathers the values of the field — per batch, or per run of
//! equal-time points of a group on a stream edge (emitted when a point with a
//! different time arrives, so the newest run waits) — typed by the field's
//! type in the first point, and shapes the result by family:
//! aggregates emit `{as: v}` with the group tags; selectors emit the selected
//! point (its tags and all fields, the field renamed to `as`); producers emit
//! a batch; transforms emit one value per point, keeping the edge type.

pub mod aggregate;
pub mod column;
pub mod holt_winters;
pub mod producer;
pub mod selector;
pub mod transform;

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_tags;
use crate::message::{Batch, BatchPoint, FieldValue, Fields, Group, Message, Point, Str, Tags};
use column::{go_type_name, Column, FieldType};
use compiler::catalog::NodeKind;
use compiler::ir::{self, Arg};
use producer::Produced;
use selector::Selected;
use std::collections::HashMap;
use std::sync::Arc;
use transform::{TransformKind, TransformState};

/// The function and its arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    Count,
    Sum,
    Mean,
    Median,
    Mode,
    Spread,
    Stddev,
    First,
    Last,
    Min,
    Max,
    Percentile(f64),
    Top(usize),
    Bottom(usize),
    Distinct,
    HoltWinters {
        h: i64,
        m: i64,
        interval: i64,
        fit: bool,
    },
    Transform(TransformKind),
}

/// How a function's result is shaped (reference §4.3 "kind").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Aggregate,
    Selector,
    Producer,
    Transform,
}

impl Method {
    pub fn family(self) -> Family {
        match self {
            Method::Count
            | Method::Sum
            | Method::Mean
            | Method::Median
            | Method::Mode
            | Method::Spread
            | Method::Stddev => Family::Aggregate,
            Method::First | Method::Last | Method::Min | Method::Max | Method::Percentile(_) => {
                Family::Selector
            }
            Method::Top(_) | Method::Bottom(_) | Method::Distinct | Method::HoltWinters { .. } => {
                Family::Producer
            }
            Method::Transform(_) => Family::Transform,
        }
    }

    /// Whether the function has a reducer for fields of type `ty`.
    pub fn supports(self, ty: FieldType) -> bool {
        let numeric = matches!(ty, FieldType::Float | FieldType::Int);
        match self {
            Method::Count | Method::First | Method::Last | Method::Distinct => true,
            Method::Transform(TransformKind::Elapsed(_)) => true,
            _ => numeric,
        }
    }
}

/// The per-group state.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct GroupState {
    /// Stream edge: the points of the current time, oldest first.
    pending: Vec<Arc<Point>>,
    /// Transforms: the field type chosen by the group's first point, and the state.
    transform: Option<(FieldType, TransformState)>,
}

pub struct InfluxQl {
    method: Method,
    /// The function's TICKscript name, for error messages.
    name: &'static str,
    field: Str,
    as_: Str,
    use_point_times: bool,
    groups: HashMap<Str, GroupState>,
}

fn bad(node: &ir::Node, what: &str) -> BuildError {
    BuildError::new(node, format!("{}: {what}", node.kind.method()))
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    Ok(Box::new(InfluxQl::from_ir(node)?))
}

impl InfluxQl {
    pub fn from_ir(node: &ir::Node) -> Result<InfluxQl, BuildError> {
        let args = &node.args;
        let str_arg = |i: usize| -> Result<Str, BuildError> {
            args.get(i)
                .and_then(Arg::as_str)
                .map(Str::from)
                .ok_or_else(|| {
                    bad(
                        node,
                        &format!("argument {} must be a field name string", i + 1),
                    )
                })
        };
        let int_arg = |i: usize| -> Result<i64, BuildError> {
            args.get(i)
                .and_then(Arg::as_int)
                .ok_or_else(|| bad(node, &format!("argument {} must be an int", i + 1)))
        };
        let dur_arg = |i: usize| -> Result<i64, BuildError> {
            args.get(i)
                .and_then(Arg::as_duration)
                .ok_or_else(|| bad(node, &format!("argument {} must be a duration", i + 1)))
        };
        let positive = |v: i64, what: &str| -> Result<usize, BuildError> {
            if v <= 0 {
                return Err(bad(node, &format!("{what} must be > 0, got {v}")));
            }
            Ok(v as usize)
        };
        let (method, field) = match node.kind {
            NodeKind::Count => (Method::Count, str_arg(0)?),
            NodeKind::Sum => (Method::Sum, str_arg(0)?),
            NodeKind::Mean => (Method::Mean, str_arg(0)?),
            NodeKind::Median => (Method::Median, str_arg(0)?),
            NodeKind::Mode => (Method::Mode, str_arg(0)?),
            NodeKind::Spread => (Method::Spread, str_arg(0)?),
            NodeKind::Stddev => (Method::Stddev, str_arg(0)?),
            NodeKind::First => (Method::First, str_arg(0)?),
            NodeKind::Last => (Method::Last, str_arg(0)?),
            NodeKind::Min => (Method::Min, str_arg(0)?),
            NodeKind::Max => (Method::Max, str_arg(0)?),
            NodeKind::Distinct => (Method::Distinct, str_arg(0)?),
            NodeKind::Percentile => {
                let p = args
                    .get(1)
                    .and_then(Arg::as_float)
                    .ok_or_else(|| bad(node, "argument 2 must be a float percentile"))?;
                (Method::Percentile(p), str_arg(0)?)
            }
            NodeKind::Top => (Method::Top(positive(int_arg(0)?, "n")?), str_arg(1)?),
            NodeKind::Bottom => (Method::Bottom(positive(int_arg(0)?, "n")?), str_arg(1)?),
            NodeKind::Difference => (Method::Transform(TransformKind::Difference), str_arg(0)?),
            NodeKind::CumulativeSum => {
                (Method::Transform(TransformKind::CumulativeSum), str_arg(0)?)
            }
            NodeKind::MovingAverage => {
                let w = positive(int_arg(1)?, "window")?;
                (
                    Method::Transform(TransformKind::MovingAverage(w)),
                    str_arg(0)?,
                )
            }
            NodeKind::Elapsed => {
                let unit = dur_arg(1)?;
                positive(unit, "unit")?;
                (Method::Transform(TransformKind::Elapsed(unit)), str_arg(0)?)
            }
            NodeKind::HoltWinters | NodeKind::HoltWintersWithFit => {
                let interval = dur_arg(3)?;
                positive(interval, "interval")?;
                (
                    Method::HoltWinters {
                        h: int_arg(1)?,
                        m: int_arg(2)?,
                        interval,
                        fit: node.kind == NodeKind::HoltWintersWithFit,
                    },
                    str_arg(0)?,
                )
            }
            other => {
                return Err(bad(
                    node,
                    &format!("{} is not an InfluxQL function", other.method()),
                ))
            }
        };
        let default_as = match node.kind {
            NodeKind::HoltWintersWithFit => "holtWinters",
            k => k.method(),
        };
        let as_ = node.string("as").unwrap_or(default_as);
        Ok(InfluxQl {
            method,
            name: node.kind.method(),
            field,
            as_: Str::from(as_),
            use_point_times: node.flag("usePointTimes"),
            groups: HashMap::new(),
        })
    }
}

/// Read access to the rows being reduced (stream points or batch points).
trait Rows {
    fn len(&self) -> usize;
    fn time(&self, i: usize) -> i64;
    fn fields(&self, i: usize) -> &Fields;
    fn tags(&self, i: usize) -> &Tags;
}

impl Rows for [Arc<Point>] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn time(&self, i: usize) -> i64 {
        self[i].time
    }
    fn fields(&self, i: usize) -> &Fields {
        &self[i].fields
    }
    fn tags(&self, i: usize) -> &Tags {
        &self[i].tags
    }
}

impl Rows for [BatchPoint] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn time(&self, i: usize) -> i64 {
        self[i].time
    }
    fn fields(&self, i: usize) -> &Fields {
        &self[i].fields
    }
    fn tags(&self, i: usize) -> &Tags {
        &self[i].tags
    }
}

/// The result of reducing one set of rows.
enum Reduced {
    Nothing,
    Value(FieldValue),
    Select(Selected),
    Produce(Vec<Produced>),
}

/// What was being aggregated when a point was refused: Kapacitor logs the
/// error under a different context on each path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregating {
    /// Stream points (equal-time runs, stream transforms).
    Point,
    /// A batch's points, reduced together.
    Batch,
    /// A batch's points, transformed one by one (difference, elapsed, …).
    BatchTransform,
}

impl Aggregating {
    fn context(self) -> &'static str {
        match self {
            Aggregating::Point => "failed to aggregate point",
            Aggregating::Batch => "failed to aggregate point in batch",
            Aggregating::BatchTransform => "failed to aggregate batch point",
        }
    }
}

/// The envelope of the output: name, group, group tags, db/rp.
struct Envelope<'a> {
    name: &'a Str,
    group: &'a Group,
    tags: Tags,
    database: Str,
    retention_policy: Str,
}

impl InfluxQl {
    // Error texts: Kapacitor logs "<context>: <error>".

    /// A point that cannot pick the reducer: the field is missing.
    fn realize_missing(&self) -> String {
        format!(
            "failed to realize reduce context from fields: field {:?} missing from point",
            &*self.field
        )
    }

    /// A point that cannot pick the reducer: no reducer for the field's type.
    fn realize_type(&self, v: &FieldValue) -> String {
        format!(
            "failed to realize reduce context from fields: invalid influxql func {} with field {}: cannot apply {} to {} field",
            self.name,
            self.field,
            self.name,
            go_type_name(v)
        )
    }

    /// A point the chosen reducer cannot take: missing field.
    fn missing(&self, at: Aggregating) -> String {
        format!(
            "{}: field {} missing from point cannot aggregate",
            at.context(),
            self.field
        )
    }

    /// A point the chosen reducer cannot take: another type.
    fn wrong_type(&self, at: Aggregating, got: &str, want: FieldType) -> String {
        format!(
            "{}: field {} has wrong type: got {got} exp {}",
            at.context(),
            self.field,
            want.go_name()
        )
    }

    /// Gather the field's values, typed by the first point that has it; points
    /// missing it (a field-less point too) or of another type are reported and
    /// skipped, as Kapacitor's reduce context skips them.
    fn gather<R: Rows + ?Sized>(
        &self,
        rows: &R,
        at: Aggregating,
        cx: &mut NodeCx<'_>,
    ) -> Option<Column> {
        let mut col: Option<Column> = None;
        for i in 0..rows.len() {
            let Some(v) = crate::point::lookup(rows.fields(i), &self.field) else {
                cx.error(if col.is_some() {
                    self.missing(at)
                } else {
                    self.realize_missing()
                });
                continue;
            };
            let col = match &mut col {
                Some(c) => c,
                None => {
                    let Some(ty) = FieldType::of(v).filter(|t| self.method.supports(*t)) else {
                        cx.error(self.realize_type(v));
                        continue;
                    };
                    col.insert(Column::new(ty))
                }
            };
            if !col.push(rows.time(i), v, i) {
                cx.error(self.wrong_type(at, go_type_name(v), col.field_type()));
            }
        }
        col
    }

    fn reduce<R: Rows + ?Sized>(&self, rows: &R, at: Aggregating, cx: &mut NodeCx<'_>) -> Reduced {
        let Some(col) = self.gather(rows, at, cx) else {
            // Nothing usable: only count and sum report an empty set (as 0).
            return match self.method {
                Method::Count => Reduced::Value(FieldValue::Int(0)),
                Method::Sum => Reduced::Value(FieldValue::Float(0.0)),
                _ => Reduced::Nothing,
            };
        };
        let value = |v: Option<FieldValue>| v.map_or(Reduced::Nothing, Reduced::Value);
        let select = |s: Option<Selected>| s.map_or(Reduced::Nothing, Reduced::Select);
        match self.method {
            Method::Count => Reduced::Value(aggregate::count(&col)),
            Method::Sum => value(aggregate::sum(&col)),
            Method::Mean => value(aggregate::mean(&col)),
            Method::Median => value(aggregate::median(&col)),
            Method::Mode => value(aggregate::mode(&col)),
            Method::Spread => value(aggregate::spread(&col)),
            Method::Stddev => value(aggregate::stddev(&col)),
            Method::First => select(selector::first(&col)),
            Method::Last => select(selector::last(&col)),
            Method::Min => select(selector::min(&col)),
            Method::Max => select(selector::max(&col)),
            Method::Percentile(p) => select(selector::percentile(&col, p)),
            Method::Top(n) => Reduced::Produce(producer::top_bottom(&col, n, true)),
            Method::Bottom(n) => Reduced::Produce(producer::top_bottom(&col, n, false)),
            Method::Distinct => Reduced::Produce(producer::distinct(&col)),
            Method::HoltWinters {
                h,
                m,
                interval,
                fit,
            } => {
                let pts: Vec<(i64, f64)> = match &col {
                    Column::Float(c) => c.iter().map(|i| (i.time, i.value)).collect(),
                    Column::Int(c) => c.iter().map(|i| (i.time, i.value as f64)).collect(),
                    _ => Vec::new(),
                };
                let out = match holt_winters::holt_winters(&pts, h, m, fit, interval) {
                    Ok(out) => out,
                    Err(e) => {
                        cx.error(format_args!("{}: {e}", self.name));
                        Vec::new()
                    }
                };
                Reduced::Produce(
                    out.into_iter()
                        .map(|(time, v)| Produced {
                            // Forecast points come from no input point.
                            src: usize::MAX,
                            time,
                            value: FieldValue::Float(v),
                        })
                        .collect(),
                )
            }
            Method::Transform(_) => Reduced::Nothing,
        }
    }

    /// Emit a reduced result for rows whose set time is `time`.
    fn emit<R: Rows + ?Sized>(
        &self,
        r: Reduced,
        rows: &R,
        time: i64,
        env: Envelope<'_>,
        cx: &mut NodeCx<'_>,
    ) {
        match r {
            Reduced::Nothing => {}
            Reduced::Value(v) => cx.emit(Message::Point(Arc::new(Point {
                name: env.name.clone(),
                database: env.database,
                retention_policy: env.retention_policy,
                tags: env.tags,
                fields: vec![(self.as_.clone(), v)],
                time,
                group: env.group.clone(),
            }))),
            Reduced::Select(s) => {
                let mut fields = rows.fields(s.src).clone();
                rename(&mut fields, &self.field, &self.as_);
                cx.emit(Message::Point(Arc::new(Point {
                    name: env.name.clone(),
                    database: env.database,
                    retention_policy: env.retention_policy,
                    tags: rows.tags(s.src).clone(),
                    fields,
                    time: if self.use_point_times { s.time } else { time },
                    group: env.group.clone(),
                })));
            }
            Reduced::Produce(items) => {
                let point_times =
                    self.use_point_times || matches!(self.method, Method::HoltWinters { .. });
                let own_tags = matches!(self.method, Method::Top(_) | Method::Bottom(_));
                let mut tmax = time;
                if point_times {
                    if let Some(m) = items.iter().map(|p| p.time).max() {
                        tmax = m;
                    }
                }
                let points = items
                    .into_iter()
                    .map(|p| BatchPoint {
                        tags: if own_tags {
                            rows.tags(p.src).clone()
                        } else {
                            env.tags.clone()
                        },
                        fields: vec![(self.as_.clone(), p.value)],
                        time: if point_times { p.time } else { time },
                    })
                    .collect();
                cx.emit(Message::Batch(Arc::new(Batch {
                    name: env.name.clone(),
                    group: env.group.clone(),
                    tags: env.tags,
                    by_name: env.group.dims.by_name,
                    tmax,
                    points,
                })));
            }
        }
    }

    /// A transform over one value; `None` when the point gives no output.
    fn transform_value(
        state: &mut GroupState,
        kind: TransformKind,
        v: &FieldValue,
        time: i64,
    ) -> Result<Option<FieldValue>, (FieldType, FieldType)> {
        let ty = FieldType::of(v).unwrap_or(FieldType::Float);
        let (want, st) = state
            .transform
            .get_or_insert_with(|| (ty, TransformState::new(kind)));
        if *want != ty && !matches!(kind, TransformKind::Elapsed(_)) {
            return Err((ty, *want));
        }
        Ok(st.next(time, v))
    }

    /// Before a group's transform state exists, the first value must have
    /// a reducer (else the point is skipped, as a failed realize).
    fn check_transform_type(
        &self,
        state: &GroupState,
        v: &FieldValue,
        cx: &mut NodeCx<'_>,
    ) -> bool {
        if state.transform.is_some() {
            return true;
        }
        match FieldType::of(v) {
            Some(t) if self.method.supports(t) => true,
            _ => {
                cx.error(self.realize_type(v));
                false
            }
        }
    }

    fn stream_transform(&mut self, kind: TransformKind, p: Arc<Point>, cx: &mut NodeCx<'_>) {
        let known = self
            .groups
            .get(&p.group.id)
            .is_some_and(|g| g.transform.is_some());
        let Some(v) = p.field(&self.field) else {
            cx.error(if known {
                self.missing(Aggregating::Point)
            } else {
                self.realize_missing()
            });
            return;
        };
        self.groups.entry(p.group.id.clone()).or_default();
        if !known {
            let fresh = GroupState::default();
            if !self.check_transform_type(&fresh, v, cx) {
                return;
            }
        }
        let state = self.groups.get_mut(&p.group.id).expect("inserted above");
        let result = Self::transform_value(state, kind, v, p.time);
        cx.stats.working_cardinality = self.groups.len() as i64;
        match result {
            Ok(Some(out)) => cx.emit(Message::Point(Arc::new(Point {
                name: p.name.clone(),
                database: p.database.clone(),
                retention_policy: p.retention_policy.clone(),
                tags: group_tags(&p.tags, &p.group.dims),
                fields: vec![(self.as_.clone(), out)],
                time: p.time,
                group: p.group.clone(),
            }))),
            Ok(None) => {}
            Err((got, want)) => cx.error(self.wrong_type(Aggregating::Point, got.go_name(), want)),
        }
    }

    fn batch_transform(&mut self, kind: TransformKind, b: &Batch, cx: &mut NodeCx<'_>) {
        // State resets at each batch.
        let mut state = GroupState::default();
        let mut points = Vec::with_capacity(b.points.len());
        for bp in &b.points {
            let Some(v) = bp.field(&self.field) else {
                cx.error(if state.transform.is_some() {
                    self.missing(Aggregating::BatchTransform)
                } else {
                    self.realize_missing()
                });
                continue;
            };
            if !self.check_transform_type(&state, v, cx) {
                continue;
            }
            match Self::transform_value(&mut state, kind, v, bp.time) {
                Ok(Some(out)) => points.push(BatchPoint {
                    tags: b.tags.clone(),
                    fields: vec![(self.as_.clone(), out)],
                    time: bp.time,
                }),
                Ok(None) => {}
                Err((got, want)) => {
                    cx.error(self.wrong_type(Aggregating::BatchTransform, got.go_name(), want))
                }
            }
        }
        cx.emit(Message::Batch(Arc::new(Batch {
            name: b.name.clone(),
            group: b.group.clone(),
            tags: b.tags.clone(),
            by_name: b.by_name,
            tmax: b.tmax,
            points,
        })));
    }

    /// Reduce and emit a group's pending equal-time points.
    fn flush_pending(&self, pending: &[Arc<Point>], cx: &mut NodeCx<'_>) {
        let Some(first) = pending.first() else {
            return;
        };
        let r = self.reduce(pending, Aggregating::Point, cx);
        let env = Envelope {
            name: &first.name,
            group: &first.group,
            tags: group_tags(&first.tags, &first.group.dims),
            database: first.database.clone(),
            retention_policy: first.retention_policy.clone(),
        };
        self.emit(r, pending, first.time, env, cx);
    }
}

/// Rename field `from` to `to` in a key-sorted field list (overwriting `to`).
fn rename(fields: &mut Fields, from: &str, to: &Str) {
    if from == &**to {
        return;
    }
    let Ok(i) = fields.binary_search_by(|(k, _)| (**k).cmp(from)) else {
        return;
    };
    let (_, v) = fields.remove(i);
    match fields.binary_search_by(|(k, _)| (**k).cmp(to)) {
        Ok(j) => fields[j].1 = v,
        Err(j) => fields.insert(j, (to.clone(), v)),
    }
}

impl NodeImpl for InfluxQl {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        Ok(Some(crate::snapshot::encode(&self.groups)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        self.groups = crate::snapshot::decode(data)?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(p) => {
                if let Method::Transform(kind) = self.method {
                    self.stream_transform(kind, p, cx);
                    return Ok(());
                }
                let state = self.groups.entry(p.group.id.clone()).or_default();
                if state.pending.first().is_some_and(|q| q.time != p.time) {
                    let pending = std::mem::take(&mut state.pending);
                    self.flush_pending(&pending, cx);
                    let state = self.groups.get_mut(&p.group.id).expect("present");
                    // Reuse the allocation for the next run.
                    state.pending = pending;
                    state.pending.clear();
                    state.pending.push(p);
                } else {
                    state.pending.push(p);
                }
                cx.stats.working_cardinality = self.groups.len() as i64;
            }
            Message::Batch(b) => {
                if let Method::Transform(kind) = self.method {
                    self.batch_transform(kind, &b, cx);
                    return Ok(());
                }
                let r = self.reduce(b.points.as_slice(), Aggregating::Batch, cx);
                let env = Envelope {
                    name: &b.name,
                    group: &b.group,
                    tags: b.tags.clone(),
                    database: Str::from(""),
                    retention_policy: Str::from(""),
                };
                self.emit(r, b.points.as_slice(), b.tmax, env, cx);
            }
            Message::Barrier(_) => cx.emit(msg),
            Message::DeleteGroup(ref g) => {
                self.groups.remove(&g.id);
                cx.stats.working_cardinality = self.groups.len() as i64;
                cx.emit(msg);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
