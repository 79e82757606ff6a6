//! The TICKscript lexer (reference §1): source text to `(start, Token, end)`
//! triples with byte spans, plus the `//` comments on a side list.
//!
//! TICKscript's lexer has two states (§1.1). In *operand* state (at the start,
//! after `( [ , | @ =` and after operators) `/` starts a regex and `*` is the
//! star literal; in *operator* state (after an identifier, literal or `)`) they
//! divide and multiply, and `=` may only appear here. The logos automaton
//! recognises the characters; the callbacks of the state-dependent ones read
//! the state from the lexer's `extras`, which `Lexer` updates after every
//! significant token. Comments do not change the state.

use crate::ast::{Comment, StringStyle};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use logos::Logos;

/// A token as the grammar sees it. Literals carry their decoded value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token<'a> {
    Ident(&'a str),
    Var,
    Dbrp,
    True,
    False,
    And,
    Or,
    /// `lambda:` (no space before the colon).
    Lambda,
    Int(i64),
    Float(f64),
    Duration(DurationLit<'a>),
    Str(StrLit<'a>),
    /// `"name"`: the raw body between the quotes (see `unescape`).
    Reference(&'a str),
    /// `/pattern/`: the raw body between the slashes (see `unescape`).
    Regex(&'a str),
    /// `*` in operand position: the star literal.
    Star,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Pipe,
    At,
    /// Assignment `=`.
    Assign,
    Eq,
    Ne,
    RegexMatch,
    RegexNotMatch,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    /// `*` in operator position: multiply.
    Mul,
    Div,
    Mod,
    Not,
}

/// A duration literal: its value and the text as written (the formatter keeps it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationLit<'a> {
    pub nanos: i64,
    pub text: &'a str,
}

/// A string literal: its raw body (between the quotes) and quoting style.
/// Tokens borrow the source; values are decoded once, into the AST.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrLit<'a> {
    pub raw: &'a str,
    pub style: StringStyle,
}

impl StrLit<'_> {
    /// The decoded value: `\'` becomes `'` in single-quoted strings; triple-
    /// quoted strings have no escapes.
    pub fn value(&self) -> String {
        match self.style {
            StringStyle::Single => unescape(self.raw, '\''),
            StringStyle::Triple => self.raw.to_string(),
        }
    }
}

/// Decodes the body of a string (`'`), reference (`"`) or regex (`/`): the
/// only escape is a backslash before the closing character, which is dropped;
/// any other backslash stays.
pub fn unescape(raw: &str, quote: char) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut pattern = [0u8; 8];
    let escaped = format!("\\{}", quote.encode_utf8(&mut pattern));
    raw.replace(&escaped, quote.encode_utf8(&mut pattern))
}

impl Token<'_> {
    /// Whether the lexer is in operator state after this token (§1.1). As in
    /// Kapacitor, that is after every identifier-like word (keywords
    /// included, even `AND`, `OR` and `lambda:`), number, duration, string,
    /// reference and `)`; but not after `]`, a regex or the star.
    fn ends_operand(&self) -> bool {
        matches!(
            self,
            Token::Ident(_)
                | Token::Var
                | Token::Dbrp
                | Token::True
                | Token::False
                | Token::And
                | Token::Or
                | Token::Lambda
                | Token::Int(_)
                | Token::Float(_)
                | Token::Duration(_)
                | Token::Str(_)
                | Token::Reference(_)
                | Token::RParen
        )
    }

    /// How the token reads in a message: punctuation in backticks, literals by kind.
    pub fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("identifier `{s}`"),
            Token::Int(_) | Token::Float(_) => "a number".to_string(),
            Token::Duration(d) => format!("duration `{}`", d.text),
            Token::Str(_) => "a string".to_string(),
            Token::Reference(r) => format!("reference `\"{r}\"`"),
            Token::Regex(_) => "a regex".to_string(),
            other => format!("`{}`", other.symbol()),
        }
    }

    /// The fixed text of a keyword or punctuation token ("" for literals).
    pub fn symbol(&self) -> &'static str {
        match self {
            Token::Var => "var",
            Token::Dbrp => "dbrp",
            Token::True => "TRUE",
            Token::False => "FALSE",
            Token::And => "AND",
            Token::Or => "OR",
            Token::Lambda => "lambda:",
            Token::Star | Token::Mul => "*",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Dot => ".",
            Token::Pipe => "|",
            Token::At => "@",
            Token::Assign => "=",
            Token::Eq => "==",
            Token::Ne => "!=",
            Token::RegexMatch => "=~",
            Token::RegexNotMatch => "!~",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Div => "/",
            Token::Mod => "%",
            Token::Not => "!",
            _ => "",
        }
    }
}

