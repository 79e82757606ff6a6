//! Durations as the CLI reads and prints them: flags like `-duration 1m` and `-past 10h` use
//! InfluxQL's duration syntax (`influxql.ParseDuration`); `duration` vars print as Go's
//! `time.Duration.String` (`5m0s`, `1.5µs`).

use std::fmt;

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// Why a duration flag was rejected; the texts are InfluxQL's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    Invalid,
    Overflow(String),
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Invalid => f.write_str("invalid duration"),
            DurationError::Overflow(s) => {
                write!(
                    f,
                    "overflowed duration {s}: choose a smaller duration or INF"
                )
            }
        }
    }
}

impl std::error::Error for DurationError {}

/// InfluxQL duration literal (`10s`, `1h30m`, `500ms`, `2w`, `-5m`) to nanoseconds.
pub fn parse_influxql(s: &str) -> Result<i64, DurationError> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 {
        return Err(DurationError::Invalid);
    }
    let mut i = 0;
    let negative = chars[0] == '-';
    if negative {
        i += 1;
    }
    let mut total: i64 = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i >= chars.len() || i == start {
            return Err(DurationError::Invalid);
        }
        let digits: String = chars[start..i].iter().collect();
        let n: i64 = digits.parse().map_err(|_| DurationError::Invalid)?;
        let next_is_s = chars.get(i + 1) == Some(&'s');
        let (unit, width) = match chars[i] {
            'n' if next_is_s => (NS, 2),
            'n' => return Err(DurationError::Invalid),
            'u' | 'µ' => (US, 1),
            'm' if next_is_s => (MS, 2),
            'm' => (MIN, 1),
            's' => (SEC, 1),
            'h' => (HOUR, 1),
            'd' => (DAY, 1),
            'w' => (WEEK, 1),
            _ => return Err(DurationError::Invalid),
        };
        // Go's int64 arithmetic wraps; the sign check below is how InfluxQL notices.
        total = total.wrapping_add(n.wrapping_mul(unit));
        i += width;
    }
    if total < 0 && !negative {
        return Err(DurationError::Overflow(s.to_string()));
    }
    Ok(if negative { -total } else { total })
}

/// Go's `time.Duration.String`.
pub fn go_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < SEC as u64 {
        if u == 0 {
            return "0s".to_string();
        }
        let (prec, unit) = if u < US as u64 {
            (0, "ns")
        } else if u < MS as u64 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, int) = frac_digits(u, prec);
        u = int;
        out.push_str(&u.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (frac, secs) = frac_digits(u, 9);
        u = secs;
        let s = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&s);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// The fraction of `v / 10^prec` as `.ddd` without trailing zeros (empty when zero), and the
/// integer part.
fn frac_digits(v: u64, prec: u32) -> (String, u64) {
    let scale = 10u64.pow(prec);
    let frac = v % scale;
    if prec == 0 || frac == 0 {
        return (String::new(), v / scale);
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), v / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn influxql_durations() {
        assert_eq!(parse_influxql("1m"), Ok(60 * SEC));
        assert_eq!(parse_influxql("1h30m"), Ok(90 * MIN));
        assert_eq!(parse_influxql("500ms"), Ok(500 * MS));
        assert_eq!(parse_influxql("10u"), Ok(10 * US));
        assert_eq!(parse_influxql("5ns"), Ok(5));
        assert_eq!(parse_influxql("2w"), Ok(14 * DAY));
        assert_eq!(parse_influxql("-5m"), Ok(-5 * MIN));
        for bad in ["", "m", "1", "10", "1x", "5n", "1.5s", "m5"] {
            assert_eq!(parse_influxql(bad), Err(DurationError::Invalid), "{bad}");
        }
        assert!(matches!(
            parse_influxql("9999999999999w"),
            Err(DurationError::Overflow(_))
        ));
    }

    #[test]
    fn go_duration_strings() {
        // Expected values from Go's time package documentation and behaviour.
        assert_eq!(go_string(0), "0s");
        assert_eq!(go_string(999), "999ns");
        assert_eq!(go_string(1_500), "1.5µs");
        assert_eq!(go_string(100 * MS), "100ms");
        assert_eq!(go_string(5 * MIN), "5m0s");
        assert_eq!(go_string(HOUR + 2 * MIN + 3 * SEC + 500 * MS), "1h2m3.5s");
        assert_eq!(go_string(10 * SEC), "10s");
        assert_eq!(go_string(-90 * SEC), "-1m30s");
        assert_eq!(go_string(48 * HOUR), "48h0m0s");
    }
}
