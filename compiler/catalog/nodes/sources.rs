//! Roots and sources (§4.1): `stream`, `batch`, `from`, `query`, `queryFlux`.

use super::*;
use crate::ir::Arg;

pub static SPECS: &[NodeSpec] = &[
    NodeSpec {
        kind: NodeKind::Stream,
        args: Params::NONE,
        props: &[],
        wants: Wants::Nothing,
        provides: Provides::Stream,
        chains: Chains::StreamRoot,
        validate: None,
        doc: "the root of a stream task",
    },
    NodeSpec {
        kind: NodeKind::Batch,
        args: Params::NONE,
        props: &[],
        wants: Wants::Nothing,
        provides: Provides::Batch,
        chains: Chains::BatchRoot,
        validate: None,
        doc: "the root of a batch task",
    },
    NodeSpec {
        kind: NodeKind::From,
        args: Params::NONE,
        props: &[
            field("database", &[STR]),
            field("retentionPolicy", &[STR]),
            prop_d("measurement", Params::exact(&[STR]), "'' (any)"),
            prop_acc("where", Params::exact(&[PRED])),
            prop("groupBy", Params::variadic(&[], STR_OR_STAR)),
            flag("groupByMeasurement"),
            field("truncate", &[DUR]),
            field("round", &[DUR]),
        ],
        wants: Wants::Stream,
        provides: Provides::Stream,
        chains: Chains::AllAndFrom,
        validate: Some(validate_from),
        doc: "selects points of a stream by database, retention policy and measurement",
    },
    NodeSpec {
        kind: NodeKind::Query,
        args: Params::exact(&[STR]),
        props: &[
            field("period", &[DUR]),
            field("every", &[DUR]),
            field("cron", &[STR]),
            field("offset", &[DUR]),
            flag("align"),
            flag("alignGroup"),
            prop(
                "groupBy",
                Params::variadic(&[], &[P::String, P::Star, P::Duration, P::TimeDim]),
            ),
            flag("groupByMeasurement"),
            prop_d(
                "fill",
                Params::exact(&[&[P::String, P::Int, P::Float]]),
                "none",
            ),
            field("cluster", &[STR]),
        ],
        wants: Wants::Batch,
        provides: Provides::Batch,
        chains: Chains::All,
        validate: Some(validate_query),
        doc: "runs an InfluxQL query on a schedule",
    },
    NodeSpec {
        kind: NodeKind::QueryFlux,
        args: Params::exact(&[STR]),
        props: &[
            field("period", &[DUR]),
            field("every", &[DUR]),
            field("cron", &[STR]),
            field("offset", &[DUR]),
            flag("align"),
            field("cluster", &[STR]),
            field("org", &[STR]),
            field("orgID", &[STR]),
        ],
        wants: Wants::Batch,
        provides: Provides::Batch,
        chains: Chains::All,
        validate: Some(validate_query_schedule),
        doc: "runs a Flux query on a schedule",
    },
];

fn validate_from(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    validate_group_by_dims(node, "groupBy", out);
}

/// `groupBy` dims: not both `*` and named dimensions, no empty name.
pub(crate) fn validate_group_by_dims(node: &Node, prop: &str, out: &mut Vec<Diagnostic>) {
    let Some(p) = node.prop(prop) else { return };
    check_dims(&p.args, p.span, out);
}

pub(crate) fn check_dims(args: &[Arg], span: Span, out: &mut Vec<Diagnostic>) {
    let star = args.iter().any(|a| matches!(a, Arg::Star));
    let named = args.iter().any(|a| matches!(a, Arg::String(_)));
    if star && named {
        out.push(err(
            Code::Conflicting,
            span,
            "cannot group by both '*' and named dimensions.",
        ));
    }
    if args.iter().any(|a| a.as_str() == Some("")) {
        out.push(err(
            Code::InvalidName,
            span,
            "dimensions must not be empty strings",
        ));
    }
}

fn validate_query(node: &Node, pipeline: &Pipeline, out: &mut Vec<Diagnostic>) {
    validate_query_schedule(node, pipeline, out);
    // An empty query is a template's zero value (`var q string`): filled later.
    if let Some(q) = node
        .args
        .first()
        .and_then(Arg::as_str)
        .filter(|q| !q.is_empty())
    {
        let head = q.trim_start();
        if !head
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("select"))
        {
            out.push(
                err(Code::InvalidValue, node.span, "query must be a SELECT statement")
                    .with_note("e.g. `|query('SELECT mean(usage_idle) FROM \"telegraf\".\"autogen\".\"cpu\"')`"),
            );
        }
    }
    if let Some(p) = node.prop("groupBy") {
        check_dims(&p.args, p.span, out);
        let times = p
            .args
            .iter()
            .filter(|a| matches!(a, Arg::Duration(_) | Arg::TimeDimension { .. }))
            .count();
        if times > 1 {
            out.push(err(
                Code::Conflicting,
                p.span,
                "groupBy can have at most one time dimension",
            ));
        }
    }
    if let Some(p) = node.prop("fill") {
        if let Some(s) = p.arg(0).and_then(Arg::as_str) {
            if !matches!(s, "null" | "none" | "previous" | "linear") {
                out.push(
                    err(
                        Code::InvalidValue,
                        p.span,
                        format!("unexpected fill option {s}"),
                    )
                    .with_note(
                        "fill takes 'null', 'none', 'previous', 'linear', an int or a float",
                    ),
                );
            }
        }
    }
}

/// Exactly one of `every` > 0 or `cron`; no negative every/period.
fn validate_query_schedule(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    let every = node.duration("every");
    let cron = node.string("cron");
    match (every, cron) {
        (Some(e), Some(_)) if e != 0 => out.push(
            err(
                Code::Conflicting,
                prop_span(node, "cron"),
                "must not set both 'every' and 'cron'",
            )
            .with_secondary(prop_span(node, "every"), "every is set here"),
        ),
        (None | Some(0), None) => out.push(
            err(
                Code::MissingRequired,
                node.span,
                "must define one of 'every' or 'cron'",
            )
            .with_note("add `.every(1m)` (or a `.cron('...')` schedule)"),
        ),
        _ => {}
    }
    for name in ["every", "period"] {
        if node.duration(name).is_some_and(|d| d < 0) {
            out.push(err(
                Code::InvalidValue,
                prop_span(node, name),
                format!("'{name}' must not be negative"),
            ));
        }
    }
}
