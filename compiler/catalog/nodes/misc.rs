//! `stats`, `noop`, autoscale nodes and UDFs (§4.0, §4.2). Autoscale nodes
//! and UDFs are checked by signature only.

use super::*;

const fn autoscale(kind: NodeKind, props: &'static [PropSpec], doc: &'static str) -> NodeSpec {
    NodeSpec {
        kind,
        args: Params::NONE,
        props,
        wants: Wants::Same,
        provides: Provides::Stream,
        chains: Chains::All,
        validate: Some(validate_autoscale),
        doc,
    }
}

pub static SPECS: &[NodeSpec] = &[
    NodeSpec {
        kind: NodeKind::Stats,
        args: Params::exact(&[DUR]),
        props: &[flag("align")],
        wants: Wants::Nothing,
        provides: Provides::Stream,
        chains: Chains::All,
        validate: Some(validate_stats),
        doc: "emits the number of points its source node emitted, per group",
    },
    NodeSpec {
        kind: NodeKind::NoOp,
        args: Params::NONE,
        props: &[],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: None,
        doc: "does nothing (added under a stats source with no children)",
    },
    autoscale(
        NodeKind::K8sAutoscale,
        &[
            field("cluster", &[STR]),
            field("namespace", &[STR]),
            prop_d("kind", Params::exact(&[STR]), "deployments"),
            field("resourceName", &[STR]),
            field("resourceNameTag", &[STR]),
            field("currentField", &[STR]),
            prop_d("min", Params::exact(&[INT]), "1"),
            prop_d("max", Params::exact(&[INT]), "0"),
            field("replicas", &[LAMBDA]),
            field("increaseCooldown", &[DUR]),
            field("decreaseCooldown", &[DUR]),
            prop_d("namespaceTag", Params::exact(&[STR]), "namespace"),
            prop_d("kindTag", Params::exact(&[STR]), "kind"),
            prop_d("resourceTag", Params::exact(&[STR]), "resource"),
        ],
        "scales a Kubernetes resource",
    ),
    autoscale(
        NodeKind::SwarmAutoscale,
        &[
            field("cluster", &[STR]),
            field("serviceName", &[STR]),
            field("serviceNameTag", &[STR]),
            field("outputServiceNameTag", &[STR]),
            field("currentField", &[STR]),
            prop_d("min", Params::exact(&[INT]), "1"),
            prop_d("max", Params::exact(&[INT]), "0"),
            field("replicas", &[LAMBDA]),
            field("increaseCooldown", &[DUR]),
            field("decreaseCooldown", &[DUR]),
        ],
        "scales a Docker Swarm service",
    ),
    autoscale(
        NodeKind::Ec2Autoscale,
        &[
            field("cluster", &[STR]),
            field("groupName", &[STR]),
            field("groupNameTag", &[STR]),
            field("outputGroupNameTag", &[STR]),
            field("currentField", &[STR]),
            prop_d("min", Params::exact(&[INT]), "1"),
            prop_d("max", Params::exact(&[INT]), "0"),
            field("replicas", &[LAMBDA]),
            field("increaseCooldown", &[DUR]),
            field("decreaseCooldown", &[DUR]),
        ],
        "scales an AWS EC2 autoscaling group",
    ),
    NodeSpec {
        kind: NodeKind::Udf,
        args: Params::variadic(&[], &[P::Int, P::Float, P::String, P::Bool, P::Duration]),
        props: &[],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: None,
        doc: "a user-defined function (checked by signature only)",
    },
];

fn validate_stats(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    if node
        .args
        .first()
        .and_then(crate::ir::Arg::as_duration)
        .is_some_and(|d| d <= 0)
    {
        out.push(err(
            Code::InvalidValue,
            node.span,
            "stats interval must be greater than zero",
        ));
    }
}

fn validate_autoscale(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    if node.prop("replicas").is_none() {
        out.push(
            err(
                Code::MissingRequired,
                node.span,
                "must provide a replicas lambda",
            )
            .with_note("add `.replicas(lambda: ...)`"),
        );
    }
    for (a, b) in [
        ("resourceName", "resourceNameTag"),
        ("serviceName", "serviceNameTag"),
        ("groupName", "groupNameTag"),
    ] {
        if node.prop(a).is_some() && node.prop(b).is_some() {
            out.push(err(
                Code::Conflicting,
                prop_span(node, b),
                format!("must not set both {a} and {b}"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (node.int("min"), node.int("max")) {
        if max > 0 && min > max {
            out.push(err(
                Code::InvalidValue,
                prop_span(node, "min"),
                format!("min ({min}) must not be greater than max ({max})"),
            ));
        }
    }
}
