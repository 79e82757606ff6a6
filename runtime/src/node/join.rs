//! `a|join(b, c…)` (reference §4.2 "Join/union/combine").
//!
//! Properties: `as(names…)` (one per parent), `on(dims…)`, `delimiter` (`.`),
//! `tolerance(d)`, `fill('none'|'null'|i|f)`, `streamName(s)`, `deleteAll`.
//!
//! Points (or batches) match by group ID and by time rounded to the
//! tolerance (Go `Round`). Per group, time-ordered join sets are kept, each
//! holding at most one message per parent. After every collected message
//! (or Barrier, which moves its parent's head), the sets at the **oldest**
//! time are considered: while some parent has not moved past that time only
//! full sets are emitted (in order, stopping at the first incomplete one);
//! once every parent has moved past it, all of them are emitted (filled, or
//! dropped for an inner join) and the next oldest time is considered the
//! same way. At the end of input every remaining set is flushed.
//! A DeleteGroup drops the group's sets and is forwarded.
//!
//! Output: fields `<as><delim><field>`; tags = the first present parent's
//! group tags; dims = its dims; name = `streamName` or its name; time = the
//! rounded time. Filled fields take the names of the first present point.
//! Batch joins pair the points inside the batches by rounded time.
//!
//! `on(dims…)`: see `Join::process_on`. A point with more dimensions than
//! `on` ("specific") joins, in its own group, with the less-specific points
//! of the same `on` group and time, so one less-specific point joins
//! several specific groups; less-specific points never join on their own.

use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_of;
use crate::message::{
    Batch, BatchPoint, Dimensions, FieldValue, Fields, Group, Message, Point, Str,
};
use crate::time::{go_round, unroundable};
use compiler::ir::{self, Arg};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
enum Fill {
    None,
    Null,
    Value(FieldValue),
}

/// One message from a parent.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Item {
    Point(Arc<Point>),
    Batch(Arc<Batch>),
}

