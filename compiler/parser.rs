//! The parser driver: lexes, runs the LALRPOP grammar, and turns parse
//! failures into plain-words diagnostics.
//!
//! Error recovery is done here rather than in the grammar: after a syntax
//! error the driver skips to the next point where a statement surely starts
//! (`var`, `dbrp`, or an identifier at the start of a line after a complete
//! operand) and parses the rest again, so one run reports every broken
//! statement. A script with any error yields no `Program`.

use crate::ast::{ChainOp, Expr, ExprKind, Ident, Program, Statement, StringStyle};
use crate::diagnostic::{Code, Diagnostic};
use crate::grammar::{LambdaBodyParser, ProgramParser};
use crate::ir::BinaryOp;
use crate::lexer::{self, LexError, Token};
use crate::span::Span;
use lalrpop_util::ParseError;

/// The most syntax errors reported for one script; past this they are noise.
const MAX_SYNTAX_ERRORS: usize = 20;

/// Parses a whole script. On any lexical or syntax error, returns `None` and
/// every diagnostic found.
///
/// ```
/// let (program, diags) = compiler::parser::parse("var a = stream|from()\na|window()");
/// assert!(diags.is_empty());
/// assert_eq!(program.unwrap().statements.len(), 2);
///
/// let (program, diags) = compiler::parser::parse("stream|from(\n|window()");
/// assert!(program.is_none());
/// assert_eq!(diags[0].message, "expected `)` to close the call to `from`, found `|`");
/// ```
pub fn parse(source: &str) -> (Option<Program>, Vec<Diagnostic>) {
    let lexed = lexer::lex(source);
    let tokens = lexed.tokens.len();
    with_stack_for(tokens, move || parse_lexed(source, lexed))
}

/// Token streams longer than this are parsed on a thread with a larger stack.
const BIG_INPUT_TOKENS: usize = 1_000;

/// Runs `f` on a thread whose stack fits `tokens` levels of recursion when
/// the input is big. Why: when LALRPOP fails, it drops the partial trees on
/// its stack with the default recursive `Drop`, and a tree can be as deep as
/// the token count (`((((...))))`, `1+1+...`) before the nesting limit is
/// checked. Small inputs (nearly all) run on the caller's thread.
fn with_stack_for<T: Send>(tokens: usize, f: impl FnOnce() -> T + Send) -> T {
    if tokens <= BIG_INPUT_TOKENS {
        return f();
    }
    let stack = (8 << 20) + tokens.saturating_mul(1024);
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("tickscript-parse".into())
            .stack_size(stack)
            .spawn_scoped(scope, f);
        match handle {
            Ok(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => panic!("cannot start the parser thread ({stack} bytes of stack): {e}"),
        }
    })
}

