//! Methods of `time.Time` and `time.Duration` that templates call as fields
//! (`{{ .Time.Unix }}`, `{{ .Time.Format "15:04" }}`, `{{ .Duration.Seconds }}`),
//! including Go's reference-layout time formatting.

use super::gotime::{civil, duration_string, time_string};
use super::value::Value;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Calls method `name` on `recv` when it is a Time or Duration; `None` when
/// the receiver has no such method.
pub fn call(recv: &Value, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    match recv {
        Value::Time(t) => time_method(*t, name, args),
        Value::Duration(d) => duration_method(*d, name, args),
        _ => None,
    }
}

fn no_args(name: &str, args: &[Value]) -> Result<(), String> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want 0 got {}",
            args.len()
        ))
    }
}

fn time_method(t: i64, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    let (y, mo, d, h, mi, s, ns) = civil(t);
    let days = t.div_euclid(86_400_000_000_000);
    let weekday = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    let v = match name {
        "Format" => {
            return Some(match args {
                [Value::Str(layout)] => Ok(Value::str(&format_layout(t, layout))),
                [other] => Err(format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                )),
                _ => Err(format!(
                    "wrong number of args for Format: want 1 got {}",
                    args.len()
                )),
            })
        }
        "Unix" => Value::Int64(t.div_euclid(1_000_000_000)),
        "UnixNano" => Value::Int64(t),
        "UnixMilli" => Value::Int64(t.div_euclid(1_000_000)),
        "UTC" | "Local" => Value::Time(t),
        "Year" => Value::Int(y),
        "Month" => Value::str(MONTHS[(mo - 1) as usize]),
        "Day" => Value::Int(d as i64),
        "Hour" => Value::Int(h as i64),
        "Minute" => Value::Int(mi as i64),
        "Second" => Value::Int(s as i64),
        "Nanosecond" => Value::Int(ns as i64),
        "Weekday" => Value::str(DAYS[weekday]),
        "String" => {
            let mut out = String::new();
            time_string(t, &mut out);
            Value::str(&out)
        }
        _ => return None,
    };
    Some(no_args(name, args).map(|_| v))
}

fn duration_method(d: i64, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    let v = match name {
        "Nanoseconds" => Value::Int64(d),
        "Microseconds" => Value::Int64(d / 1_000),
        "Milliseconds" => Value::Int64(d / 1_000_000),
        "Seconds" => Value::Float(d as f64 / 1e9),
        "Minutes" => Value::Float(d as f64 / 6e10),
        "Hours" => Value::Float(d as f64 / 3.6e12),
        "String" => {
            let mut out = String::new();
            duration_string(d, &mut out);
            Value::str(&out)
        }
        _ => return None,
    };
    Some(no_args(name, args).map(|_| v))
}

