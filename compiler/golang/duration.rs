//! Durations as Go and InfluxQL print them.

const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;
const H: i64 = 60 * M;
const D: i64 = 24 * H;
const W: i64 = 7 * D;

/// Go's `time.Duration.String()`: `10s`, `1m0s`, `1h30m0s`, `1.5s`,
/// `100ms`, `1.5µs`, `0s`. Hours are the largest unit; below one second a
/// single unit with a fraction. Kapacitor prints this in deadman messages
/// and templates.
pub fn duration_string(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    // `unsigned_abs` so i64::MIN prints its true magnitude, as Go does.
    let u = nanos.unsigned_abs();
    let mut out = String::new();
    if nanos < 0 {
        out.push('-');
    }
    if u < S as u64 {
        let (unit, div) = if u < US as u64 {
            ("ns", 1)
        } else if u < MS as u64 {
            ("µs", US as u64)
        } else {
            ("ms", MS as u64)
        };
        push_fraction(&mut out, u, div);
        out.push_str(unit);
    } else {
        let h = u / H as u64;
        let m = (u / M as u64) % 60;
        let s = u % M as u64;
        if h > 0 {
            out.push_str(&h.to_string());
            out.push('h');
        }
        if h > 0 || m > 0 {
            out.push_str(&m.to_string());
            out.push('m');
        }
        push_fraction(&mut out, s, S as u64);
        out.push('s');
    }
    out
}

/// `v / div` with the shortest exact decimal fraction (`1.5`, `2`).
fn push_fraction(out: &mut String, v: u64, div: u64) {
    out.push_str(&(v / div).to_string());
    let rem = v % div;
    if rem != 0 {
        let width = div.ilog10() as usize;
        let digits = format!("{rem:0width$}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// InfluxQL's `FormatDuration`, also TICKscript's duration literal: the
/// largest unit of `w d h m s ms u` that divides exactly, else `ns`; `0s`
/// for zero.
pub fn duration_literal(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    for (unit, suffix) in [
        (W, "w"),
        (D, "d"),
        (H, "h"),
        (M, "m"),
        (S, "s"),
        (MS, "ms"),
        (US, "u"),
    ] {
        if nanos % unit == 0 {
            return format!("{}{suffix}", nanos / unit);
        }
    }
    format!("{nanos}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected strings are Go's documented `Duration.String()` outputs
    /// (its package example and table tests), not this function's.
    #[test]
    fn go_duration_string() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(1), "1ns");
        assert_eq!(duration_string(1_100), "1.1µs");
        assert_eq!(duration_string(2_200_000), "2.2ms");
        assert_eq!(duration_string(3_300_000_000), "3.3s");
        assert_eq!(duration_string(4 * M + 5 * S), "4m5s");
        assert_eq!(duration_string(4 * M + 5_001_000_000), "4m5.001s");
        assert_eq!(duration_string(5 * H + 6 * M + 7_001_000_000), "5h6m7.001s");
        assert_eq!(duration_string(8 * M + 1), "8m0.000000001s");
        // 1h15m30.918273645s: Go's `Duration.String` example.
        assert_eq!(
            duration_string(H + 15 * M + 30 * S + 918_273_645),
            "1h15m30.918273645s"
        );
        assert_eq!(duration_string(60 * S), "1m0s");
        assert_eq!(duration_string(-90 * S), "-1m30s");
        assert_eq!(duration_string(i64::MAX), "2562047h47m16.854775807s");
        assert_eq!(duration_string(i64::MIN), "-2562047h47m16.854775808s");
    }

    /// InfluxQL's literal: the largest exact unit (1h30m is 90m, 1.5s is 1500ms).
    #[test]
    fn influxql_literal() {
        assert_eq!(duration_literal(0), "0s");
        assert_eq!(duration_literal(2 * W), "2w");
        assert_eq!(duration_literal(H + 30 * M), "90m");
        assert_eq!(duration_literal(1_500_000_000), "1500ms");
        assert_eq!(duration_literal(1_500), "1500ns");
        assert_eq!(duration_literal(2_000), "2u");
        assert_eq!(duration_literal(-60 * S), "-1m");
        assert_eq!(duration_literal(i64::MIN), "-9223372036854775808ns");
    }
}
