//! Math kernels: float in, float out, Go `math` semantics (reference §5.4).
//!
//! The special values (NaN, ±Inf, ±0) follow Go's documented special cases;
//! the transcendental functions come from the `libm` crate (a port of musl),
//! so results may differ from Go's own implementations in the last ulp.
//! The VM's `math` builtins and the checker's define-time evaluation both
//! call these, so each function has one implementation.

use crate::catalog::builtins::Builtin;

/// The one-argument functions (`abs` .. `y1`); `None` for any other builtin.
pub fn math1(func: Builtin, x: f64) -> Option<f64> {
    use Builtin::*;
    Some(match func {
        Abs => x.abs(),
        Acos => libm::acos(x),
        Acosh => libm::acosh(x),
        Asin => libm::asin(x),
        Asinh => libm::asinh(x),
        Atan => libm::atan(x),
        Atanh => libm::atanh(x),
        Cbrt => libm::cbrt(x),
        Ceil => x.ceil(),
        Cos => libm::cos(x),
        Cosh => libm::cosh(x),
        Erf => libm::erf(x),
        Erfc => libm::erfc(x),
        Exp => libm::exp(x),
        Exp2 => libm::exp2(x),
        Expm1 => libm::expm1(x),
        Floor => x.floor(),
        Gamma => gamma(x),
        J0 => libm::j0(x),
        J1 => libm::j1(x),
        Log => libm::log(x),
        Log10 => libm::log10(x),
        Log1p => libm::log1p(x),
        Log2 => libm::log2(x),
        Logb => logb(x),
        Sin => libm::sin(x),
        Sinh => libm::sinh(x),
        Sqrt => x.sqrt(),
        Tan => libm::tan(x),
        Tanh => libm::tanh(x),
        Trunc => x.trunc(),
        Y0 => libm::y0(x),
        Y1 => libm::y1(x),
        _ => return None,
    })
}

/// The two-argument functions: `atan2 hypot max min mod pow`; `None` for any
/// other builtin.
pub fn math2(func: Builtin, x: f64, y: f64) -> Option<f64> {
    Some(match func {
        Builtin::Atan2 => libm::atan2(x, y),
        Builtin::Hypot => hypot(x, y),
        Builtin::Max => go_max(x, y),
        Builtin::Min => go_min(x, y),
        Builtin::Mod => go_mod(x, y),
        Builtin::Pow => libm::pow(x, y),
        _ => return None,
    })
}

/// Go `math.Gamma` special cases: Gamma(+Inf) = +Inf, Gamma(-Inf) = NaN,
/// Gamma(±0) = ±Inf, Gamma(negative integer) = NaN.
fn gamma(x: f64) -> f64 {
    if x == f64::NEG_INFINITY || (x < 0.0 && x == x.floor()) {
        return f64::NAN;
    }
    libm::tgamma(x)
}

/// Go `math.Logb`: the binary exponent; Logb(±Inf) = +Inf, Logb(0) = -Inf.
fn logb(x: f64) -> f64 {
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_infinite() {
        f64::INFINITY
    } else if x.is_nan() {
        x
    } else {
        libm::ilogb(x) as f64
    }
}

/// Go `math.Hypot`: ±Inf wins over NaN.
fn hypot(x: f64, y: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        f64::INFINITY
    } else {
        libm::hypot(x, y)
    }
}

/// Go `math.Max`: +Inf wins, then NaN, and +0 beats -0.
pub fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() {
            y
        } else {
            x
        }
    } else if x > y {
        x
    } else {
        y
    }
}

/// Go `math.Min`: -Inf wins, then NaN, and -0 beats +0.
pub fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() {
            x
        } else {
            y
        }
    } else if x < y {
        x
    } else {
        y
    }
}

/// Go `math.Mod`: the remainder of x/y with the sign of x (C `fmod`).
fn go_mod(x: f64, y: f64) -> f64 {
    if y == 0.0 || x.is_infinite() || x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    x % y
}

const POW10: [f64; 32] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
];
const POW10_POS32: [f64; 10] = [
    1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
];
const POW10_NEG32: [f64; 11] = [
    1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320,
];

/// `pow10(i)`: Go `math.Pow10`, computed the same way (two table entries)
/// so results match bit for bit; +Inf above 308, 0 below -323.
pub fn pow10(n: i64) -> f64 {
    if (0..=308).contains(&n) {
        POW10_POS32[(n / 32) as usize] * POW10[(n % 32) as usize]
    } else if (-323..0).contains(&n) {
        let m = -n;
        POW10_NEG32[(m / 32) as usize] / POW10[(m % 32) as usize]
    } else if n > 0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// Orders above this are refused: the recurrences take ~|n| steps, and Go
/// would spin for minutes on an order like 2^62.
pub const MAX_BESSEL_ORDER: i64 = 100_000;

/// The reason a Bessel order is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BesselOrderTooLarge(pub i64);

impl std::fmt::Display for BesselOrderTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order {} too large, at most {MAX_BESSEL_ORDER}", self.0)
    }
}

