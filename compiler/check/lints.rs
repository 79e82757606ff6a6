//! Lints: warnings that never fail a check (exit 0). Each has a W01xx code and
//! is silenced for a whole file by a comment `// tickc:allow(W0101)` (several
//! codes may be listed, comma-separated). Lints run only on scripts without
//! errors.
//!
//! | code | finds |
//! |---|---|
//! | W0101 | `"host" == "server1"`: both sides are field references (the quotes pitfall) |
//! | W0102 | a scalar, list or lambda `var` never used (node vars and template vars are exempt) |
//! | W0103 | an alert with no handler, no topic and no children |
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
use crate::ir::{BinaryOp, TaskType};
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
    unused_vars(cx, &mut out);
    alerts(cx, &mut out);
    windows(cx, &mut out);
    cx.diags.extend(out);
}

/// W0101: `"host" == "server1"` compares two fields; `'server1'` was meant.
/// Run on each lambda body as it is checked (the warnings wait in
/// `Checker::lambda_lints` until the script is known to have no errors).
pub(crate) fn quotes_pitfall(e: &ast::Expr, out: &mut Vec<Diagnostic>) {
    walk(e, out);
    fn walk(e: &ast::Expr, out: &mut Vec<Diagnostic>) {
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
                        out.push(
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
                        );
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
                        "{} has no handler and no topic: its events go nowhere",
                        n.name
                    ),
                )
                .with_primary(n.span, "no handler")
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
