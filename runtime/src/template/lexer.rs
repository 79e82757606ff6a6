//! Lexer for Go `text/template` source: text runs and `{{ … }}` actions.
//!
//! Mirrors Go's lexer closely enough that the same templates tokenise the same
//! way: `{{-`/`-}}` trim markers (which need a space beside the dash), comments
//! `{{/* … */}}`, raw and interpreted strings, char constants, numbers, fields
//! (`.A.B`), variables (`$x`), `:=`, `=`, `|`, parentheses.

use super::TemplateError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Literal text between actions (already trimmed by `{{-`/`-}}`).
    Text(String),
    /// `{{`
    Open,
    /// `}}`
    Close,
    /// `.Name` (one field segment; a chain `.A.B` is several).
    Field(String),
    /// A lone `.`
    Dot,
    /// `$` or `$name`
    Variable(String),
    Ident(String),
    /// Keywords: if else end range with define template block nil true false break continue
    Keyword(&'static str),
    Str(String),
    Char(char),
    Number(String),
    Pipe,
    LParen,
    RParen,
    Declare,
    Assign,
    Comma,
    /// Spaces inside an action (significant: they separate arguments).
    Space,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    /// Byte offset in the source.
    pub pos: usize,
}

const KEYWORDS: &[&str] = &[
    "if", "else", "end", "range", "with", "define", "template", "block", "nil", "true", "false",
    "break", "continue",
];

pub fn lex(name: &str, src: &str) -> Result<Vec<Token>, TemplateError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |pos: usize, msg: String| TemplateError::parse(name, src, pos, msg);
    while i < b.len() {
        // Text up to the next `{{`.
        let start = i;
        let open = src[i..].find("{{").map(|o| i + o);
        let text_end = open.unwrap_or(b.len());
        let mut text = &src[start..text_end];
        if let Some(o) = open {
            // `{{- ` trims the whitespace before it.
            if is_left_trim(b, o) {
                text = text.trim_end_matches([' ', '\t', '\r', '\n']);
            }
        }
        if !text.is_empty() {
            out.push(Token {
                tok: Tok::Text(text.to_string()),
                pos: start,
            });
        }
        let Some(o) = open else { break };
        let mut j = o + 2;
        if is_left_trim(b, o) {
            j += 2;
        }
        // Comment?
        if src[j..].starts_with("/*") {
            let Some(end) = src[j..].find("*/") else {
                return Err(err(o, "unclosed comment".into()));
            };
            let mut k = j + end + 2;
            let mut trim_right = false;
            if src[k..].starts_with(" -}}") {
                trim_right = true;
                k += 4;
            } else if src[k..].starts_with("}}") {
                k += 2;
            } else {
                return Err(err(k, "comment ends before closing delimiter".into()));
            }
            i = k;
            if trim_right {
                i = skip_ws(b, i);
            }
            continue;
        }
        out.push(Token {
            tok: Tok::Open,
            pos: o,
        });
        // Inside an action.
        let mut depth = 0usize;
        loop {
            if j >= b.len() {
                return Err(err(o, "unclosed action".into()));
            }
            // Right delimiter, possibly with trim marker.
            if b[j] == b' ' && src[j..].starts_with(" -}}") {
                out.push(Token {
                    tok: Tok::Close,
                    pos: j + 2,
                });
                i = skip_ws(b, j + 4);
                break;
            }
            if src[j..].starts_with("}}") {
                if depth > 0 {
                    return Err(err(j, "unclosed left paren".into()));
                }
                out.push(Token {
                    tok: Tok::Close,
                    pos: j,
                });
                i = j + 2;
                break;
            }
            let c = b[j];
            let p = j;
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
                        if b[j] == b' ' && src[j..].starts_with(" -}}") {
                            break;
                        }
                        j += 1;
                    }
                    if out.last().map(|t| &t.tok) != Some(&Tok::Space) {
                        out.push(Token {
                            tok: Tok::Space,
                            pos: p,
                        });
                    }
                }
                b'|' => {
                    j += 1;
                    out.push(Token {
                        tok: Tok::Pipe,
                        pos: p,
                    });
                }
                b'(' => {
                    j += 1;
                    depth += 1;
                    out.push(Token {
                        tok: Tok::LParen,
                        pos: p,
                    });
                }
                b')' => {
                    j += 1;
                    if depth == 0 {
                        return Err(err(p, "unexpected right paren".into()));
                    }
                    depth -= 1;
                    out.push(Token {
                        tok: Tok::RParen,
                        pos: p,
                    });
                }
                b',' => {
                    j += 1;
                    out.push(Token {
                        tok: Tok::Comma,
                        pos: p,
                    });
                }
                b':' => {
                    if b.get(j + 1) != Some(&b'=') {
                        return Err(err(p, "expected :=".into()));
                    }
                    j += 2;
                    out.push(Token {
                        tok: Tok::Declare,
                        pos: p,
                    });
                }
                b'=' => {
                    j += 1;
                    out.push(Token {
                        tok: Tok::Assign,
                        pos: p,
                    });
                }
                b'"' => {
                    let (s, end) = lex_quoted(src, j).map_err(|m| err(p, m))?;
                    j = end;
                    out.push(Token {
                        tok: Tok::Str(s),
                        pos: p,
                    });
                }
                b'`' => {
                    let Some(end) = src[j + 1..].find('`') else {
                        return Err(err(p, "unterminated raw quoted string".into()));
                    };
                    out.push(Token {
                        tok: Tok::Str(src[j + 1..j + 1 + end].to_string()),
                        pos: p,
                    });
                    j = j + 2 + end;
                }
                b'\'' => {
                    let (s, end) = lex_char(src, j).map_err(|m| err(p, m))?;
                    j = end;
                    out.push(Token {
                        tok: Tok::Char(s),
                        pos: p,
                    });
                }
                b'$' => {
                    j += 1;
                    let s = j;
                    while j < b.len() && is_alnum(b[j]) {
                        j += 1;
                    }
                    out.push(Token {
                        tok: Tok::Variable(src[s..j].to_string()),
                        pos: p,
                    });
                    lex_field_chain(src, &mut j, &mut out);
                }
                b'.' => {
                    // A number like .5, a field, or dot.
                    if b.get(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                        let end = scan_number(b, j);
                        out.push(Token {
                            tok: Tok::Number(src[j..end].to_string()),
                            pos: p,
                        });
                        j = end;
                    } else {
                        lex_field_chain(src, &mut j, &mut out);
                        if j == p {
                            j += 1;
                            out.push(Token {
                                tok: Tok::Dot,
                                pos: p,
                            });
                        }
                    }
                }
                b'+' | b'-' | b'0'..=b'9' => {
                    let end = scan_number(b, j);
                    if end == j || (end == j + 1 && !b[j].is_ascii_digit()) {
                        return Err(err(p, format!("bad character {:?}", c as char)));
                    }
                    let text = &src[j..end];
                    if end < b.len() && is_alnum(b[end]) {
                        let bad_end = src[end..]
                            .chars()
                            .next()
                            .map_or(end, |c| end + c.len_utf8());
                        return Err(err(p, format!("bad number syntax: {:?}", &src[j..bad_end])));
                    }
                    out.push(Token {
                        tok: Tok::Number(text.to_string()),
                        pos: p,
                    });
                    j = end;
                }
                c if is_alnum(c) => {
                    let s = j;
                    while j < b.len() && is_alnum(b[j]) {
                        j += 1;
                    }
                    let word = &src[s..j];
                    match KEYWORDS.iter().find(|k| **k == word) {
                        Some(k) => out.push(Token {
                            tok: Tok::Keyword(k),
                            pos: p,
                        }),
                        None => out.push(Token {
                            tok: Tok::Ident(word.to_string()),
                            pos: p,
                        }),
                    }
                    lex_field_chain(src, &mut j, &mut out);
                }
                _ => {
                    let ch = src[j..].chars().next().unwrap_or('?');
                    return Err(err(p, format!("unrecognized character in action: {ch:?}")));
                }
            }
        }
    }
    Ok(out)
}