/// What went wrong while lexing; `LexError` adds the span.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LexErrorKind {
    #[default]
    UnexpectedChar,
    LeadingUnderscore,
    UnterminatedString,
    UnterminatedRawString,
    UnterminatedReference,
    UnterminatedRegex,
    /// `09`: a leading zero makes the number octal.
    BadOctal,
    IntOverflow,
    FloatOutOfRange,
    MultipleDecimalPoints,
    /// `1.5h`
    FractionalDuration,
    /// `5ns`
    NanosecondDuration,
    DurationOverflow,
    /// `=`, `<`, `+` ... where a value is expected.
    OperatorInOperandPosition(&'static str),
    /// `lambda :`
    LambdaSpace,
    /// `1h30m`: a duration directly followed by another; carries the first
    /// literal's text and the total, for the hint.
    MultiUnitDuration {
        first: String,
        total_nanos: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub kind: LexErrorKind,
    pub span: Span,
}

impl LexError {
    pub fn to_diagnostic(&self, source: &str) -> Diagnostic {
        let text = source.get(self.span.range()).unwrap_or("");
        let span = self.span;
        use LexErrorKind as K;
        match &self.kind {
            K::UnexpectedChar if text.chars().nth(1).is_some() => {
                Diagnostic::error(Code::UnexpectedChar, "unexpected characters")
                    .with_primary(span, "no token starts with these characters")
            }
            K::UnexpectedChar => {
                let c = text.chars().next().unwrap_or(' ');
                Diagnostic::error(Code::UnexpectedChar, format!("unexpected character `{c}`"))
                    .with_primary(span, "no token starts with this character")
            }
            K::LeadingUnderscore => Diagnostic::error(
                Code::LeadingUnderscore,
                format!("identifier `{text}` starts with `_`"),
            )
            .with_primary(span, "identifiers must start with a letter"),
            K::UnterminatedString => {
                Diagnostic::error(Code::UnterminatedString, "unterminated string")
                    .with_primary(
                        Span::new(span.start as usize, span.start as usize + 1),
                        "this `'` is never closed",
                    )
                    .with_note("hint: a string ends at the next `'` that is not escaped as `\\'`")
            }
            K::UnterminatedRawString => Diagnostic::error(
                Code::UnterminatedString,
                "unterminated triple-quoted string",
            )
            .with_primary(
                Span::new(span.start as usize, span.start as usize + 3),
                "this `'''` is never closed",
            ),
            K::UnterminatedReference => {
                Diagnostic::error(Code::UnterminatedString, "unterminated reference").with_primary(
                    Span::new(span.start as usize, span.start as usize + 1),
                    "this `\"` is never closed",
                )
            }
            K::UnterminatedRegex => {
                Diagnostic::error(Code::UnterminatedString, "unterminated regex")
                    .with_primary(
                        Span::new(span.start as usize, span.start as usize + 1),
                        "this `/` is never closed",
                    )
                    .with_note("hint: write a `/` inside a regex as `\\/`")
            }
            K::BadOctal => Diagnostic::error(
                Code::BadNumber,
                format!("invalid number `{text}`: a leading `0` makes it octal"),
            )
            .with_primary(span, "octal numbers use only the digits 0-7")
            .with_note(format!(
                "hint: write `{}` without the leading zero",
                text.trim_start_matches('0')
            )),
            K::IntOverflow => {
                Diagnostic::error(Code::BadNumber, format!("integer `{text}` is too large"))
                    .with_primary(span, "does not fit in a 64-bit integer")
            }
            K::FloatOutOfRange => {
                Diagnostic::error(Code::BadNumber, format!("number `{text}` is out of range"))
                    .with_primary(span, "does not fit in a 64-bit float")
            }
            K::MultipleDecimalPoints => Diagnostic::error(
                Code::BadNumber,
                format!("number `{text}` has more than one `.`"),
            )
            .with_primary(span, "multiple decimal points"),
            K::FractionalDuration => Diagnostic::error(
                Code::BadDuration,
                format!("duration `{text}` has a fractional count"),
            )
            .with_primary(span, "durations take whole numbers only")
            .with_note("hint: use a smaller unit, e.g. `90m` instead of `1.5h`"),
            K::NanosecondDuration => Diagnostic::error(
                Code::BadDuration,
                format!("`{text}`: TICKscript has no nanosecond duration unit"),
            )
            .with_primary(span, "`ns` is not a duration unit")
            .with_note("hint: the units are `u` (or `µ`), `ms`, `s`, `m`, `h`, `d` and `w`"),
            K::DurationOverflow => {
                Diagnostic::error(Code::BadDuration, format!("duration `{text}` is too long"))
                    .with_primary(span, "does not fit in 64-bit nanoseconds")
            }
            K::OperatorInOperandPosition(op) => Diagnostic::error(
                Code::OperatorInOperandPosition,
                format!("unexpected `{op}` where a value is expected"),
            )
            .with_primary(span, "an operator cannot start an expression"),
            K::LambdaSpace => Diagnostic::error(
                Code::LambdaSpace,
                "unexpected `:` after `lambda`: `lambda:` takes no space before the colon",
            )
            .with_primary(span, "remove the space before this `:`")
            .with_note("hint: write `lambda: expression`"),
            K::MultiUnitDuration { first, total_nanos } => Diagnostic::error(
                Code::MultiUnitDuration,
                format!("`{first}{text}` is two durations: a duration literal has a single unit"),
            )
            .with_primary(span, "a second duration cannot follow the first")
            .with_note(format!(
                "hint: write the total in one unit, e.g. `{}`",
                suggest_single_unit(*total_nanos)
            )),
        }
    }
}

/// The largest unit that expresses `nanos` exactly, e.g. `90m`.
fn suggest_single_unit(nanos: i64) -> String {
    const UNITS: [&str; 7] = ["w", "d", "h", "m", "s", "ms", "u"];
    for unit in UNITS {
        let per = unit_nanos(unit).unwrap_or(1);
        if nanos % per == 0 {
            return format!("{}{unit}", nanos / per);
        }
    }
    format!("{}u", nanos / 1_000)
}

/// The lexer state of §1.1, kept in logos' `extras`.
#[derive(Debug, Clone, Copy)]
pub struct LexState {
    /// Operand state: a value is expected next.
    operand: bool,
    /// Right after `=~`, `!~` or assignment `=`: a `/` always starts a regex.
    after_match: bool,
}

impl Default for LexState {
    fn default() -> Self {
        LexState {
            operand: true,
            after_match: false,
        }
    }
}

type L<'a> = logos::Lexer<'a, Raw<'a>>;

/// What the `/` character turned out to be.
#[derive(Debug, Clone, PartialEq)]
enum Slash<'a> {
    Div,
    Regex(&'a str),
    Comment,
}

/// The raw logos token. State-dependent characters are resolved in callbacks;
/// `Lexer` maps these to `Token`.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(extras = LexState)]
#[logos(error = LexErrorKind)]
#[logos(skip r"\p{White_Space}+")]
enum Raw<'a> {
    #[regex(r"\p{L}[\p{L}\p{Nd}_]*")]
    Ident(&'a str),
    #[regex(r"_[\p{L}\p{Nd}_]*", fail_underscore)]
    Underscore,
    #[token("var")]
    Var,
    #[token("dbrp")]
    Dbrp,
    #[token("TRUE")]
    True,
    #[token("FALSE")]
    False,
    #[token("AND")]
    And,
    #[token("OR")]
    Or,
    #[token("lambda:")]
    Lambda,
    #[regex("[0-9]+", int)]
    Int(i64),
    #[regex(r"[0-9]+\.[0-9]*|\.[0-9]+", float)]
    Float(f64),
    #[regex("[0-9]+(u|µ|ms|s|m|h|d|w)", duration)]
    Duration(i64),
    #[regex("[0-9]+ns", fail_ns)]
    NsDuration,
    #[regex(r"([0-9]+\.[0-9]*|\.[0-9]+)(u|µ|ms|s|m|h|d|w)", fail_fractional)]
    FractionalDuration,
    #[token("'", string)]
    Str(StrLit<'a>),
    #[token("\"", reference)]
    Reference(&'a str),
    #[token("/", slash)]
    Slash(Slash<'a>),
    #[token("*", |lex| lex.extras.operand)]
    Star(bool),
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("|")]
    Pipe,
    #[token("@")]
    At,
    #[token("=", |lex| operator(lex, "="))]
    Assign,
    #[token("==", |lex| operator(lex, "=="))]
    Eq,
    #[token("=~", |lex| operator(lex, "=~"))]
    RegexMatch,
    #[token("!", bang)]
    Bang(Bang),
    #[token("<", |lex| operator(lex, "<"))]
    Lt,
    #[token("<=", |lex| operator(lex, "<="))]
    Le,
    #[token(">", |lex| operator(lex, ">"))]
    Gt,
    #[token(">=", |lex| operator(lex, ">="))]
    Ge,
    #[token("+", |lex| operator(lex, "+"))]
    Plus,
    #[token("%", |lex| operator(lex, "%"))]
    Mod,
    #[token("-")]
    Minus,
    /// A colon only belongs to `lambda:`; `Lexer` explains `lambda :`.
    #[token(":", fail_colon)]
    Colon,
}

fn fail_underscore(_: &mut L<'_>) -> Result<(), LexErrorKind> {
    Err(LexErrorKind::LeadingUnderscore)
}

fn fail_ns(_: &mut L<'_>) -> Result<(), LexErrorKind> {
    Err(LexErrorKind::NanosecondDuration)
}

fn fail_fractional(_: &mut L<'_>) -> Result<(), LexErrorKind> {
    Err(LexErrorKind::FractionalDuration)
}

fn fail_colon(_: &mut L<'_>) -> Result<(), LexErrorKind> {
    Err(LexErrorKind::UnexpectedChar)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bang {
    Not,
    Ne,
    RegexNotMatch,
}

/// Binary operators are only valid in operator state.
fn operator(lex: &mut L<'_>, op: &'static str) -> Result<(), LexErrorKind> {
    if lex.extras.operand {
        Err(LexErrorKind::OperatorInOperandPosition(op))
    } else {
        Ok(())
    }
}

fn bang(lex: &mut L<'_>) -> Bang {
    if lex.extras.operand {
        return Bang::Not;
    }
    match lex.remainder().as_bytes().first() {
        Some(b'=') => {
            lex.bump(1);
            Bang::Ne
        }
        Some(b'~') => {
            lex.bump(1);
            Bang::RegexNotMatch
        }
        _ => Bang::Not,
    }
}

fn int(lex: &mut L<'_>) -> Result<i64, LexErrorKind> {
    let s = lex.slice();
    if s.len() > 1 && s.starts_with('0') {
        if s.bytes().any(|b| b > b'7') {
            return Err(LexErrorKind::BadOctal);
        }
        return i64::from_str_radix(s, 8).map_err(|_| LexErrorKind::IntOverflow);
    }
    s.parse::<i64>().map_err(|_| LexErrorKind::IntOverflow)
}

fn float(lex: &mut L<'_>) -> Result<f64, LexErrorKind> {
    // A second `.` right after a number is an error, not a chain (`1.2.3`).
    let rest = lex.remainder().as_bytes();
    if rest.first() == Some(&b'.') {
        let extra = rest
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
        lex.bump(extra);
        return Err(LexErrorKind::MultipleDecimalPoints);
    }
    let v: f64 = lex
        .slice()
        .parse()
        .map_err(|_| LexErrorKind::FloatOutOfRange)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(LexErrorKind::FloatOutOfRange)
    }
}

/// Nanoseconds per unit; the longest unit text is matched by the regex.
pub fn unit_nanos(unit: &str) -> Option<i64> {
    Some(match unit {
        "u" | "µ" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3_600 * 1_000_000_000,
        "d" => 86_400 * 1_000_000_000,
        "w" => 7 * 86_400 * 1_000_000_000,
        _ => return None,
    })
}

fn duration(lex: &mut L<'_>) -> Result<i64, LexErrorKind> {
    let s = lex.slice();
    let digits_end = s.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, unit) = s.split_at(digits_end);
    let count: i64 = digits.parse().map_err(|_| LexErrorKind::DurationOverflow)?;
    let per = unit_nanos(unit).ok_or(LexErrorKind::FractionalDuration)?;
    count.checked_mul(per).ok_or(LexErrorKind::DurationOverflow)
}

fn string<'a>(lex: &mut L<'a>) -> Result<StrLit<'a>, LexErrorKind> {
    let rest = lex.remainder();
    if let Some(body) = rest.strip_prefix("''") {
        // `'''`: a raw string up to the next `'''`, with no escapes at all.
        return match body.find("'''") {
            Some(end) => {
                lex.bump(2 + end + 3);
                Ok(StrLit {
                    raw: &body[..end],
                    style: StringStyle::Triple,
                })
            }
            None => {
                lex.bump(rest.len());
                Err(LexErrorKind::UnterminatedRawString)
            }
        };
    }
    match find_close(rest, b'\'') {
        Some(end) => {
            lex.bump(end + 1);
            Ok(StrLit {
                raw: &rest[..end],
                style: StringStyle::Single,
            })
        }
        None => {
            lex.bump(rest.len());
            Err(LexErrorKind::UnterminatedString)
        }
    }
}

