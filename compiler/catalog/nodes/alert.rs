//! `alert()` (§4.4). Its handlers (`.slack()`, `.log(path)`, …) and their own
//! properties are in `catalog/handlers.rs`.

use super::*;

pub static SPECS: &[NodeSpec] = &[NodeSpec {
    kind: NodeKind::Alert,
    args: Params::NONE,
    props: ALERT_PROPS,
    wants: Wants::Same,
    provides: Provides::Same,
    chains: Chains::All,
    validate: Some(validate_alert),
    doc: "raises events on level predicates and sends them to handlers",
}];

/// The level predicate properties, lowest level first.
pub const LEVELS: &[&str] = &["info", "warn", "crit"];

pub static ALERT_PROPS: &[PropSpec] = &[
    prop_d("id", Params::exact(&[STR]), "{{ .Name }}:{{ .Group }}"),
    prop_d(
        "message",
        Params::exact(&[STR]),
        "{{ .ID }} is {{ .Level }}",
    ),
    prop_d("details", Params::exact(&[STR]), "{{ json . }}"),
    field("info", &[PRED]),
    field("warn", &[PRED]),
    field("crit", &[PRED]),
    field("infoReset", &[PRED]),
    field("warnReset", &[PRED]),
    field("critReset", &[PRED]),
    prop_d("history", Params::exact(&[INT]), "21"),
    prop("flapping", Params::exact(&[FLOAT, FLOAT])),
    prop("stateChangesOnly", Params::optional(&[DUR], 0)),
    flag("noRecoveries"),
    flag("all"),
    field("levelTag", &[STR]),
    field("levelField", &[STR]),
    field("idTag", &[STR]),
    field("idField", &[STR]),
    field("messageField", &[STR]),
    field("durationField", &[STR]),
    prop_acc("inhibit", Params::variadic(&[STR], STR)),
    field("category", &[STR]),
    field("topic", &[STR]),
];

fn validate_alert(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    if let Some(p) = node.prop("flapping") {
        let low = p.arg(0).and_then(crate::ir::Arg::as_float);
        let high = p.arg(1).and_then(crate::ir::Arg::as_float);
        if let (Some(low), Some(high)) = (low, high) {
            if low > 1.0 || high > 1.0 {
                out.push(err(
                    Code::InvalidValue,
                    p.span,
                    "alert flapping thresholds must be less than or equal to 1",
                ));
            } else if low < 0.0 || high < 0.0 {
                out.push(err(
                    Code::InvalidValue,
                    p.span,
                    "alert flapping thresholds must not be negative",
                ));
            } else if low > high {
                out.push(err(
                    Code::InvalidValue,
                    p.span,
                    "alert flapping low threshold must be less than the high threshold",
                ));
            }
        }
    }
    // `json` exists only in the details template (an html/template with
    // extra functions); the id and message templates fail to parse it.
    for name in ["id", "message"] {
        if let Some(t) = node.string(name) {
            if template_calls(t, "json") || template_calls(t, "jsonCompact") {
                out.push(
                    err(
                        Code::InvalidValue,
                        prop_span(node, name),
                        format!("template: {name}: function \"json\" not defined"),
                    )
                    .with_note("`json` is only available in `.details(...)`"),
                );
            }
        }
    }
    if node.int("history").is_some_and(|h| h < 0) {
        out.push(err(
            Code::InvalidValue,
            prop_span(node, "history"),
            "alert history must not be negative",
        ));
    }
    for h in &node.handlers {
        if h.kind == crate::catalog::HandlerKind::Log {
            if let Some(path) = h.args.first().and_then(crate::ir::Arg::as_str) {
                if !path.starts_with('/') {
                    out.push(err(
                        Code::InvalidValue,
                        h.span,
                        format!("alert log path must be absolute: {path} is not absolute"),
                    ));
                }
            }
        }
        if h.kind == crate::catalog::HandlerKind::SnmpTrap {
            for p in h.props.iter().filter(|p| p.name == "data") {
                if let Some(t) = p.arg(1).and_then(crate::ir::Arg::as_str) {
                    if !matches!(t, "c" | "i" | "n" | "s" | "t") {
                        out.push(
                            err(
                                Code::InvalidValue,
                                p.span,
                                format!("unsupported SNMP trap data type {t}"),
                            )
                            .with_note("the types are 'c', 'i', 'n', 's' and 't'"),
                        );
                    }
                }
            }
        }
    }
}

/// Whether a Go template calls `func` inside an action (`{{ json . }}`,
/// `{{ . | json }}`).
fn template_calls(t: &str, func: &str) -> bool {
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let end = after.find("}}").unwrap_or(after.len());
        let action = &after[..end];
        if action
            .split(|c: char| c.is_whitespace() || c == '|' || c == '(' || c == ')' || c == '-')
            .any(|w| w == func)
        {
            return true;
        }
        rest = &after[end..];
    }
    false
}
