//! Filters, windowing and per-point transforms (§4.1, §4.2): `where`, `eval`,
//! `groupBy`, `window`, `trickle`, `default`, `delete`, `shift`, `sample`,
//! `derivative`, `changeDetect`, `stateDuration`, `stateCount`, `sideload`, `log`.

use super::*;
use crate::ir::Arg;

const fn same(
    kind: NodeKind,
    args: Params,
    props: &'static [PropSpec],
    validate: Option<Validate>,
    doc: &'static str,
) -> NodeSpec {
    NodeSpec {
        kind,
        args,
        props,
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate,
        doc,
    }
}

pub static SPECS: &[NodeSpec] = &[
    same(
        NodeKind::Where,
        Params::exact(&[PRED]),
        &[],
        None,
        "keeps the points for which the predicate is true",
    ),
    same(
        NodeKind::Eval,
        // `Eval(expressions ...*ast.LambdaNode)`: none is valid, the
        // documented way to `.keep()` fields.
        Params::variadic(&[], LAMBDA),
        &[
            prop("as", Params::variadic(&[STR], STR)),
            prop("tags", Params::variadic(&[STR], STR)),
            prop("keep", Params::variadic(&[], STR)),
        ],
        Some(validate_eval),
        "evaluates lambdas into new fields",
    ),
    same(
        NodeKind::GroupBy,
        Params::variadic(&[], STR_OR_STAR),
        &[
            flag("byMeasurement"),
            prop("exclude", Params::variadic(&[STR], STR)),
        ],
        Some(validate_group_by),
        "groups points by tag values",
    ),
    NodeSpec {
        kind: NodeKind::Window,
        args: Params::NONE,
        props: &[
            field("period", &[DUR]),
            prop_d("every", Params::exact(&[DUR]), "0s"),
            flag("align"),
            flag("fillPeriod"),
            field("periodCount", &[INT]),
            field("everyCount", &[INT]),
        ],
        wants: Wants::Stream,
        provides: Provides::Batch,
        chains: Chains::All,
        validate: Some(validate_window),
        doc: "buffers a stream into batches by time or by count",
    },
    NodeSpec {
        kind: NodeKind::Trickle,
        args: Params::NONE,
        props: &[],
        wants: Wants::Batch,
        provides: Provides::Stream,
        chains: Chains::All,
        validate: None,
        doc: "turns each batch point into a stream point",
    },
    same(
        NodeKind::Default,
        Params::NONE,
        &[
            prop_acc("field", Params::exact(&[STR, VALUE])),
            prop_acc("tag", Params::exact(&[STR, STR])),
        ],
        None,
        "fills absent fields and tags with defaults",
    ),
    same(
        NodeKind::Delete,
        Params::NONE,
        &[
            prop_acc("field", Params::exact(&[STR])),
            prop_acc("tag", Params::exact(&[STR])),
        ],
        None,
        "deletes fields and tags",
    ),
    same(
        NodeKind::Shift,
        Params::exact(&[DUR]),
        &[],
        None,
        "shifts point and batch times",
    ),
    same(
        NodeKind::Sample,
        Params::exact(&[&[P::Int, P::Duration]]),
        &[],
        Some(validate_sample),
        "keeps every n-th point, or the points on multiples of a duration",
    ),
    same(
        NodeKind::Derivative,
        Params::exact(&[STR]),
        &[
            prop_d("as", Params::exact(&[STR]), "the field name"),
            prop_d("unit", Params::exact(&[DUR]), "1s"),
            flag("nonNegative"),
        ],
        None,
        "computes the rate of change of a field",
    ),
    same(
        NodeKind::ChangeDetect,
        // `ChangeDetect(fields ...string)`: Kapacitor accepts none (such a
        // node compares no field, so it never emits).
        Params::variadic(&[], STR),
        &[],
        None,
        "emits a point when one of the fields changes",
    ),
    same(
        NodeKind::StateDuration,
        Params::exact(&[PRED]),
        &[
            prop_d("as", Params::exact(&[STR]), "state_duration"),
            prop_d("unit", Params::exact(&[DUR]), "1s"),
        ],
        None,
        "how long the predicate has been true",
    ),
    same(
        NodeKind::StateCount,
        Params::exact(&[PRED]),
        &[prop_d("as", Params::exact(&[STR]), "state_count")],
        None,
        "how many consecutive points the predicate has been true",
    ),
    same(
        NodeKind::Sideload,
        Params::NONE,
        &[
            field("source", &[STR]),
            prop("order", Params::variadic(&[], STR)),
            prop_acc("field", Params::exact(&[STR, VALUE])),
            prop_acc("tag", Params::exact(&[STR, STR])),
        ],
        None,
        "adds fields and tags loaded from files or HTTP",
    ),
    same(
        NodeKind::Log,
        Params::NONE,
        &[
            prop_d("level", Params::exact(&[STR]), "INFO"),
            field("prefix", &[STR]),
        ],
        Some(validate_log),
        "logs every message passing through",
    ),
];