fn reference<'a>(lex: &mut L<'a>) -> Result<&'a str, LexErrorKind> {
    let rest = lex.remainder();
    match find_close(rest, b'"') {
        Some(end) => {
            lex.bump(end + 1);
            Ok(&rest[..end])
        }
        None => {
            lex.bump(rest.len());
            Err(LexErrorKind::UnterminatedReference)
        }
    }
}

/// The index of the closing `quote` in `rest`, skipping `\quote` escapes (any
/// other backslash is an ordinary character).
pub(crate) fn find_close(rest: &str, quote: u8) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn slash<'a>(lex: &mut L<'a>) -> Result<Slash<'a>, LexErrorKind> {
    let rest = lex.remainder();
    let after_match = lex.extras.after_match;
    if rest.starts_with('/') && !after_match {
        let len = rest.find('\n').unwrap_or(rest.len());
        lex.bump(len);
        return Ok(Slash::Comment);
    }
    if !lex.extras.operand {
        return Ok(Slash::Div);
    }
    match find_close(rest, b'/') {
        Some(end) => {
            lex.bump(end + 1);
            Ok(Slash::Regex(&rest[..end]))
        }
        None => {
            lex.bump(rest.len());
            Err(LexErrorKind::UnterminatedRegex)
        }
    }
}

