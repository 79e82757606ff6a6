//! Completion: chain methods after `|` for the node at hand, properties
//! (and handlers, on an alert) after `.`, handler properties after a handler,
//! builtins, field references and vars inside lambdas, vars and roots
//! elsewhere.

use super::context::{self, Target};
use compiler::catalog::builtins::BUILTINS;
use compiler::catalog::docs;
use compiler::catalog::nodes::{self, Chains, PropSpec};
use compiler::catalog::{handlers, EdgeType, HandlerKind, NodeKind};
use compiler::lexer::Token;
use lsp_types::{CompletionItem, CompletionItemKind};
use std::collections::BTreeSet;

/// Completions at `offset` of `source`; `others` are the other open
/// documents, whose `dbrp` statements are offered after `dbrp`.
pub fn complete(source: &str, offset: usize, others: &[&str]) -> Vec<CompletionItem> {
    let toks = context::tokens(source);
    let mut n = context::before(&toks, offset);
    // An identifier being typed is the prefix, not the context.
    if n > 0 && matches!(toks[n - 1].token, Token::Ident(_)) && toks[n - 1].end == offset {
        n -= 1;
    }
    let op = n.checked_sub(1).map(|i| &toks[i].token);
    match op {
        Some(Token::Dbrp) => dbrp_items(&toks, others),
        Some(Token::Pipe) => match context::target_before(&toks, n - 1) {
            Target::Node(kind) => chain_methods(kind, context::edge_before(&toks, n - 1)),
            _ => Vec::new(),
        },
        Some(Token::Dot) if !context::in_lambda(&toks, n - 1) => {
            match context::target_before(&toks, n - 1) {
                Target::Node(kind) => node_properties(kind),
                Target::Handler(h) => handler_properties(h),
                Target::Unknown => Vec::new(),
            }
        }
        _ if context::in_lambda(&toks, n) => lambda_items(&toks),
        _ => top_level_items(&toks),
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: String) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        ..Default::default()
    }
}

/// The chain methods (`|x()`) of a node kind, by its catalog `chains`.
pub fn chain_kinds(kind: NodeKind) -> Vec<NodeKind> {
    let spec = nodes::spec(kind);
    let mut kinds: Vec<NodeKind> = match spec.chains {
        Chains::StreamRoot => vec![NodeKind::From],
        Chains::BatchRoot => vec![NodeKind::Query, NodeKind::QueryFlux],
        Chains::All => nodes::GENERAL_CHAINS.to_vec(),
        Chains::AllAndFrom => {
            let mut k = vec![NodeKind::From];
            k.extend_from_slice(nodes::GENERAL_CHAINS);
            k
        }
        Chains::Terminal => Vec::new(),
    };
    // Every node can chain `stats`; `deadman` is an alert built by the checker.
    kinds.push(NodeKind::Stats);
    kinds
}

/// The chain methods of the node at hand; `window` needs a stream edge and
/// `trickle` a batch edge (§4.0), when the edge is known.
fn chain_methods(kind: NodeKind, edge: Option<EdgeType>) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = chain_kinds(kind)
        .into_iter()
        .filter(|k| match (k, edge) {
            (NodeKind::Window, Some(e)) => e == EdgeType::Stream,
            (NodeKind::Trickle, Some(e)) => e == EdgeType::Batch,
            _ => true,
        })
        .map(|k| {
            let spec = nodes::spec(k);
            let mut it = item(
                k.method(),
                CompletionItemKind::CLASS,
                format!("{}{}", k.method(), spec.args.describe()),
            );
            it.documentation = (!spec.doc.is_empty())
                .then(|| lsp_types::Documentation::String(spec.doc.to_string()));
            it
        })
        .collect();
    items.push(item(
        "deadman",
        CompletionItemKind::CLASS,
        "deadman(float, duration[, lambda...])".into(),
    ));
    items
}

/// A property of the node or handler whose method is `owner`, with its
/// one-line description from the catalog.
fn prop_item(owner: &str, p: &PropSpec) -> CompletionItem {
    let mut detail = format!(".{}{}", p.name, p.params.describe());
    if !p.default.is_empty() {
        detail.push_str(&format!(" (default {})", p.default));
    }
    let mut it = item(p.name, CompletionItemKind::PROPERTY, detail);
    it.documentation =
        docs::property(owner, p.name).map(|d| lsp_types::Documentation::String(d.to_string()));
    it
}

fn node_properties(kind: NodeKind) -> Vec<CompletionItem> {
    let spec = nodes::spec(kind);
    let mut items: Vec<CompletionItem> = spec
        .props
        .iter()
        .chain(nodes::COMMON_PROPS)
        .map(|p| prop_item(kind.method(), p))
        .collect();
    if kind == NodeKind::Alert {
        items.extend(HandlerKind::ALL.iter().map(|h| {
            let s = handlers::spec(*h);
            item(
                h.method(),
                CompletionItemKind::METHOD,
                format!(".{}{} (handler)", h.method(), s.args.describe()),
            )
        }));
    }
    items
}

