//! What the cursor is in: the tokens of the script and, walking back over
//! them, which node a chain operator applies to and whether the cursor is
//! inside a lambda. Works on tokens rather than the AST because the script
//! being typed usually does not parse (`stream|from()|` has no node name yet).

use compiler::catalog::nodes::{self, Provides};
use compiler::catalog::{EdgeType, HandlerKind, NodeKind};
use compiler::lexer::{Lexer, Token};

pub struct Tok<'a> {
    pub start: usize,
    pub end: usize,
    pub token: Token<'a>,
}

/// The significant tokens of a script; lex errors are skipped (the
/// diagnostics report them).
pub fn tokens(source: &str) -> Vec<Tok<'_>> {
    Lexer::new(source)
        .filter_map(Result::ok)
        .map(|(start, token, end)| Tok { start, token, end })
        .collect()
}

/// What a `|` or `.` at some token applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Node(NodeKind),
    /// A handler of an alert node (`.slack()` ... `.channel`).
    Handler(HandlerKind),
    /// A UDF, an unresolvable var, or anything else.
    Unknown,
}

/// The index of the identifier token that contains or ends at `offset`.
pub fn ident_at(toks: &[Tok<'_>], offset: usize) -> Option<usize> {
    toks.iter()
        .position(|t| matches!(t.token, Token::Ident(_)) && t.start <= offset && offset <= t.end)
}

pub fn ident_text<'a>(toks: &[Tok<'a>], i: usize) -> Option<&'a str> {
    match toks.get(i)?.token {
        Token::Ident(s) => Some(s),
        _ => None,
    }
}