impl Item {
    fn time(&self) -> i64 {
        match self {
            Item::Point(p) => p.time,
            Item::Batch(b) => b.tmax,
        }
    }
    fn group(&self) -> &Group {
        match self {
            Item::Point(p) => &p.group,
            Item::Batch(b) => &b.group,
        }
    }
    fn name(&self) -> &Str {
        match self {
            Item::Point(p) => &p.name,
            Item::Batch(b) => &b.name,
        }
    }
    fn tags(&self) -> &[(Str, Str)] {
        match self {
            Item::Point(p) => &p.tags,
            Item::Batch(b) => &b.tags,
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JoinSet {
    time: i64,
    values: Vec<Option<Item>>,
    size: usize,
}

impl JoinSet {
    fn ready(&self) -> bool {
        self.size == self.values.len()
    }
    fn first(&self) -> Option<&Item> {
        self.values.iter().flatten().next()
    }
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct JoinGroup {
    /// Pending sets ordered by time (stable: equal times in creation order).
    sets: VecDeque<JoinSet>,
    /// Per parent, the rounded time of its latest message (`None`: none yet).
    head: Vec<Option<i64>>,
}

/// Per `on` group: low marks and the buffers of specific/less-specific points.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct OnGroup {
    /// Per parent, the rounded time of its latest point in this `on` group.
    marks: Vec<Option<i64>>,
    /// Specific points waiting for their less-specific match, oldest first.
    specific: VecDeque<(usize, Item)>,
    /// Less-specific ("match") points, oldest first.
    matching: VecDeque<(usize, Item)>,
}

pub struct Join {
    prefixes: Vec<Str>,
    delimiter: String,
    tolerance: i64,
    fill: Fill,
    stream_name: Option<Str>,
    on: Option<Arc<Dimensions>>,
    parents: usize,
    groups: HashMap<Str, JoinGroup>,
    /// Group IDs in first-seen order (deterministic final flush).
    order: Vec<Str>,
    on_groups: HashMap<Str, OnGroup>,
    /// `deleteAll(TRUE)`: a DeleteGroup from one parent deletes the group on all sides.
    delete_all: bool,
    /// `on()`: which parents have sent anything yet.
    reported: Vec<bool>,
    all_reported: bool,
    /// Recycled set storage and the reusable list of due sets.
    free: Vec<Vec<Option<Item>>>,
    due: Vec<JoinSet>,
    /// Per parent: field name → prefixed name.
    key_cache: Vec<Vec<(Str, Str)>>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let parents = node.parents.len();
    let prefixes: Vec<Str> = node.strings("as").into_iter().map(Str::from).collect();
    let delimiter = node.string("delimiter").unwrap_or(".").to_string();
    if prefixes.len() != parents {
        return Err(BuildError::new(
            node,
            format!("a name prefix must be specified for each parent: got {} names for {parents} parents", prefixes.len()),
        ));
    }
    for (i, p) in prefixes.iter().enumerate() {
        if p.is_empty() {
            return Err(BuildError::new(
                node,
                "must provide a prefix name for the join node, see .as() property method",
            ));
        }
        if !delimiter.is_empty() && p.contains(delimiter.as_str()) {
            return Err(BuildError::new(
                node,
                format!(
                    "cannot use name {p} as field prefix, it contains the delimiter {delimiter:?}"
                ),
            ));
        }
        if prefixes[..i].contains(p) {
            return Err(BuildError::new(
                node,
                format!(
                    "cannot use the same prefix name {p} more than once, see .as() property method"
                ),
            ));
        }
    }
    let fill = match node.prop("fill").and_then(|p| p.arg(0)) {
        None => Fill::None,
        Some(Arg::String(s)) if s == "none" => Fill::None,
        Some(Arg::String(s)) if s == "null" => Fill::Null,
        Some(Arg::Int(i)) => Fill::Value(FieldValue::Int(*i)),
        Some(Arg::Float(f)) => Fill::Value(FieldValue::Float(*f)),
        Some(other) => {
            return Err(BuildError::new(
                node,
                format!("unexpected fill option {other:?}"),
            ))
        }
    };
    let on_dims: Vec<Str> = {
        let mut v: Vec<Str> = node.strings("on").into_iter().map(Str::from).collect();
        v.sort();
        v.dedup();
        v
    };
    Ok(Box::new(Join {
        prefixes,
        delimiter,
        tolerance: node.duration("tolerance").unwrap_or(0),
        fill,
        stream_name: node
            .string("streamName")
            .filter(|s| !s.is_empty())
            .map(Str::from),
        on: (!on_dims.is_empty()).then(|| {
            Arc::new(Dimensions {
                by_name: false,
                tag_names: on_dims,
            })
        }),
        parents,
        groups: HashMap::new(),
        order: Vec::new(),
        on_groups: HashMap::new(),
        delete_all: node.flag("deleteAll"),
        reported: vec![false; parents],
        all_reported: false,
        free: Vec::new(),
        due: Vec::new(),
        key_cache: vec![Vec::new(); parents],
    }))
}

impl Join {
    fn round(&self, t: i64) -> i64 {
        go_round(t, self.tolerance)
    }

    /// Collect one message into the join group `gid`, then emit what is due.
    fn collect(&mut self, gid: &Str, src: usize, item: Item, cx: &mut NodeCx<'_>) {
        let n = self.parents;
        if !self.groups.contains_key(gid) {
            self.order.push(gid.clone());
            self.groups.insert(
                gid.clone(),
                JoinGroup {
                    sets: VecDeque::new(),
                    head: vec![None; n],
                },
            );
            cx.stats.working_cardinality = self.groups.len() as i64;
        }
        let t = self.round(item.time());
        let g = self.groups.get_mut(gid).expect("inserted above");
        let idx = match g
            .sets
            .iter()
            .position(|s| s.time == t && s.values[src].is_none())
        {
            Some(i) => i,
            None => {
                // Sets are kept in time order; data usually arrives in order,
                // so the new set normally goes at the back.
                let at = g.sets.partition_point(|s| s.time <= t);
                let values = match self.free.pop() {
                    Some(v) => v,
                    None => vec![None; n],
                };
                g.sets.insert(
                    at,
                    JoinSet {
                        time: t,
                        values,
                        size: 0,
                    },
                );
                at
            }
        };
        g.sets[idx].values[src] = Some(item);
        g.sets[idx].size += 1;
        g.head[src] = Some(t);
        self.emit_due(gid, cx);
    }

    /// Emit the sets of the oldest time that may go: only full ones while
    /// some parent has not moved past that time, else all of them (filled or
    /// dropped); in the latter case go on with the next oldest time.
    fn emit_due(&mut self, gid: &Str, cx: &mut NodeCx<'_>) {
        let mut due = std::mem::take(&mut self.due);
        while let Some(g) = self.groups.get_mut(gid) {
            let Some(oldest) = g.sets.front().map(|s| s.time) else {
                break;
            };
            let only_ready = g.head.iter().any(|h| h.is_none_or(|h| h <= oldest));
            Self::take_due(g, only_ready, &mut due);
            for set in due.drain(..) {
                self.emit_set(set, cx);
            }
            if only_ready {
                break;
            }
        }
        self.due = due;
    }

    /// Move the sets of the oldest time that may be emitted into `due`.
    fn take_due(g: &mut JoinGroup, only_ready: bool, due: &mut Vec<JoinSet>) {
        let Some(oldest) = g.sets.front().map(|s| s.time) else {
            return;
        };
        while g
            .sets
            .front()
            .is_some_and(|s| s.time == oldest && (s.ready() || !only_ready))
        {
            due.extend(g.sets.pop_front());
        }
        // Sets of the oldest time that may not go yet stay where they are.
    }

    /// Emit one set (or drop it for an inner join) and recycle its storage.
    fn emit_set(&mut self, mut set: JoinSet, cx: &mut NodeCx<'_>) {
        self.emit_set_inner(&set, cx);
        set.values.iter_mut().for_each(|v| *v = None);
        if self.free.len() < 64 {
            self.free.push(set.values);
        }
    }

    fn emit_set_inner(&mut self, set: &JoinSet, cx: &mut NodeCx<'_>) {
        let Some(first) = set.first() else {
            return;
        };
        let name = self
            .stream_name
            .clone()
            .unwrap_or_else(|| first.name().clone());
        let dims = first.group().dims.clone();
        let tags = crate::group::group_tags(first.tags(), &dims);
        let group = group_of(&name, &tags, &dims);
        match first {
            Item::Point(fp) => {
                let cap = set.values.len() * fp.fields.len();
                let mut fields: Fields = Vec::with_capacity(cap);
                for (i, v) in set.values.iter().enumerate() {
                    match v {
                        Some(Item::Point(p)) => self.prefix_all(&mut fields, i, &p.fields),
                        Some(Item::Batch(_)) => {}
                        None => {
                            if !self.fill_from(&mut fields, i, &fp.fields) {
                                return;
                            }
                        }
                    }
                }
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                fields.dedup_by(|a, b| a.0 == b.0);
                cx.emit(Message::Point(Arc::new(Point {
                    name,
                    // Shared empty strings: `Str::from("")` allocates.
                    database: crate::group::empty_str(),
                    retention_policy: crate::group::empty_str(),
                    tags,
                    fields,
                    time: set.time,
                    group,
                })));
            }
            Item::Batch(_) => {
                let points = self.join_batches(set, &tags);
                cx.emit(Message::Batch(Arc::new(Batch {
                    name,
                    by_name: group.dims.by_name,
                    group,
                    tags,
                    tmax: set.time,
                    points,
                })));
            }
        }
    }

    /// `<as i><delim><field>`, cached per parent so a series' points share
    /// one prefixed key (no allocation per point).
    fn key(&mut self, i: usize, field: &Str) -> Str {
        let cache = &mut self.key_cache[i];
        if let Some((_, k)) = cache
            .iter()
            .find(|(f, _)| Arc::ptr_eq(f, field) || **f == **field)
        {
            return k.clone();
        }
        let mut k =
            String::with_capacity(self.prefixes[i].len() + self.delimiter.len() + field.len());
        k.push_str(&self.prefixes[i]);
        k.push_str(&self.delimiter);
        k.push_str(field);
        let k = Str::from(k);
        if cache.len() < 256 {
            cache.push((field.clone(), k.clone()));
        }
        k
    }

    fn prefix_all(&mut self, out: &mut Fields, i: usize, fields: &Fields) {
        for (k, v) in fields {
            out.push((self.key(i, k), v.clone()));
        }
    }

    /// Fill parent `i`'s fields named after `like`; `false` for an inner join.
    fn fill_from(&mut self, out: &mut Fields, i: usize, like: &Fields) -> bool {
        let value = match &self.fill {
            Fill::None => return false,
            Fill::Null => FieldValue::Null,
            Fill::Value(v) => v.clone(),
        };
        for (k, _) in like {
            out.push((self.key(i, k), value.clone()));
        }
        true
    }

    /// Pair the points of a set of batches by rounded time.
    fn join_batches(&mut self, set: &JoinSet, tags: &[(Str, Str)]) -> Vec<BatchPoint> {
        let n = set.values.len();
        let batches: Vec<Option<&Batch>> = set
            .values
            .iter()
            .map(|v| match v {
                Some(Item::Batch(b)) => Some(&**b),
                _ => None,
            })
            .collect();
        let mut empty = vec![false; n];
        let mut empties = 0;
        let mut idx = vec![0usize; n];
        let mut field_names: Option<Vec<Str>> = None;
        let mut out = Vec::new();
        'sets: while empties < n {
            let mut pick: Vec<Option<&BatchPoint>> = vec![None; n];
            let mut set_time: Option<i64> = None;
            let mut count = 0;
            for i in 0..n {
                if empty[i] {
                    continue;
                }
                let Some(b) = batches[i] else {
                    empties += 1;
                    empty[i] = true;
                    continue;
                };
                if idx[i] == b.points.len() {
                    empties += 1;
                    empty[i] = true;
                    continue;
                }
                let bp = &b.points[idx[i]];
                let t = self.round(bp.time);
                let st = *set_time.get_or_insert(t);
                if t < st {
                    // An earlier time: back up the points taken so far.
                    set_time = Some(t);
                    for j in 0..n {
                        if pick[j].take().is_some() {
                            idx[j] -= 1;
                        }
                    }
                    pick[i] = Some(bp);
                    idx[i] += 1;
                    count = 1;
                } else if t == st {
                    if field_names.is_none() {
                        field_names = Some(bp.fields.iter().map(|(k, _)| k.clone()).collect());
                    }
                    pick[i] = Some(bp);
                    idx[i] += 1;
                    count += 1;
                }
            }
            if count == 0 {
                continue;
            }
            let mut fields: Fields = Vec::new();
            for (i, bp) in pick.iter().enumerate() {
                match bp {
                    Some(bp) => self.prefix_all(&mut fields, i, &bp.fields),
                    None => {
                        let value = match &self.fill {
                            Fill::None => continue 'sets,
                            Fill::Null => FieldValue::Null,
                            Fill::Value(v) => v.clone(),
                        };
                        for k in field_names.iter().flatten() {
                            fields.push((self.key(i, k), value.clone()));
                        }
                    }
                }
            }
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            fields.dedup_by(|a, b| a.0 == b.0);
            out.push(BatchPoint {
                tags: tags.to_vec(),
                fields,
                time: set_time.unwrap_or(set.time),
            });
        }
        out
    }

    /// `on(...)`: match specific points (more dimensions than `on`) with the
    /// less-specific points of the same `on` group and rounded time.
    ///
    /// Kapacitor's rules: the low mark of an `on` group is the oldest of the
    /// parents' latest times (only once every parent has sent something).
    /// Buffered specific points older than it are sent alone (filled or
    /// dropped by the join). A specific point is sent with every buffered
    /// match point of its time (the match point takes the specific point's
    /// group tags and dimensions), else alone when older than the low mark,
    /// else buffered. A match point is buffered and sent with the buffered
    /// specific points of its time. Match points are never joined on their
    /// own: when no parent is more specific than `on`, nothing is emitted.
    fn process_on(&mut self, on: Arc<Dimensions>, src: usize, item: Item, cx: &mut NodeCx<'_>) {
        if !self.all_reported {
            self.reported[src] = true;
            self.all_reported = self.reported.iter().all(|r| *r);
        }
        let t = self.round(item.time());
        let dims = Dimensions {
            by_name: item.group().dims.by_name,
            tag_names: on.tag_names.clone(),
        };
        let on_id = crate::group::group_id(item.name(), item.tags(), &dims);
        let n = self.parents;
        let all_reported = self.all_reported;
        let og = self.on_groups.entry(on_id).or_insert_with(|| OnGroup {
            marks: vec![None; n],
            ..OnGroup::default()
        });
        og.marks[src] = Some(t);
        // `None` plays Go's zero time: before every real time.
        let mut low: Option<i64> = None;
        if all_reported {
            for m in &og.marks {
                if low.is_none() || m.is_none_or(|m| low.is_some_and(|l| m < l)) {
                    low = *m;
                }
            }
        }
        let before_low = |x: i64| low.is_some_and(|l| x < l);
        let mut sends: Vec<Send> = Vec::new();
        if all_reported {
            while og
                .specific
                .front()
                .is_some_and(|(_, sp)| before_low(go_round(sp.time(), self.tolerance)))
            {
                let (ssrc, sp) = og.specific.pop_front().expect("front checked");
                sends.push((ssrc, sp, None));
            }
        }
        let specific = item.group().dims.tag_names.len() > on.tag_names.len();
        if specific {
            let mut matched = false;
            let mut passed = 0;
            for (msrc, m) in &og.matching {
                let mt = go_round(m.time(), self.tolerance);
                if mt == t {
                    sends.push((src, item.clone(), Some((*msrc, m.clone()))));
                    matched = true;
                }
                if !before_low(mt) {
                    break;
                }
                passed += 1;
            }
            if all_reported {
                og.matching.drain(..passed);
            }
            if !matched {
                if all_reported && before_low(t) {
                    sends.push((src, item, None));
                } else {
                    og.specific.push_back((src, item));
                }
            }
        } else {
            og.matching.push_back((src, item.clone()));
            while og
                .specific
                .front()
                .is_some_and(|(_, sp)| go_round(sp.time(), self.tolerance) == t)
            {
                let (ssrc, sp) = og.specific.pop_front().expect("front checked");
                sends.push((ssrc, sp, Some((src, item.clone()))));
            }
        }
        for (ssrc, sp, matched) in sends {
            let gid = sp.group().id.clone();
            let retagged = matched.map(|(msrc, m)| (msrc, retag(&m, &sp)));
            self.collect(&gid, ssrc, sp, cx);
            if let Some((msrc, m)) = retagged {
                self.collect(&gid, msrc, m, cx);
            }
        }
    }
}

/// A specific point to collect (parent, message), with its match point if any.
type Send = (usize, Item, Option<(usize, Item)>);

/// The match point with the specific point's group tags and dimensions.
fn retag(matched: &Item, specific: &Item) -> Item {
    let group = specific.group().clone();
    let tags = crate::group::group_tags(specific.tags(), &group.dims);
    match matched {
        Item::Point(p) => {
            let mut np = (**p).clone();
            np.tags = tags;
            np.group = group;
            Item::Point(Arc::new(np))
        }
        Item::Batch(b) => {
            let mut nb = (**b).clone();
            nb.tags = tags;
            nb.group = group;
            Item::Batch(Arc::new(nb))
        }
    }
}

impl Join {
    /// A DeleteGroup from parent `src`: the group's join state and `on`
    /// buffers are dropped, and the delete forwarded. The `on` low marks go
    /// too: only this parent's for this group, or every mark with `deleteAll`.
    fn delete_group(&mut self, src: usize, g: Group, cx: &mut NodeCx<'_>) {
        self.groups.remove(&g.id);
        self.order.retain(|id| id != &g.id);
        if self.delete_all {
            for og in self.on_groups.values_mut() {
                og.marks.iter_mut().for_each(|m| *m = None);
            }
        } else if let Some(og) = self.on_groups.get_mut(&g.id) {
            og.marks[src] = None;
        }
        if let Some(og) = self.on_groups.get_mut(&g.id) {
            og.specific.clear();
            og.matching.clear();
        }
        cx.stats.working_cardinality = self.groups.len() as i64;
        cx.emit(Message::DeleteGroup(g));
    }

    /// A Barrier from parent `src`: that parent will send nothing older, so
    /// its head moves to the barrier time and due sets are emitted.
    fn barrier(&mut self, src: usize, gid: &Str, time: i64, cx: &mut NodeCx<'_>) {
        let t = self.round(time);
        let Some(g) = self.groups.get_mut(gid) else {
            return;
        };
        g.head[src] = Some(t);
        self.emit_due(gid, cx);
    }
}

impl NodeImpl for Join {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let saved = (
            &self.groups,
            &self.order,
            &self.on_groups,
            &self.reported,
            self.all_reported,
        );
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        type Saved = (
            HashMap<Str, JoinGroup>,
            Vec<Str>,
            HashMap<Str, OnGroup>,
            Vec<bool>,
            bool,
        );
        let (groups, order, on_groups, reported, all_reported): Saved =
            crate::snapshot::decode(data)?;
        if reported.len() != self.reported.len() {
            return Err(crate::snapshot::SnapshotError::Shape(format!(
                "{} parents saved, the node has {}",
                reported.len(),
                self.reported.len()
            ))
            .into());
        }
        self.groups = groups;
        self.order = order;
        self.on_groups = on_groups;
        self.reported = reported;
        self.all_reported = all_reported;
        Ok(())
    }

    fn process(
        &mut self,
        input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        let item = match msg {
            Message::Point(p) => Item::Point(p),
            Message::Batch(b) => Item::Batch(b),
            Message::DeleteGroup(g) => {
                self.delete_group(input.min(self.parents - 1), g, cx);
                return Ok(());
            }
            Message::Barrier(b) => {
                self.barrier(input.min(self.parents - 1), &b.group.id.clone(), b.time, cx);
                cx.emit(Message::Barrier(b));
                return Ok(());
            }
        };
        if input >= self.parents {
            return Err(NodeError::new(format!(
                "join: message from unknown parent {input}"
            )));
        }
        // Rounding to the tolerance must stay in the time range; checked
        // once here, so the roundings below never saturate.
        let overflow = match &item {
            Item::Point(p) => unroundable([p.time], self.tolerance),
            Item::Batch(b) => unroundable(
                std::iter::once(b.tmax).chain(b.points.iter().map(|p| p.time)),
                self.tolerance,
            ),
        };
        if let Some(e) = overflow {
            cx.error(format_args!("cannot join: {e}"));
            return Ok(());
        }
        match self.on.clone() {
            Some(on) => self.process_on(on, input, item, cx),
            None => {
                let gid = item.group().id.clone();
                self.collect(&gid, input, item, cx);
            }
        }
        Ok(())
    }

    fn finish(&mut self, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        for gid in std::mem::take(&mut self.order) {
            if let Some(mut g) = self.groups.remove(&gid) {
                while !g.sets.is_empty() {
                    let mut due = Vec::new();
                    Self::take_due(&mut g, false, &mut due);
                    for set in due {
                        self.emit_set(set, cx);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::group::group_of;
    use crate::message::{Dimensions, FieldValue, Message, Point, Str};
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{point, secs, PipelineBuilder};
    use compiler::catalog::NodeKind;
    use std::sync::Arc;

    fn grouped(name: &str, tags: &[(&str, &str)], dims: &[&str], v: f64, t: i64) -> Message {
        let mut p = point(name, tags, &[("v", f(v))], t);
        let dims = Arc::new(Dimensions {
            by_name: false,
            tag_names: dims.iter().map(|d| Str::from(*d)).collect(),
        });
        p.group = group_of(&p.name, &p.tags, &dims);
        Message::Point(Arc::new(p))
    }

    fn join(props: Vec<(&str, Vec<compiler::ir::Arg>)>) -> Harness {
        let mut b = PipelineBuilder::stream();
        let e = b.add(NodeKind::From, &[0], vec![], vec![]);
        let r = b.add(NodeKind::From, &[0], vec![], vec![]);
        let j = b.add(NodeKind::Join, &[e, r], vec![], props);
        Harness::from_pipeline(&b.build(), j).expect("builds")
    }

    fn fields(p: &Point) -> Vec<(String, FieldValue)> {
        p.fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn on_joins_one_less_specific_point_with_several_groups() {
        let mut h = join(vec![
            ("as", vec![s("errors"), s("requests")]),
            ("on", vec![s("service")]),
        ]);
        let two = ["host", "service"];
        h.send(
            0,
            grouped(
                "errors",
                &[("service", "x"), ("host", "a")],
                &two,
                1.0,
                secs(1),
            ),
        );
        h.send(
            1,
            grouped("requests", &[("service", "x")], &["service"], 10.0, secs(1)),
        );
        h.send(
            0,
            grouped(
                "errors",
                &[("service", "x"), ("host", "b")],
                &two,
                2.0,
                secs(1),
            ),
        );
        let out = h.take_points();
        assert_eq!(out.len(), 2);
        assert_eq!(&*out[0].group.id, "host=a,service=x");
        assert_eq!(
            fields(&out[0]),
            vec![("errors.v".into(), f(1.0)), ("requests.v".into(), f(10.0))]
        );
        assert_eq!(&*out[1].group.id, "host=b,service=x");
        assert_eq!(out[1].field("errors.v"), Some(&f(2.0)));
        assert_eq!(out[1].tag("host").map(|t| &**t), Some("b"));
    }

    #[test]
    fn delete_drops_the_group_and_is_forwarded() {
        let mut h = join(vec![("as", vec![s("a"), s("b")])]);
        h.send(0, grouped("m", &[], &[], 1.0, secs(1)));
        assert_eq!(h.stats.working_cardinality, 1);
        h.send(1, Message::DeleteGroup(crate::group::nil_group()));
        let out = h.take();
        assert!(matches!(out.as_slice(), [Message::DeleteGroup(_)]));
        assert_eq!(h.stats.working_cardinality, 0);
        h.finish();
        assert!(h.take().is_empty(), "the pending set went with the group");
    }

    #[test]
    fn barrier_moves_a_parent_past_pending_sets() {
        let mut h = join(vec![
            ("as", vec![s("a"), s("b")]),
            ("fill", vec![s("null")]),
        ]);
        h.send(0, grouped("m", &[], &[], 1.0, secs(1)));
        h.send(1, grouped("m", &[], &[], 2.0, secs(2)));
        assert!(h.take().is_empty());
        h.send(
            0,
            Message::Barrier(crate::message::Barrier {
                group: crate::group::nil_group(),
                time: secs(5),
            }),
        );
        let out = h.take();
        // Both parents are past 1s: the set at 1s goes out filled (b.v = null),
        // then the barrier is forwarded; the set at 2s waits for parent b.
        assert_eq!(out.len(), 2);
        let Message::Point(p) = &out[0] else { panic!() };
        assert_eq!(p.field("b.v"), Some(&FieldValue::Null));
        assert!(matches!(out[1], Message::Barrier(_)));
    }

    #[test]
    fn inner_join_drops_unmatched_sets_once_all_parents_moved_on() {
        let mut h = join(vec![("as", vec![s("a"), s("b")])]);
        h.send(0, grouped("m", &[], &[], 1.0, secs(1)));
        h.send(1, grouped("m", &[], &[], 2.0, secs(2)));
        h.send(0, grouped("m", &[], &[], 3.0, secs(2)));
        // The set at 1s (a only) is dropped; then 2s is the oldest time and
        // its set is full, so it goes out in the same step.
        let out = h.take_points();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].time, secs(2));
        h.finish();
        assert!(h.take().is_empty());
        assert!(Harness::try_new(false, NodeKind::Join, vec![], vec![]).is_err());
    }

    #[test]
    fn a_time_that_cannot_be_rounded_to_the_tolerance_is_a_logged_error() {
        let mut h = join(vec![
            ("as", vec![s("a"), s("b")]),
            ("tolerance", vec![compiler::ir::Arg::Duration(secs(1))]),
        ]);
        // i64::MAX rounds up past the end at 1s; both sides at that time.
        h.send(0, grouped("m", &[], &[], 1.0, i64::MAX));
        h.send(1, grouped("m", &[], &[], 2.0, i64::MAX));
        h.finish();
        assert!(h.take_points().is_empty());
        assert_eq!(h.stats.errors, 2);
        assert!(h.sink.diagnostics[0].contains("cannot join: time out of range"));
    }
}
