//! Lints: warnings that never fail a check (exit 0). Each has a W01xx code and
//! is silenced for a whole file by a comment `// tickc:allow(W0101)` (several
//! codes may be listed, comma-separated). Lints run only on scripts without
//! errors.
//!
//! | code | finds |
//! |---|---|
//! | W0101 | `"host" == "server1"`: both sides are field references (the quotes pitfall), and nothing upstream makes a field or tag named like the right side |
//! | W0102 | a scalar, list or lambda `var` never used (node vars and template vars are exempt) |
//! | W0103 | an alert with no handler, no topic and no children (its events reach only its anonymous topic) |
//! | W0104 | a window or query whose `every` exceeds its `period` (gaps) |
//! | W0105 | `stateChangesOnly` on an alert with no info/warn/crit |
//! | W0106 | `|groupBy` directly after `|window` in a stream task |
//! | W0107 | a `lambda:` predicate that folds to TRUE or FALSE by accident (`lambda: 1 > 2`); a bare `lambda: TRUE` is the idiom and stays quiet (checked in `calls.rs`) |

use super::scope::Value;
use super::Checker;
use crate::ast::{self, ExprKind};
use crate::catalog::nodes::alert::LEVELS;
use crate::catalog::NodeKind;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{BinaryOp, Node, NodeId, TaskType};
use std::collections::HashSet;

/// Codes listed in `tickc:allow(...)` comments anywhere in the source.
pub(crate) fn allowed_codes(source: &str) -> HashSet<Code> {
    let mut out = HashSet::new();
    for line in source.lines() {
        let Some(i) = line.find("//") else { continue };
        let comment = &line[i..];
        let Some(j) = comment.find("tickc:allow(") else {
            continue;
        };
        let rest = &comment[j + "tickc:allow(".len()..];
        let list = rest.split(')').next().unwrap_or("");
        for c in list.split(',') {
            if let Some(code) = Code::from_str_code(c.trim()) {
                out.insert(code);
            }
        }
    }
    out
}

pub(crate) fn lint(cx: &mut Checker<'_>) {
    let mut out = Vec::new();
    out.append(&mut cx.lambda_lints);
    quotes_lints(cx, &mut out);
    unused_vars(cx, &mut out);
    alerts(cx, &mut out);
    windows(cx, &mut out);
    cx.diags.extend(out);
}

/// Where a lambda's data comes from: the output of `node` itself
/// (`inclusive`, for `node|where(...)`) or of its parents (`node.crit(...)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LambdaInput {
    pub node: NodeId,
    pub inclusive: bool,
}

/// A W0101 warning waiting for the whole pipeline (see `quotes_lints`).
pub(crate) struct QuoteCandidate {
    pub input: Option<LambdaInput>,
    /// The right side's name (`server1` in `"host" == "server1"`).
    pub right: String,
    pub diag: Diagnostic,
}

/// W0101: `"host" == "server1"` compares two fields; `'server1'` was meant.
/// Found on each lambda body as it is checked; whether it is reported
/// depends on the pipeline upstream (`quotes_lints`).
pub(crate) fn quotes_pitfall(e: &ast::Expr) -> Vec<(String, Diagnostic)> {
    let mut out = Vec::new();
    walk(e, &mut out);
    return out;
    fn walk(e: &ast::Expr, out: &mut Vec<(String, Diagnostic)>) {
        match &e.kind {
            ExprKind::Binary {
                op,
                left,
                right,
                op_span,
            } => {
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                    if let (ExprKind::Reference(l), ExprKind::Reference(r)) =
                        (&unparen(left).kind, &unparen(right).kind)
                    {
                        out.push((r.clone(),
                            Diagnostic::warning(
                                Code::QuotesPitfall,
                                format!(
                                    "\"{l}\" {} \"{r}\" compares two fields: double quotes make a field reference",
                                    op.symbol()
                                ),
                            )
                            .with_primary(right.span, "this is a field reference, not a string")
                            .with_secondary(*op_span, "")
                            .with_note(format!("to compare with a string, write '{r}' (single quotes)")),
                        ));
                    }
                }
                walk(left, out);
                walk(right, out);
            }
            ExprKind::Unary { operand, .. } => walk(operand, out),
            ExprKind::Paren(inner) | ExprKind::Lambda(inner) => walk(inner, out),
            ExprKind::Call { args, .. } => args.iter().for_each(|a| walk(a, out)),
            _ => {}
        }
    }
}

/// The W0101 candidates whose right side is not a name the pipeline makes
/// upstream of the lambda: after `|join(b).as('m1', 'm2')`,
/// `"m1.value" != "m2.value"` compares two real fields and is not reported.
fn quotes_lints(cx: &mut Checker<'_>, out: &mut Vec<Diagnostic>) {
    for c in std::mem::take(&mut cx.quote_candidates) {
        let made = c.input.is_some_and(|input| {
            let nodes = &cx.pipeline.nodes;
            let mut stack: Vec<NodeId> = if input.inclusive {
                vec![input.node]
            } else {
                nodes[input.node as usize].parents.clone()
            };
            let mut seen = HashSet::new();
            while let Some(id) = stack.pop() {
                if !seen.insert(id) {
                    continue;
                }
                let n = &nodes[id as usize];
                if makes_name(n, &c.right) {
                    return true;
                }
                stack.extend(n.parents.iter().copied());
            }
            false
        });
        if !made {
            out.push(c.diag);
        }
    }
}

