//! Which operand types each operator accepts (reference §5.2, Kapacitor's
//! `evaluationFuncs` keys) and the type it returns.

use crate::error::EvalError;
use crate::value::VType;
use compiler::ir::{BinaryOp, UnaryOp};

/// The result type of `left op right`, or `None` if Kapacitor has no
/// evaluation function for that combination.
pub fn binary_result(op: BinaryOp, l: VType, r: VType) -> Option<VType> {
    use BinaryOp::*;
    use VType::*;
    Some(match (op, l, r) {
        (And | Or, Bool, Bool) => Bool,
        (Eq | Ne, Bool, Bool) => Bool,
        (Eq | Ne | Lt | Le | Gt | Ge, Int | Float, Int | Float) => Bool,
        (Eq | Ne | Lt | Le | Gt | Ge, String, String) => Bool,
        (Eq | Ne | Lt | Le | Gt | Ge, Duration, Duration) => Bool,
        (RegexMatch | RegexNotMatch, String, Regex) => Bool,
        (Add | Sub | Mul | Div, Int, Int) => Int,
        (Add | Sub | Mul | Div, Float, Float) => Float,
        (Add, String, String) => String,
        (Add | Sub, Duration, Duration) => Duration,
        (Mul, Duration, Int | Float) | (Mul, Int | Float, Duration) => Duration,
        (Div, Duration, Int | Float) => Duration,
        (Div, Duration, Duration) => Int,
        (BinaryOp::Mod, Int, Int) => Int,
        _ => return None,
    })
}

/// Whether a type takes part in `op` on either side of any accepted
/// combination (Kapacitor's `typeToBinaryOperators`).
pub fn participates(op: BinaryOp, t: VType) -> bool {
    use VType::*;
    [Float, Int, String, Bool, Duration, Time, Regex]
        .iter()
        .any(|&o| binary_result(op, t, o).is_some() || binary_result(op, o, t).is_some())
}

/// Comparison and logical operators: their result type is bool whatever
/// their operands.
pub fn is_bool_operator(op: BinaryOp) -> bool {
    !matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
    )
}

/// The result type of a unary operator, or the error.
pub fn unary_result(op: UnaryOp, t: VType) -> Result<VType, EvalError> {
    match (op, t) {
        (UnaryOp::Neg, VType::Int | VType::Float | VType::Duration) => Ok(t),
        (UnaryOp::Not, VType::Bool) => Ok(VType::Bool),
        (UnaryOp::Neg, _) => Err(EvalError::InvalidUnary {
            op: "-",
            ty: t.name(),
        }),
        (UnaryOp::Not, _) => Err(EvalError::InvalidUnary {
            op: "!",
            ty: t.name(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_table_matches_reference() {
        use BinaryOp::*;
        use VType::*;
        assert_eq!(binary_result(Add, Int, Float), None);
        assert_eq!(binary_result(Lt, Int, Float), Some(Bool));
        assert_eq!(binary_result(Div, Duration, Duration), Some(Int));
        assert_eq!(binary_result(Mul, Float, Duration), Some(Duration));
        assert_eq!(binary_result(Div, Int, Duration), None);
        assert_eq!(binary_result(Mod, Float, Float), None);
        assert_eq!(binary_result(Eq, Time, Time), None);
        assert_eq!(binary_result(Lt, Bool, Bool), None);
        assert!(participates(Add, String));
        assert!(!participates(Add, Bool));
        assert!(!participates(Mod, Float));
        assert!(participates(RegexMatch, Regex));
    }
}