/// A token with its byte span.
pub type Spanned<'a> = (usize, Token<'a>, usize);

/// The whole lexed script: significant tokens, comments, and every lex error.
#[derive(Debug, Default)]
pub struct Lexed<'a> {
    pub tokens: Vec<Spanned<'a>>,
    pub comments: Vec<Comment>,
    pub errors: Vec<LexError>,
}

/// An iterator over tokens that keeps lexing after errors; comments are
/// collected on the side.
pub struct Lexer<'a> {
    inner: L<'a>,
    source: &'a str,
    pub comments: Vec<Comment>,
    prev_ident_lambda_end: Option<usize>,
    /// The last duration token (end, text, nanos), to catch `1h30m`.
    prev_duration: Option<(usize, &'a str, i64)>,
}

impl<'a> Lexer<'a> {
    pub fn new(source: &'a str) -> Self {
        Lexer {
            inner: Raw::lexer(source),
            source,
            comments: Vec::new(),
            prev_ident_lambda_end: None,
            prev_duration: None,
        }
    }

    fn set_state(&mut self, tok: &Token<'_>) {
        self.inner.extras = LexState {
            operand: !tok.ends_operand(),
            after_match: matches!(
                tok,
                Token::Assign | Token::RegexMatch | Token::RegexNotMatch
            ),
        };
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<Spanned<'a>, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let raw = self.inner.next()?;
            let range = self.inner.span();
            let span = Span::new(range.start, range.end);
            let tok = match raw {
                Ok(raw) => raw,
                Err(mut kind) => {
                    if kind == LexErrorKind::UnexpectedChar
                        && self.source[range.clone()].starts_with(':')
                        && self.prev_ident_lambda_end.is_some()
                    {
                        kind = LexErrorKind::LambdaSpace;
                    }
                    self.prev_ident_lambda_end = None;
                    return Some(Err(LexError { kind, span }));
                }
            };
            let tok = match raw_to_token(tok, self.inner.slice()) {
                Some(t) => t,
                None => {
                    let text = &self.source[range.start + 2..range.end];
                    self.comments.push(Comment {
                        span,
                        text: text.strip_suffix('\r').unwrap_or(text).to_string(),
                    });
                    continue;
                }
            };
            if let Token::Duration(d) = &tok {
                if let Some((end, first, nanos)) = self.prev_duration.take() {
                    if end == range.start {
                        let kind = LexErrorKind::MultiUnitDuration {
                            first: first.to_string(),
                            total_nanos: nanos.saturating_add(d.nanos),
                        };
                        return Some(Err(LexError { kind, span }));
                    }
                }
                self.prev_duration = Some((range.end, d.text, d.nanos));
            } else {
                self.prev_duration = None;
            }
            self.prev_ident_lambda_end = matches!(tok, Token::Ident("lambda")).then_some(range.end);
            self.set_state(&tok);
            return Some(Ok((range.start, tok, range.end)));
        }
    }
}