/// Whether `node` adds a field or tag called `name` to the data it emits:
/// its `.as(...)` names (eval, the InfluxQL functions, derivative, state
/// nodes) or an InfluxQL function's default name (`mean`), a join or combine
/// alias prefix (`m1.`), the fields and tags of
/// default/sideload, and group-by dimensions.
fn makes_name(node: &Node, name: &str) -> bool {
    let is = |s: &str| s == name;
    match node.kind {
        NodeKind::Join | NodeKind::Combine => {
            let delimiter = node.string("delimiter").unwrap_or(".");
            return node.strings("as").iter().any(|a| {
                name.strip_prefix(a)
                    .is_some_and(|rest| rest.starts_with(delimiter))
            });
        }
        NodeKind::Default | NodeKind::Sideload => {
            return node
                .props
                .iter()
                .filter(|p| p.name == "field" || p.name == "tag")
                .any(|p| p.args.first().and_then(|a| a.as_str()).is_some_and(is));
        }
        NodeKind::GroupBy => {
            return node.args.iter().any(|a| a.as_str().is_some_and(is));
        }
        _ => {}
    }
    // An InfluxQL function without `.as` names its result after itself
    // (`holtWintersWithFit` after `holtWinters`).
    let influxql_default = node.prop("as").is_none()
        && crate::catalog::nodes::influxql::SPECS
            .iter()
            .any(|s| s.kind == node.kind)
        && match node.kind {
            NodeKind::HoltWintersWithFit => is("holtWinters"),
            k => is(k.method()),
        };
    influxql_default
        || node.strings("as").into_iter().any(is)
        || node
            .props_named("groupBy")
            .any(|p| p.args.iter().any(|a| a.as_str().is_some_and(is)))
}

fn unparen(e: &ast::Expr) -> &ast::Expr {
    match &e.kind {
        ExprKind::Paren(inner) => unparen(inner),
        _ => e,
    }
}

/// W0102: a scalar, list or lambda `var` that nothing uses. Node vars are
/// exempt: their pipeline runs whether or not the name is used again.
fn unused_vars(cx: &Checker<'_>, out: &mut Vec<Diagnostic>) {
    for b in cx.scope.iter() {
        let Some(span) = b.span else { continue };
        if b.used.get() || matches!(b.value, Value::Node(_) | Value::Handler(..) | Value::Poison) {
            continue;
        }
        // Template vars are set by the task's vars: they are its interface.
        if matches!(b.value, Value::Template(_)) {
            continue;
        }
        out.push(
            Diagnostic::warning(Code::UnusedVar, format!("unused var `{}`", b.name))
                .with_primary(span, "never used")
                .with_note("remove it, or use it in a node or lambda"),
        );
    }
}

/// W0103 alert without handler or topic; W0105 stateChangesOnly without levels.
fn alerts(cx: &Checker<'_>, out: &mut Vec<Diagnostic>) {
    for n in cx
        .pipeline
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Alert)
    {
        // An alert with children is also used for the data it forwards.
        if n.handlers.is_empty() && n.prop("topic").is_none() && n.children.is_empty() {
            out.push(
                Diagnostic::warning(
                    Code::AlertNoHandler,
                    format!(
                        "{} has no handler and no topic: no one is notified of its events",
                        n.name
                    ),
                )
                .with_primary(n.span, "no handler")
                .with_note("Kapacitor keeps them only in the alert's anonymous topic, read through the alerts API")
                .with_note("add a handler such as `.log('/tmp/alerts.log')`, or `.topic('name')`"),
            );
        }
        if let Some(p) = n.prop("stateChangesOnly") {
            if LEVELS.iter().all(|l| n.prop(l).is_none()) {
                out.push(
                    Diagnostic::warning(
                        Code::StateChangesNoLevels,
                        "stateChangesOnly has no effect: the alert has no info, warn or crit expression",
                    )
                    .with_primary(p.span, "")
                    .with_note("add `.crit(lambda: ...)` (or info/warn)"),
                );
            }
        }
    }
}

/// W0104 window every > period; W0106 groupBy right after a stream window.
fn windows(cx: &Checker<'_>, out: &mut Vec<Diagnostic>) {
    let nodes = &cx.pipeline.nodes;
    for n in nodes {
        if n.kind == NodeKind::Query {
            if let (Some(period), Some(every)) = (n.duration("period"), n.duration("every")) {
                if every > period && period > 0 {
                    let span = n.prop("every").map_or(n.span, |p| p.span);
                    out.push(
                        Diagnostic::warning(
                            Code::WindowGaps,
                            "query every is greater than its period: the data in between is never queried",
                        )
                        .with_primary(span, "")
                        .with_note("make `.every` less than or equal to `.period`"),
                    );
                }
            }
        }
        if n.kind == NodeKind::Window {
            if let (Some(period), Some(every)) = (n.duration("period"), n.duration("every")) {
                if every > period && period > 0 {
                    let span = n.prop("every").map_or(n.span, |p| p.span);
                    out.push(
                        Diagnostic::warning(
                            Code::WindowGaps,
                            "window every is greater than its period: the points in between are never in a window",
                        )
                        .with_primary(span, "")
                        .with_note("make `.every` less than or equal to `.period`"),
                    );
                }
            }
        }
        if n.kind == NodeKind::GroupBy && cx.pipeline.task_type == TaskType::Stream {
            if let Some(&p) = n.parents.first() {
                if nodes[p as usize].kind == NodeKind::Window {
                    out.push(
                        Diagnostic::warning(
                            Code::GroupByAfterWindow,
                            "groupBy after window: the window buffers all groups together",
                        )
                        .with_primary(n.span, "")
                        .with_note("in a stream task, put `|groupBy(...)` before `|window()` so each group gets its own window"),
                    );
                }
            }
        }
    }
}
