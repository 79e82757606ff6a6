//! Stateful builtins (reference §5.4, §5.5): `sigma`, `count`, `spread`,
//! and the volatile `rand`. Their state is a `FuncState` slot, one per
//! function name per compiled expression, owned by the caller's
//! `LambdaState` (or shared, for nested lambdas).

use super::{bad_args, CallResult};
use crate::state::FuncState;
use crate::value::Value;

/// `sigma(x)`: |x − running mean| / running sample standard deviation, both
/// including x (Welford's update); 0 until two values were seen or while
/// the variance is 0.
pub fn sigma(args: &[Value], state: &mut FuncState) -> CallResult {
    let ([Value::Float(x)], FuncState::Sigma { n, mean, m2 }) = (args, &mut *state) else {
        return Err(bad_args("sigma", args));
    };
    let x = *x;
    *n += 1.0;
    let delta = x - *mean;
    *mean += delta / *n;
    *m2 += delta * (x - *mean);
    let variance = *m2 / (*n - 1.0);
    if *n < 2.0 || variance == 0.0 {
        return Ok(Value::Float(0.0));
    }
    Ok(Value::Float((x - *mean).abs() / variance.sqrt()))
}

/// `count()`: 1, 2, 3… one per evaluation.
pub fn count(args: &[Value], state: &mut FuncState) -> CallResult {
    let ([], FuncState::Count(n)) = (args, &mut *state) else {
        return Err(bad_args("count", args));
    };
    *n = n.wrapping_add(1);
    Ok(Value::Int(*n))
}

/// `spread(x)`: running max − running min (a NaN never becomes the min or max).
pub fn spread(args: &[Value], state: &mut FuncState) -> CallResult {
    let ([Value::Float(x)], FuncState::Spread { min, max, seen }) = (args, &mut *state) else {
        return Err(bad_args("spread", args));
    };
    if *x < *min {
        *min = *x;
    }
    if *x > *max {
        *max = *x;
    }
    *seen = true;
    Ok(Value::Float(*max - *min))
}

/// `rand()` / `rand(n)`: a non-negative pseudo-random int (in `[0, n)` if
/// n is given; n ≤ 0 is an error, as Go's `Int63n` panics on it).
pub fn rand(args: &[Value], state: &mut FuncState) -> CallResult {
    let FuncState::Rand(seed) = state else {
        return Err(bad_args("rand", args));
    };
    // xorshift64*
    let mut x = *seed;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *seed = x;
    let r = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 1) as i64;
    match args {
        [] => Ok(Value::Int(r)),
        [Value::Int(n)] if *n > 0 => Ok(Value::Int(r % n)),
        [Value::Int(n)] => Err(format!("invalid argument to rand: {n}, must be positive")),
        _ => Err(bad_args("rand", args)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compiler::catalog::builtins::Builtin;

    fn f(v: CallResult) -> f64 {
        match v {
            Ok(Value::Float(x)) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sigma_runs() {
        let mut s = FuncState::new(Builtin::Sigma);
        assert_eq!(f(sigma(&[Value::Float(5.0)], &mut s)), 0.0);
        assert_eq!(f(sigma(&[Value::Float(5.0)], &mut s)), 0.0); // variance 0
                                                                 // values 5,5,8: mean 6, sample variance 3, |8-6|/sqrt(3)
        let v = f(sigma(&[Value::Float(8.0)], &mut s));
        assert!((v - 2.0 / 3f64.sqrt()).abs() < 1e-12);
        assert!(f(sigma(&[Value::Float(f64::NAN)], &mut s)).is_nan());
    }

    #[test]
    fn count_and_spread() {
        let mut c = FuncState::new(Builtin::Count);
        assert_eq!(count(&[], &mut c), Ok(Value::Int(1)));
        assert_eq!(count(&[], &mut c), Ok(Value::Int(2)));
        let mut s = FuncState::new(Builtin::Spread);
        assert_eq!(f(spread(&[Value::Float(3.0)], &mut s)), 0.0);
        assert_eq!(f(spread(&[Value::Float(-1.0)], &mut s)), 4.0);
        assert_eq!(f(spread(&[Value::Float(2.0)], &mut s)), 4.0);
        assert_eq!(f(spread(&[Value::Float(f64::NAN)], &mut s)), 4.0);
        let mut e = FuncState::new(Builtin::Spread);
        assert_eq!(
            f(spread(&[Value::Float(f64::NAN)], &mut e)),
            f64::NEG_INFINITY
        );
    }

    #[test]
    fn rand_ranges() {
        let mut r = FuncState::new(Builtin::Rand);
        for _ in 0..1000 {
            match rand(&[Value::Int(10)], &mut r) {
                Ok(Value::Int(v)) => assert!((0..10).contains(&v)),
                other => panic!("{other:?}"),
            }
            match rand(&[], &mut r) {
                Ok(Value::Int(v)) => assert!(v >= 0),
                other => panic!("{other:?}"),
            }
        }
        assert!(rand(&[Value::Int(0)], &mut r).is_err());
    }
}
