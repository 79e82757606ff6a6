//! `combine(λ…)` (reference §4.2, → stream): `as(names…)` (one per λ, unique,
//! no delimiter inside), `delimiter` (`.`), `tolerance(d)`, `max(i)` (default
//! 1,000,000 — the code's default, not the docs' 10,000).
//!
//! Within a group, points sharing a rounded time are buffered; when a point
//! of another time arrives (or a batch ends) every k-combination of the
//! buffer (k = number of λ, in index order, no point twice) is tried: for
//! each λ in turn the first still-unused point of the combination matching it
//! is taken; if every λ found one, a point is emitted with fields and
//! non-dimension tags prefixed `<as><delim>`, dimension tags as they are, and
//! the time of the point taken by the first λ. A λ error counts as no match
//! (logged). More combinations than `max` is a fatal error. λ state is per
//! group.

use super::lambda::{load_shared, load_states, save_shared, save_states, SavedFuncs};
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::group::group_of;
use crate::message::{FieldValue, Fields, Group, Message, Point, Str, Tags};
use crate::node::group_map::GroupMap;
use crate::point::Scope;
use crate::time::{go_round, unroundable};
use compiler::ir;
use std::sync::Arc;
use vm::{CompiledLambda, LambdaState};

/// A buffered point: tags, fields, rounded time.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Buffered {
    tags: Tags,
    fields: Fields,
    time: i64,
}

struct GroupState {
    states: Vec<LambdaState>,
    name: Str,
    group: Group,
    time: i64,
    points: Vec<Buffered>,
}

/// A group's state in a checkpoint (`GroupState` with its lambda states saved).
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedGroup {
    states: Vec<SavedFuncs>,
    name: Str,
    group: Group,
    time: i64,
    points: Vec<Buffered>,
}