/// The index of the first token ending at or after... precisely: the number
/// of tokens that end at or before `offset` (the tokens "before the cursor").
pub fn before(toks: &[Tok<'_>], offset: usize) -> usize {
    toks.partition_point(|t| t.end <= offset)
}

/// What the chain ending just before token `op` (a `|`, `.` or `@`) is: the
/// nearest `|node(...)` or root at depth 0, skipping argument lists; a
/// handler property `.slack()` between them makes the target that handler.
pub fn target_before(toks: &[Tok<'_>], op: usize) -> Target {
    target_rec(toks, op, 0).0
}

/// The edge type the chain ending before token `op` provides, following the
/// chain back to its root (`None` when it cannot be followed).
pub fn edge_before(toks: &[Tok<'_>], op: usize) -> Option<EdgeType> {
    let mut kinds = Vec::new();
    let mut op = op;
    loop {
        let (target, pipe) = target_rec(toks, op, 0);
        kinds.push(match target {
            Target::Node(k) => k,
            Target::Handler(_) => NodeKind::Alert,
            Target::Unknown => return None,
        });
        match pipe {
            Some(p) if kinds.len() < 4096 => op = p,
            Some(_) => return None,
            None => break,
        }
    }
    let mut edge = EdgeType::None;
    for kind in kinds.into_iter().rev() {
        edge = match nodes::spec(kind).provides {
            Provides::Stream => EdgeType::Stream,
            Provides::Batch => EdgeType::Batch,
            Provides::Same => edge,
            Provides::None => EdgeType::None,
        };
    }
    Some(edge)
}

/// The target, and the index of the `|` that created it (`None` for a root).
fn target_rec(toks: &[Tok<'_>], op: usize, hops: u8) -> (Target, Option<usize>) {
    let mut handler = None;
    let mut i = op;
    while i > 0 {
        i -= 1;
        match toks[i].token {
            Token::RParen => match matching_open(toks, i) {
                Some(open) => i = open,
                None => return (Target::Unknown, None),
            },
            Token::Ident(name) => {
                let prev = i.checked_sub(1).map(|p| &toks[p].token);
                match prev {
                    Some(Token::Pipe) => {
                        let target = match (NodeKind::from_method(name), handler) {
                            (Some(NodeKind::Alert), Some(h)) => Target::Handler(h),
                            (Some(k), _) => Target::Node(k),
                            (None, _) => Target::Unknown,
                        };
                        return (target, Some(i - 1));
                    }
                    Some(Token::Dot) => {
                        if handler.is_none() {
                            handler = HandlerKind::from_method(name);
                        }
                        i -= 1;
                    }
                    Some(Token::At) => return (Target::Unknown, None),
                    _ => {
                        return match name {
                            "stream" => (Target::Node(NodeKind::Stream), None),
                            "batch" => (Target::Node(NodeKind::Batch), None),
                            var if hops < 8 => var_target(toks, var, hops),
                            _ => (Target::Unknown, None),
                        }
                    }
                }
            }
            _ => return (Target::Unknown, None),
        }
    }
    (Target::Unknown, None)
}

/// The node a var holds: the target at the end of its value. Token-based,
/// since the script being edited rarely parses: the value runs from `=` to
/// the next `var`/`dbrp` or the next statement (an identifier right after a
/// complete operand, outside parentheses).
fn var_target(toks: &[Tok<'_>], var: &str, hops: u8) -> (Target, Option<usize>) {
    match var_value(toks, var) {
        Some((_, end)) => target_rec(toks, end, hops + 1),
        None => (Target::Unknown, None),
    }
}

/// The token range `[first, end)` of a `var name = value` declaration's value.
pub fn var_value(toks: &[Tok<'_>], var: &str) -> Option<(usize, usize)> {
    let (_, name) = var_decls(toks).into_iter().find(|(n, _)| *n == var)?;
    if !matches!(toks.get(name + 1)?.token, Token::Assign) {
        return None;
    }
    let first = name + 2;
    let mut depth = 0i32;
    let mut j = first;
    while j < toks.len() {
        match toks[j].token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Var | Token::Dbrp if depth <= 0 => break,
            Token::Ident(_) if depth <= 0 && j > first && ends_operand(&toks[j - 1].token) => break,
            _ => {}
        }
        j += 1;
    }
    (j > first).then_some((first, j))
}

/// Whether a token can end an operand (so that an identifier after it starts
/// a new statement).
fn ends_operand(t: &Token<'_>) -> bool {
    matches!(
        t,
        Token::Ident(_)
            | Token::Int(_)
            | Token::Float(_)
            | Token::Duration(_)
            | Token::Str(_)
            | Token::Reference(_)
            | Token::Regex(_)
            | Token::Star
            | Token::True
            | Token::False
            | Token::RParen
            | Token::RBracket
    )
}

fn matching_open(toks: &[Tok<'_>], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = close;
    loop {
        match toks[i].token {
            Token::RParen => depth += 1,
            Token::LParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i = i.checked_sub(1)?;
    }
}

/// Whether the first `n` tokens end inside an unclosed `lambda:`: walking
/// back, a `lambda:` is met before any chain operator outside parentheses.
pub fn in_lambda(toks: &[Tok<'_>], n: usize) -> bool {
    let mut depth = 0i32;
    for t in toks[..n].iter().rev() {
        match t.token {
            Token::RParen => depth += 1,
            Token::LParen => depth -= 1,
            Token::Lambda if depth <= 0 => return true,
            Token::Pipe | Token::Dot | Token::At | Token::Var if depth <= 0 => return false,
            _ => {}
        }
    }
    false
}

/// The names of every `var`, with the index of its name token.
pub fn var_decls<'a>(toks: &[Tok<'a>]) -> Vec<(&'a str, usize)> {
    toks.windows(2)
        .enumerate()
        .filter_map(|(i, w)| match (&w[0].token, &w[1].token) {
            (Token::Var, Token::Ident(name)) => Some((*name, i + 1)),
            _ => None,
        })
        .collect()
}

/// Whether identifier token `i` is a use of a variable: not a declaration,
/// not a method or property name, not a called function.
pub fn is_var_use(toks: &[Tok<'_>], i: usize) -> bool {
    let prev = i.checked_sub(1).map(|p| &toks[p].token);
    let next = toks.get(i + 1).map(|t| &t.token);
    !matches!(
        prev,
        Some(Token::Pipe | Token::Dot | Token::At | Token::Var)
    ) && !matches!(next, Some(Token::LParen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_at_end(src: &str) -> Target {
        let toks = tokens(src);
        target_before(&toks, toks.len() - 1)
    }

    #[test]
    fn targets() {
        assert_eq!(target_at_end("stream|"), Target::Node(NodeKind::Stream));
        assert_eq!(
            target_at_end("stream|from().measurement('x')|window().period(1m)."),
            Target::Node(NodeKind::Window)
        );
        assert_eq!(
            target_at_end("stream|alert().crit(lambda: TRUE).slack().channel('#a')."),
            Target::Handler(HandlerKind::Slack)
        );
        assert_eq!(
            target_at_end("var s = stream|from()\ns|"),
            Target::Node(NodeKind::From)
        );
    }

    #[test]
    fn edges() {
        let edge = |src: &str| {
            let toks = tokens(src);
            edge_before(&toks, toks.len() - 1)
        };
        assert_eq!(edge("stream|from()|"), Some(EdgeType::Stream));
        assert_eq!(
            edge("stream|from()|window()|eval(lambda: 1)|"),
            Some(EdgeType::Batch)
        );
        assert_eq!(
            edge("var w = stream|from()|window()\nw|mean('x')|window()|"),
            Some(EdgeType::Batch)
        );
        // An aggregate of a batch emits one point per batch: a stream edge.
        assert_eq!(
            edge("stream|from()|window()|mean('x')|"),
            Some(EdgeType::Stream)
        );
        assert_eq!(edge("batch|query('q')|"), Some(EdgeType::Batch));
        assert_eq!(edge("x|"), None);
    }

    #[test]
    fn lambdas() {
        let src = "stream|where(lambda: abs(\"x\") > ";
        let toks = tokens(src);
        assert!(in_lambda(&toks, toks.len()));
        let src = "stream|where(lambda: TRUE).";
        let toks = tokens(src);
        assert!(!in_lambda(&toks, toks.len()));
    }
}