/// A handler's own properties, then the alert properties it shadows none of.
fn handler_properties(h: HandlerKind) -> Vec<CompletionItem> {
    let own = handlers::spec(h).props;
    let mut items: Vec<CompletionItem> = own.iter().map(|p| prop_item(h.method(), p)).collect();
    let alert = nodes::spec(NodeKind::Alert);
    items.extend(
        alert
            .props
            .iter()
            .filter(|p| !own.iter().any(|o| o.name == p.name))
            .map(|p| prop_item("alert", p)),
    );
    items
}

fn lambda_items(toks: &[context::Tok<'_>]) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = BUILTINS
        .iter()
        .map(|b| {
            let sigs: Vec<String> = b
                .signatures
                .iter()
                .map(|s| super::hover::signature_text(b.name, s))
                .collect();
            let mut it = item(b.name, CompletionItemKind::FUNCTION, sigs.join(" | "));
            it.documentation = Some(lsp_types::Documentation::String(
                docs::builtin(b.builtin).to_string(),
            ));
            it
        })
        .collect();
    let fields: BTreeSet<&str> = toks
        .iter()
        .filter_map(|t| match t.token {
            Token::Reference(r) => Some(r),
            _ => None,
        })
        .collect();
    items.extend(fields.into_iter().map(|f| {
        let mut it = item(
            &format!("\"{f}\""),
            CompletionItemKind::FIELD,
            "field or tag".into(),
        );
        it.filter_text = Some(f.to_string());
        it
    }));
    items.extend(var_items(toks));
    items
}

/// The `"db"."rp"` pairs declared by `dbrp` statements in this script and
/// the other open ones: a task's dbrps are usually shared by its siblings.
fn dbrp_items(toks: &[context::Tok<'_>], others: &[&str]) -> Vec<CompletionItem> {
    let mut seen = BTreeSet::new();
    let mut collect = |toks: &[context::Tok<'_>]| {
        for w in toks.windows(4) {
            if let [Token::Dbrp, Token::Reference(db), Token::Dot, Token::Reference(rp)] =
                [&w[0].token, &w[1].token, &w[2].token, &w[3].token]
            {
                seen.insert(format!("\"{db}\".\"{rp}\""));
            }
        }
    };
    collect(toks);
    for text in others {
        collect(&context::tokens(text));
    }
    seen.into_iter()
        .map(|d| {
            item(
                &d,
                CompletionItemKind::VALUE,
                "database and retention policy".into(),
            )
        })
        .collect()
}

fn var_items(toks: &[context::Tok<'_>]) -> Vec<CompletionItem> {
    context::var_decls(toks)
        .into_iter()
        .map(|(name, _)| item(name, CompletionItemKind::VARIABLE, "var".into()))
        .collect()
}

fn top_level_items(toks: &[context::Tok<'_>]) -> Vec<CompletionItem> {
    let mut items = vec![
        item(
            "stream",
            CompletionItemKind::KEYWORD,
            "stream task root".into(),
        ),
        item(
            "batch",
            CompletionItemKind::KEYWORD,
            "batch task root".into(),
        ),
        item(
            "var",
            CompletionItemKind::KEYWORD,
            "var name = value".into(),
        ),
        item(
            "dbrp",
            CompletionItemKind::KEYWORD,
            "dbrp \"db\".\"rp\"".into(),
        ),
    ];
    items.extend(var_items(toks));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(src: &str) -> Vec<String> {
        complete(src, src.len(), &[])
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn after_pipe_on_stream_only_from() {
        assert_eq!(labels("stream\n    |"), ["from", "stats", "deadman"]);
        assert_eq!(
            labels("batch|qu"),
            ["query", "queryFlux", "stats", "deadman"]
        );
    }

    #[test]
    fn window_on_streams_trickle_on_batches() {
        let l = labels("stream|from()|");
        assert!(l.contains(&"window".to_string()) && !l.contains(&"trickle".to_string()));
        let l = labels("stream|from()|window()|");
        assert!(!l.contains(&"window".to_string()) && l.contains(&"trickle".to_string()));
    }

    #[test]
    fn after_dot_the_node_properties() {
        let l = labels("stream|from().");
        assert!(l.contains(&"measurement".to_string()) && l.contains(&"groupBy".to_string()));
        let l = labels("stream|from()|alert().slack().");
        assert!(l.contains(&"channel".to_string()));
        assert!(l.contains(&"crit".to_string()));
    }

    #[test]
    fn in_lambda_builtins_fields_vars() {
        let l = labels("var t = 5\nstream|from()|where(lambda: \"host\" == 'a' AND ");
        assert!(l.contains(&"abs".to_string()));
        assert!(l.contains(&"\"host\"".to_string()));
        assert!(l.contains(&"t".to_string()));
    }

    #[test]
    fn dbrps_of_this_and_the_other_open_scripts_after_dbrp() {
        let other = "dbrp \"telegraf\".\"autogen\"\nstream|from()\n";
        let src = "dbrp \"db\".\"rp\"\ndbrp ";
        let got: Vec<String> = complete(src, src.len(), &[other])
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert_eq!(got, ["\"db\".\"rp\"", "\"telegraf\".\"autogen\""]);
        // Elsewhere the dbrps are not offered.
        assert!(!labels("stream|from()\n")
            .iter()
            .any(|l| l.contains("telegraf")));
    }
}
