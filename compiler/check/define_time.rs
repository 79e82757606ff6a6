//! Define-time evaluation of an expression outside a lambda (reference §2.2).
//!
//! Kapacitor evaluates a binary expression outside a lambda right away: it
//! replaces the vars by their values and runs its lambda evaluator on an empty
//! scope (`tick/eval.go`, `BinaryNode`), so builtin calls work there too:
//! `var msg = 'fails: ' + string(name)`, `var n = int(sqrt(f)) * 3`. The
//! checker has already typed the expression and folded its operators on
//! constants (`lambda.rs`); this module evaluates what is left, the calls,
//! bottom-up. The function kernels are `crate::scalar`, the ones the VM runs,
//! so each function keeps one implementation.
//!
//! Covered: the math functions, `bool`/`int`/`float` of numbers and bools,
//! `string` of strings, ints, floats, bools and durations, `duration(d)` and
//! `duration(i, unit)`, and `if`. Functions whose kernels still live only in
//! the VM (parsing strings into numbers, bools and durations, the string, regex,
//! time and misc families) and the stateful and volatile ones give a
//! `DefineTimeCall` error naming the function, never a wrong value.

use super::lambda::{fold_binary, fold_unary};
use crate::catalog::builtins::Builtin;
use crate::ir::{BinaryOp, Const, Expr, ExprKind};
use crate::scalar::math;

/// Why an expression outside a lambda has no define-time value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DefineTimeError {
    /// A field reference or an inlined lambda: there is no point to read.
    NeedsPoint,
    /// A function this evaluator does not run at define time.
    Unsupported(Builtin),
    /// The function (or an operator) failed on these values.
    Failed {
        func: Option<Builtin>,
        reason: String,
    },
}

/// The value of a typed expression with no references.
pub(crate) fn evaluate(e: &Expr) -> Result<Const, DefineTimeError> {
    match &e.kind {
        ExprKind::Const(c) => Ok(c.clone()),
        ExprKind::Reference(_) | ExprKind::Nested(_) => Err(DefineTimeError::NeedsPoint),
        ExprKind::Unary { op, operand } => {
            let v = evaluate(operand)?;
            fold_unary(*op, &v).ok_or_else(|| failed(None, "invalid unary operand"))
        }
        ExprKind::Binary { op, left, right } => {
            let l = evaluate(left)?;
            // AND / OR short-circuit, as in the lambda evaluator.
            match (op, &l) {
                (BinaryOp::And, Const::Bool(false)) => return Ok(Const::Bool(false)),
                (BinaryOp::Or, Const::Bool(true)) => return Ok(Const::Bool(true)),
                _ => {}
            }
            let r = evaluate(right)?;
            match fold_binary(*op, &l, &r) {
                Ok(Some(c)) => Ok(c),
                Ok(None) => Err(failed(None, "invalid operands")),
                Err(reason) => Err(failed(None, &reason)),
            }
        }
        ExprKind::Call { func, args } => {
            let vals = args.iter().map(evaluate).collect::<Result<Vec<_>, _>>()?;
            call(*func, &vals)
        }
    }
}

fn failed(func: Option<Builtin>, reason: &str) -> DefineTimeError {
    DefineTimeError::Failed {
        func,
        reason: reason.to_string(),
    }
}

