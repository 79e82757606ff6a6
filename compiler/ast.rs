//! The syntax tree of a TICKscript, every node with its span (reference §2.1).
//!
//! The AST is what was written: no names resolved, no types. It keeps enough
//! to print the script back (`fmt`): string quoting style, duration text,
//! parentheses and comments.

use crate::ir::{BinaryOp, UnaryOp};
use crate::span::{Span, Spanned};

pub type Ident = Spanned<String>;

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub statements: Vec<Statement>,
    /// Every `//` comment, in source order (the formatter re-attaches each run
    /// of comment lines to the statement or chain link that follows it).
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub span: Span,
    /// The text after `//`, without the line break.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `var name = value`
    Var {
        name: Ident,
        value: Expr,
        span: Span,
    },
    /// `var name type` (a template variable without a default).
    TypedVar {
        name: Ident,
        ty: Ident,
        span: Span,
    },
    /// `dbrp "db"."rp"`
    Dbrp {
        db: Spanned<String>,
        rp: Spanned<String>,
        span: Span,
    },
    Expr(Expr),
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Var { span, .. }
            | Statement::TypedVar { span, .. }
            | Statement::Dbrp { span, .. } => *span,
            Statement::Expr(e) => e.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringStyle {
    /// `'...'`
    Single,
    /// `'''...'''`
    Triple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainOp {
    /// `|name(args)`: creates a node.
    Pipe,
    /// `.name(args)` or `.name`: a property.
    Dot,
    /// `@name(args)`: a UDF.
    At,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A bare identifier: a variable, `stream`, `batch`, or (inside a lambda) a var to inline.
    Ident(String),
    Int(i64),
    Float(f64),
    /// The decoded value and how it was quoted.
    String(String, StringStyle),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// Nanoseconds and the literal as written (`5m`).
    Duration {
        nanos: i64,
        text: String,
    },
    /// The pattern, escapes removed.
    Regex(String),
    Star,
    /// `"name"`
    Reference(String),
    /// `lambda: expr`
    Lambda(Box<Expr>),
    /// `[a, b, *]`
    List(Vec<Expr>),
    /// `(expr)`, kept so the formatter prints what was written.
    Paren(Box<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        op_span: Span,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// A function call `name(args)`: `time(1m)` at top level, builtins inside lambdas.
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    /// `target|name(args)`, `target.name(args)`, `target.name`, `target@name(args)`.
    /// `args` is `None` only for a property read without parentheses.
    Chain {
        target: Box<Expr>,
        op: ChainOp,
        name: Ident,
        args: Option<Vec<Expr>>,
    },
}