/// Go's `Time.Format` for a UTC time and the reference layout
/// `Mon Jan 2 15:04:05 MST 2006`.
pub fn format_layout(t: i64, layout: &str) -> String {
    let (y, mo, d, h, mi, s, ns) = civil(t);
    let days = t.div_euclid(86_400_000_000_000);
    let weekday = (days + 4).rem_euclid(7) as usize;
    let yday = {
        let (jy, _, _, _, _, _, _) = civil(t);
        let jan1 = days_from_civil(jy, 1, 1);
        (days - jan1 + 1) as u32
    };
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let mut out = String::with_capacity(layout.len() + 8);
    let mut rest = layout;
    // Longest tokens first, as Go's nextStdChunk matches them.
    const TOKENS: &[&str] = &[
        "January",
        "Monday",
        "2006",
        "-07:00:00",
        "Z07:00:00",
        "-07:00",
        "Z07:00",
        "-0700",
        "Z0700",
        "-07",
        "Z07",
        "Jan",
        "Mon",
        "MST",
        "002",
        "__2",
        "_2",
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "15",
        "PM",
        "pm",
        "1",
        "2",
        "3",
        "4",
        "5",
    ];
    while !rest.is_empty() {
        // Fractional seconds: .000 / ,000 (fixed) or .999 (trimmed).
        if let Some(c) = rest.chars().next().filter(|c| *c == '.' || *c == ',') {
            let digits: usize = rest[1..].chars().take_while(|d| *d == '0').count();
            let nines: usize = rest[1..].chars().take_while(|d| *d == '9').count();
            let n = digits.max(nines);
            let next = rest[1 + n..].chars().next();
            if n > 0 && !next.is_some_and(|x| x.is_ascii_digit()) {
                let frac = format!("{ns:09}");
                let frac = &frac[..n.min(9)];
                if digits > 0 {
                    out.push(c);
                    out.push_str(frac);
                } else {
                    let trimmed = frac.trim_end_matches('0');
                    if !trimmed.is_empty() {
                        out.push(c);
                        out.push_str(trimmed);
                    }
                }
                rest = &rest[1 + n..];
                continue;
            }
        }
        let Some(tok) = TOKENS.iter().find(|tok| rest.starts_with(**tok)) else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        match *tok {
            "January" => out.push_str(MONTHS[(mo - 1) as usize]),
            "Jan" => out.push_str(&MONTHS[(mo - 1) as usize][..3]),
            "Monday" => out.push_str(DAYS[weekday]),
            "Mon" => out.push_str(&DAYS[weekday][..3]),
            "2006" => out.push_str(&format!("{y:04}")),
            "06" => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            "01" => out.push_str(&format!("{mo:02}")),
            "1" => out.push_str(&mo.to_string()),
            "02" => out.push_str(&format!("{d:02}")),
            "_2" => out.push_str(&format!("{d:>2}")),
            "2" => out.push_str(&d.to_string()),
            "002" => out.push_str(&format!("{yday:03}")),
            "__2" => out.push_str(&format!("{yday:>3}")),
            "15" => out.push_str(&format!("{h:02}")),
            "03" => out.push_str(&format!("{h12:02}")),
            "3" => out.push_str(&h12.to_string()),
            "04" => out.push_str(&format!("{mi:02}")),
            "4" => out.push_str(&mi.to_string()),
            "05" => out.push_str(&format!("{s:02}")),
            "5" => out.push_str(&s.to_string()),
            "PM" => out.push_str(if h >= 12 { "PM" } else { "AM" }),
            "pm" => out.push_str(if h >= 12 { "pm" } else { "am" }),
            "MST" => out.push_str("UTC"),
            "Z07:00:00" | "Z07:00" | "Z0700" | "Z07" => out.push('Z'),
            "-07:00:00" => out.push_str("+00:00:00"),
            "-07:00" => out.push_str("+00:00"),
            "-0700" => out.push_str("+0000"),
            "-07" => out.push_str("+00"),
            other => out.push_str(other),
        }
        rest = &rest[tok.len()..];
    }
    out
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_462_383_840_123_456_789; // 2016-05-04T17:44:00.123456789Z, a Wednesday

    #[test]
    fn go_layouts() {
        assert_eq!(
            format_layout(T, "2006-01-02T15:04:05Z07:00"),
            "2016-05-04T17:44:00Z"
        );
        assert_eq!(
            format_layout(T, "2006-01-02 15:04:05.000"),
            "2016-05-04 17:44:00.123"
        );
        assert_eq!(format_layout(T, "15:04:05.999999999"), "17:44:00.123456789");
        assert_eq!(
            format_layout(T, "Mon Jan _2 3:04PM MST 2006"),
            "Wed May  4 5:44PM UTC 2016"
        );
        assert_eq!(
            format_layout(T, "Monday, January 2, 06 -0700"),
            "Wednesday, May 4, 16 +0000"
        );
        assert_eq!(format_layout(T, "002"), "125");
    }

    #[test]
    fn methods() {
        let t = Value::Time(T);
        let unix = call(&t, "Unix", &[]).unwrap().unwrap();
        assert!(matches!(unix, Value::Int64(1_462_383_840)));
        assert!(
            matches!(call(&t, "Weekday", &[]).unwrap().unwrap(), Value::Str(s) if &*s == "Wednesday")
        );
        let secs = call(&Value::Duration(90_000_000_000), "Seconds", &[])
            .unwrap()
            .unwrap();
        assert!(matches!(secs, Value::Float(f) if f == 90.0));
        assert!(call(&t, "Nope", &[]).is_none());
        assert!(call(&t, "Unix", &[Value::Int(1)]).unwrap().is_err());
    }
}
