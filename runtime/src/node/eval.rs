//! `eval(λ…)` (reference §4.2): evaluates the lambdas in order. Each result
//! is bound under its `as` name in the scope only (a point field or tag of
//! the same name wins over it). Output fields: without `keep`, only the `as`
//! results minus those turned into tags; `keep()` keeps all old fields plus
//! every result (tag results too); `keep(list)` keeps only the listed names,
//! results first, then the point's fields. Any error drops the point. Each
//! lambda keeps its stateful-function state per group (§5.5).

use super::lambda::{compile, to_field, upsert};
use super::lambda::{load_shared, load_states, save_shared, save_states, SavedFuncs};
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{BatchPoint, FieldValue, Fields, Message, Str, Tags};
use crate::node::group_map::GroupMap;
use crate::point::{lookup, Scope};
use compiler::ir::{self, Arg};
use std::sync::Arc;
use vm::value::Value;
use vm::{CompiledLambda, LambdaState};

enum Keep {
    None,
    All,
    List(Vec<Str>),
}

pub struct Eval {
    lambdas: Vec<CompiledLambda>,
    names: Vec<Str>,
    /// Per result: becomes a tag.
    is_tag: Vec<bool>,
    keep: Keep,
    states: GroupMap<Vec<LambdaState>>,
    /// Reused result scratch.
    results: Vec<(Str, Value)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let mut lambdas = Vec::new();
    for a in &node.args {
        let l = a
            .as_lambda()
            .ok_or_else(|| BuildError::new(node, "eval arguments must be lambdas"))?;
        lambdas.push(compile(node, l)?);
    }
    let names: Vec<Str> = node.strings("as").into_iter().map(Str::from).collect();
    if names.len() != lambdas.len() {
        return Err(BuildError::new(
            node,
            "must specify same number of expressions and .as() names",
        ));
    }
    let tags: Vec<&str> = node
        .props_named("tags")
        .flat_map(|p| p.args.iter().filter_map(Arg::as_str))
        .collect();
    for t in &tags {
        if !names.iter().any(|n| &**n == *t) {
            return Err(BuildError::new(
                node,
                format!("tag name {t:?} is not one of the .as() names"),
            ));
        }
    }
    let is_tag = names.iter().map(|n| tags.contains(&&**n)).collect();
    let keep = match node.prop("keep") {
        None => Keep::None,
        Some(p) if p.args.is_empty() => Keep::All,
        Some(p) => Keep::List(
            p.args
                .iter()
                .filter_map(Arg::as_str)
                .map(Str::from)
                .collect(),
        ),
    };
    Ok(Box::new(Eval {
        lambdas,
        names,
        is_tag,
        keep,
        states: GroupMap::new(),
        results: Vec::new(),
    }))
}

impl Eval {
    /// Evaluate every lambda on (time, fields, tags); fills `self.results`.
    fn eval(
        &mut self,
        group: &Str,
        time: i64,
        fields: &[(Str, FieldValue)],
        tags: &[(Str, Str)],
        cx: &mut NodeCx<'_>,
    ) -> Result<(), String> {
        if self.states.get(group).is_none() {
            let st = self.lambdas.iter().map(CompiledLambda::new_state).collect();
            self.states.insert(group.clone(), st);
            self.states.report(cx);
        }
        let states = self.states.get_mut(group).expect("inserted above");
        self.results.clear();
        for (i, l) in self.lambdas.iter().enumerate() {
            let scope = Scope {
                time,
                fields,
                tags,
                extra: &self.results,
            };
            let v = l.eval(&scope, &mut states[i]).map_err(|e| e.to_string())?;
            self.results.push((self.names[i].clone(), v));
        }
        Ok(())
    }

    /// New fields and tags from the results (`self.results`).
    ///
    /// `own` is the input point's field vector when the point is not shared
    /// (then `fields` is empty): it is reused for the output instead of
    /// allocating a new one.
    fn output(
        &self,
        own: Option<Fields>,
        fields: &Fields,
        tags: &Tags,
    ) -> Result<(Fields, Option<Tags>), String> {
        let mut new_tags: Option<Tags> = None;
        for (i, (name, v)) in self.results.iter().enumerate() {
            if self.is_tag[i] {
                let Value::String(s) = v else {
                    return Err(format!(
                        "cannot convert field {name:?} value to tag: type {} is not a string",
                        v.type_name()
                    ));
                };
                let t = new_tags.get_or_insert_with(|| tags.clone());
                upsert(t, name, s.clone());
            }
        }
        let field_of = |name: &Str, v: &Value| {
            to_field(v).ok_or_else(|| {
                format!(
                    "cannot store {} value of {name:?} in a field",
                    v.type_name()
                )
            })
        };
        let out = match &self.keep {
            Keep::None => {
                let mut out: Fields = match own {
                    Some(mut v) => {
                        v.clear();
                        v
                    }
                    None => Vec::with_capacity(self.results.len()),
                };
                for (i, (name, v)) in self.results.iter().enumerate() {
                    if !self.is_tag[i] {
                        upsert(&mut out, name, field_of(name, v)?);
                    }
                }
                out
            }
            Keep::All => {
                let mut out = own.unwrap_or_else(|| fields.clone());
                for (name, v) in &self.results {
                    upsert(&mut out, name, field_of(name, v)?);
                }
                out
            }
            Keep::List(list) => {
                let fields = own.as_ref().unwrap_or(fields);
                let mut out: Fields = Vec::with_capacity(list.len());
                for k in list {
                    let v = match self.results.iter().rev().find(|(n, _)| n == k) {
                        Some((n, v)) => field_of(n, v)?,
                        None => lookup(fields, k).cloned().ok_or_else(|| {
                            format!("cannot keep field {k:?}, field does not exist")
                        })?,
                    };
                    upsert(&mut out, k, v);
                }
                out
            }
        };
        Ok((out, new_tags))
    }
}