fn parse_lexed<'a>(source: &'a str, lexed: lexer::Lexed<'a>) -> (Option<Program>, Vec<Diagnostic>) {
    let mut diags: Vec<Diagnostic> = lexed
        .errors
        .iter()
        .map(|e| e.to_diagnostic(source))
        .collect();
    let tokens = &lexed.tokens;
    let mut comments = lexed.comments;
    let parser = ProgramParser::new();
    let mut start = 0;
    let mut program = None;
    let mut syntax_errors = 0;
    // Where a syntax error was blamed on a string that ran on past its line:
    // the quotes after it are paired wrongly, so a later "unterminated
    // string" is a consequence, not news.
    let mut runaway: Option<u32> = None;
    loop {
        let input = tokens[start..].iter().copied().map(Ok::<_, LexError>);
        match parser.parse(input) {
            Ok(statements) => {
                if start == 0 {
                    program = Some(Program {
                        statements,
                        comments: std::mem::take(&mut comments),
                    });
                }
                break;
            }
            Err(err) => {
                let (at, diag) = syntax_error(source, tokens, err);
                // A syntax error right after a lexical error in the same
                // statement is usually caused by the dropped token: skip it.
                let stmt_start = statement_start(source, tokens, at);
                let lo = tokens.get(stmt_start).map_or(source.len(), |t| t.0);
                let hi = tokens.get(at).map_or(source.len(), |t| t.2);
                let caused_by_lex = lexed.errors.iter().any(|e| {
                    (e.span.start as usize) >= lo.min(hi) && (e.span.start as usize) <= hi
                });
                if !caused_by_lex {
                    let labels = diag.labels.len();
                    let diag = runaway_string(source, &tokens[stmt_start.min(at)..at], diag);
                    if diag.labels.len() > labels && runaway.is_none() {
                        runaway = diag.primary_span().map(|s| s.start);
                    }
                    diags.push(diag);
                    syntax_errors += 1;
                }
                match next_statement(source, tokens, start, at) {
                    Some(next) if syntax_errors < MAX_SYNTAX_ERRORS => start = next,
                    _ => break,
                }
            }
        }
    }
    if let Some(after) = runaway {
        diags.retain(|d| {
            d.code != Code::UnterminatedString || d.primary_span().is_none_or(|s| s.start < after)
        });
    }
    if let Some(p) = &program {
        // Every nesting level takes at least one token, so only a statement
        // of more than MAX_NESTING tokens can be too deep: count them by
        // binary search instead of walking every tree.
        let token_count = |span: Span| {
            token_index(tokens, span.end as usize) - token_index(tokens, span.start as usize)
        };
        if let Some(span) = p
            .statements
            .iter()
            .filter(|s| token_count(s.span()) > MAX_NESTING)
            .find_map(|s| too_deep(statement_expr(s)?))
        {
            diags.push(too_deep_error(span));
        }
    }
    diags.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    if diags.iter().any(Diagnostic::is_error) {
        if let Some(p) = program.take() {
            p.statements
                .into_iter()
                .filter_map(|s| match s {
                    Statement::Var { value, .. } => Some(value),
                    Statement::Expr(e) => Some(e),
                    _ => None,
                })
                .for_each(dismantle);
        }
    }
    (program, diags)
}

/// Parses one lambda body (with or without the `lambda:` prefix), as used by
/// `tickc eval`.
///
/// ```
/// use compiler::parser::parse_expression;
/// let (a, _) = parse_expression("lambda: \"x\" > 3 AND \"y\" < 2");
/// let (b, _) = parse_expression("\"x\" > 3 AND \"y\" < 2");
/// assert_eq!(compiler::fmt::inline(&a.unwrap()), compiler::fmt::inline(&b.unwrap()));
/// ```
pub fn parse_expression(source: &str) -> (Option<Expr>, Vec<Diagnostic>) {
    let lexed = lexer::lex(source);
    let tokens = lexed.tokens.len();
    with_stack_for(tokens, move || parse_expression_lexed(source, lexed))
}

fn parse_expression_lexed<'a>(
    source: &'a str,
    lexed: lexer::Lexed<'a>,
) -> (Option<Expr>, Vec<Diagnostic>) {
    let mut diags: Vec<Diagnostic> = lexed
        .errors
        .iter()
        .map(|e| e.to_diagnostic(source))
        .collect();
    let input = lexed.tokens.iter().copied().map(Ok::<_, LexError>);
    let expr = match LambdaBodyParser::new().parse(input) {
        Ok(e) => {
            if let Some(span) = too_deep(&e) {
                diags.push(too_deep_error(span));
            }
            Some(e)
        }
        Err(err) => {
            if diags.is_empty() {
                diags.push(syntax_error(source, &lexed.tokens, err).1);
            }
            None
        }
    };
    if diags.is_empty() {
        (expr, diags)
    } else {
        if let Some(e) = expr {
            dismantle(e);
        }
        (None, diags)
    }
}

// ---- Nesting limit -----------------------------------------------------------

/// The deepest expression nesting accepted (a top-level expression is at
/// depth 1), the same bound the checker enforces. The parser itself
/// is iterative, but every later stage (checker, formatter, lowering, `Drop`)
/// walks the AST recursively; this bound keeps them well inside a thread's
/// stack, even a 2 MiB test thread in a debug build. Real scripts nest fewer
/// than 20 deep (a chain of N links or a sum of N terms is N deep).
pub const MAX_NESTING: usize = 256;