/// Maps a raw token to a grammar token; `None` for a comment.
fn raw_to_token<'a>(raw: Raw<'a>, slice: &'a str) -> Option<Token<'a>> {
    Some(match raw {
        Raw::Ident(s) => Token::Ident(s),
        Raw::Var => Token::Var,
        Raw::Dbrp => Token::Dbrp,
        Raw::True => Token::True,
        Raw::False => Token::False,
        Raw::And => Token::And,
        Raw::Or => Token::Or,
        Raw::Lambda => Token::Lambda,
        Raw::Int(v) => Token::Int(v),
        Raw::Float(v) => Token::Float(v),
        Raw::Duration(nanos) => Token::Duration(DurationLit { nanos, text: slice }),
        Raw::Str(s) => Token::Str(s),
        Raw::Reference(s) => Token::Reference(s),
        Raw::Slash(Slash::Div) => Token::Div,
        Raw::Slash(Slash::Regex(r)) => Token::Regex(r),
        Raw::Slash(Slash::Comment) => return None,
        Raw::Star(true) => Token::Star,
        Raw::Star(false) => Token::Mul,
        Raw::LParen => Token::LParen,
        Raw::RParen => Token::RParen,
        Raw::LBracket => Token::LBracket,
        Raw::RBracket => Token::RBracket,
        Raw::Comma => Token::Comma,
        Raw::Dot => Token::Dot,
        Raw::Pipe => Token::Pipe,
        Raw::At => Token::At,
        Raw::Assign => Token::Assign,
        Raw::Eq => Token::Eq,
        Raw::RegexMatch => Token::RegexMatch,
        Raw::Bang(Bang::Not) => Token::Not,
        Raw::Bang(Bang::Ne) => Token::Ne,
        Raw::Bang(Bang::RegexNotMatch) => Token::RegexNotMatch,
        Raw::Lt => Token::Lt,
        Raw::Le => Token::Le,
        Raw::Gt => Token::Gt,
        Raw::Ge => Token::Ge,
        Raw::Plus => Token::Plus,
        Raw::Mod => Token::Mod,
        Raw::Minus => Token::Minus,
        // These variants only ever produce errors in their callbacks.
        Raw::Underscore | Raw::NsDuration | Raw::FractionalDuration | Raw::Colon => {
            unreachable!("error-only token")
        }
    })
}

