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

/// A time computed from user input (a shift, a rounding, an interval added
/// to a timestamp) that does not fit in i64 Unix nanoseconds (about
/// 1677-09-21 to 2262-04-11). Nodes log it and drop the point instead of
/// wrapping around to the other end of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOverflow {
    /// The time the arithmetic started from (Unix ns).
    pub time: i64,
    /// What was added, or the rounding unit (ns).
    pub by: i64,
    pub op: TimeOp,
}

/// The operation that left the time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeOp {
    Add,
    Truncate,
    Round,
}

impl std::fmt::Display for TimeOverflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            TimeOp::Add => "adding",
            TimeOp::Truncate => "truncating to",
            TimeOp::Round => "rounding to",
        };
        write!(
            f,
            "time out of range: {op} {} at {}ns leaves the int64 nanosecond range",
            go_duration(self.by),
            self.time
        )
    }
}

impl std::error::Error for TimeOverflow {}

/// `t + d`, or [`TimeOverflow`] instead of a wrap.
pub fn checked_add(t: i64, d: i64) -> Result<i64, TimeOverflow> {
    t.checked_add(d).ok_or(TimeOverflow {
        time: t,
        by: d,
        op: TimeOp::Add,
    })
}

fn narrow(v: i128, t: i64, d: i64, op: TimeOp) -> Result<i64, TimeOverflow> {
    i64::try_from(v).map_err(|_| TimeOverflow { time: t, by: d, op })
}

/// Go `t.Truncate(d)` for `t` in Unix ns; `d <= 0` returns `t`. Only a time
/// within `d` of i64::MIN can leave the range.
pub fn checked_truncate(t: i64, d: i64) -> Result<i64, TimeOverflow> {
    narrow(truncate_wide(t, d), t, d, TimeOp::Truncate)
}

/// Go `t.Truncate(d)` in i128, exact for every i64 `t` (the result may lie
/// below i64::MIN); `d <= 0` returns `t`.
pub fn truncate_wide(t: i64, d: i64) -> i128 {
    if d <= 0 {
        return t as i128;
    }
    t as i128 - since_zero(t).rem_euclid(d as i128)
}

/// Go `t.Round(d)`: halfway values round up; `d <= 0` returns `t`. Only a
/// time within `d` of either end can leave the range.
pub fn checked_round(t: i64, d: i64) -> Result<i64, TimeOverflow> {
    if d <= 0 {
        return Ok(t);
    }
    let z = since_zero(t);
    let r = z.rem_euclid(d as i128);
    let dd = d as i128;
    let v = if r + r < dd {
        t as i128 - r
    } else {
        t as i128 + dd - r
    };
    narrow(v, t, d, TimeOp::Round)
}

/// The first of `times` whose [`checked_round`] to `d` leaves the range:
/// nodes that round with a tolerance check a message once on entry, so
/// every later rounding of its times is in range.
pub fn unroundable(times: impl IntoIterator<Item = i64>, d: i64) -> Option<TimeOverflow> {
    times.into_iter().find_map(|t| checked_round(t, d).err())
}

/// [`checked_truncate`] for callers whose times are already bounded away
/// from i64::MIN (window/barrier boundaries derived from in-range points).
/// Out of range it saturates at i64::MIN rather than wrapping to the future.
pub fn go_truncate(t: i64, d: i64) -> i64 {
    checked_truncate(t, d).unwrap_or(i64::MIN)
}

/// [`checked_round`] for callers whose times are bounded away from both
/// ends; out of range it saturates rather than wrapping.
pub fn go_round(t: i64, d: i64) -> i64 {
    checked_round(t, d).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX })
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
    fn truncate_and_round_near_the_ends_are_errors_not_wraps() {
        // i64::MIN = -9223372036854775808: since year 1 that is an exact
        // multiple of 1ns but not of 10s, so truncating it goes below i64::MIN.
        let e = checked_truncate(i64::MIN, 10 * S).unwrap_err();
        assert_eq!(e.op, TimeOp::Truncate);
        assert_eq!(checked_truncate(i64::MIN, 1), Ok(i64::MIN));
        // i64::MAX ends in ...807ns: rounding to 1s (remainder .854775807s
        // past a whole second, above half) would go above i64::MAX.
        assert_eq!(checked_round(i64::MAX, S).unwrap_err().op, TimeOp::Round);
        // Rounding down near the top is fine: i64::MAX - 854775807 is whole
        // seconds since year 1 as well (62135596800 s is whole).
        assert_eq!(
            checked_round(i64::MAX - 854_775_807, S),
            Ok(i64::MAX - 854_775_807)
        );
        assert_eq!(checked_add(i64::MAX, 1).unwrap_err().op, TimeOp::Add);
        assert_eq!(checked_add(i64::MIN + 5, -5), Ok(i64::MIN));
        let msg = checked_add(i64::MIN, -S).unwrap_err().to_string();
        assert!(
            msg.contains("adding -1s") && msg.contains("out of range"),
            "{msg}"
        );
        // The saturating forms never wrap to the other end.
        assert_eq!(go_truncate(i64::MIN, 10 * S), i64::MIN);
        assert_eq!(go_round(i64::MAX, S), i64::MAX);
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
