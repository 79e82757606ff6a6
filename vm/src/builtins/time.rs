//! Time functions (reference §5.1, §5.4): `minute hour weekday day month
//! year` read the time in the server's local zone (the `TZ` variable, else
//! `/etc/localtime`, else UTC, resolved once per process); `unixNano` is
//! zone-free; `now()` is the wall clock.

use super::{bad_args, CallResult};
use crate::value::Value;
use compiler::catalog::builtins::Builtin;
use jiff::tz::TimeZone;
use std::sync::OnceLock;

/// The server's local zone, looked up once.
pub fn local_zone() -> &'static TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| TimeZone::try_system().unwrap_or(TimeZone::UTC))
}

/// A field of a time value in the local zone.
pub fn field(func: Builtin, args: &[Value]) -> CallResult {
    let [Value::Time(ns)] = args else {
        return Err(bad_args(func.name(), args));
    };
    if func == Builtin::UnixNano {
        return Ok(Value::Int(*ns));
    }
    Ok(Value::Int(local_field(func, *ns, local_zone())?))
}

/// A calendar field of `ns` (Unix nanoseconds) in `zone`.
pub fn local_field(func: Builtin, ns: i64, zone: &TimeZone) -> Result<i64, String> {
    let ts = jiff::Timestamp::from_nanosecond(ns as i128).map_err(|e| e.to_string())?;
    let dt = zone.to_datetime(ts);
    Ok(match func {
        Builtin::Minute => dt.minute() as i64,
        Builtin::Hour => dt.hour() as i64,
        Builtin::Weekday => dt.weekday().to_sunday_zero_offset() as i64,
        Builtin::Day => dt.day() as i64,
        Builtin::Month => dt.month() as i64,
        Builtin::Year => dt.year() as i64,
        _ => return Err(format!("{} is not a time field", func.name())),
    })
}

/// `now()`: the current wall-clock time.
pub fn now(args: &[Value]) -> CallResult {
    if !args.is_empty() {
        return Err(bad_args("now", args));
    }
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0);
    Ok(Value::Time(ns))
}

/// Go's `time.RFC3339Nano` in UTC (`2006-01-02T15:04:05.999999999Z`,
/// trailing zeros of the fraction dropped), as Kapacitor prints times.
pub fn rfc3339_nano(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let ts = match jiff::Timestamp::from_second(secs) {
        Ok(ts) => ts,
        Err(_) => return ns.to_string(),
    };
    let dt = TimeZone::UTC.to_datetime(ts);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    if frac != 0 {
        let digits = format!("{frac:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_a_zone() {
        // 2021-03-14T01:59:59Z, a Sunday.
        let ns = 1_615_687_199_000_000_000;
        let utc = TimeZone::UTC;
        assert_eq!(local_field(Builtin::Year, ns, &utc), Ok(2021));
        assert_eq!(local_field(Builtin::Month, ns, &utc), Ok(3));
        assert_eq!(local_field(Builtin::Day, ns, &utc), Ok(14));
        assert_eq!(local_field(Builtin::Hour, ns, &utc), Ok(1));
        assert_eq!(local_field(Builtin::Minute, ns, &utc), Ok(59));
        assert_eq!(local_field(Builtin::Weekday, ns, &utc), Ok(0));
        let plus2 = TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(local_field(Builtin::Hour, ns, &plus2), Ok(3));
        let minus5 = TimeZone::fixed(jiff::tz::offset(-5));
        assert_eq!(local_field(Builtin::Day, ns, &minus5), Ok(13));
        assert_eq!(local_field(Builtin::Weekday, ns, &minus5), Ok(6));
        // Before the epoch, and the extremes of i64 nanoseconds.
        assert_eq!(local_field(Builtin::Year, -1, &utc), Ok(1969));
        assert_eq!(local_field(Builtin::Year, i64::MIN, &utc), Ok(1677));
        assert_eq!(local_field(Builtin::Year, i64::MAX, &utc), Ok(2262));
    }

    #[test]
    fn rfc3339() {
        assert_eq!(rfc3339_nano(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_nano(1_500_000_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(rfc3339_nano(-1), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(
            rfc3339_nano(1_615_687_199_000_000_001),
            "2021-03-14T01:59:59.000000001Z"
        );
    }

    #[test]
    fn unix_nano_and_now() {
        assert_eq!(
            field(Builtin::UnixNano, &[Value::Time(-5)]),
            Ok(Value::Int(-5))
        );
        assert!(matches!(now(&[]), Ok(Value::Time(t)) if t > 1_600_000_000_000_000_000));
    }
}