/// Lexes a whole script, continuing past errors.
/// More lexical errors than this are not reported: past a few dozen, the
/// input is not a script (and a diagnostic per byte of a binary file helps
/// nobody).
pub const MAX_LEX_ERRORS: usize = 50;

/// Lexes a whole script, continuing past errors. A run of adjacent
/// unexpected characters is one error.
pub fn lex(source: &str) -> Lexed<'_> {
    let mut lexer = Lexer::new(source);
    let mut out = Lexed::default();
    // Scripts average five to six bytes per token: sized once, a big
    // script's token list is not copied over and over as it grows.
    out.tokens.reserve(source.len() / 5);
    for item in lexer.by_ref() {
        match item {
            Ok(t) => out.tokens.push(t),
            Err(e) => {
                let full = out.errors.len() >= MAX_LEX_ERRORS;
                match out.errors.last_mut() {
                    Some(prev)
                        if prev.kind == LexErrorKind::UnexpectedChar
                            && e.kind == LexErrorKind::UnexpectedChar
                            && prev.span.end == e.span.start =>
                    {
                        prev.span.end = e.span.end;
                    }
                    _ if full => {}
                    _ => out.errors.push(e),
                }
            }
        }
    }
    out.comments = lexer.comments;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token with its literal decoded, for comparisons.
    #[derive(Debug, PartialEq)]
    enum T<'a> {
        Tok(Token<'a>),
        Str(String, StringStyle),
        Reference(String),
        Regex(String),
    }

    impl<'a> PartialEq<Token<'a>> for T<'a> {
        fn eq(&self, other: &Token<'a>) -> bool {
            matches!(self, T::Tok(t) if t == other)
        }
    }

    fn toks(src: &str) -> Vec<T<'_>> {
        let l = lex(src);
        assert!(
            l.errors.is_empty(),
            "unexpected errors in {src:?}: {:?}",
            l.errors
        );
        l.tokens
            .into_iter()
            .map(|(_, t, _)| match t {
                Token::Str(s) => T::Str(s.value(), s.style),
                Token::Reference(r) => T::Reference(unescape(r, '"')),
                Token::Regex(r) => T::Regex(unescape(r, '/')),
                t => T::Tok(t),
            })
            .collect()
    }

    fn err(src: &str) -> LexErrorKind {
        let l = lex(src);
        l.errors
            .first()
            .unwrap_or_else(|| panic!("no error for {src:?}"))
            .kind
            .clone()
    }

    fn s(v: &str) -> T<'static> {
        T::Str(v.to_string(), StringStyle::Single)
    }

    #[test]
    fn identifiers_and_keywords() {
        assert_eq!(
            toks("var x dbrp TRUE FALSE AND OR true and varx"),
            vec![
                Token::Var,
                Token::Ident("x"),
                Token::Dbrp,
                Token::True,
                Token::False,
                Token::And,
                Token::Or,
                Token::Ident("true"),
                Token::Ident("and"),
                Token::Ident("varx"),
            ]
        );
        assert_eq!(toks("héllo_2"), vec![Token::Ident("héllo_2")]);
        assert_eq!(err("_x"), LexErrorKind::LeadingUnderscore);
    }

    #[test]
    fn lambda_keyword_needs_no_space() {
        assert_eq!(toks("lambda: 1"), vec![Token::Lambda, Token::Int(1)]);
        assert_eq!(toks("lambda"), vec![Token::Ident("lambda")]);
        assert_eq!(err("lambda : 1"), LexErrorKind::LambdaSpace);
        assert_eq!(err("x : 1"), LexErrorKind::UnexpectedChar);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("10 010 0"),
            vec![Token::Int(10), Token::Int(8), Token::Int(0)]
        );
        assert_eq!(
            toks(".5 5. 1.25"),
            vec![Token::Float(0.5), Token::Float(5.0), Token::Float(1.25)]
        );
        assert_eq!(toks("1e3"), vec![Token::Int(1), Token::Ident("e3")]);
        assert_eq!(err("09"), LexErrorKind::BadOctal);
        assert_eq!(err("99999999999999999999"), LexErrorKind::IntOverflow);
        assert_eq!(err("1.2.3"), LexErrorKind::MultipleDecimalPoints);
        assert_eq!(toks("9223372036854775807"), vec![Token::Int(i64::MAX)]);
    }

    #[test]
    fn durations() {
        let d = |nanos, text| Token::Duration(DurationLit { nanos, text });
        assert_eq!(
            toks("1u 2µ 3ms 4s 5m 6h 7d 1w"),
            vec![
                d(1_000, "1u"),
                d(2_000, "2µ"),
                d(3_000_000, "3ms"),
                d(4_000_000_000, "4s"),
                d(300_000_000_000, "5m"),
                d(6 * 3_600_000_000_000, "6h"),
                d(7 * 86_400_000_000_000, "7d"),
                d(7 * 86_400_000_000_000, "1w"),
            ]
        );
        assert_eq!(
            toks("5min"),
            vec![d(300_000_000_000, "5m"), Token::Ident("in")]
        );
        assert_eq!(
            err("1h30m"),
            LexErrorKind::MultiUnitDuration {
                first: "1h".into(),
                total_nanos: 5_400_000_000_000
            }
        );
        assert_eq!(
            toks("1h 30m"),
            vec![d(3_600_000_000_000, "1h"), d(1_800_000_000_000, "30m")]
        );
        assert_eq!(err("5ns"), LexErrorKind::NanosecondDuration);
        assert_eq!(err("1.5h"), LexErrorKind::FractionalDuration);
        assert_eq!(err("99999999999w"), LexErrorKind::DurationOverflow);
    }

    #[test]
    fn strings() {
        assert_eq!(toks(r"'a\'b'"), vec![s("a'b")]);
        assert_eq!(toks(r"'a\nb'"), vec![s(r"a\nb")]);
        assert_eq!(toks("''"), vec![s("")]);
        assert_eq!(toks("'multi\nline'"), vec![s("multi\nline")]);
        assert_eq!(
            toks("'''it's ''raw'' \\'''"),
            vec![T::Str("it's ''raw'' \\".into(), StringStyle::Triple)]
        );
        assert_eq!(err("'abc"), LexErrorKind::UnterminatedString);
        assert_eq!(err("'''abc''"), LexErrorKind::UnterminatedRawString);
    }

    #[test]
    fn references() {
        assert_eq!(toks(r#""a\"b""#), vec![T::Reference("a\"b".into())]);
        assert_eq!(err("\"abc"), LexErrorKind::UnterminatedReference);
    }

    #[test]
    fn operand_state_decides_slash_and_star() {
        assert_eq!(
            toks(r#""a" =~ /x\/y\d/"#),
            vec![
                T::Reference("a".into()),
                T::Tok(Token::RegexMatch),
                T::Regex(r"x/y\d".into())
            ]
        );
        assert_eq!(
            toks(r#""a" / 2"#),
            vec![
                T::Reference("a".into()),
                T::Tok(Token::Div),
                T::Tok(Token::Int(2))
            ]
        );
        assert_eq!(
            toks("(/x/)"),
            vec![
                T::Tok(Token::LParen),
                T::Regex("x".into()),
                T::Tok(Token::RParen)
            ]
        );
        assert_eq!(
            toks("f(*) 2 * 3"),
            vec![
                Token::Ident("f"),
                Token::LParen,
                Token::Star,
                Token::RParen,
                Token::Int(2),
                Token::Mul,
                Token::Int(3)
            ]
        );
        assert_eq!(err("/abc"), LexErrorKind::UnterminatedRegex);
        // Keywords leave operator state: `/` after `AND` divides; after `]`
        // and a regex we are back in operand state.
        assert_eq!(
            toks("AND / ]/x/ /y/"),
            vec![
                T::Tok(Token::And),
                T::Tok(Token::Div),
                T::Tok(Token::RBracket),
                T::Regex("x".into()),
                T::Regex("y".into())
            ]
        );
        assert_eq!(toks("lambda: *"), vec![Token::Lambda, Token::Mul]);
    }

    #[test]
    fn comments_go_to_the_side() {
        let l = lex("a // one\n// two\nb / c // three");
        assert!(l.errors.is_empty());
        let t: Vec<_> = l.tokens.into_iter().map(|(_, t, _)| t).collect();
        assert_eq!(
            t,
            vec![
                Token::Ident("a"),
                Token::Ident("b"),
                Token::Div,
                Token::Ident("c")
            ]
        );
        let c: Vec<_> = l.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(c, vec![" one", " two", " three"]);
        // A comment in operand state is still a comment.
        assert_eq!(
            toks("f( // x\n 1)"),
            vec![
                Token::Ident("f"),
                Token::LParen,
                Token::Int(1),
                Token::RParen
            ]
        );
    }

    #[test]
    fn operators_by_state() {
        assert_eq!(
            toks("a == b != c =~ d !~ e <= f >= g < h > i + j - k % l"),
            vec![
                Token::Ident("a"),
                Token::Eq,
                Token::Ident("b"),
                Token::Ne,
                Token::Ident("c"),
                Token::RegexMatch,
                Token::Ident("d"),
                Token::RegexNotMatch,
                Token::Ident("e"),
                Token::Le,
                Token::Ident("f"),
                Token::Ge,
                Token::Ident("g"),
                Token::Lt,
                Token::Ident("h"),
                Token::Gt,
                Token::Ident("i"),
                Token::Plus,
                Token::Ident("j"),
                Token::Minus,
                Token::Ident("k"),
                Token::Mod,
                Token::Ident("l"),
            ]
        );
        assert_eq!(
            toks("!-x"),
            vec![Token::Not, Token::Minus, Token::Ident("x")]
        );
        assert_eq!(err("(= 1"), LexErrorKind::OperatorInOperandPosition("="));
        assert_eq!(err("x = = 1"), LexErrorKind::OperatorInOperandPosition("="));
        assert_eq!(err("(< 1"), LexErrorKind::OperatorInOperandPosition("<"));
    }

    #[test]
    fn error_runs_are_merged_and_capped() {
        let l = lex("a ### b");
        assert_eq!(l.errors.len(), 1);
        assert_eq!((l.errors[0].span.start, l.errors[0].span.end), (2, 5));
        let junk = "# ".repeat(1000);
        assert_eq!(lex(&junk).errors.len(), MAX_LEX_ERRORS);
    }

    #[test]
    fn spans_are_bytes() {
        let l = lex("a 'é' b");
        let spans: Vec<_> = l.tokens.iter().map(|(s, _, e)| (*s, *e)).collect();
        assert_eq!(spans, vec![(0, 1), (2, 6), (7, 8)]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for src in [
            "'", "'''", "\"", "/", "=", "!", "µ", "5µ", "\u{0}", "'''''", "1.", ".", "..5", "5..",
            "0x", "\\",
        ] {
            let _ = lex(src);
        }
    }
}