fn validate_eval(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    let names = node.strings("as");
    if names.len() != node.args.len() {
        out.push(
            err(
                Code::CountMismatch,
                prop_span(node, "as"),
                "must specify same number of expressions and .as() names",
            )
            .with_note(format!(
                "{} expression(s) and {} name(s)",
                node.args.len(),
                names.len()
            )),
        );
    }
    for t in node.strings("tags") {
        if !names.contains(&t) {
            out.push(err(
                Code::InvalidName,
                prop_span(node, "tags"),
                format!("tag '{t}' is not one of the .as() names"),
            ));
        }
    }
}

fn validate_group_by(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    super::sources::check_dims(&node.args, node.span, out);
    if node.prop("exclude").is_some() && !node.args.iter().any(|a| matches!(a, Arg::Star)) {
        out.push(
            err(
                Code::MissingRequired,
                prop_span(node, "exclude"),
                "exclude requires '*'",
            )
            .with_note("write `|groupBy(*).exclude(...)`"),
        );
    }
}

fn validate_window(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    let period = node.duration("period");
    let period_count = node.int("periodCount");
    let every_count = node.int("everyCount");
    if period.is_some() && period_count.is_some() {
        out.push(
            err(
                Code::Conflicting,
                prop_span(node, "periodCount"),
                "can only use one of period or periodCount",
            )
            .with_secondary(prop_span(node, "period"), "period is set here"),
        );
    }
    if node.duration("every").is_some() && every_count.is_some() {
        out.push(err(
            Code::Conflicting,
            prop_span(node, "everyCount"),
            "can only use one of every or everyCount",
        ));
    }
    if node.prop("align").is_some() && (period_count.is_some() || every_count.is_some()) {
        out.push(err(
            Code::Conflicting,
            prop_span(node, "align"),
            "can only align windows based off time, not count",
        ));
    }
    if period_count.is_some() && every_count.unwrap_or(0) <= 0 {
        out.push(err(
            Code::MissingRequired,
            prop_span(node, "periodCount"),
            "everyCount must be greater than zero",
        ));
    }
    if period.unwrap_or(0) == 0 && period_count.unwrap_or(0) == 0 {
        out.push(
            err(
                Code::MissingRequired,
                node.span,
                "window node must have either a non zero period or non zero period count",
            )
            .with_note("add `.period(1m)` (and usually `.every(1m)`)"),
        );
    }
    for name in ["period", "every"] {
        if node.duration(name).is_some_and(|d| d < 0) {
            out.push(err(
                Code::InvalidValue,
                prop_span(node, name),
                format!("window {name} must not be negative"),
            ));
        }
    }
    for name in ["periodCount", "everyCount"] {
        if node.int(name).is_some_and(|d| d < 0) {
            out.push(err(
                Code::InvalidValue,
                prop_span(node, name),
                format!("window {name} must not be negative"),
            ));
        }
    }
}

fn validate_sample(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    match node.args.first() {
        Some(Arg::Int(n)) if *n <= 0 => out.push(err(
            Code::InvalidValue,
            node.span,
            "sample count must be greater than zero",
        )),
        Some(Arg::Duration(d)) if *d <= 0 => out.push(err(
            Code::InvalidValue,
            node.span,
            "sample duration must be greater than zero",
        )),
        _ => {}
    }
}

fn validate_log(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    if let Some(level) = node.string("level") {
        if !matches!(
            level.to_ascii_uppercase().as_str(),
            "DEBUG" | "INFO" | "WARN" | "ERROR"
        ) {
            out.push(
                err(
                    Code::InvalidValue,
                    prop_span(node, "level"),
                    format!("invalid log level {level}"),
                )
                .with_note("the levels are 'DEBUG', 'INFO', 'WARN' and 'ERROR'"),
            );
        }
    }
}
