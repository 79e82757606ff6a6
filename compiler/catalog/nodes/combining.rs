//! Nodes that combine points or streams (§4.2): `join`, `union`, `combine`,
//! `flatten`, `barrier`.

use super::*;

pub static SPECS: &[NodeSpec] = &[
    NodeSpec {
        kind: NodeKind::Join,
        args: Params::variadic(&[NODE], NODE),
        props: &[
            prop("as", Params::variadic(&[STR], STR)),
            prop("on", Params::variadic(&[], STR)),
            prop_d("delimiter", Params::exact(&[STR]), "."),
            field("tolerance", &[DUR]),
            prop_d(
                "fill",
                Params::exact(&[&[P::String, P::Int, P::Float]]),
                "none",
            ),
            prop_d(
                "streamName",
                Params::exact(&[STR]),
                "the first parent's name",
            ),
            field("deleteAll", &[BOOL]),
        ],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: Some(validate_join),
        doc: "joins the points of several parents by group and time",
    },
    NodeSpec {
        kind: NodeKind::Union,
        args: Params::variadic(&[], NODE),
        props: &[field("rename", &[STR])],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: None,
        doc: "merges several parents in time order",
    },
    NodeSpec {
        kind: NodeKind::Combine,
        args: Params::variadic(&[PRED], PRED),
        props: &[
            prop("as", Params::variadic(&[STR], STR)),
            prop_d("delimiter", Params::exact(&[STR]), "."),
            field("tolerance", &[DUR]),
            prop_d("max", Params::exact(&[INT]), "1000000"),
        ],
        wants: Wants::Same,
        provides: Provides::Stream,
        chains: Chains::All,
        validate: Some(validate_combine),
        doc: "emits combinations of points of one group matching the lambdas",
    },
    NodeSpec {
        kind: NodeKind::Flatten,
        args: Params::NONE,
        props: &[
            prop("on", Params::variadic(&[], STR)),
            prop_d("delimiter", Params::exact(&[STR]), "."),
            field("tolerance", &[DUR]),
            prop("dropOriginalFieldName", Params::optional(&[BOOL], 0)),
        ],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: None,
        doc: "flattens points sharing a time into one point",
    },
    NodeSpec {
        kind: NodeKind::Barrier,
        args: Params::NONE,
        props: &[
            field("idle", &[DUR]),
            field("period", &[DUR]),
            field("delete", &[BOOL]),
        ],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: Some(validate_barrier),
        doc: "emits barriers on idle time or on a period",
    },
];

/// `as` names: one per item, unique, non-empty, without the delimiter.
fn check_as_names(node: &Node, expected: usize, what: &str, out: &mut Vec<Diagnostic>) {
    let names = node.strings("as");
    let span = prop_span(node, "as");
    if node.prop("as").is_none() {
        out.push(
            err(
                Code::MissingRequired,
                node.span,
                format!("a call to .as() is required to name the {what}"),
            )
            .with_note(format!("add `.as(...)` with {expected} name(s)")),
        );
        return;
    }
    if names.len() != expected {
        out.push(err(
            Code::CountMismatch,
            span,
            format!(
                "number of {what} ({expected}) does not match number of names ({})",
                names.len()
            ),
        ));
    }
    let delim = node.string("delimiter").unwrap_or(".");
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            out.push(err(
                Code::InvalidName,
                span,
                "must provide a prefix name, got ''",
            ));
        } else if !delim.is_empty() && n.contains(delim) {
            out.push(err(
                Code::InvalidName,
                span,
                format!(
                    "cannot use name {n} as field prefix, it contains the delimiter \"{delim}\""
                ),
            ));
        }
        if names[..i].contains(n) {
            out.push(err(
                Code::InvalidName,
                span,
                format!("cannot use the same name \"{n}\" twice"),
            ));
        }
    }
}

fn validate_join(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    check_as_names(node, node.parents.len(), "parents", out);
    if let Some(p) = node.prop("fill") {
        if let Some(s) = p.arg(0).and_then(crate::ir::Arg::as_str) {
            if !matches!(s, "null" | "none") {
                out.push(
                    err(
                        Code::InvalidValue,
                        p.span,
                        format!("unexpected fill option {s}"),
                    )
                    .with_note("join fill takes 'null', 'none', an int or a float"),
                );
            }
        }
    }
}

fn validate_combine(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    check_as_names(node, node.args.len(), "expressions", out);
    if node.int("max").is_some_and(|m| m <= 0) {
        out.push(err(
            Code::InvalidValue,
            prop_span(node, "max"),
            "max must be greater than zero",
        ));
    }
}

fn validate_barrier(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    let idle = node.duration("idle").unwrap_or(0);
    let period = node.duration("period").unwrap_or(0);
    if idle > 0 && period > 0 {
        out.push(err(
            Code::Conflicting,
            prop_span(node, "period"),
            "cannot set both idle and period on a barrier",
        ));
    } else if idle <= 0 && period <= 0 {
        out.push(
            err(
                Code::MissingRequired,
                node.span,
                "barrier requires either an idle or a period greater than zero",
            )
            .with_note("add `.idle(1m)` or `.period(1m)`"),
        );
    }
}
