//! Outputs (§4.2): `httpOut`, `httpPost`, `influxDBOut`, `kapacitorLoopback`.

use super::*;

pub static SPECS: &[NodeSpec] = &[
    NodeSpec {
        kind: NodeKind::HttpOut,
        args: Params::exact(&[STR]),
        props: &[],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: None,
        doc: "serves the latest point or batch of each group over HTTP",
    },
    NodeSpec {
        kind: NodeKind::HttpPost,
        args: Params::optional(&[STR], 0),
        props: &[
            field("endpoint", &[STR]),
            prop_acc("header", Params::exact(&[STR, STR])),
            field("codeField", &[STR]),
            flag("captureResponse"),
            field("timeout", &[DUR]),
        ],
        wants: Wants::Same,
        provides: Provides::Same,
        chains: Chains::All,
        validate: Some(validate_http_post),
        doc: "POSTs each point or batch as JSON",
    },
    NodeSpec {
        kind: NodeKind::InfluxDbOut,
        args: Params::NONE,
        props: &[
            field("cluster", &[STR]),
            field("database", &[STR]),
            field("retentionPolicy", &[STR]),
            prop_d("measurement", Params::exact(&[STR]), "the point's name"),
            field("writeConsistency", &[STR]),
            field("precision", &[STR]),
            prop_d("buffer", Params::exact(&[INT]), "1000"),
            prop_d("flushInterval", Params::exact(&[DUR]), "10s"),
            prop_acc("tag", Params::exact(&[STR, STR])),
            flag("create"),
        ],
        wants: Wants::Same,
        provides: Provides::None,
        chains: Chains::Terminal,
        validate: None,
        doc: "writes points to InfluxDB",
    },
    NodeSpec {
        kind: NodeKind::KapacitorLoopback,
        args: Params::NONE,
        props: &[
            field("database", &[STR]),
            field("retentionPolicy", &[STR]),
            field("measurement", &[STR]),
            prop_acc("tag", Params::exact(&[STR, STR])),
        ],
        wants: Wants::Same,
        provides: Provides::None,
        chains: Chains::Terminal,
        validate: Some(validate_loopback),
        doc: "writes points back into Kapacitor",
    },
];

fn validate_http_post(node: &Node, _: &Pipeline, out: &mut Vec<Diagnostic>) {
    let url = !node.args.is_empty();
    let endpoint = node.prop("endpoint").is_some();
    if url && endpoint {
        out.push(err(
            Code::Conflicting,
            prop_span(node, "endpoint"),
            "only one endpoint and url can be specified",
        ));
    } else if !url && !endpoint {
        out.push(
            err(
                Code::MissingRequired,
                node.span,
                "must provide a url or an endpoint",
            )
            .with_note("write `|httpPost('http://...')` or `.endpoint('name')`"),
        );
    }
    for p in node.props_named("header") {
        if p.arg(0).and_then(crate::ir::Arg::as_str) == Some("Authenticate") {
            out.push(err(
                Code::InvalidValue,
                p.span,
                "cannot set 'Authenticate' header",
            ));
        }
    }
}

fn validate_loopback(node: &Node, pipeline: &Pipeline, out: &mut Vec<Diagnostic>) {
    if let (Some(db), Some(rp)) = (node.string("database"), node.string("retentionPolicy")) {
        if pipeline.dbrps.iter().any(|d| d.db == db && d.rp == rp) {
            out.push(
                err(
                    Code::InvalidValue,
                    node.span,
                    format!("loop detected on dbrp: \"{db}\".\"{rp}\""),
                )
                .with_note(
                    "the task reads this database and retention policy: writing back into it loops",
                ),
            );
        }
    }
    for name in ["database", "retentionPolicy"] {
        if node.string(name).is_none_or(str::is_empty) {
            out.push(err(
                Code::MissingRequired,
                node.span,
                format!("must specify a {name}"),
            ));
        }
    }
}
