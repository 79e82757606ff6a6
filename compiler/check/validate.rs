//! Pipeline validation after evaluation: edge types between every parent and
//! child (§2.2), then each node's own rules from the catalog (§4).

use super::Checker;
use crate::catalog::nodes;
use crate::catalog::{EdgeType, NodeKind};
use crate::diagnostic::{Code, Diagnostic};

pub(crate) fn validate(cx: &mut Checker<'_>) {
    let nodes = &cx.pipeline.nodes;
    for n in nodes {
        for &p in &n.parents {
            let parent = &nodes[p as usize];
            if parent.provides == EdgeType::None && n.wants != EdgeType::None {
                cx.diags.push(
                    Diagnostic::error(Code::NoEdge, "cannot add child no edge expected")
                        .with_primary(n.span, format!("{} cannot have children", parent.name))
                        .with_note(format!(
                            "`{}` is terminal: it provides no edge",
                            parent.kind.method()
                        )),
                );
            } else if n.wants != EdgeType::None && n.wants != parent.provides {
                let mut d = Diagnostic::error(
                    Code::EdgeMismatch,
                    format!(
                        "cannot add child mismatched edges: {}:{} -> {}:{}",
                        parent.name,
                        parent.provides.name(),
                        n.name,
                        n.wants.name()
                    ),
                )
                .with_primary(n.span, format!("wants a {} edge", n.wants.name()));
                d = match n.kind {
                    NodeKind::Window => d.with_note(
                        "cannot Window batch edge: `window` turns a stream into batches",
                    ),
                    NodeKind::Trickle => d.with_note(
                        "cannot Trickle stream edge: `trickle` turns batches into a stream",
                    ),
                    _ => d,
                };
                cx.diags.push(d);
            }
        }
        if cx.poisoned.contains(&n.id) || cx.templated.contains(&n.id) {
            continue;
        }
        if let Some(rule) = nodes::spec(n.kind).validate {
            rule(n, &cx.pipeline, &mut cx.diags);
        }
    }
}
