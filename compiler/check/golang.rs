//! Go's `time.Duration.String()` format, used where Kapacitor prints a
//! duration into generated text (the deadman message's `INTERVAL`).

/// `10s`, `1m0s`, `1h30m0s`, `1.5s`, `100ms`, `0s`.
pub fn duration_string(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: one unit with a fraction.
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, div));
        out.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        let m = (u / 60_000_000_000) % 60;
        let s = u % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac(s, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / div` printed with the shortest exact decimal fraction.
fn frac(v: u64, div: u64) -> String {
    let whole = v / div;
    let rem = v % div;
    if rem == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{rem:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::duration_string as d;

    #[test]
    fn go_format() {
        const S: i64 = 1_000_000_000;
        assert_eq!(d(10 * S), "10s");
        assert_eq!(d(60 * S), "1m0s");
        assert_eq!(d(3600 * S), "1h0m0s");
        assert_eq!(d(5400 * S), "1h30m0s");
        assert_eq!(d(1_500_000_000), "1.5s");
        assert_eq!(d(100_000_000), "100ms");
        assert_eq!(d(1_500), "1.5µs");
        assert_eq!(d(0), "0s");
        assert_eq!(d(-90 * S), "-1m30s");
    }
}
