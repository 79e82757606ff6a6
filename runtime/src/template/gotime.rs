//! Go's printing of `time.Time` and `time.Duration`, which templates and the
//! event JSON expose verbatim.

/// Civil UTC date-time of a ns timestamp: (year, month, day, hour, min, sec, nanos).
pub fn civil(ns: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, sod / 3600, sod / 60 % 60, sod % 60, nanos)
}

/// `.999999999`-style fraction: trailing zeros dropped, nothing when zero.
/// Every event JSON carries two timestamps, so no formatting machinery here.
fn push_frac(out: &mut String, nanos: u32) {
    if nanos == 0 {
        return;
    }
    let mut n = nanos;
    let mut digits = 9;
    while n.is_multiple_of(10) {
        n /= 10;
        digits -= 1;
    }
    out.push('.');
    push_digits(out, n, digits);
}

/// `n` as exactly `width` decimal digits (`n` < 10^width).
fn push_digits(out: &mut String, n: u32, width: u32) {
    let mut p = 10u32.pow(width.saturating_sub(1));
    while p > 0 {
        out.push(char::from(b'0' + (n / p % 10) as u8));
        p /= 10;
    }
}

/// `time.Time.String()` for a UTC time: `2016-01-01 00:00:00 +0000 UTC`.
pub fn time_string(ns: i64, out: &mut String) {
    use std::fmt::Write;
    let (y, mo, d, h, mi, s, n) = civil(ns);
    let _ = write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    push_frac(out, n);
    out.push_str(" +0000 UTC");
}

/// RFC3339Nano in UTC: `2016-01-01T00:00:00.5Z`.
pub fn rfc3339_nano(ns: i64, out: &mut String) {
    let (y, mo, d, h, mi, s, n) = civil(ns);
    if (0..10_000).contains(&y) {
        push_digits(out, y as u32, 4);
    } else {
        // Outside Go's four-digit years: as `{y:04}` prints them.
        use std::fmt::Write;
        let _ = write!(out, "{y:04}");
    }
    for (sep, v) in [('-', mo), ('-', d), ('T', h), (':', mi), (':', s)] {
        out.push(sep);
        push_digits(out, v, 2);
    }
    push_frac(out, n);
    out.push('Z');
}

/// RFC3339 with exactly nine fraction digits (`2006-01-02T15:04:05.000000000Z07:00`).
pub fn rfc3339_fixed9(ns: i64, out: &mut String) {
    use std::fmt::Write;
    let (y, mo, d, h, mi, s, n) = civil(ns);
    let _ = write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{n:09}Z");
}

/// `time.Duration.String()`: `1m30s`, `1.5ms`, `0s`, `1h0m0s` (the checker's
/// implementation, so deadman messages and templates print durations alike).
pub fn duration_string(d: i64, out: &mut String) {
    out.push_str(&compiler::golang::duration_string(d));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dur(d: i64) -> String {
        let mut s = String::new();
        duration_string(d, &mut s);
        s
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(dur(0), "0s");
        assert_eq!(dur(90_000_000_000), "1m30s");
        assert_eq!(dur(3_600_000_000_000), "1h0m0s");
        assert_eq!(dur(1_500_000_000), "1.5s");
        assert_eq!(dur(1_500_000), "1.5ms");
        assert_eq!(dur(1_500), "1.5µs");
        assert_eq!(dur(500), "500ns");
        assert_eq!(dur(-61_000_000_000), "-1m1s");
        assert_eq!(dur(9_045_000_500_000), "2h30m45.0005s");
    }

    #[test]
    fn times_print_like_go() {
        let mut s = String::new();
        time_string(1_451_606_400_000_000_000, &mut s);
        assert_eq!(s, "2016-01-01 00:00:00 +0000 UTC");
        s.clear();
        time_string(1_462_383_840_500_000_000, &mut s);
        assert_eq!(s, "2016-05-04 17:44:00.5 +0000 UTC");
        s.clear();
        rfc3339_nano(1_462_383_840_000_000_000, &mut s);
        assert_eq!(s, "2016-05-04T17:44:00Z");
        s.clear();
        rfc3339_nano(-1, &mut s);
        assert_eq!(s, "1969-12-31T23:59:59.999999999Z");
    }
}
