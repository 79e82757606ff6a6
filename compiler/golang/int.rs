//! Go's float-to-integer conversions as Kapacitor's amd64 builds run them.

/// Go's `int64(f)` on amd64 (CVTTSD2SQ): out of range and NaN give the
/// "integer indefinite" value i64::MIN instead of saturating like Rust's `as`.
pub fn f64_to_i64(f: f64) -> i64 {
    // 2^63 exactly; every f64 in [-2^63, 2^63) converts.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `uint64(f)` on amd64: below 2^63 the signed conversion (so -1.0
/// wraps to 2^64-1, NaN and -Inf give 2^63); at or above 2^63 the signed
/// conversion of `f - 2^63` with the top bit flipped back.
pub fn f64_to_u64(f: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return 1 << 63;
    }
    if f < TWO63 {
        f64_to_i64(f) as u64
    } else {
        (f64_to_i64(f - TWO63) as u64) ^ (1 << 63)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go on amd64: `int64(x)` truncates toward zero in range and yields
    /// 0x8000000000000000 for NaN, ±Inf and anything outside [-2^63, 2^63).
    #[test]
    fn go_int64_conversion() {
        assert_eq!(f64_to_i64(2.9), 2);
        assert_eq!(f64_to_i64(-2.9), -2);
        assert_eq!(f64_to_i64(-9_223_372_036_854_775_808.0), i64::MIN);
        assert_eq!(f64_to_i64(9_223_372_036_854_775_808.0), i64::MIN);
        assert_eq!(f64_to_i64(1e300), i64::MIN);
        assert_eq!(f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(f64_to_i64(f64::NEG_INFINITY), i64::MIN);
    }

    #[test]
    fn go_uint64_conversion() {
        assert_eq!(f64_to_u64(3.7), 3);
        assert_eq!(f64_to_u64(9_223_372_036_854_775_808.0), 1 << 63);
        assert_eq!(f64_to_u64(-1.0), u64::MAX);
        assert_eq!(f64_to_u64(f64::NAN), 1 << 63);
    }
}