fn call(func: Builtin, args: &[Const]) -> Result<Const, DefineTimeError> {
    use Builtin::*;
    use Const as C;
    let unsupported = Err(DefineTimeError::Unsupported(func));
    let math = match args {
        [C::Float(x)] => math::math1(func, *x),
        [C::Float(x), C::Float(y)] => math::math2(func, *x, *y),
        _ => None,
    };
    if let Some(v) = math {
        return Ok(C::Float(v));
    }
    Ok(match (func, args) {
        (Pow10, [C::Int(n)]) => C::Float(math::pow10(*n)),
        (Jn | Yn, [C::Int(n), C::Float(x)]) => C::Float(
            math::bessel_n(func == Yn, *n, *x).map_err(|e| failed(Some(func), &e.to_string()))?,
        ),
        (BoolConv, [C::Bool(b)]) => C::Bool(*b),
        (BoolConv, [C::Int(i @ (0 | 1))]) => C::Bool(*i == 1),
        (BoolConv, [C::Float(f)]) if *f == 0.0 || *f == 1.0 => C::Bool(*f == 1.0),
        (BoolConv, [C::Int(i)]) => {
            return Err(failed(
                Some(func),
                &format!("cannot convert {i} to boolean"),
            ))
        }
        (IntConv, [C::Bool(b)]) => C::Int(*b as i64),
        (IntConv, [C::Int(i)]) => C::Int(*i),
        // Go truncates toward zero; in range, `as` is exactly that. Go's
        // result for NaN and out-of-range values is left to the VM.
        (IntConv, [C::Float(f)]) if f.abs() < 9_223_372_036_854_775_808.0 => C::Int(*f as i64),
        (FloatConv, [C::Bool(b)]) => C::Float(if *b { 1.0 } else { 0.0 }),
        (FloatConv, [C::Int(i)]) => C::Float(*i as f64),
        (FloatConv, [C::Float(f)]) => C::Float(*f),
        (StringConv, [C::Bool(b)]) => C::String(b.to_string()),
        (StringConv, [C::String(s)]) => C::String(s.clone()),
        (StringConv, [C::Int(i)]) => C::String(i.to_string()),
        // Go `strconv.FormatFloat(f, 'f', -1, 64)`: for finite values Rust's
        // `Display` is the same shortest round-trip text with no exponent.
        (StringConv, [C::Float(f)]) if f.is_finite() => C::String(f.to_string()),
        // InfluxQL's FormatDuration (`90s`, `1h`, `1500ms`): the front end's
        // one duration-literal writer, also used by the IR text.
        (StringConv, [C::Duration(d)]) => C::String(crate::ir::text::duration(*d)),
        (DurationConv, [C::Duration(d)]) => C::Duration(*d),
        (DurationConv, [C::Int(i), C::Duration(unit)]) => {
            C::Duration(i.checked_mul(*unit).ok_or_else(|| {
                failed(
                    Some(func),
                    "the duration overflows (more than about 292 years)",
                )
            })?)
        }
        (If, [C::Bool(c), a, b]) => {
            if *c {
                a.clone()
            } else {
                b.clone()
            }
        }
        _ => return unsupported,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use crate::types::Type;

    fn k(c: Const) -> Expr {
        Expr {
            ty: c.ty(),
            kind: ExprKind::Const(c),
            span: Span::default(),
        }
    }

    fn f(func: Builtin, args: Vec<Expr>, ty: Type) -> Expr {
        Expr {
            kind: ExprKind::Call { func, args },
            ty,
            span: Span::default(),
        }
    }

    #[test]
    fn nested_calls_and_operators() {
        // int(sqrt(16.0)) * 3 = int(4.0) * 3 = 4 * 3 = 12
        let e = Expr {
            kind: ExprKind::Binary {
                op: BinaryOp::Mul,
                left: Box::new(f(
                    Builtin::IntConv,
                    vec![f(Builtin::Sqrt, vec![k(Const::Float(16.0))], Type::Float)],
                    Type::Int,
                )),
                right: Box::new(k(Const::Int(3))),
            },
            ty: Type::Int,
            span: Span::default(),
        };
        assert_eq!(evaluate(&e), Ok(Const::Int(12)));
    }

    #[test]
    fn conversions() {
        let c = |func, a: Const| call(func, &[a]);
        assert_eq!(c(Builtin::IntConv, Const::Float(-2.7)), Ok(Const::Int(-2)));
        assert_eq!(
            c(Builtin::StringConv, Const::Float(0.1)),
            Ok(Const::String("0.1".into()))
        );
        assert_eq!(
            c(Builtin::StringConv, Const::Float(100.0)),
            Ok(Const::String("100".into()))
        );
        assert_eq!(
            c(Builtin::StringConv, Const::Duration(90_000_000_000)),
            Ok(Const::String("90s".into()))
        );
        assert!(matches!(
            c(Builtin::BoolConv, Const::Int(2)),
            Err(DefineTimeError::Failed { .. })
        ));
        assert_eq!(
            c(Builtin::StrToUpper, Const::String("a".into())),
            Err(DefineTimeError::Unsupported(Builtin::StrToUpper))
        );
        assert_eq!(
            c(Builtin::IntConv, Const::Float(f64::NAN)),
            Err(DefineTimeError::Unsupported(Builtin::IntConv))
        );
    }
}