pub struct Combine {
    lambdas: Vec<CompiledLambda>,
    names: Vec<Str>,
    delimiter: String,
    tolerance: i64,
    max: i64,
    groups: GroupMap<GroupState>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let mut lambdas = Vec::new();
    for a in &node.args {
        let l = a
            .as_lambda()
            .ok_or_else(|| BuildError::new(node, "combine arguments must be lambdas"))?;
        lambdas.push(
            CompiledLambda::compile(l, vm::tier::task_engine())
                .map_err(|e| BuildError::new(node, e.to_string()))?,
        );
    }
    let names: Vec<Str> = node.strings("as").into_iter().map(Str::from).collect();
    let delimiter = node.string("delimiter").unwrap_or(".").to_string();
    if lambdas.is_empty() {
        return Err(BuildError::new(
            node,
            "combine needs at least one expression",
        ));
    }
    if names.len() != lambdas.len() {
        return Err(BuildError::new(
            node,
            "must specify the same number of expressions as names",
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if !delimiter.is_empty() && n.contains(delimiter.as_str()) {
            return Err(BuildError::new(
                node,
                format!(
                    "cannot use name {n} as field prefix, it contains the delimiter {delimiter:?}"
                ),
            ));
        }
        if names[..i].contains(n) {
            return Err(BuildError::new(
                node,
                format!("cannot use the same name {n} more than once"),
            ));
        }
    }
    Ok(Box::new(Combine {
        lambdas,
        names,
        delimiter,
        tolerance: node.duration("tolerance").unwrap_or(0),
        max: node.int("max").unwrap_or(1_000_000),
        groups: GroupMap::new(),
    }))
}

/// C(n, k), saturating.
fn choose(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let mut r: u128 = 1;
    for i in 0..k as u128 {
        r = r.saturating_mul(n as u128 - i) / (i + 1);
    }
    r
}

impl Combine {
    fn combine(&self, g: &mut GroupState, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        let n = g.points.len();
        let k = self.lambdas.len();
        if n == 0 || n < k {
            return Ok(());
        }
        let total = choose(n, k);
        // As Kapacitor: a count above max (any count when max <= 0) is refused.
        if total > u128::try_from(self.max).unwrap_or(0) {
            return Err(NodeError::new(format!(
                "refusing to perform combination as total combinations {total} exceeds max combinations {}",
                self.max
            )));
        }
        // matches[s][i]: point i satisfies λs.
        let mut matches = vec![vec![false; n]; k];
        for (i, p) in g.points.iter().enumerate() {
            let scope = Scope {
                time: p.time,
                fields: &p.fields,
                tags: &p.tags,
                extra: &[],
            };
            for (s, l) in self.lambdas.iter().enumerate() {
                match l.eval_bool(&scope, &mut g.states[s]) {
                    Ok(b) => matches[s][i] = b,
                    Err(e) => cx.error(format!("error evaluating lambda expression: {e}")),
                }
            }
        }
        let dims = &g.group.dims.tag_names;
        let mut idx: Vec<usize> = (0..k).collect();
        loop {
            let mut remaining = idx.clone();
            let mut set = Vec::with_capacity(k);
            for row in &matches {
                match remaining.iter().position(|&i| row[i]) {
                    Some(pos) => set.push(remaining.remove(pos)),
                    None => break,
                }
            }
            if set.len() == k {
                let mut fields: Fields = Vec::new();
                let mut tags: Tags = Vec::new();
                for (s, &pi) in set.iter().enumerate() {
                    let p = &g.points[pi];
                    for (fk, v) in &p.fields {
                        fields.push((self.prefixed(s, fk), v.clone()));
                    }
                    for (tk, tv) in &p.tags {
                        if dims.contains(tk) {
                            tags.push((tk.clone(), tv.clone()));
                        } else {
                            tags.push((self.prefixed(s, tk), tv.clone()));
                        }
                    }
                }
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                fields.dedup_by(|a, b| a.0 == b.0);
                tags.sort_by(|a, b| a.0.cmp(&b.0));
                tags.dedup_by(|a, b| a.0 == b.0);
                let group = group_of(&g.name, &tags, &g.group.dims);
                cx.emit(Message::Point(Arc::new(Point {
                    name: g.name.clone(),
                    database: Str::from(""),
                    retention_policy: Str::from(""),
                    tags,
                    fields,
                    time: g.points[set[0]].time,
                    group,
                })));
            }
            // Next combination in lexicographic order.
            let mut i = k;
            loop {
                if i == 0 {
                    return Ok(());
                }
                i -= 1;
                if idx[i] < n - k + i {
                    break;
                }
            }
            idx[i] += 1;
            for j in i + 1..k {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }

    fn prefixed(&self, s: usize, k: &str) -> Str {
        Str::from(format!("{}{}{}", self.names[s], self.delimiter, k))
    }

    fn state(&mut self, id: &Str, name: &Str, group: &Group) -> GroupState {
        self.groups.remove(id).unwrap_or_else(|| GroupState {
            states: self.lambdas.iter().map(CompiledLambda::new_state).collect(),
            name: name.clone(),
            group: group.clone(),
            time: i64::MIN,
            points: Vec::new(),
        })
    }

    fn add(&self, g: &mut GroupState, p: Buffered, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        if p.time == g.time {
            g.points.push(p);
            return Ok(());
        }
        self.combine(g, cx)?;
        g.time = p.time;
        g.points.clear();
        g.points.push(p);
        Ok(())
    }
}

impl NodeImpl for Combine {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let groups = self.groups.map_to(|g| SavedGroup {
            states: save_states(&g.states),
            name: g.name.clone(),
            group: g.group.clone(),
            time: g.time,
            points: g.points.clone(),
        });
        Ok(Some(crate::snapshot::encode(&(
            save_shared(&self.lambdas),
            groups,
        ))?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (shared, groups): (Vec<SavedFuncs>, GroupMap<SavedGroup>) =
            crate::snapshot::decode(data)?;
        load_shared(self.lambdas.iter(), shared)?;
        self.groups = groups.try_map_into(|g| {
            Ok::<_, crate::snapshot::SnapshotError>(GroupState {
                states: load_states(&self.lambdas, g.states)?,
                name: g.name,
                group: g.group,
                time: g.time,
                points: g.points,
            })
        })?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        // Rounding to the tolerance must stay in the time range.
        let overflow = match &msg {
            Message::Point(p) => unroundable([p.time], self.tolerance),
            Message::Batch(b) => unroundable(b.points.iter().map(|p| p.time), self.tolerance),
            _ => None,
        };
        if let Some(e) = overflow {
            cx.error(format_args!("cannot combine: {e}"));
            return Ok(());
        }
        match msg {
            Message::Point(p) => {
                let mut g = self.state(&p.group.id, &p.name, &p.group);
                g.name = p.name.clone();
                let b = Buffered {
                    tags: p.tags.clone(),
                    fields: p.fields.clone(),
                    time: go_round(p.time, self.tolerance),
                };
                let r = self.add(&mut g, b, cx);
                self.groups.insert(p.group.id.clone(), g);
                self.groups.report(cx);
                r?;
            }
            Message::Batch(b) => {
                let mut g = self.state(&b.group.id, &b.name, &b.group);
                g.name = b.name.clone();
                g.time = i64::MIN;
                g.points.clear();
                let mut r = Ok(());
                for bp in &b.points {
                    let item = Buffered {
                        tags: bp.tags.clone(),
                        fields: bp.fields.clone(),
                        time: go_round(bp.time, self.tolerance),
                    };
                    r = r.and_then(|_| self.add(&mut g, item, cx));
                }
                r = r.and_then(|_| self.combine(&mut g, cx));
                g.points.clear();
                self.groups.insert(b.group.id.clone(), g);
                self.groups.report(cx);
                r?;
            }
            Message::DeleteGroup(g) => self.groups.delete_group(g, cx),
            other => cx.emit(other),
        }
        let _ = FieldValue::Null;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::choose;
    use crate::node::harness::{cmp_lambda, f, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::{Arg, BinaryOp, Const};

    #[test]
    fn more_combinations_than_max_is_fatal() {
        let (p, id) = crate::node::harness::pipeline(
            false,
            NodeKind::Combine,
            vec![
                cmp_lambda("v", BinaryOp::Gt, Const::Float(0.0)),
                cmp_lambda("v", BinaryOp::Gt, Const::Float(0.0)),
            ],
            vec![("as", vec![s("a"), s("b")]), ("max", vec![Arg::Int(2)])],
        );
        let mut h = Harness::from_pipeline(&p, id).expect("builds");
        for v in [1.0, 2.0, 3.0] {
            h.point(point("m", &[], &[("v", f(v))], secs(1)));
        }
        let msg = crate::message::Message::Point(std::sync::Arc::new(point(
            "m",
            &[],
            &[("v", f(4.0))],
            secs(2),
        )));
        let err = h.try_send(0, msg).expect_err("C(3,2) = 3 > 2");
        assert_eq!(
            err.message,
            "refusing to perform combination as total combinations 3 exceeds max combinations 2"
        );
    }

    #[test]
    fn choose_counts() {
        assert_eq!(choose(5, 2), 10);
        assert_eq!(choose(3, 4), 0);
    }

    #[test]
    fn pairs_matching_points() {
        let mut h = Harness::new(
            false,
            NodeKind::Combine,
            vec![
                cmp_lambda("kind", BinaryOp::Eq, Const::String("a".into())),
                cmp_lambda("kind", BinaryOp::Eq, Const::String("b".into())),
            ],
            vec![("as", vec![s("x"), s("y")])],
        );
        h.point(point("m", &[("kind", "a")], &[("v", f(1.0))], secs(1)));
        h.point(point("m", &[("kind", "b")], &[("v", f(2.0))], secs(1)));
        h.point(point("m", &[("kind", "b")], &[("v", f(3.0))], secs(1)));
        h.point(point("m", &[("kind", "a")], &[("v", f(9.0))], secs(2)));
        let out = h.take_points();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].field("x.v"), Some(&f(1.0)));
        assert_eq!(out[0].field("y.v"), Some(&f(2.0)));
        assert_eq!(out[1].field("y.v"), Some(&f(3.0)));
        assert_eq!(out[0].tag("x.kind").map(|t| &**t), Some("a"));
        let _ = Arg::Int(0);
    }
}