fn statement_expr(s: &Statement) -> Option<&Expr> {
    match s {
        Statement::Var { value, .. } => Some(value),
        Statement::Expr(e) => Some(e),
        _ => None,
    }
}

fn children<'a>(e: &'a Expr, mut f: impl FnMut(&'a Expr)) {
    match &e.kind {
        ExprKind::Lambda(b) | ExprKind::Paren(b) | ExprKind::Unary { operand: b, .. } => f(b),
        ExprKind::Binary { left, right, .. } => {
            f(left);
            f(right);
        }
        ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().for_each(f),
        ExprKind::Chain { target, args, .. } => {
            f(target);
            args.iter().flatten().for_each(f);
        }
        _ => {}
    }
}

/// The span of the first expression nested deeper than `MAX_NESTING`, found
/// without recursion.
fn too_deep(root: &Expr) -> Option<Span> {
    let mut stack = vec![(root, 1usize)];
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_NESTING {
            return Some(e.span);
        }
        children(e, |c| stack.push((c, depth + 1)));
    }
    None
}

fn too_deep_error(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        format!("expression nested more than {MAX_NESTING} levels deep"),
    )
    .with_primary(span, "nested too deeply")
    .with_note("hint: split long chains or sums into `var` declarations")
}

/// Drops an AST without recursion (a deep tree would overflow the stack in
/// the default recursive `Drop`).
fn dismantle(root: Expr) {
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        match e.kind {
            ExprKind::Lambda(b) | ExprKind::Paren(b) | ExprKind::Unary { operand: b, .. } => {
                stack.push(*b)
            }
            ExprKind::Binary { left, right, .. } => {
                stack.push(*left);
                stack.push(*right);
            }
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => stack.extend(items),
            ExprKind::Chain { target, args, .. } => {
                stack.push(*target);
                stack.extend(args.into_iter().flatten());
            }
            _ => {}
        }
    }
}

// ---- AST builders used by the grammar's actions ----------------------------

pub(crate) fn mk(kind: ExprKind, l: usize, r: usize) -> Expr {
    Expr {
        kind,
        span: Span::new(l, r),
    }
}

pub(crate) fn bin(
    op: BinaryOp,
    left: Expr,
    right: Expr,
    ol: usize,
    or: usize,
    l: usize,
    r: usize,
) -> Expr {
    mk(
        ExprKind::Binary {
            op,
            op_span: Span::new(ol, or),
            left: Box::new(left),
            right: Box::new(right),
        },
        l,
        r,
    )
}

pub(crate) fn chain(
    target: Expr,
    op: ChainOp,
    name: Ident,
    args: Option<Vec<Expr>>,
    l: usize,
    r: usize,
) -> Expr {
    mk(
        ExprKind::Chain {
            target: Box::new(target),
            op,
            name,
            args,
        },
        l,
        r,
    )
}

// ---- Errors ----------------------------------------------------------------

type Tok<'a> = (usize, Token<'a>, usize);

