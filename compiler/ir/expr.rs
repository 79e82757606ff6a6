//! Typed lambda expressions: what `lambda: ...` becomes after checking.
//!
//! Variables have been substituted (reference §2.2), literal-only
//! subexpressions folded, and every node carries its inferred `Type`
//! (`Dynamic` where it depends on a reference's per-point type). The VM lowers
//! this to bytecode; the JIT translates it directly.

use crate::catalog::builtins::Builtin;
use crate::span::Span;
use crate::types::Type;
use serde::{Deserialize, Serialize};

/// A checked lambda, ready to compile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lambda {
    pub expr: Expr,
    /// Canonical source text of the body (as the formatter prints it), used in
    /// messages, the `ir` text form and the API's `vars`.
    pub source: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Const(Const),
    /// `"name"`: a field, a tag, or the point time for `"time"` (§5.1).
    Reference(String),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Call {
        func: Builtin,
        args: Vec<Expr>,
    },
    /// A lambda variable inlined into another lambda. It keeps its own
    /// stateful-function state, shared across groups (§5.5).
    Nested(Box<Expr>),
}

/// A literal value inside a lambda.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Const {
    Float(f64),
    Int(i64),
    String(String),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
    /// The pattern text, Go RE2 syntax (compiled by the engines with `regex`).
    Regex(String),
}

impl Const {
    pub fn ty(&self) -> Type {
        match self {
            Const::Float(_) => Type::Float,
            Const::Int(_) => Type::Int,
            Const::String(_) => Type::String,
            Const::Bool(_) => Type::Bool,
            Const::Duration(_) => Type::Duration,
            Const::Regex(_) => Type::Regex,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    RegexMatch,
    RegexNotMatch,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    /// The operator as written in TICKscript.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "OR",
            BinaryOp::And => "AND",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::RegexMatch => "=~",
            BinaryOp::RegexNotMatch => "!~",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }

    /// Precedence from reference §1.3 (higher binds tighter).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 0,
            BinaryOp::And => 1,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::RegexMatch | BinaryOp::RegexNotMatch => 2,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 5,
        }
    }
}
