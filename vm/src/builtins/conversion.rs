//! Conversions: `bool`, `int`, `float`, `string`, `duration` (reference §5.4),
//! plus the Go number/duration parsing they are defined by (the formatting
//! is `compiler::golang`, shared with the checker and the runtime).

use super::{bad_args, CallResult};
use crate::ops::duration;
use crate::value::Value;
use compiler::golang::{
    duration_literal as format_duration, f64_to_i64 as go_f64_to_i64, format_float, format_float_v,
    quote as go_quote,
};
use std::sync::Arc;

/// `bool(b|s|i|f)`: strings by Go `strconv.ParseBool`; numbers must be 0 or 1.
pub fn to_bool(args: &[Value]) -> CallResult {
    match args {
        [Value::Bool(b)] => Ok(Value::Bool(*b)),
        [Value::String(s)] => parse_bool(s).map(Value::Bool),
        [Value::Int(0)] => Ok(Value::Bool(false)),
        [Value::Int(1)] => Ok(Value::Bool(true)),
        [Value::Int(i)] => Err(format!("cannot convert {i} to boolean")),
        [Value::Float(f)] if *f == 0.0 => Ok(Value::Bool(false)),
        [Value::Float(f)] if *f == 1.0 => Ok(Value::Bool(true)),
        [Value::Float(f)] => Err(format!("cannot convert {} to boolean", format_float_v(*f))),
        _ => Err(bad_args("bool", args)),
    }
}

/// `int(b|s|i|f)`: floats truncate toward zero (Go conversion: out of range
/// and NaN give -9223372036854775808); strings are base-10 only.
pub fn to_int(args: &[Value]) -> CallResult {
    match args {
        [Value::Bool(b)] => Ok(Value::Int(*b as i64)),
        [Value::String(s)] => parse_int(s).map(Value::Int),
        [Value::Int(i)] => Ok(Value::Int(*i)),
        [Value::Float(f)] => Ok(Value::Int(go_f64_to_i64(*f))),
        _ => Err(bad_args("int", args)),
    }
}

/// `float(b|s|i|f)`: strings by Go `strconv.ParseFloat`.
pub fn to_float(args: &[Value]) -> CallResult {
    match args {
        [Value::Bool(b)] => Ok(Value::Float(if *b { 1.0 } else { 0.0 })),
        [Value::String(s)] => parse_float(s).map(Value::Float),
        [Value::Int(i)] => Ok(Value::Float(*i as f64)),
        [Value::Float(f)] => Ok(Value::Float(*f)),
        _ => Err(bad_args("float", args)),
    }
}

/// `string(b|s|i|f|dur)`: floats in shortest `'f'` form (never an
/// exponent), durations InfluxQL style (`90s`, `1m`, `1w`).
pub fn to_string(args: &[Value]) -> CallResult {
    let s: String = match args {
        [Value::Bool(b)] => (if *b { "true" } else { "false" }).to_string(),
        [Value::String(s)] => return Ok(Value::String(s.clone())),
        [Value::Int(i)] => i.to_string(),
        [Value::Float(f)] => format_float(*f),
        [Value::Duration(d)] => format_duration(*d),
        _ => return Err(bad_args("string", args)),
    };
    Ok(Value::String(Arc::from(s)))
}

/// `duration(dur)`, `duration(i|f, unit)`, `duration(s, unit)`: numbers
/// are multiplied by the unit, checked like the `*` operator (a product
/// outside the duration range is an error where Go wraps); strings are
/// InfluxQL durations (the unit is ignored).
pub fn to_duration(args: &[Value]) -> CallResult {
    match args {
        [Value::Duration(d)] => Ok(Value::Duration(*d)),
        [Value::Int(i), Value::Duration(u)] => duration::mul_int(*u, *i)
            .map(Value::Duration)
            .map_err(|e| e.to_string()),
        [Value::Float(f), Value::Duration(u)] => duration::mul_float(*u, *f)
            .map(Value::Duration)
            .map_err(|e| e.to_string()),
        [Value::String(s), Value::Duration(_)] => parse_duration(s)
            .map(Value::Duration)
            .map_err(|_| format!("invalid duration string {}", go_quote(s))),
        _ => Err(bad_args("duration", args)),
    }
}