fn is_left_trim(b: &[u8], open: usize) -> bool {
    b.get(open + 2) == Some(&b'-') && matches!(b.get(open + 3), Some(b' ' | b'\t' | b'\r' | b'\n'))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

fn is_alnum(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80
}

/// `.A.B` directly after an operand (no spaces): field segments.
fn lex_field_chain(src: &str, j: &mut usize, out: &mut Vec<Token>) {
    let b = src.as_bytes();
    while *j < b.len()
        && b[*j] == b'.'
        && b.get(*j + 1)
            .is_some_and(|c| is_alnum(*c) && !c.is_ascii_digit())
    {
        let p = *j;
        *j += 1;
        let s = *j;
        while *j < b.len() && is_alnum(b[*j]) {
            *j += 1;
        }
        out.push(Token {
            tok: Tok::Field(src[s..*j].to_string()),
            pos: p,
        });
    }
}

fn scan_number(b: &[u8], mut j: usize) -> usize {
    if matches!(b.get(j), Some(b'+' | b'-')) {
        j += 1;
    }
    if b.get(j) == Some(&b'0') && matches!(b.get(j + 1), Some(b'x' | b'X')) {
        j += 2;
        while j < b.len() && (b[j].is_ascii_hexdigit() || b[j] == b'_') {
            j += 1;
        }
        return j;
    }
    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'_') {
        j += 1;
    }
    if b.get(j) == Some(&b'.') {
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if b.get(k).is_some_and(|c| c.is_ascii_digit()) {
            while k < b.len() && b[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    j
}

/// A Go interpreted string literal starting at `start` (the opening quote).
fn lex_quoted(src: &str, start: usize) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut it = src[start + 1..].char_indices();
    while let Some((o, c)) = it.next() {
        match c {
            '"' => return Ok((out, start + 1 + o + 1)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = it.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v = 0u32;
                        for _ in 0..n {
                            let d = it
                                .next()
                                .and_then(|(_, d)| d.to_digit(16))
                                .ok_or("invalid syntax in string escape")?;
                            v = v * 16 + d;
                        }
                        out.push(char::from_u32(v).ok_or("invalid syntax in string escape")?);
                    }
                    _ => return Err(format!("invalid syntax: unknown escape \\{e}")),
                }
            }
            c => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

fn lex_char(src: &str, start: usize) -> Result<(char, usize), String> {
    let rest = &src[start + 1..];
    let Some(end) = rest.find('\'') else {
        return Err("unterminated character constant".into());
    };
    let body = &rest[..end];
    let c = if let Some(esc) = body.strip_prefix('\\') {
        match esc {
            "n" => '\n',
            "t" => '\t',
            "\\" => '\\',
            "'" => '\'',
            "r" => '\r',
            _ => return Err(format!("invalid character constant '{body}'")),
        }
    } else {
        let mut cs = body.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => c,
            _ => return Err(format!("invalid character constant '{body}'")),
        }
    };
    Ok((c, start + 1 + end + 1))
}