/// Index of the first token at or after byte `pos`.
fn token_index(tokens: &[Tok<'_>], pos: usize) -> usize {
    tokens.partition_point(|t| t.0 < pos)
}

/// Turns a LALRPOP error into a diagnostic; also returns the index of the
/// offending token (`tokens.len()` at end of input).
fn syntax_error(
    source: &str,
    tokens: &[Tok<'_>],
    err: ParseError<usize, Token<'_>, LexError>,
) -> (usize, Diagnostic) {
    match err {
        ParseError::UnrecognizedToken { token, expected } => {
            let at = token_index(tokens, token.0);
            (at, unexpected(source, tokens, at, Some(&token), &expected))
        }
        ParseError::ExtraToken { token } => {
            let at = token_index(tokens, token.0);
            (at, unexpected(source, tokens, at, Some(&token), &[]))
        }
        ParseError::UnrecognizedEof { expected, .. } => (
            tokens.len(),
            unexpected(source, tokens, tokens.len(), None, &expected),
        ),
        ParseError::InvalidToken { location } => {
            let span = Span::new(location, location + 1);
            let d =
                Diagnostic::error(Code::UnexpectedChar, "invalid token").with_primary(span, "here");
            (token_index(tokens, location), d)
        }
        ParseError::User { error } => {
            let at = token_index(tokens, error.span.start as usize);
            (at, error.to_diagnostic(source))
        }
    }
}

/// A syntax error after a single-quoted string that spans lines is most
/// likely a missing closing `'`: the string swallowed the code up to the next
/// `'`. Point at where that string opened.
fn runaway_string(source: &str, before: &[Tok<'_>], d: Diagnostic) -> Diagnostic {
    let Some(&(l, _, r)) = before.iter().rev().find(
        |t| matches!(&t.1, Token::Str(s) if s.style == StringStyle::Single && s.raw.contains('\n')),
    ) else {
        return d;
    };
    let line = |pos: usize| source[..pos.min(source.len())].matches('\n').count() + 1;
    d.with_secondary(
        Span::new(l, l + 1),
        format!(
            "this string opens on line {} and runs on to line {}",
            line(l),
            line(r.saturating_sub(1))
        ),
    )
    .with_note("hint: is a closing `'` missing? a string ends only at the next `'`")
}

/// How a grammar terminal name reads in a message.
fn terminal_name(quoted: &str) -> String {
    let name = quoted.trim_matches('"');
    match name {
        "identifier" => "an identifier".into(),
        "integer" | "float" => "a number".into(),
        "duration" => "a duration".into(),
        "string" => "a string".into(),
        "reference" => "a reference".into(),
        "regex" => "a regex".into(),
        "star" => "`*`".into(),
        other => format!("`{other}`"),
    }
}

fn list_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The innermost `(` or `[` still open before token `at`, with the identifier
/// before a `(` (the called name) if any.
fn open_delimiter<'a>(tokens: &'a [Tok<'a>], at: usize) -> Option<(usize, Option<&'a str>)> {
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in tokens[..at.min(tokens.len())].iter().enumerate() {
        match t.1 {
            Token::LParen | Token::LBracket => stack.push(i),
            Token::RParen | Token::RBracket => {
                stack.pop();
            }
            _ => {}
        }
    }
    let open = *stack.last()?;
    let name = match (open.checked_sub(1).map(|i| &tokens[i].1), &tokens[open].1) {
        (Some(Token::Ident(name)), Token::LParen) => Some(*name),
        _ => None,
    };
    Some((open, name))
}

fn unexpected(
    source: &str,
    tokens: &[Tok<'_>],
    at: usize,
    found: Option<&Tok<'_>>,
    expected: &[String],
) -> Diagnostic {
    let expected_names: Vec<String> = {
        let mut v: Vec<String> = expected.iter().map(|e| terminal_name(e)).collect();
        v.dedup();
        v
    };
    let expects = |t: &str| expected.iter().any(|e| e.trim_matches('"') == t);
    let prev = at.checked_sub(1).and_then(|i| tokens.get(i));
    let (span, found_text, code) = match found {
        Some((l, tok, r)) => (Span::new(*l, *r), tok.describe(), Code::UnexpectedToken),
        None => {
            let end = source.trim_end().len();
            (
                Span::new(end, end),
                "the end of the script".to_string(),
                Code::UnexpectedEof,
            )
        }
    };

    // `|from` with no parentheses.
    if expects("(") && !expects(")") {
        if let (Some(op), Some((_, Token::Ident(name), _))) =
            (at.checked_sub(2).and_then(|i| tokens.get(i)), prev)
        {
            if matches!(op.1, Token::Pipe | Token::At) {
                let sigil = op.1.symbol();
                return Diagnostic::error(
                    Code::MissingCallParens,
                    format!("expected `(` after `{sigil}{name}`, found {found_text}"),
                )
                .with_primary(span, "expected `(` here")
                .with_secondary(
                    Span::new(op.0, prev.map_or(op.2, |p| p.2)),
                    "a chain call always takes parentheses",
                )
                .with_note(format!("hint: write `{sigil}{name}()`"));
            }
        }
    }

    // `var x T = v`: a typed declaration with a value.
    if let (Some(Token::Assign), Some(i)) = (found.map(|t| &t.1), at.checked_sub(3)) {
        if let [(vl, Token::Var, _), (_, Token::Ident(name), _), (_, Token::Ident(ty), tr)] =
            &tokens[i..at]
        {
            return Diagnostic::error(
                Code::UnexpectedToken,
                format!("a typed declaration `var {name} {ty}` takes no value"),
            )
            .with_primary(span, "unexpected `=`")
            .with_secondary(Span::new(*vl, *tr), "declares a template variable with no default")
            .with_note(format!(
                "hint: write `var {name} = value` (the type comes from the value) or `var {name} {ty}`"
            ));
        }
    }

    let open = open_delimiter(tokens, at);
    // An unclosed `(` or `[` whose closer is among the expected tokens.
    if let Some((open, name)) = open {
        let opener = &tokens[open];
        let closer = if matches!(opener.1, Token::LParen) {
            ")"
        } else {
            "]"
        };
        if expects(closer) {
            let what = match (closer, name) {
                (")", Some(name)) => format!("the call to `{name}`"),
                (")", None) => "the parenthesis".to_string(),
                _ => "the list".to_string(),
            };
            let code = if found.is_none() {
                Code::UnexpectedEof
            } else {
                Code::UnclosedDelimiter
            };
            let mut d = Diagnostic::error(
                code,
                format!("expected `{closer}` to close {what}, found {found_text}"),
            )
            .with_primary(span, format!("expected `{closer}` or an operator here"))
            .with_secondary(Span::new(opener.0, opener.2), "opened here");
            // LALRPOP lists only some operators after a complete operand; a
            // partial operator list would mislead, so show only short lists
            // of non-operators.
            const OPERATORS: [&str; 6] = ["OR", "AND", "==", "<", "+", "*"];
            if expected_names.len() <= 6 && !OPERATORS.iter().any(|o| expects(o)) {
                d = d.with_note(format!("expected {}", list_words(&expected_names)));
            }
            return with_hints(d, found, true);
        }
    }

    if let (Some((_, closer @ (Token::RParen | Token::RBracket), _)), None) = (found, open) {
        let opener = if matches!(closer, Token::RParen) {
            "("
        } else {
            "["
        };
        return Diagnostic::error(
            Code::UnexpectedToken,
            format!(
                "unexpected `{}`: no `{opener}` is open here",
                closer.symbol()
            ),
        )
        .with_primary(span, "unmatched");
    }

    // Between statements: the previous one is complete and this token cannot
    // start another.
    if found.is_some() && expects("var") && expects("dbrp") {
        return Diagnostic::error(
            code,
            format!("unexpected {found_text}: a statement cannot start here"),
        )
        .with_primary(span, "unexpected token")
        .with_note(
            "hint: a statement is `var name = value`, `dbrp \"db\".\"rp\"`, or a chain \
             starting from a name such as `stream`",
        );
    }

    let message = if expected_names.is_empty() {
        format!("unexpected {found_text}")
    } else if expected_names.len() <= 3 {
        format!(
            "expected {}, found {found_text}",
            list_words(&expected_names)
        )
    } else if expects_expression(expected) {
        format!("expected an expression, found {found_text}")
    } else {
        format!("unexpected {found_text}")
    };
    let label = if found.is_some() {
        "unexpected token"
    } else {
        "the script ends here"
    };
    let mut d = Diagnostic::error(code, message).with_primary(span, label);
    if let (Some((_, Token::Ident("lambda"), _)), Some((_, Token::Ident(_), _))) = (prev, found) {
        d = d.with_note(
            "hint: a lambda is written `lambda: expression`, with `:` right after `lambda`",
        );
    }
    d = with_hints(d, found, false);
    if let (Some((_, Token::Comma, _)), Some((_, Token::RParen | Token::RBracket, _))) =
        (prev, found)
    {
        d = d.with_note("hint: remove the trailing comma");
    }
    if (4..=8).contains(&expected_names.len()) {
        d = d.with_note(format!("expected one of {}", list_words(&expected_names)));
    }
    d
}

/// Adds hints for common slips: lower-case `and`/`or`, `=` for `==` inside
/// a call, a trailing comma.
fn with_hints(mut d: Diagnostic, found: Option<&Tok<'_>>, in_call: bool) -> Diagnostic {
    match found.map(|t| &t.1) {
        Some(Token::Ident(w @ ("and" | "or"))) => {
            d = d.with_note(format!(
                "hint: `{w}` is not an operator: keywords are upper case, write `{}`",
                w.to_uppercase()
            ));
        }
        Some(Token::Assign) if in_call => {
            d = d.with_note("hint: `=` only assigns in `var`; compare with `==`");
        }
        _ => {}
    }
    d
}

/// Whether the expected set is what an expression may start with.
fn expects_expression(expected: &[String]) -> bool {
    ["identifier", "integer", "string", "reference"]
        .iter()
        .all(|t| expected.iter().any(|e| e.trim_matches('"') == *t))
}

/// Whether a statement surely starts at token `i` (used for recovery).
fn starts_statement(source: &str, tokens: &[Tok<'_>], i: usize) -> bool {
    match &tokens[i].1 {
        Token::Var | Token::Dbrp => true,
        Token::Ident(_) => {
            let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) else {
                return true;
            };
            let after_operand = matches!(
                prev.1,
                Token::Ident(_)
                    | Token::RParen
                    | Token::RBracket
                    | Token::Int(_)
                    | Token::Float(_)
                    | Token::Duration(_)
                    | Token::Str(_)
                    | Token::Reference(_)
                    | Token::Regex(_)
                    | Token::True
                    | Token::False
                    | Token::Star
            );
            after_operand && source[prev.2..tokens[i].0].contains('\n')
        }
        _ => false,
    }
}

/// Where to resume after an error at token `at` in a run that began at
/// `start`: the first statement start at or after `at`, always past `start`
/// so that every restart makes progress.
fn next_statement(source: &str, tokens: &[Tok<'_>], start: usize, at: usize) -> Option<usize> {
    (at.max(start + 1)..tokens.len()).find(|&i| starts_statement(source, tokens, i))
}

/// The last statement start at or before token `at`.
fn statement_start(source: &str, tokens: &[Tok<'_>], at: usize) -> usize {
    (0..=at.min(tokens.len().saturating_sub(1)))
        .rev()
        .find(|&i| starts_statement(source, tokens, i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Statement, StringStyle};
    use crate::ir::UnaryOp;

    fn ok(src: &str) -> Program {
        let (p, d) = parse(src);
        assert!(d.is_empty(), "diagnostics for {src:?}: {d:#?}");
        p.expect("program")
    }

    fn errs(src: &str) -> Vec<Diagnostic> {
        let (p, d) = parse(src);
        assert!(p.is_none());
        assert!(!d.is_empty(), "no diagnostics for {src:?}");
        d
    }

    /// An S-expression view of an expression, for compact assertions.
    fn sx(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Ident(s) => s.clone(),
            ExprKind::Int(v) => v.to_string(),
            ExprKind::Float(v) => format!("{v:?}"),
            ExprKind::String(s, StringStyle::Single) => format!("'{s}'"),
            ExprKind::String(s, StringStyle::Triple) => format!("'''{s}'''"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Duration { text, .. } => text.clone(),
            ExprKind::Regex(r) => format!("/{r}/"),
            ExprKind::Star => "*".into(),
            ExprKind::Reference(r) => format!("\"{r}\""),
            ExprKind::Lambda(b) => format!("(lambda {})", sx(b)),
            ExprKind::List(items) => {
                format!("[{}]", items.iter().map(sx).collect::<Vec<_>>().join(" "))
            }
            ExprKind::Paren(e) => format!("(paren {})", sx(e)),
            ExprKind::Unary { op, operand } => {
                format!(
                    "({} {})",
                    if *op == UnaryOp::Neg { "-" } else { "!" },
                    sx(operand)
                )
            }
            ExprKind::Binary {
                op, left, right, ..
            } => format!("({} {} {})", op.symbol(), sx(left), sx(right)),
            ExprKind::Call { name, args } => {
                format!(
                    "(call {} {})",
                    name.node,
                    args.iter().map(sx).collect::<Vec<_>>().join(" ")
                )
            }
            ExprKind::Chain {
                target,
                op,
                name,
                args,
            } => {
                let op = match op {
                    ChainOp::Pipe => "|",
                    ChainOp::Dot => ".",
                    ChainOp::At => "@",
                };
                match args {
                    Some(a) => format!(
                        "({op}{} {}{})",
                        name.node,
                        sx(target),
                        a.iter().map(|x| format!(" {}", sx(x))).collect::<String>()
                    ),
                    None => format!("({op}{} {})", name.node, sx(target)),
                }
            }
        }
    }

    fn stmts(src: &str) -> Vec<String> {
        ok(src)
            .statements
            .iter()
            .map(|s| match s {
                Statement::Var { name, value, .. } => format!("var {} = {}", name.node, sx(value)),
                Statement::TypedVar { name, ty, .. } => format!("var {} {}", name.node, ty.node),
                Statement::Dbrp { db, rp, .. } => format!("dbrp {}.{}", db.node, rp.node),
                Statement::Expr(e) => sx(e),
            })
            .collect()
    }

    fn lambda(body: &str) -> String {
        let (e, d) = parse_expression(body);
        assert!(d.is_empty(), "{d:#?}");
        sx(&e.unwrap())
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(lambda("1 + 2 * 3"), "(+ 1 (* 2 3))");
        assert_eq!(lambda("1 - 2 - 3"), "(- (- 1 2) 3)");
        assert_eq!(lambda("-a * b"), "(* (- a) b)");
        assert_eq!(lambda("!a AND b OR c"), "(OR (AND (! a) b) c)");
        assert_eq!(lambda("a < 1 == b > 2"), "(== (< a 1) (> b 2))");
        assert_eq!(
            lambda("\"x\" =~ /a.*/ AND \"y\" !~ /b/"),
            "(AND (=~ \"x\" /a.*/) (!~ \"y\" /b/))"
        );
        assert_eq!(lambda("lambda: (1 + 2) * 3"), "(* (paren (+ 1 2)) 3)");
        assert_eq!(lambda("sigma(\"x\") > 3.5"), "(> (call sigma \"x\") 3.5)");
        assert_eq!(lambda("a % 2 / 3"), "(/ (% a 2) 3)");
        assert_eq!(lambda("--5"), "(- (- 5))");
    }

    #[test]
    fn statements_without_separators() {
        assert_eq!(
            stmts("var a = stream|from()\na|window()"),
            vec!["var a = (|from stream)", "(|window a)"]
        );
        assert_eq!(
            stmts("dbrp \"telegraf\".\"autogen\"\nvar x int\nvar p = 5m * 2 stream|from().where(lambda: \"a\" > x)"),
            vec![
                "dbrp telegraf.autogen",
                "var x int",
                "var p = (* 5m 2)",
                "(.where (|from stream) (lambda (> \"a\" x)))"
            ]
        );
        // A minus on the next line continues the expression, as in Kapacitor.
        assert_eq!(stmts("var a = 5\n- 2"), vec!["var a = (- 5 2)"]);
    }

    #[test]
    fn chains_are_left_associative() {
        assert_eq!(
            stmts("stream|from().measurement('cpu')@udf(1).field|alert()"),
            vec!["(|alert (.field (@udf (.measurement (|from stream) 'cpu') 1)))"]
        );
        assert_eq!(
            stmts("batch|query('''SELECT 1''').groupBy(time(1m), *)"),
            vec!["(.groupBy (|query batch '''SELECT 1''') (call time 1m) *)"]
        );
        assert_eq!(
            stmts("var l = ['a', b, *]\nvar f = lambda: TRUE\nx|join(a, b).as('a', 'b')"),
            vec![
                "var l = ['a' b *]",
                "var f = (lambda true)",
                "(.as (|join x a b) 'a' 'b')"
            ]
        );
    }

    #[test]
    fn spans_cover_nodes() {
        let p = ok("var x = 1 + 23");
        let Statement::Var { value, span, name } = &p.statements[0] else {
            panic!()
        };
        assert_eq!((span.start, span.end), (0, 14));
        assert_eq!((name.span.start, name.span.end), (4, 5));
        assert_eq!((value.span.start, value.span.end), (8, 14));
        let ExprKind::Binary { op_span, right, .. } = &value.kind else {
            panic!()
        };
        assert_eq!((op_span.start, op_span.end), (10, 11));
        assert_eq!((right.span.start, right.span.end), (12, 14));
    }

    #[test]
    fn comments_are_kept() {
        let p = ok("// head\nstream // tail\n    |from()");
        assert_eq!(p.comments.len(), 2);
        assert_eq!(p.comments[0].text, " head");
    }

    #[test]
    fn missing_paren_message() {
        let d = errs("stream\n    |from(\n    |alert()");
        assert_eq!(
            d[0].message,
            "expected `)` to close the call to `from`, found `|`"
        );
        assert_eq!(d[0].code, Code::UnclosedDelimiter);
    }

    #[test]
    fn chain_without_parens() {
        let d = errs("stream\n    |from\n        .measurement('cpu')");
        assert_eq!(d[0].code, Code::MissingCallParens);
        assert!(
            d[0].message.starts_with("expected `(` after `|from`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn several_errors_in_one_run() {
        let d = errs("var a = stream|from(\nvar b = 1 +\nvar c = )\nstream|window()");
        assert_eq!(d.len(), 3, "{d:#?}");
    }

    #[test]
    fn two_unit_duration() {
        let d = errs("var a = 1h30m");
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, Code::MultiUnitDuration);
        assert!(d[0].notes[0].contains("90m"), "{:?}", d[0].notes);
    }

    #[test]
    fn eof_error() {
        let d = errs("var x = ");
        assert_eq!(d[0].code, Code::UnexpectedEof);
        let d = errs("stream|from(");
        assert_eq!(d[0].code, Code::UnexpectedEof);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let n = 50_000;
        let deep = [
            format!("var x = {}1{}", "(".repeat(n), ")".repeat(n)),
            format!("var x = {}1", "-".repeat(n)),
            format!("var x = 1{}", " + 1".repeat(n)),
            format!("stream{}", "|window()".repeat(n)),
            format!("var f = lambda: {}\"a\"", "!".repeat(n)),
        ];
        for src in &deep {
            let d = errs(src);
            assert_eq!(d[0].code, Code::TooDeep, "{:?}", &src[..30]);
        }
        // Deep trees followed by a syntax error: the parser drops its partial
        // trees itself, which must not overflow the stack either.
        for src in [
            format!("var x = {}1{} )", "(".repeat(n), ")".repeat(n)),
            format!("var x = 1{} )", " + 1".repeat(n)),
            format!("var x = stream{} )", "|log()".repeat(n)),
        ] {
            errs(&src);
        }
        let (e, d) = parse_expression(&format!("{}1 )", "-".repeat(n)));
        assert!(e.is_none() && !d.is_empty());
        let (e, d) = parse_expression(&format!("{}1", "-".repeat(n)));
        assert!(e.is_none() && d[0].code == Code::TooDeep);
        // Just under the limit is fine.
        ok(&format!("var x = 1{}", " + 1".repeat(MAX_NESTING - 1)));
    }

    #[test]
    fn lex_errors_suppress_follow_on_syntax_errors() {
        let d = errs("stream|window().period(09)");
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, Code::BadNumber);
    }
}