/// Go `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

/// Go `strconv.ParseInt(s, 10, 64)`.
pub fn parse_int(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>().map_err(|_| {
        format!(
            "strconv.ParseInt: parsing {}: value out of range",
            go_quote(s)
        )
    })
}

/// Go `strconv.ParseFloat(s, 64)` for decimal input (hexadecimal floats and
/// underscores are not accepted).
pub fn parse_float(s: &str) -> Result<f64, String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    let special =
        lower == "inf" || lower == "infinity" || (lower == "nan" && body.len() == s.len());
    let well_formed = special
        || (!body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && body
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() || b == b'.'));
    let parsed = if well_formed {
        s.parse::<f64>().ok()
    } else {
        None
    };
    match parsed {
        Some(f) if f.is_infinite() && !special => Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(s)
        )),
        Some(f) => Ok(f),
        None => Err(format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;
const H: i64 = 60 * M;
const D: i64 = 24 * H;
const W: i64 = 7 * D;

/// InfluxQL `ParseDuration`: an optional `-`, then one or more
/// `<digits><unit>` segments (`ns u µ ms s m h d w`), e.g. `1h30m`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || "invalid duration".to_string();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 {
        return Err(invalid());
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
            return Err(invalid());
        }
        let digits: String = chars[start..i].iter().collect();
        let n: i64 = digits.parse().map_err(|_| invalid())?;
        let next = chars.get(i + 1).copied();
        let (unit, width) = match chars[i] {
            'n' if next == Some('s') => (NS, 2),
            'u' | 'µ' => (US, 1),
            'm' if next == Some('s') => (MS, 2),
            'm' => (M, 1),
            's' => (S, 1),
            'h' => (H, 1),
            'd' => (D, 1),
            'w' => (W, 1),
            _ => return Err(invalid()),
        };
        total = total.wrapping_add(n.wrapping_mul(unit));
        i += width;
    }
    if total < 0 && !negative {
        return Err(format!(
            "overflowed duration {s}: choose a smaller duration or INF"
        ));
    }
    Ok(if negative {
        total.wrapping_neg()
    } else {
        total
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn bool_conversions() {
        assert_eq!(to_bool(&[s("T")]), Ok(Value::Bool(true)));
        assert_eq!(to_bool(&[s("False")]), Ok(Value::Bool(false)));
        assert_eq!(
            to_bool(&[s("yes")]),
            Err("strconv.ParseBool: parsing \"yes\": invalid syntax".into())
        );
        assert_eq!(
            to_bool(&[Value::Int(2)]),
            Err("cannot convert 2 to boolean".into())
        );
        assert_eq!(to_bool(&[Value::Float(-0.0)]), Ok(Value::Bool(false)));
        assert_eq!(
            to_bool(&[Value::Float(2.5)]),
            Err("cannot convert 2.5 to boolean".into())
        );
        assert_eq!(
            to_bool(&[Value::Float(f64::NAN)]),
            Err("cannot convert NaN to boolean".into())
        );
        assert_eq!(
            to_bool(&[Value::Float(1e21)]),
            Err("cannot convert 1e+21 to boolean".into())
        );
    }

    #[test]
    fn int_conversions() {
        assert_eq!(to_int(&[Value::Float(-2.9)]), Ok(Value::Int(-2)));
        assert_eq!(to_int(&[Value::Float(f64::NAN)]), Ok(Value::Int(i64::MIN)));
        assert_eq!(to_int(&[Value::Float(1e300)]), Ok(Value::Int(i64::MIN)));
        assert_eq!(to_int(&[s("+42")]), Ok(Value::Int(42)));
        assert_eq!(
            to_int(&[s("-9223372036854775808")]),
            Ok(Value::Int(i64::MIN))
        );
        assert_eq!(
            to_int(&[s("9223372036854775808")]),
            Err("strconv.ParseInt: parsing \"9223372036854775808\": value out of range".into())
        );
        assert_eq!(
            to_int(&[s("0x10")]),
            Err("strconv.ParseInt: parsing \"0x10\": invalid syntax".into())
        );
        assert_eq!(
            to_int(&[s("")]),
            Err("strconv.ParseInt: parsing \"\": invalid syntax".into())
        );
        assert!(to_int(&[s("1_000")]).is_err());
        assert_eq!(to_int(&[Value::Bool(true)]), Ok(Value::Int(1)));
    }

    #[test]
    fn float_conversions() {
        assert_eq!(to_float(&[s("1.5e3")]), Ok(Value::Float(1500.0)));
        assert_eq!(to_float(&[s(".5")]), Ok(Value::Float(0.5)));
        assert_eq!(to_float(&[s("-Inf")]), Ok(Value::Float(f64::NEG_INFINITY)));
        assert!(matches!(to_float(&[s("NaN")]), Ok(Value::Float(f)) if f.is_nan()));
        assert_eq!(
            to_float(&[s("1e400")]),
            Err("strconv.ParseFloat: parsing \"1e400\": value out of range".into())
        );
        assert_eq!(
            to_float(&[s("abc")]),
            Err("strconv.ParseFloat: parsing \"abc\": invalid syntax".into())
        );
        assert!(to_float(&[s("")]).is_err());
        assert_eq!(
            to_float(&[Value::Int(i64::MAX)]),
            Ok(Value::Float(9.223372036854776e18))
        );
    }

    #[test]
    fn string_conversions() {
        let f = |x: f64| format_float(x);
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(100.0), "100");
        assert_eq!(f(1e21), "1000000000000000000000");
        assert_eq!(f(1e-7), "0.0000001");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(f64::INFINITY), "+Inf");
        assert_eq!(f(f64::NEG_INFINITY), "-Inf");
        assert_eq!(to_string(&[Value::Bool(true)]), Ok(s("true")));
        assert_eq!(
            to_string(&[Value::Int(i64::MIN)]),
            Ok(s("-9223372036854775808"))
        );
        assert_eq!(to_string(&[Value::Duration(90 * S)]), Ok(s("90s")));
        assert_eq!(to_string(&[Value::Duration(-60 * S)]), Ok(s("-1m")));
        assert_eq!(to_string(&[Value::Duration(1500 * US)]), Ok(s("1500u")));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Ok(90 * M));
        assert_eq!(parse_duration("-5ms"), Ok(-5 * MS));
        assert_eq!(parse_duration("10µ"), Ok(10 * US));
        assert_eq!(parse_duration("3ns"), Ok(3));
        assert_eq!(parse_duration("2w1d"), Ok(15 * D));
        assert!(parse_duration("1").is_err());
        assert!(parse_duration("1.5h").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1n").is_err());
        assert_eq!(
            to_duration(&[s("abc"), Value::Duration(S)]),
            Err("invalid duration string \"abc\"".into())
        );
        assert_eq!(
            to_duration(&[Value::Int(3), Value::Duration(M)]),
            Ok(Value::Duration(3 * M))
        );
        assert_eq!(
            to_duration(&[Value::Float(1.5), Value::Duration(S)]),
            Ok(Value::Duration(1500 * MS))
        );
        // 2^63 - 1 times 2ns does not fit: an error, where Go gives -2ns.
        assert_eq!(
            to_duration(&[Value::Int(i64::MAX), Value::Duration(2)]),
            Err("duration overflow: 2ns * 9223372036854775807 is outside the range of a duration (±2562047h47m16.854775807s)".into())
        );
        assert!(to_duration(&[Value::Float(1e300), Value::Duration(S)]).is_err());
        assert_eq!(to_duration(&[Value::Duration(-7)]), Ok(Value::Duration(-7)));
    }
}