impl NodeImpl for Eval {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let saved = (
            save_shared(&self.lambdas),
            self.states.map_to(|s| save_states(s)),
        );
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (shared, groups): (Vec<SavedFuncs>, GroupMap<Vec<SavedFuncs>>) =
            crate::snapshot::decode(data)?;
        load_shared(self.lambdas.iter(), shared)?;
        self.states = groups.try_map_into(|s| load_states(&self.lambdas, s))?;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(mut p) => {
                // An unshared point gives up its field vector for reuse.
                let own = Arc::get_mut(&mut p).map(|pm| std::mem::take(&mut pm.fields));
                let fields = own.as_ref().unwrap_or(&p.fields);
                let r = self
                    .eval(&p.group.id, p.time, fields, &p.tags, cx)
                    .and_then(|()| self.output(own, &p.fields, &p.tags));
                match r {
                    Ok((fields, tags)) => {
                        let pm = Arc::make_mut(&mut p);
                        pm.fields = fields;
                        if let Some(t) = tags {
                            pm.tags = t;
                        }
                        cx.emit(Message::Point(p));
                    }
                    Err(e) => cx.error(format!("error evaluating expression: {e}")),
                }
            }
            Message::Batch(b) => {
                let mut points: Vec<BatchPoint> = Vec::with_capacity(b.points.len());
                for bp in &b.points {
                    let r = self
                        .eval(&b.group.id, bp.time, &bp.fields, &bp.tags, cx)
                        .and_then(|()| self.output(None, &bp.fields, &bp.tags));
                    match r {
                        Ok((fields, tags)) => points.push(BatchPoint {
                            tags: tags.unwrap_or_else(|| bp.tags.clone()),
                            fields,
                            time: bp.time,
                        }),
                        Err(e) => cx.error(format!("error evaluating expression: {e}")),
                    }
                }
                cx.emit(Message::Batch(Arc::new(b.with_points(points))));
            }
            Message::DeleteGroup(g) => self.states.delete_group(g, cx),
            Message::Barrier(b) => cx.emit(Message::Barrier(b)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{FieldValue, Message};
    use crate::node::harness::{cmp_lambda, f, s, Harness};
    use crate::testing::apoint;
    use compiler::catalog::NodeKind;
    use compiler::ir::{Arg, BinaryOp, Const};
    use std::sync::Arc;

    fn eval(keep: Option<Vec<Arg>>) -> Harness {
        let mut props = vec![("as", vec![s("big")])];
        if let Some(k) = keep {
            props.push(("keep", k));
        }
        Harness::new(
            false,
            NodeKind::Eval,
            vec![cmp_lambda("v", BinaryOp::Gt, Const::Float(1.0))],
            props,
        )
    }

    /// The output fields for a unique point and for a shared one (whose
    /// fields must be left alone for the other holder).
    fn outputs(h: &mut Harness) -> Vec<Vec<(String, FieldValue)>> {
        let mut got = Vec::new();
        for shared in [false, true] {
            let p = apoint("m", &[], &[("v", f(2.0)), ("w", f(3.0))], 0);
            let other = shared.then(|| Arc::clone(&p));
            h.send(0, Message::Point(p));
            if let Some(o) = other {
                assert_eq!(o.fields.len(), 2, "a shared input point is not modified");
            }
            for q in h.take_points() {
                got.push(
                    q.fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                );
            }
        }
        got
    }

    #[test]
    fn unique_and_shared_points_give_the_same_fields_in_every_keep_mode() {
        let big = ("big".to_string(), FieldValue::Bool(true));
        let v = ("v".to_string(), f(2.0));
        let w = ("w".to_string(), f(3.0));
        let only = vec![big.clone()];
        assert_eq!(outputs(&mut eval(None)), vec![only.clone(), only]);
        let all = vec![big.clone(), v.clone(), w];
        assert_eq!(outputs(&mut eval(Some(vec![]))), vec![all.clone(), all]);
        let list = vec![big, v];
        assert_eq!(
            outputs(&mut eval(Some(vec![s("v"), s("big")]))),
            vec![list.clone(), list]
        );
    }
}