/// `jn(n, x)` (`yn` when `second_kind`): Bessel functions of order n
/// (|n| ≤ 100000).
pub fn bessel_n(second_kind: bool, n: i64, x: f64) -> Result<f64, BesselOrderTooLarge> {
    if n.unsigned_abs() > MAX_BESSEL_ORDER as u64 {
        return Err(BesselOrderTooLarge(n));
    }
    let n = n as i32;
    Ok(if second_kind {
        libm::yn(n, x)
    } else {
        libm::jn(n, x)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m1(f: Builtin, x: f64) -> f64 {
        math1(f, x).unwrap()
    }

    fn m2(f: Builtin, x: f64, y: f64) -> f64 {
        math2(f, x, y).unwrap()
    }
    #[test]
    fn special_values() {
        use Builtin::*;
        assert_eq!(m1(Abs, f64::NEG_INFINITY), f64::INFINITY);
        assert!(m1(Sqrt, -1.0).is_nan());
        assert_eq!(m1(Log, 0.0), f64::NEG_INFINITY);
        assert!(m1(Log, -1.0).is_nan());
        assert_eq!(m1(Gamma, 5.0), 24.0);
        assert!(m1(Gamma, -2.0).is_nan());
        assert_eq!(m1(Gamma, -0.0), f64::NEG_INFINITY);
        assert_eq!(m1(Logb, 8.0), 3.0);
        assert_eq!(m1(Logb, 0.0), f64::NEG_INFINITY);
        assert_eq!(m1(Logb, f64::NEG_INFINITY), f64::INFINITY);
        assert_eq!(m1(Erf, 0.0), 0.0);
        assert_eq!(m1(Erfc, f64::INFINITY), 0.0);
        assert!((m1(Erf, 1.0) - 0.8427007929497149).abs() < 1e-15);
        assert!((m1(J0, 1.0) - 0.7651976865579666).abs() < 1e-15);
        assert!((m1(Y1, 1.0) - -0.7812128213002887).abs() < 1e-15);
        assert_eq!(m1(Expm1, 0.0), 0.0);
        assert!((m1(Log1p, 1e-20) - 1e-20).abs() < 1e-35);
        assert_eq!(m1(Trunc, -2.7), -2.0);
        assert_eq!(m1(Ceil, -0.5).to_bits(), (-0.0f64).to_bits());
        assert!(m1(Cos, f64::INFINITY).is_nan());
    }

    #[test]
    fn two_args() {
        use Builtin::*;
        assert!(m2(Max, 1.0, f64::NAN).is_nan());
        assert_eq!(m2(Max, f64::NAN, f64::INFINITY), f64::INFINITY);
        assert_eq!(m2(Max, -0.0, 0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(m2(Min, -0.0, 0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(m2(Min, f64::NAN, f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(m2(Mod, -7.0, 3.0), -1.0);
        assert!(m2(Mod, 1.0, 0.0).is_nan());
        assert_eq!(m2(Pow, 2.0, 10.0), 1024.0);
        assert_eq!(m2(Pow, 1.0, f64::NAN), 1.0);
        assert_eq!(m2(Pow, -1.0, f64::INFINITY), 1.0);
        assert_eq!(m2(Hypot, f64::NAN, f64::INFINITY), f64::INFINITY);
        assert_eq!(m2(Atan2, 0.0, -1.0), std::f64::consts::PI);
    }

    #[test]
    fn pow10_table() {
        let p = pow10;
        assert_eq!(p(0), 1.0);
        assert_eq!(p(3), 1000.0);
        assert_eq!(p(-2), 0.01);
        assert_eq!(p(308), 1e308);
        assert_eq!(p(309), f64::INFINITY);
        assert_eq!(p(-323), 1e-323);
        assert_eq!(p(-324), 0.0);
        assert_eq!(p(i64::MIN), 0.0);
        assert_eq!(p(i64::MAX), f64::INFINITY);
    }

    #[test]
    fn bessel_orders() {
        let j = |n, x| bessel_n(false, n, x).unwrap();
        assert!((j(0, 1.0) - 0.7651976865579666).abs() < 1e-15);
        assert!((j(2, 1.0) - 0.1149034849319005).abs() < 1e-15);
        assert!(bessel_n(false, i64::MAX, 1.0).is_err());
        assert_eq!(bessel_n(true, 1, 0.0), Ok(f64::NEG_INFINITY));
    }
}
