//! The InfluxQL `SELECT` statement a `query` node runs: parsed once, its
//! condition, dimensions and fill rewritten per run, and printed back as
//! InfluxQL's `SelectStatement.String()` prints it — identifiers quoted only
//! when needed (`telegraf.autogen.cpu`), floats with three decimals,
//! `BinaryExpr` as `lhs op rhs` without parentheses (only the source's
//! parentheses are kept), time literals in RFC3339Nano UTC.

mod lexer;
mod parser;

pub use parser::parse_select;

use crate::time::rfc3339_nano;
use compiler::golang::duration::duration_literal;
use std::fmt::{self, Write};

/// A statement that could not be parsed, with the byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at char {}", self.message, self.pos + 1)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    VarRef {
        name: String,
        ty: Option<String>,
    },
    Call {
        name: String,
        args: Vec<Expr>,
    },
    Distinct(String),
    Binary {
        op: &'static str,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Paren(Box<Expr>),
    Str(String),
    Number(f64),
    Integer(i64),
    Bool(bool),
    Duration(i64),
    /// Nanoseconds since the epoch.
    Time(i64),
    Regex(String),
    Wildcard {
        ty: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub expr: Expr,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Measurement {
        database: String,
        retention_policy: String,
        name: String,
        regex: Option<String>,
    },
    SubQuery(Box<Select>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Fill {
    Null,
    None,
    Previous,
    Linear,
    Integer(i64),
    Float(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub fields: Vec<Field>,
    pub into: Option<Source>,
    pub sources: Vec<Source>,
    pub condition: Option<Expr>,
    pub dimensions: Vec<Expr>,
    pub fill: Fill,
    /// `ORDER BY time DESC` when false.
    pub ascending: Option<bool>,
    pub limit: i64,
    pub offset: i64,
    pub slimit: i64,
    pub soffset: i64,
    pub tz: Option<String>,
}

fn quote_ident(out: &mut String, ident: &str) {
    out.push_str(&crate::influxdb::quote_ident(ident));
}

fn quote_string(out: &mut String, s: &str) {
    out.push_str(&crate::influxdb::quote_string(s));
}

fn write_regex(out: &mut String, re: &str) {
    out.push('/');
    out.push_str(&re.replace('/', "\\/"));
    out.push('/');
}

impl Expr {
    pub fn write(&self, out: &mut String) {
        match self {
            Expr::VarRef { name, ty } => {
                quote_ident(out, name);
                if let Some(t) = ty {
                    out.push_str("::");
                    out.push_str(t);
                }
            }
            Expr::Call { name, args } => {
                out.push_str(name);
                out.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    a.write(out);
                }
                out.push(')');
            }
            Expr::Distinct(v) => {
                out.push_str("DISTINCT ");
                out.push_str(v);
            }
            Expr::Binary { op, lhs, rhs } => {
                lhs.write(out);
                out.push(' ');
                out.push_str(op);
                out.push(' ');
                rhs.write(out);
            }
            Expr::Paren(e) => {
                out.push('(');
                e.write(out);
                out.push(')');
            }
            Expr::Str(s) => quote_string(out, s),
            // strconv.FormatFloat(v, 'f', 3, 64)
            Expr::Number(f) => {
                let _ = write!(out, "{f:.3}");
            }
            Expr::Integer(n) => {
                let _ = write!(out, "{n}");
            }
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Duration(d) => out.push_str(&duration_literal(*d)),
            Expr::Time(t) => {
                out.push('\'');
                out.push_str(&rfc3339_nano(*t));
                out.push('\'');
            }
            Expr::Regex(re) => write_regex(out, re),
            Expr::Wildcard { ty } => {
                out.push('*');
                if let Some(t) = ty {
                    out.push_str("::");
                    out.push_str(t);
                }
            }
        }
    }
}

impl Source {
    fn write(&self, out: &mut String) {
        match self {
            Source::Measurement {
                database,
                retention_policy,
                name,
                regex,
            } => {
                if !database.is_empty() {
                    quote_ident(out, database);
                    out.push('.');
                }
                if !retention_policy.is_empty() {
                    quote_ident(out, retention_policy);
                }
                if !database.is_empty() || !retention_policy.is_empty() {
                    out.push('.');
                }
                if !name.is_empty() {
                    quote_ident(out, name);
                } else if let Some(re) = regex {
                    write_regex(out, re);
                }
            }
            Source::SubQuery(s) => {
                out.push('(');
                s.write(out);
                out.push(')');
            }
        }
    }
}

impl Select {
    /// `SelectStatement.String()`.
    pub fn write(&self, out: &mut String) {
        out.push_str("SELECT ");
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            f.expr.write(out);
            if let Some(a) = &f.alias {
                out.push_str(" AS ");
                quote_ident(out, a);
            }
        }
        if let Some(t) = &self.into {
            out.push_str(" INTO ");
            t.write(out);
        }
        if !self.sources.is_empty() {
            out.push_str(" FROM ");
            for (i, s) in self.sources.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                s.write(out);
            }
        }
        if let Some(c) = &self.condition {
            out.push_str(" WHERE ");
            c.write(out);
        }
        if !self.dimensions.is_empty() {
            out.push_str(" GROUP BY ");
            for (i, d) in self.dimensions.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                d.write(out);
            }
        }
        match &self.fill {
            Fill::Null => {}
            Fill::None => out.push_str(" fill(none)"),
            Fill::Previous => out.push_str(" fill(previous)"),
            Fill::Linear => out.push_str(" fill(linear)"),
            // fmt's %v of the fill value.
            Fill::Integer(n) => {
                let _ = write!(out, " fill({n})");
            }
            Fill::Float(f) => {
                let _ = write!(
                    out,
                    " fill({})",
                    compiler::golang::float::format_float_v(*f)
                );
            }
        }
        if let Some(asc) = self.ascending {
            out.push_str(if asc {
                " ORDER BY time ASC"
            } else {
                " ORDER BY time DESC"
            });
        }
        if self.limit > 0 {
            let _ = write!(out, " LIMIT {}", self.limit);
        }
        if self.offset > 0 {
            let _ = write!(out, " OFFSET {}", self.offset);
        }
        if self.slimit > 0 {
            let _ = write!(out, " SLIMIT {}", self.slimit);
        }
        if self.soffset > 0 {
            let _ = write!(out, " SOFFSET {}", self.soffset);
        }
        if let Some(tz) = &self.tz {
            let _ = write!(out, " TZ('{tz}')");
        }
    }

    /// The (database, retention policy) of each measurement source.
    pub fn dbrps(&self) -> Vec<(String, String)> {
        self.sources
            .iter()
            .filter_map(|s| match s {
                Source::Measurement {
                    database,
                    retention_policy,
                    ..
                } => Some((database.clone(), retention_policy.clone())),
                Source::SubQuery(_) => None,
            })
            .collect()
    }
}

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}
