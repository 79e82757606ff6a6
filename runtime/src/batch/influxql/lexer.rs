//! InfluxQL's scanner, as far as a `SELECT` statement needs it: identifiers
//! (bare or double-quoted), keywords (case-insensitive, only when bare),
//! single-quoted strings, integers, floats, durations (a number directly
//! followed by a unit), operators and punctuation. Regex literals are only
//! scanned where the parser expects one (after `=~`/`!~`, in `FROM`), as
//! InfluxQL's parser asks its scanner for them.

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    /// A bare identifier that is one of InfluxQL's keywords, upper-cased.
    Keyword(&'static str),
    Str(String),
    Integer(i64),
    Number(f64),
    /// Nanoseconds.
    Duration(i64),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Dot,
    DoubleColon,
    Semicolon,
    Eof,
}

use crate::influxdb::keyword;

pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_ident_first(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            pos: self.pos,
            message: message.into(),
        }
    }

    fn skip_space(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("--") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(body) = trimmed.strip_prefix("/*") {
                self.pos += 2 + body.find("*/").map_or(body.len(), |i| i + 2);
            } else {
                return;
            }
        }
    }

    /// The next token.
    pub fn next_tok(&mut self) -> Result<Tok, ParseError> {
        self.skip_space();
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(Tok::Eof);
        };
        if is_ident_first(c) {
            let len = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
            let word = &rest[..len];
            self.pos += len;
            return Ok(match keyword(word) {
                Some(k) => Tok::Keyword(k),
                None => Tok::Ident(word.to_string()),
            });
        }
        if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|c: char| c.is_ascii_digit())) {
            return self.number();
        }
        let two = rest.get(..2).unwrap_or("");
        let (tok, len) = match two {
            "!=" => (Tok::Op("!="), 2),
            "<>" => (Tok::Op("!="), 2),
            "<=" => (Tok::Op("<="), 2),
            ">=" => (Tok::Op(">="), 2),
            "=~" => (Tok::Op("=~"), 2),
            "!~" => (Tok::Op("!~"), 2),
            "::" => (Tok::DoubleColon, 2),
            _ => match c {
                '"' => {
                    self.pos += 1;
                    return Ok(Tok::Ident(self.quoted('"')?));
                }
                '\'' => {
                    self.pos += 1;
                    return Ok(Tok::Str(self.quoted('\'')?));
                }
                '=' => (Tok::Op("="), 1),
                '<' => (Tok::Op("<"), 1),
                '>' => (Tok::Op(">"), 1),
                '+' => (Tok::Op("+"), 1),
                '-' => (Tok::Op("-"), 1),
                '*' => (Tok::Op("*"), 1),
                '/' => (Tok::Op("/"), 1),
                '%' => (Tok::Op("%"), 1),
                '&' => (Tok::Op("&"), 1),
                '|' => (Tok::Op("|"), 1),
                '^' => (Tok::Op("^"), 1),
                '(' => (Tok::LParen, 1),
                ')' => (Tok::RParen, 1),
                ',' => (Tok::Comma, 1),
                '.' => (Tok::Dot, 1),
                ';' => (Tok::Semicolon, 1),
                _ => return Err(self.err(format!("found {c:?}, expected a token"))),
            },
        };
        self.pos += len;
        Ok(tok)
    }

    /// A string or quoted identifier body after its opening quote, with
    /// InfluxQL's escapes (`\n`, `\\`, `\'`, `\"`).
    fn quoted(&mut self, quote: char) -> Result<String, ParseError> {
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(out);
            }
            if c == '\n' {
                break;
            }
            if c == '\\' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, '\'')) => out.push('\''),
                    Some((_, '"')) => out.push('"'),
                    Some((j, e)) => {
                        self.pos += j;
                        return Err(self.err(format!("bad escape \\{e}")));
                    }
                    None => break,
                }
                continue;
            }
            out.push(c);
        }
        Err(self.err("unterminated quoted text"))
    }

    fn number(&mut self) -> Result<Tok, ParseError> {
        let rest = self.rest();
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let text = &rest[..digits];
        let after = &rest[digits..];
        // A duration: an integer directly followed by a unit.
        let unit = ["ns", "ms", "u", "µ", "s", "m", "h", "d", "w"]
            .into_iter()
            .find(|u| {
                after.starts_with(u) && !after[u.len()..].starts_with(|c: char| is_ident_char(c))
            });
        if let Some(unit) = unit {
            if !text.contains('.') {
                let n: i64 = text
                    .parse()
                    .map_err(|_| self.err(format!("invalid duration {text}{unit}")))?;
                let scale = match unit {
                    "ns" => 1,
                    "u" | "µ" => 1_000,
                    "ms" => 1_000_000,
                    "s" => 1_000_000_000,
                    "m" => 60_000_000_000,
                    "h" => 3_600_000_000_000,
                    "d" => 86_400_000_000_000,
                    _ => 604_800_000_000_000,
                };
                let ns = n
                    .checked_mul(scale)
                    .ok_or_else(|| self.err(format!("duration {text}{unit} out of range")))?;
                self.pos += digits + unit.len();
                return Ok(Tok::Duration(ns));
            }
        }
        self.pos += digits;
        if text.contains('.') {
            text.parse()
                .map(Tok::Number)
                .map_err(|_| self.err(format!("invalid number {text}")))
        } else {
            match text.parse::<i64>() {
                Ok(n) => Ok(Tok::Integer(n)),
                // Too large for an integer: InfluxQL reads it as a float.
                Err(_) => text
                    .parse()
                    .map(Tok::Number)
                    .map_err(|_| self.err(format!("invalid number {text}"))),
            }
        }
    }

    /// A regex literal `/…/` at the current position (`\/` stands for `/`).
    pub fn regex(&mut self) -> Result<String, ParseError> {
        self.skip_space();
        if !self.rest().starts_with('/') {
            return Err(self.err("expected a regular expression"));
        }
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '/' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, '/')) => out.push('/'),
                    Some((_, e)) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => break,
                },
                '\n' => break,
                c => out.push(c),
            }
        }
        Err(self.err("unterminated regular expression"))
    }

    /// Whether the next non-space character is `/` (a regex source).
    pub fn at_regex(&mut self) -> bool {
        self.skip_space();
        self.rest().starts_with('/')
    }
}
