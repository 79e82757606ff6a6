//! Document symbols: the pipeline's nodes under the names Kapacitor gives
//! them (`from1`, `http_out4`) when the script checks, otherwise the chain
//! calls as written; and every var.

use super::context::{self, Tok};
use super::position::LineIndex;
use compiler::lexer::Token;
use compiler::span::Span;
use lsp_types::{DocumentSymbol, SymbolKind};

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given.
fn symbol(name: String, detail: &str, kind: SymbolKind, range: lsp_types::Range) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail: Some(detail.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: range,
        children: None,
    }
}

pub fn document_symbols(source: &str) -> Vec<DocumentSymbol> {
    let index = LineIndex::new(source);
    let toks = context::tokens(source);
    let mut out: Vec<DocumentSymbol> = context::var_decls(&toks)
        .into_iter()
        .map(|(name, i)| {
            let r = index.range(Span::new(toks[i].start, toks[i].end));
            symbol(name.to_string(), "var", SymbolKind::VARIABLE, r)
        })
        .collect();
    match compiler::check(source).0 {
        Some(pipeline) => out.extend(pipeline.nodes.iter().map(|n| {
            let method = n.udf.as_deref().unwrap_or(n.kind.method());
            // The root is created before any code runs and has no span of
            // its own: point at the first `stream`/`batch` written.
            let span = if n.span.is_empty() {
                root_span(&toks, method).unwrap_or(n.span)
            } else {
                n.span
            };
            symbol(n.name.clone(), method, SymbolKind::CLASS, index.range(span))
        })),
        None => out.extend(chain_calls(&toks).map(|t| {
            let Token::Ident(name) = t.token else {
                unreachable!("chain_calls yields identifiers")
            };
            let r = index.range(Span::new(t.start, t.end));
            symbol(name.to_string(), name, SymbolKind::CLASS, r)
        })),
    }
    out.sort_by_key(|s| (s.range.start.line, s.range.start.character));
    out
}

fn root_span(toks: &[Tok<'_>], root: &str) -> Option<Span> {
    toks.iter()
        .find(|t| matches!(t.token, Token::Ident(n) if n == root))
        .map(|t| Span::new(t.start, t.end))
}

/// The name tokens of `|name` calls (and the `stream`/`batch` roots).
fn chain_calls<'a, 'b>(toks: &'b [Tok<'a>]) -> impl Iterator<Item = &'b Tok<'a>> {
    toks.iter().enumerate().filter_map(move |(i, t)| {
        let piped = i > 0 && matches!(toks[i - 1].token, Token::Pipe);
        match t.token {
            Token::Ident("stream" | "batch") => Some(t),
            Token::Ident(_) if piped => Some(t),
            _ => None,
        }
    })
}
