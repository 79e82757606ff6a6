//! Hover: the catalog's signature and description of the node, property,
//! handler or builtin under the cursor, and the value of a var.

use super::context::{self, Target};
use compiler::catalog::builtins::{Builtin, Signature};
use compiler::catalog::nodes::{self, PropSpec};
use compiler::catalog::{docs, handlers, HandlerKind, NodeKind};
use compiler::ir::{self, Arg, Expr, ExprKind};
use compiler::lexer::Token;
use compiler::span::Span;

/// The hover text (markdown) and the span it describes: the catalog entry or
/// var under the cursor, else the type of the innermost lambda
/// sub-expression there.
pub fn hover(source: &str, offset: usize) -> Option<(String, Span)> {
    named_hover(source, offset).or_else(|| lambda_type(source, offset))
}

fn named_hover(source: &str, offset: usize) -> Option<(String, Span)> {
    let toks = context::tokens(source);
    let at = context::ident_at(&toks, offset)?;
    let name = context::ident_text(&toks, at)?;
    let span = Span::new(toks[at].start, toks[at].end);
    let prev = at.checked_sub(1).map(|p| &toks[p].token);
    let next = toks.get(at + 1).map(|t| &t.token);
    let text = match prev {
        Some(Token::Pipe) => node_doc(NodeKind::from_method(name)?),
        Some(Token::Dot) => match context::target_before(&toks, at - 1) {
            Target::Node(NodeKind::Alert) if HandlerKind::from_method(name).is_some() => {
                handler_doc(HandlerKind::from_method(name)?)
            }
            Target::Node(kind) => prop_doc(kind.method(), nodes::spec(kind).prop(name)?),
            Target::Handler(h) => match handlers::spec(h).prop(name) {
                Some(p) => prop_doc(h.method(), p),
                None => match HandlerKind::from_method(name) {
                    Some(other) => handler_doc(other),
                    None => prop_doc("alert", nodes::spec(NodeKind::Alert).prop(name)?),
                },
            },
            Target::Unknown => return None,
        },
        _ if matches!(next, Some(Token::LParen)) && context::in_lambda(&toks, at) => {
            builtin_doc(Builtin::lookup(name)?)
        }
        _ => match name {
            "stream" => node_doc(NodeKind::Stream),
            "batch" => node_doc(NodeKind::Batch),
            _ => {
                let occ = super::definition::var_at(source, offset)?;
                var_doc(source, &occ.name)?
            }
        },
    };
    Some((text, span))
}

fn node_doc(kind: NodeKind) -> String {
    let spec = nodes::spec(kind);
    let mut s = format!(
        "```tickscript\n|{}{}\n```",
        kind.method(),
        spec.args.describe()
    );
    if !spec.doc.is_empty() {
        s.push_str("\n\n");
        s.push_str(spec.doc);
    }
    s
}

fn prop_doc(owner: &str, p: &PropSpec) -> String {
    let mut s = format!(
        "```tickscript\n.{}{}\n```\n\nProperty of `{owner}`",
        p.name,
        p.params.describe()
    );
    if p.accumulates {
        s.push_str("; repeated calls accumulate");
    }
    if !p.default.is_empty() {
        s.push_str(&format!("; default `{}`", p.default));
    }
    s.push('.');
    if let Some(d) = docs::property(owner, p.name) {
        s.push_str("\n\n");
        s.push_str(d);
    }
    s
}

fn handler_doc(h: HandlerKind) -> String {
    let spec = handlers::spec(h);
    let props: Vec<&str> = spec.props.iter().map(|p| p.name).collect();
    let mut s = format!(
        "```tickscript\n.{}{}\n```\n\nAlert handler (topic handler kind `{}`).",
        h.method(),
        spec.args.describe(),
        h.kind()
    );
    if !props.is_empty() {
        s.push_str(&format!(" Properties: {}.", props.join(", ")));
    }
    s
}

/// The inferred type of the smallest lambda sub-expression containing
/// `offset`, from the checked IR (so only when the script has no errors).
fn lambda_type(source: &str, offset: usize) -> Option<(String, Span)> {
    let pipeline = compiler::check(source).0?;
    let mut lambdas: Vec<&ir::Lambda> = Vec::new();
    for node in &pipeline.nodes {
        let handler_args = node
            .handlers
            .iter()
            .flat_map(|h| h.args.iter().chain(h.props.iter().flat_map(|p| &p.args)));
        let args = node
            .args
            .iter()
            .chain(node.props.iter().flat_map(|p| &p.args))
            .chain(handler_args);
        for arg in args {
            for_each_lambda(arg, &mut |l| lambdas.push(l));
        }
    }
    let e = lambdas
        .iter()
        .filter_map(|l| innermost(&l.expr, offset))
        .min_by_key(|e| e.span.len());
    let e = e?;
    let text = source.get(e.span.range())?;
    Some((
        format!("```tickscript\n{text}\n```\n\nType: {}", e.ty.name()),
        e.span,
    ))
}

