//! A recursive-descent parser for one InfluxQL `SELECT` statement, following
//! InfluxQL's grammar and operator precedence (OR < AND < comparisons <
//! `+ - | ^` < `* / % &`).

use super::lexer::{Lexer, Tok};
use super::{Expr, Field, Fill, ParseError, Select, Source};

/// Parse `text`: exactly one `SELECT` statement (a trailing `;` is allowed).
pub fn parse_select(text: &str) -> Result<Select, ParseError> {
    let mut p = Parser {
        lx: Lexer::new(text),
        peeked: None,
    };
    let stmt = p.select()?;
    if p.peek()? == &Tok::Semicolon {
        p.bump()?;
    }
    match p.peek()? {
        Tok::Eof => Ok(stmt),
        _ => Err(
            p.err_here("found more after the statement; a query must be a single SELECT statement")
        ),
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    /// The peeked token and the position before it.
    peeked: Option<(Tok, usize)>,
}

fn precedence(op: &str) -> u8 {
    match op {
        "OR" => 1,
        "AND" => 2,
        "=" | "!=" | "=~" | "!~" | "<" | "<=" | ">" | ">=" => 4,
        "+" | "-" | "|" | "^" => 5,
        "*" | "/" | "%" | "&" => 6,
        _ => 0,
    }
}

const TYPES: &[&str] = &[
    "float", "integer", "unsigned", "string", "boolean", "field", "tag", "time",
];

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<&Tok, ParseError> {
        if self.peeked.is_none() {
            let pos = self.lx.pos();
            let t = self.lx.next_tok()?;
            self.peeked = Some((t, pos));
        }
        Ok(&self.peeked.as_ref().expect("peeked").0)
    }

    fn bump(&mut self) -> Result<Tok, ParseError> {
        self.peek()?;
        Ok(self.peeked.take().expect("peeked").0)
    }

    /// Forget a peeked token so the lexer can scan something else (a regex).
    fn unpeek(&mut self) {
        if let Some((_, pos)) = self.peeked.take() {
            self.lx.set_pos(pos);
        }
    }

    fn err_here(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            pos: self.peeked.as_ref().map_or(self.lx.pos(), |p| p.1),
            message: message.into(),
        }
    }

    fn expect_keyword(&mut self, k: &str) -> Result<(), ParseError> {
        match self.bump()? {
            Tok::Keyword(w) if w == k => Ok(()),
            t => Err(self.err_here(format!("found {}, expected {k}", describe(&t)))),
        }
    }

    fn eat_keyword(&mut self, k: &str) -> Result<bool, ParseError> {
        if matches!(self.peek()?, Tok::Keyword(w) if *w == k) {
            self.bump()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ParseError> {
        let t = self.bump()?;
        if t == want {
            Ok(())
        } else {
            Err(self.err_here(format!("found {}, expected {what}", describe(&t))))
        }
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        match self.bump()? {
            Tok::Ident(s) => Ok(s),
            t => Err(self.err_here(format!("found {}, expected identifier", describe(&t)))),
        }
    }

    fn select(&mut self) -> Result<Select, ParseError> {
        self.expect_keyword("SELECT")?;
        let mut fields = Vec::new();
        loop {
            let expr = self.expr(0)?;
            let alias = if self.eat_keyword("AS")? {
                Some(self.ident()?)
            } else {
                None
            };
            fields.push(Field { expr, alias });
            if self.peek()? != &Tok::Comma {
                break;
            }
            self.bump()?;
        }
        let into = if self.eat_keyword("INTO")? {
            Some(self.measurement()?)
        } else {
            None
        };
        self.expect_keyword("FROM")?;
        let mut sources = Vec::new();
        loop {
            if self.peek()? == &Tok::LParen {
                self.bump()?;
                let sub = self.select()?;
                self.expect(Tok::RParen, ")")?;
                sources.push(Source::SubQuery(Box::new(sub)));
            } else {
                sources.push(self.measurement()?);
            }
            if self.peek()? != &Tok::Comma {
                break;
            }
            self.bump()?;
        }
        let mut stmt = Select {
            fields,
            into,
            sources,
            condition: None,
            dimensions: Vec::new(),
            fill: Fill::Null,
            ascending: None,
            limit: 0,
            offset: 0,
            slimit: 0,
            soffset: 0,
            tz: None,
        };
        if self.eat_keyword("WHERE")? {
            stmt.condition = Some(self.expr(0)?);
        }
        if self.eat_keyword("GROUP")? {
            self.expect_keyword("BY")?;
            loop {
                stmt.dimensions.push(self.expr(0)?);
                if self.peek()? != &Tok::Comma {
                    break;
                }
                self.bump()?;
            }
        }
        if matches!(self.peek()?, Tok::Ident(w) if w.eq_ignore_ascii_case("fill")) {
            self.bump()?;
            stmt.fill = self.fill()?;
        }
        if self.eat_keyword("ORDER")? {
            self.expect_keyword("BY")?;
            let mut asc = true;
            if matches!(self.peek()?, Tok::Ident(w) if w.eq_ignore_ascii_case("time")) {
                self.bump()?;
            }
            if self.eat_keyword("DESC")? {
                asc = false;
            } else {
                self.eat_keyword("ASC")?;
            }
            stmt.ascending = Some(asc);
        }
        for (k, slot) in [
            ("LIMIT", 0usize),
            ("OFFSET", 1),
            ("SLIMIT", 2),
            ("SOFFSET", 3),
        ] {
            if self.eat_keyword(k)? {
                let n = match self.bump()? {
                    Tok::Integer(n) if n >= 0 => n,
                    t => {
                        return Err(self.err_here(format!(
                            "found {}, expected integer after {k}",
                            describe(&t)
                        )))
                    }
                };
                match slot {
                    0 => stmt.limit = n,
                    1 => stmt.offset = n,
                    2 => stmt.slimit = n,
                    _ => stmt.soffset = n,
                }
            }
        }
        if matches!(self.peek()?, Tok::Ident(w) if w.eq_ignore_ascii_case("tz")) {
            self.bump()?;
            self.expect(Tok::LParen, "(")?;
            match self.bump()? {
                Tok::Str(s) => stmt.tz = Some(s),
                t => return Err(self.err_here(format!("found {}, expected string", describe(&t)))),
            }
            self.expect(Tok::RParen, ")")?;
        }
        Ok(stmt)
    }

    fn fill(&mut self) -> Result<Fill, ParseError> {
        self.expect(Tok::LParen, "(")?;
        let fill = match self.bump()? {
            Tok::Ident(w) if w.eq_ignore_ascii_case("null") => Fill::Null,
            Tok::Ident(w) if w.eq_ignore_ascii_case("none") => Fill::None,
            Tok::Ident(w) if w.eq_ignore_ascii_case("previous") => Fill::Previous,
            Tok::Ident(w) if w.eq_ignore_ascii_case("linear") => Fill::Linear,
            Tok::Integer(n) => Fill::Integer(n),
            Tok::Number(f) => Fill::Float(f),
            Tok::Op("-") => match self.bump()? {
                Tok::Integer(n) => Fill::Integer(-n),
                Tok::Number(f) => Fill::Float(-f),
                t => return Err(self.err_here(format!("found {}, expected number", describe(&t)))),
            },
            t => {
                return Err(self.err_here(format!(
                    "found {}, expected null, none, previous, linear or a number",
                    describe(&t)
                )))
            }
        };
        self.expect(Tok::RParen, ")")?;
        Ok(fill)
    }

    /// `[db.][rp.]name` or a regex as the last segment.
    fn measurement(&mut self) -> Result<Source, ParseError> {
        let mut segments: Vec<String> = Vec::new();
        let mut regex = None;
        loop {
            self.unpeek();
            if self.lx.at_regex() {
                regex = Some(self.lx.regex()?);
                break;
            }
            match self.peek()? {
                Tok::Ident(_) => segments.push(self.ident()?),
                Tok::Keyword(_) => {
                    let t = self.bump()?;
                    return Err(
                        self.err_here(format!("found {}, expected identifier", describe(&t)))
                    );
                }
                // An empty segment: `db..cpu`.
                Tok::Dot => segments.push(String::new()),
                t => {
                    let d = describe(t);
                    return Err(self.err_here(format!("found {d}, expected identifier")));
                }
            }
            if self.peek()? != &Tok::Dot {
                break;
            }
            self.bump()?;
            if segments.len() == 3 {
                return Err(self.err_here("too many segments in the measurement"));
            }
        }
        if regex.is_some() {
            segments.push(String::new());
        }
        let n = segments.len();
        if n > 3 {
            return Err(self.err_here("too many segments in the measurement"));
        }
        let get = |i: usize| segments.get(i).cloned().unwrap_or_default();
        let (database, retention_policy, name) = match n {
            3 => (get(0), get(1), get(2)),
            2 => (String::new(), get(0), get(1)),
            _ => (String::new(), String::new(), get(0)),
        };
        if let Some(re) = &regex {
            regex::Regex::new(re).map_err(|e| self.err_here(format!("invalid regex: {e}")))?;
        }
        Ok(Source::Measurement {
            database,
            retention_policy,
            name,
            regex,
        })
    }

    fn expr(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek()? {
                Tok::Op(op) => *op,
                Tok::Keyword("AND") => "AND",
                Tok::Keyword("OR") => "OR",
                _ => break,
            };
            let prec = precedence(op);
            if prec == 0 || prec <= min_prec {
                break;
            }
            self.bump()?;
            let rhs = if op == "=~" || op == "!~" {
                self.unpeek();
                if self.lx.at_regex() {
                    let re = self.lx.regex()?;
                    regex::Regex::new(&re)
                        .map_err(|e| self.err_here(format!("invalid regex: {e}")))?;
                    Expr::Regex(re)
                } else {
                    self.expr(prec)?
                }
            } else {
                self.expr(prec)?
            };
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        Ok(lhs)
    }

    fn cast(&mut self) -> Result<Option<String>, ParseError> {
        if self.peek()? != &Tok::DoubleColon {
            return Ok(None);
        }
        self.bump()?;
        let t = match self.bump()? {
            Tok::Ident(w) => w.to_ascii_lowercase(),
            Tok::Keyword(k) => k.to_ascii_lowercase(),
            t => return Err(self.err_here(format!("found {}, expected a type", describe(&t)))),
        };
        if !TYPES.contains(&t.as_str()) {
            return Err(self.err_here(format!("found {t}, expected a type")));
        }
        Ok(Some(t))
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let t = self.bump()?;
        Ok(match t {
            Tok::LParen => {
                let e = self.expr(0)?;
                self.expect(Tok::RParen, ")")?;
                Expr::Paren(Box::new(e))
            }
            Tok::Ident(name) => {
                if self.peek()? == &Tok::LParen {
                    self.bump()?;
                    let mut args = Vec::new();
                    if self.peek()? != &Tok::RParen {
                        loop {
                            args.push(self.expr(0)?);
                            if self.peek()? != &Tok::Comma {
                                break;
                            }
                            self.bump()?;
                        }
                    }
                    self.expect(Tok::RParen, ")")?;
                    Expr::Call { name, args }
                } else {
                    let ty = self.cast()?;
                    Expr::VarRef { name, ty }
                }
            }
            Tok::Keyword("DISTINCT") => match self.bump()? {
                Tok::Ident(v) => Expr::Distinct(v),
                Tok::LParen => {
                    let v = self.ident()?;
                    self.expect(Tok::RParen, ")")?;
                    Expr::Distinct(v)
                }
                t => {
                    return Err(
                        self.err_here(format!("found {}, expected identifier", describe(&t)))
                    )
                }
            },
            Tok::Keyword("TRUE") => Expr::Bool(true),
            Tok::Keyword("FALSE") => Expr::Bool(false),
            Tok::Str(s) => Expr::Str(s),
            Tok::Integer(n) => Expr::Integer(n),
            Tok::Number(f) => Expr::Number(f),
            Tok::Duration(d) => Expr::Duration(d),
            Tok::Op("*") => {
                let ty = self.cast()?;
                Expr::Wildcard { ty }
            }
            Tok::Op(sign @ ("-" | "+")) => {
                let neg = sign == "-";
                match self.peek()?.clone() {
                    Tok::Integer(n) => {
                        self.bump()?;
                        Expr::Integer(if neg { -n } else { n })
                    }
                    Tok::Number(f) => {
                        self.bump()?;
                        Expr::Number(if neg { -f } else { f })
                    }
                    Tok::Duration(d) => {
                        self.bump()?;
                        Expr::Duration(if neg { -d } else { d })
                    }
                    _ => {
                        let e = self.unary()?;
                        if neg {
                            Expr::Binary {
                                op: "*",
                                lhs: Box::new(Expr::Integer(-1)),
                                rhs: Box::new(e),
                            }
                        } else {
                            e
                        }
                    }
                }
            }
            t => {
                return Err(self.err_here(format!(
                    "found {}, expected identifier, string, number, bool",
                    describe(&t)
                )))
            }
        })
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => s.clone(),
        Tok::Keyword(k) => k.to_string(),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Integer(n) => n.to_string(),
        Tok::Number(f) => f.to_string(),
        Tok::Duration(d) => compiler::golang::duration::duration_literal(*d),
        Tok::Op(o) => o.to_string(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Dot => ".".into(),
        Tok::DoubleColon => "::".into(),
        Tok::Semicolon => ";".into(),
        Tok::Eof => "EOF".into(),
    }
}
