//! Typed errors of the lambda engine. `Display` is Kapacitor's message text,
//! because that is what users see in logs and in `tickc eval` output.

use compiler::catalog::builtins::Builtin;
use compiler::ir::BinaryOp;
use compiler::span::Span;
use std::fmt;

/// Which operand of a binary operator an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// Why an operator's operands were rejected (reference §5.2).
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// `left reference value "x" is missing value`: a missing reference used
    /// directly by the top-level binary operator.
    MissingReference { side: Side, name: String },
    /// `invalid math operator + for type boolean`: the left operand's type
    /// takes no part in this operator at all (Kapacitor only checks the left
    /// type here; nested operators report missing values this way too, as
    /// `... for type missing`).
    InvalidOperator { op: BinaryOp, ty: &'static str },
    /// `mismatched type to binary operator. got int + float. see bool(), ...`
    MismatchedTypes {
        left: &'static str,
        op: BinaryOp,
        right: &'static str,
    },
    /// A unary operator on a type it does not accept (`-true`, `!1`).
    InvalidUnary { op: &'static str, ty: &'static str },
    /// `TypeGuard: expression returned unexpected type float, expected boolean`
    TypeGuard { got: &'static str },
    /// Integer `/ 0` or `% 0` (a Go runtime panic, reported per point).
    DivideByZero,
    /// `duration overflow: 2562047h47m16.854775807s + 1ns is outside the
    /// range of a duration (...)`: duration arithmetic whose result does not
    /// fit in int64 nanoseconds (`ops::duration`). Go, hence Kapacitor, wraps
    /// silently here; a wrong time is worse than a dropped point. `right` is
    /// `None` for unary minus.
    DurationOverflow {
        left: Operand,
        op: &'static str,
        right: Option<Operand>,
    },
    /// `cannot have field and tags with same name "x"`
    FieldTagConflict { name: String },
    /// `Cannot call function "f" argument "x" is missing, values in scope are [a, b]`
    /// (the other references of the expression, sorted).
    MissingArgument {
        func: Builtin,
        args: Vec<String>,
        scope: Vec<String>,
    },
    /// `Cannot call function "f" with args ("x": int), available signatures are [(float)].`
    WrongSignature {
        func: Builtin,
        /// (argument source text, type name)
        args: Vec<(String, &'static str)>,
    },
    /// `error calling "f": <reason>`: the builtin itself failed.
    Call { func: Builtin, reason: String },
    /// `Failed to handle 2 argument: <inner>`: an error inside a call's argument.
    Argument { index: usize, inner: Box<EvalError> },
    /// An engine invariant was broken (a bug, never a user error); reported
    /// instead of panicking.
    Internal(String),
}

/// An operand quoted in an error message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    Duration(i64),
    Int(i64),
    Float(f64),
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Duration(d) => f.write_str(&compiler::golang::duration_string(*d)),
            Operand::Int(n) => write!(f, "{n}"),
            Operand::Float(x) => f.write_str(&compiler::golang::format_float_v(*x)),
        }
    }
}

impl EvalError {
    /// Wrap as the error of a builtin call's `index`-th (0-based) argument.
    pub fn in_argument(self, index: usize) -> EvalError {
        EvalError::Argument {
            index,
            inner: Box::new(self),
        }
    }
}

/// The kind Kapacitor names in `invalid <kind> operator` messages.
pub fn operator_kind(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Add | Sub | Mul | Div | Mod => "math",
        Eq | Ne | Lt | Le | Gt | Ge | RegexMatch | RegexNotMatch => "comparison",
        And | Or => "logical",
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::MissingReference { side, name } => {
                write!(f, "{} reference value \"{}\" is missing value", side.word(), name)
            }
            EvalError::InvalidOperator { op, ty } => write!(
                f,
                "invalid {} operator {} for type {}",
                operator_kind(*op),
                op.symbol(),
                ty
            ),
            EvalError::MismatchedTypes { left, op, right } => write!(
                f,
                "mismatched type to binary operator. got {} {} {}. see bool(), int(), float(), string(), duration()",
                left,
                op.symbol(),
                right
            ),
            EvalError::InvalidUnary { op, ty } => {
                write!(f, "invalid unary operator {op} for type {ty}")
            }
            EvalError::TypeGuard { got } => write!(
                f,
                "TypeGuard: expression returned unexpected type {got}, expected boolean"
            ),
            EvalError::DivideByZero => f.write_str("runtime error: integer divide by zero"),
            EvalError::DurationOverflow { left, op, right } => {
                f.write_str("duration overflow: ")?;
                match right {
                    Some(r) => write!(f, "{left} {op} {r}")?,
                    None => write!(f, "{op}({left})")?,
                }
                write!(
                    f,
                    " is outside the range of a duration (±{})",
                    compiler::golang::duration_string(i64::MAX)
                )
            }
            EvalError::FieldTagConflict { name } => {
                write!(f, "cannot have field and tags with same name \"{name}\"")
            }
            EvalError::MissingArgument { func, args, scope } => {
                let (noun, verb) = if args.len() > 1 {
                    ("arguments", "are")
                } else {
                    ("argument", "is")
                };
                write!(
                    f,
                    "Cannot call function \"{}\" {noun} {} {verb} missing, values in scope are [{}]",
                    func.name(),
                    args.join(", "),
                    scope.join(", ")
                )
            }
            EvalError::WrongSignature { func, args } => {
                // Kapacitor's layout: `(lit: type,lit: type)` and `[(float), (int,float)]`.
                write!(f, "Cannot call function \"{}\" with args (", func.name())?;
                for (i, (text, ty)) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{text}: {ty}")?;
                }
                f.write_str("), available signatures are [")?;
                for (i, sig) in func.spec().signatures.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str("(")?;
                    for (j, p) in sig.params.iter().enumerate() {
                        if j > 0 {
                            f.write_str(",")?;
                        }
                        f.write_str(crate::value::go_type_name(*p))?;
                    }
                    f.write_str(")")?;
                }
                f.write_str("].")
            }
            EvalError::Call { func, reason } => {
                write!(f, "error calling \"{}\": {}", func.name(), reason)
            }
            EvalError::Argument { index, inner } => {
                write!(f, "Failed to handle {} argument: {}", index + 1, inner)
            }
            EvalError::Internal(msg) => write!(f, "internal lambda engine error: {msg}"),
        }
    }
}

impl std::error::Error for EvalError {}

/// A lambda the engines refuse to compile (the checker normally prevents these).
#[derive(Debug, Clone, PartialEq)]
pub enum CompileError {
    /// A regex literal that the `regex` crate rejects.
    BadRegex {
        pattern: String,
        reason: String,
        span: Span,
    },
    /// The expression needs more stack or constants than the bytecode encodes.
    TooComplex { reason: String, span: Span },
    /// A define-time-only type (lambda, list, star, node) inside a lambda.
    BadType {
        ty: compiler::types::Type,
        span: Span,
    },
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::BadRegex {
                pattern, reason, ..
            } => write!(f, "invalid regex /{pattern}/: {reason}"),
            CompileError::TooComplex { reason, .. } => {
                write!(f, "lambda too complex to compile: {reason}")
            }
            CompileError::BadType { ty, .. } => {
                write!(f, "a value of type {ty} cannot appear inside a lambda")
            }
        }
    }
}

impl std::error::Error for CompileError {}

impl CompileError {
    pub fn span(&self) -> Span {
        match self {
            CompileError::BadRegex { span, .. }
            | CompileError::TooComplex { span, .. }
            | CompileError::BadType { span, .. } => *span,
        }
    }
}
