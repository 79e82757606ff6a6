//! Checked duration arithmetic (issue 8 §4).
//!
//! Kapacitor (Go) wraps an int64 duration that overflows and converts an
//! out-of-range float product to the "integer indefinite" i64::MIN, so a
//! lambda such as `"d" * 1000000` can silently yield a negative duration.
//! Here every such result is an `EvalError::DurationOverflow` naming the
//! operation, so the user sees which input overflowed. Integer arithmetic
//! (`int + int`) keeps Go's wrapping: that is Kapacitor's documented integer
//! behaviour, not time arithmetic.

use crate::error::{EvalError, Operand};

fn overflow(left: Operand, op: &'static str, right: Operand) -> EvalError {
    EvalError::DurationOverflow {
        left,
        op,
        right: Some(right),
    }
}

/// `a + b`.
#[inline]
pub fn add(a: i64, b: i64) -> Result<i64, EvalError> {
    a.checked_add(b)
        .ok_or_else(|| overflow(Operand::Duration(a), "+", Operand::Duration(b)))
}

/// `a - b`.
#[inline]
pub fn sub(a: i64, b: i64) -> Result<i64, EvalError> {
    a.checked_sub(b)
        .ok_or_else(|| overflow(Operand::Duration(a), "-", Operand::Duration(b)))
}

/// `d * n` (also `n * d`).
#[inline]
pub fn mul_int(d: i64, n: i64) -> Result<i64, EvalError> {
    d.checked_mul(n)
        .ok_or_else(|| overflow(Operand::Duration(d), "*", Operand::Int(n)))
}

/// `d / n`: `/ 0` is Go's divide-by-zero error; `MIN / -1` overflows.
#[inline]
pub fn div_int(d: i64, n: i64) -> Result<i64, EvalError> {
    if n == 0 {
        return Err(EvalError::DivideByZero);
    }
    d.checked_div(n)
        .ok_or_else(|| overflow(Operand::Duration(d), "/", Operand::Int(n)))
}

/// `a / b` of two durations, an int: `/ 0` is an error; `MIN / -1` overflows.
#[inline]
pub fn div_duration(a: i64, b: i64) -> Result<i64, EvalError> {
    if b == 0 {
        return Err(EvalError::DivideByZero);
    }
    a.checked_div(b)
        .ok_or_else(|| overflow(Operand::Duration(a), "/", Operand::Duration(b)))
}

/// `d * f` (also `f * d`): the float product, truncated toward zero like
/// Go's `time.Duration(float64(d) * f)`, if it is a number inside the range.
#[inline]
pub fn mul_float(d: i64, f: f64) -> Result<i64, EvalError> {
    to_duration(d as f64 * f).ok_or_else(|| overflow(Operand::Duration(d), "*", Operand::Float(f)))
}

/// `d / f`, like `mul_float` (`d / 0.0` is infinite, so an overflow).
#[inline]
pub fn div_float(d: i64, f: f64) -> Result<i64, EvalError> {
    to_duration(d as f64 / f).ok_or_else(|| overflow(Operand::Duration(d), "/", Operand::Float(f)))
}

/// `-d`: only i64::MIN has no negation.
#[inline]
pub fn neg(d: i64) -> Result<i64, EvalError> {
    d.checked_neg().ok_or(EvalError::DurationOverflow {
        left: Operand::Duration(d),
        op: "-",
        right: None,
    })
}

/// A float nanosecond count as a duration, `None` for NaN and anything
/// outside [-2^63, 2^63).
fn to_duration(f: f64) -> Option<i64> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (-LIMIT..LIMIT).contains(&f).then_some(f as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;
    const H: i64 = 3600 * S;

    #[test]
    fn in_range_results_are_exact() {
        assert_eq!(add(H, 30 * S), Ok(H + 30 * S));
        assert_eq!(sub(S, H), Ok(S - H));
        assert_eq!(mul_int(S, -3), Ok(-3 * S));
        assert_eq!(div_int(H, 4), Ok(900 * S));
        assert_eq!(div_duration(H, -S), Ok(-3600));
        assert_eq!(mul_float(S, 1.5), Ok(1_500_000_000));
        assert_eq!(mul_float(S, -0.0000000015), Ok(-1)); // truncates toward zero
        assert_eq!(div_float(H, 2.0), Ok(1800 * S));
        assert_eq!(neg(i64::MAX), Ok(-i64::MAX));
    }

    #[test]
    fn overflows_are_errors() {
        assert!(add(i64::MAX, 1).is_err());
        assert!(sub(i64::MIN, 1).is_err());
        assert!(mul_int(H, 3_000_000).is_err()); // 3e6 h > 2562047 h
        assert!(div_int(i64::MIN, -1).is_err());
        assert!(div_duration(i64::MIN, -1).is_err());
        assert!(mul_float(H, 1e10).is_err());
        assert!(mul_float(S, f64::NAN).is_err());
        assert!(div_float(S, 0.0).is_err());
        assert!(neg(i64::MIN).is_err());
        assert_eq!(div_int(S, 0), Err(EvalError::DivideByZero));
        // 2^63 ns exactly is out of range; 2^63 - 1024 (the float below) is not.
        assert!(mul_float(1 << 62, 2.0).is_err());
        assert_eq!(mul_float(-(1 << 62), 2.0), Ok(i64::MIN));
    }

    #[test]
    fn message_names_the_operation() {
        assert_eq!(
            add(i64::MAX, 1).unwrap_err().to_string(),
            "duration overflow: 2562047h47m16.854775807s + 1ns is outside the range of a duration (±2562047h47m16.854775807s)"
        );
        assert_eq!(
            mul_int(H, 3_000_000).unwrap_err().to_string(),
            "duration overflow: 1h0m0s * 3000000 is outside the range of a duration (±2562047h47m16.854775807s)"
        );
        assert_eq!(
            neg(i64::MIN).unwrap_err().to_string(),
            "duration overflow: -(-2562047h47m16.854775808s) is outside the range of a duration (±2562047h47m16.854775807s)"
        );
        assert_eq!(
            div_float(S, 0.0).unwrap_err().to_string(),
            "duration overflow: 1s / 0 is outside the range of a duration (±2562047h47m16.854775807s)"
        );
    }
}
