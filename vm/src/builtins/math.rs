//! Math: float in, float out, Go `math` semantics (reference §5.4). The
//! kernels are `compiler::scalar::math`, shared with the checker's
//! define-time evaluation; this file adapts them to lambda values.

use super::{bad_args, CallResult};
use crate::value::Value;
use compiler::catalog::builtins::Builtin;
use compiler::scalar::math as kernel;

/// The one-argument functions (`abs` .. `y1`).
pub fn math1(func: Builtin, args: &[Value]) -> CallResult {
    match args {
        [Value::Float(x)] => kernel::math1(func, *x).map(Value::Float),
        _ => None,
    }
    .ok_or_else(|| bad_args(func.name(), args))
}

/// The two-argument functions: `atan2 hypot max min mod pow`.
pub fn math2(func: Builtin, args: &[Value]) -> CallResult {
    match args {
        [Value::Float(x), Value::Float(y)] => kernel::math2(func, *x, *y).map(Value::Float),
        _ => None,
    }
    .ok_or_else(|| bad_args(func.name(), args))
}

/// `pow10(i)`: Go `math.Pow10`.
pub fn pow10(args: &[Value]) -> CallResult {
    match args {
        [Value::Int(n)] => Ok(Value::Float(kernel::pow10(*n))),
        _ => Err(bad_args("pow10", args)),
    }
}

/// `jn(i, f)` and `yn(i, f)`: Bessel functions of order n (|n| ≤ 100000).
pub fn bessel_n(func: Builtin, args: &[Value]) -> CallResult {
    let [Value::Int(n), Value::Float(x)] = args else {
        return Err(bad_args(func.name(), args));
    };
    kernel::bessel_n(func == Builtin::Yn, *n, *x)
        .map(Value::Float)
        .map_err(|e| {
            format!(
                "order {} too large for {}, at most {}",
                e.0,
                func.name(),
                kernel::MAX_BESSEL_ORDER
            )
        })
}