fn for_each_lambda<'a>(arg: &'a Arg, f: &mut impl FnMut(&'a ir::Lambda)) {
    match arg {
        Arg::Lambda(l) => f(l),
        Arg::List(items) => items.iter().for_each(|a| for_each_lambda(a, f)),
        _ => {}
    }
}

/// The smallest sub-expression of `e` whose span contains `offset` (vars
/// inlined from elsewhere are not entered: their spans are the var's).
fn innermost(e: &Expr, offset: usize) -> Option<&Expr> {
    let r = e.span.range();
    if !(r.start <= offset && offset < r.end) {
        return None;
    }
    let inner = match &e.kind {
        ExprKind::Unary { operand, .. } => innermost(operand, offset),
        ExprKind::Binary { left, right, .. } => {
            innermost(left, offset).or_else(|| innermost(right, offset))
        }
        ExprKind::Call { args, .. } => args.iter().find_map(|a| innermost(a, offset)),
        _ => None,
    };
    inner.or(Some(e))
}

/// `abs(float) float`.
pub fn signature_text(name: &str, sig: &Signature) -> String {
    let params: Vec<&str> = sig.params.iter().map(|t| t.name()).collect();
    format!("{name}({}) {}", params.join(", "), sig.ret.name())
}

fn builtin_doc(b: Builtin) -> String {
    let spec = b.spec();
    let sigs: Vec<String> = spec
        .signatures
        .iter()
        .map(|s| signature_text(spec.name, s))
        .collect();
    let mut s = format!(
        "```tickscript\n{}\n```\n\n{}",
        sigs.join("\n"),
        docs::builtin(b)
    );
    if b.is_stateful() {
        s.push_str("\n\nStateful: keeps its state across points.");
    }
    s
}

/// A var's declaration as written: `var x = value` or `var x type`.
fn var_doc(source: &str, name: &str) -> Option<String> {
    let toks = context::tokens(source);
    if let Some((first, end)) = context::var_value(&toks, name) {
        let value = &source[toks[first].start..toks[end - 1].end];
        return Some(format!("```tickscript\nvar {name} = {value}\n```"));
    }
    let (_, i) = context::var_decls(&toks)
        .into_iter()
        .find(|(n, _)| *n == name)?;
    let ty = context::ident_text(&toks, i + 1)?;
    Some(format!(
        "```tickscript\nvar {name} {ty}\n```\n\nTemplate var: its value comes from the task's vars."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hover_at(src: &str, needle: &str) -> String {
        hover(src, src.find(needle).unwrap() + 1).unwrap().0
    }

    #[test]
    fn catalog_entries() {
        let src = "var w = 5m\nstream|from().measurement('cpu')|window().period(w)|alert().crit(lambda: abs(\"x\") > 1).slack().channel('#a')\n";
        assert!(hover_at(src, "from").starts_with("```tickscript\n|from()\n```"));
        assert!(hover_at(src, "period")
            .starts_with("```tickscript\n.period(duration)\n```\n\nProperty of `window`"));
        assert!(hover_at(src, "period").ends_with("\n\nHow much time each emitted window covers."));
        assert_eq!(
            hover_at(src, "abs"),
            "```tickscript\nabs(float) float\n```\n\nThe absolute value."
        );
        assert!(hover_at(src, "slack").starts_with("```tickscript\n.slack()\n```\n\nAlert handler"));
        assert!(hover_at(src, "channel").contains("Property of `slack`"));
        assert!(hover_at(src, "channel").ends_with("The channel to post to."));
        assert_eq!(hover_at(src, "w)"), "```tickscript\nvar w = 5m\n```");
        // On `>`: the comparison's type; on the reference: dynamic (a field's
        // type is known only per point).
        assert_eq!(
            hover_at(src, " > 1"),
            "```tickscript\nabs(\"x\") > 1\n```\n\nType: bool"
        );
        let at = src.find("\"x\"").unwrap() + 1;
        assert_eq!(
            hover(src, at).unwrap().0,
            "```tickscript\n\"x\"\n```\n\nType: dynamic"
        );
    }
}
