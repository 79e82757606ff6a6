//! Operator evaluation on values already type-checked together (the check
//! table ran first, so only combinations of `table.rs` reach here).

use super::duration;
use crate::bytecode::Op;
use crate::error::EvalError;
use crate::value::Value;
use std::sync::Arc;

fn internal(what: String) -> EvalError {
    EvalError::Internal(what)
}

/// Unary minus: ints wrap like Go, floats negate, durations are checked.
pub fn neg(v: Value) -> Result<Value, EvalError> {
    Ok(match v {
        Value::Int(i) => Value::Int(i.wrapping_neg()),
        Value::Float(f) => Value::Float(-f),
        Value::Duration(d) => Value::Duration(duration::neg(d)?),
        v => return Err(internal(format!("- on {}", v.type_name()))),
    })
}

/// A binary operator on two values. Integer arithmetic wraps like Go;
/// integer `/ 0` and `% 0` are errors; float arithmetic follows IEEE;
/// duration arithmetic is checked (`duration.rs`).
pub fn binary(op: Op, l: Value, r: Value) -> Result<Value, EvalError> {
    use Value::*;
    Ok(match (op, l, r) {
        (Op::Add, Int(a), Int(b)) => Int(a.wrapping_add(b)),
        (Op::Add, Float(a), Float(b)) => Float(a + b),
        (Op::Add, String(a), String(b)) => {
            let mut s = std::string::String::with_capacity(a.len() + b.len());
            s.push_str(&a);
            s.push_str(&b);
            String(Arc::from(s))
        }
        (Op::Add, Duration(a), Duration(b)) => Duration(duration::add(a, b)?),
        (Op::Sub, Int(a), Int(b)) => Int(a.wrapping_sub(b)),
        (Op::Sub, Float(a), Float(b)) => Float(a - b),
        (Op::Sub, Duration(a), Duration(b)) => Duration(duration::sub(a, b)?),
        (Op::Mul, Int(a), Int(b)) => Int(a.wrapping_mul(b)),
        (Op::Mul, Float(a), Float(b)) => Float(a * b),
        (Op::Mul, Duration(a), Int(b)) | (Op::Mul, Int(b), Duration(a)) => {
            Duration(duration::mul_int(a, b)?)
        }
        (Op::Mul, Duration(a), Float(b)) | (Op::Mul, Float(b), Duration(a)) => {
            Duration(duration::mul_float(a, b)?)
        }
        (Op::Div, Int(a), Int(b)) => {
            if b == 0 {
                return Err(EvalError::DivideByZero);
            }
            Int(a.wrapping_div(b))
        }
        (Op::Div, Float(a), Float(b)) => Float(a / b),
        (Op::Div, Duration(a), Int(b)) => Duration(duration::div_int(a, b)?),
        (Op::Div, Duration(a), Float(b)) => Duration(duration::div_float(a, b)?),
        (Op::Div, Duration(a), Duration(b)) => Int(duration::div_duration(a, b)?),
        (Op::Mod, Int(a), Int(b)) => {
            if b == 0 {
                return Err(EvalError::DivideByZero);
            }
            Int(a.wrapping_rem(b))
        }
        (Op::Match, String(s), Regex(re)) => Bool(re.is_match(&s)),
        (Op::NotMatch, String(s), Regex(re)) => Bool(!re.is_match(&s)),
        (op @ (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge), l, r) => {
            let ord = match (&l, &r) {
                (Int(a), Int(b)) => a.partial_cmp(b),
                (Float(a), Float(b)) => a.partial_cmp(b),
                (Int(a), Float(b)) => (*a as f64).partial_cmp(b),
                (Float(a), Int(b)) => a.partial_cmp(&(*b as f64)),
                (String(a), String(b)) => a.as_bytes().partial_cmp(b.as_bytes()),
                (Duration(a), Duration(b)) => a.partial_cmp(b),
                (Bool(a), Bool(b)) if matches!(op, Op::Eq | Op::Ne) => a.partial_cmp(b),
                _ => {
                    return Err(internal(format!(
                        "{op:?} on {} and {}",
                        l.type_name(),
                        r.type_name()
                    )))
                }
            };
            use std::cmp::Ordering::*;
            // `None` is a NaN operand: every comparison is false but `!=`.
            Bool(match op {
                Op::Eq => ord == Some(Equal),
                Op::Ne => ord != Some(Equal),
                Op::Lt => ord == Some(Less),
                Op::Le => matches!(ord, Some(Less | Equal)),
                Op::Gt => ord == Some(Greater),
                _ => matches!(ord, Some(Greater | Equal)),
            })
        }
        (op, l, r) => {
            return Err(internal(format!(
                "{op:?} on {} and {}",
                l.type_name(),
                r.type_name()
            )))
        }
    })
}
