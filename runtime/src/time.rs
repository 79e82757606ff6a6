//! Time arithmetic with Go's semantics.
//!
//! Go's `Time.Truncate`/`Round` work relative to the zero Time (January 1,
//! year 1, UTC), not the Unix epoch. For divisors of a day both agree; for a
//! week (or 7d) the boundaries fall on Mondays (reference §6).

/// Seconds from 0001-01-01T00:00:00Z to 1970-01-01T00:00:00Z.
const ZERO_TO_UNIX_SECS: i128 = 62_135_596_800;
const NANOS: i128 = 1_000_000_000;

fn since_zero(t: i64) -> i128 {
    t as i128 + ZERO_TO_UNIX_SECS * NANOS
}

/// Go `t.Truncate(d)` for `t` in Unix ns; `d <= 0` returns `t`.
pub fn go_truncate(t: i64, d: i64) -> i64 {
    if d <= 0 {
        return t;
    }
    let z = since_zero(t);
    let r = z.rem_euclid(d as i128);
    (t as i128 - r) as i64
}

/// Go `t.Round(d)`: halfway values round up; `d <= 0` returns `t`.
pub fn go_round(t: i64, d: i64) -> i64 {
    if d <= 0 {
        return t;
    }
    let z = since_zero(t);
    let r = z.rem_euclid(d as i128);
    let d = d as i128;
    if r + r < d {
        (t as i128 - r) as i64
    } else {
        (t as i128 + d - r) as i64
    }
}

/// RFC3339 with nanoseconds, UTC, trailing zeros trimmed (Go `RFC3339Nano`).
pub fn rfc3339_nano(t: i64) -> String {
    let mut out = String::with_capacity(30);
    crate::template::gotime::rfc3339_nano(t, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn weeks_truncate_to_mondays() {
        // 1970-01-01 was a Thursday; the Monday before is 1969-12-29.
        let week = 7 * 86_400 * S;
        assert_eq!(go_truncate(0, week), -3 * 86_400 * S);
        // 2026-11-25 (Wednesday) 14:00 -> Monday 2026-11-23.
        let t = 1_795_615_200 * S;
        assert_eq!(rfc3339_nano(go_truncate(t, week)), "2026-11-23T00:00:00Z");
    }

    #[test]
    fn round_halves_up_and_day_divisors_match_epoch() {
        assert_eq!(go_round(15 * S, 10 * S), 20 * S);
        assert_eq!(go_round(14 * S, 10 * S), 10 * S);
        assert_eq!(go_truncate(19 * S, 10 * S), 10 * S);
        assert_eq!(go_truncate(-1, 10 * S), -10 * S);
    }

    #[test]
    fn rfc3339_trims_zeros() {
        assert_eq!(rfc3339_nano(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_nano(1_500_000_000), "1970-01-01T00:00:01.5Z");
    }
}

/// Go's `time.Duration.String()`: `0s`, `1.234µs`, `1.5s`, `1m0s`, `1h2m3s`.
/// One implementation (`compiler::golang`), shared with the checker.
pub use compiler::golang::duration_string as go_duration;

#[cfg(test)]
mod duration_tests {
    use super::go_duration;

    #[test]
    fn matches_go_strings() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_234), "1.234µs");
        assert_eq!(go_duration(999), "999ns");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(60_000_000_000), "1m0s");
        assert_eq!(go_duration(10_000_000_000), "10s");
        assert_eq!(go_duration(3_723_000_000_000), "1h2m3s");
        assert_eq!(go_duration(-2_000_000_000), "-2s");
    }
}
