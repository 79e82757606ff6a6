//! Go `fmt` printing: `%v` of every template value, `printf` verbs and flags,
//! and Go's float formatting (which differs from Rust's: `%v` switches to
//! exponent form at 1e+06, exponents have at least two digits, …).

use super::gotime::{duration_string, time_string};
use super::value::Value;
use std::fmt::Write;

/// Shortest round-trip digits of a finite non-zero |f| and the decimal point
/// position: value = 0.d1d2… × 10^dp.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// Past this many digits every f64 is exact (none has more than 767
/// significant or 1,074 fraction digits): the rest are zeros. Rust's
/// formatter panics on a precision above u16::MAX; Go allows up to 1e6.
const EXACT_DIGITS: usize = 1_100;

/// Digits rounded to `n` significant digits (n ≥ 1).
fn rounded_digits(f: f64, n: usize) -> (String, i32) {
    let s = format!("{:.*e}", (n - 1).min(EXACT_DIGITS), f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: String = mant.chars().filter(|c| *c != '.').collect();
    if n > digits.len() {
        digits.extend(std::iter::repeat_n('0', n - digits.len()));
    }
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

fn push_exp(out: &mut String, exp: i32, upper: bool) {
    out.push(if upper { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    let _ = write!(out, "{a}");
}

/// %e layout of digits d (value 0.d × 10^dp) with `prec` fraction digits (None = all digits).
fn layout_e(out: &mut String, digits: &str, dp: i32, prec: Option<usize>, upper: bool) {
    let b = digits.as_bytes();
    out.push(b[0] as char);
    let frac = &digits[1..];
    let n = prec.unwrap_or(frac.len());
    if n > 0 {
        out.push('.');
        for i in 0..n {
            out.push(*frac.as_bytes().get(i).unwrap_or(&b'0') as char);
        }
    }
    let exp = if digits.bytes().all(|c| c == b'0') {
        0
    } else {
        dp - 1
    };
    push_exp(out, exp, upper);
}

/// %f layout of digits d (value 0.d × 10^dp), all digits, no padding zeros after.
fn layout_f(out: &mut String, digits: &str, dp: i32) {
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            out.push_str(digits);
            for _ in digits.len()..dp {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
}

fn special(out: &mut String, f: f64, plus: bool) -> bool {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        return false;
    }
    let _ = plus;
    true
}

/// Go `%g` with optional precision (`%v` is `%g` shortest).
pub fn fmt_g(out: &mut String, f: f64, prec: Option<usize>, upper: bool) {
    if special(out, f, false) {
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return;
    }
    let (digits, dp, eprec) = match prec {
        None => {
            let (d, dp) = shortest_digits(f);
            (d, dp, 6)
        }
        Some(p) => {
            let p = p.max(1);
            let (d, dp) = rounded_digits(f, p);
            let d = d.trim_end_matches('0').to_string();
            let d = if d.is_empty() { "0".to_string() } else { d };
            let mut eprec = p as i32;
            if eprec > d.len() as i32 && d.len() as i32 >= dp {
                eprec = d.len() as i32;
            }
            (d, dp, eprec)
        }
    };
    let exp = dp - 1;
    if exp < -4 || exp >= eprec {
        layout_e(out, &digits, dp, None, upper);
    } else {
        layout_f(out, &digits, dp);
    }
}

/// Go `%e` with precision (default 6).
pub fn fmt_e(out: &mut String, f: f64, prec: usize, upper: bool) {
    if special(out, f, false) {
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    let (d, dp) = if f == 0.0 {
        ("0".repeat(prec + 1), 1)
    } else {
        rounded_digits(f, prec + 1)
    };
    layout_e(out, &d, dp, Some(prec), upper);
}

/// Go `%f` with precision (default 6).
pub fn fmt_f(out: &mut String, f: f64, prec: usize) {
    if special(out, f, false) {
        return;
    }
    // Past `EXACT_DIGITS` the exact expansion goes on in zeros.
    if prec <= EXACT_DIGITS {
        let _ = write!(out, "{:.*}", prec, f);
    } else {
        let _ = write!(out, "{:.*}", EXACT_DIGITS, f);
        out.extend(std::iter::repeat_n('0', prec - EXACT_DIGITS));
    }
}

/// The float layout of Go's `encoding/json` (also used for `%v`-free JSON).
pub fn json_float(out: &mut String, f: f64) {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        if f < 0.0 {
            out.push('-');
        }
        let (d, dp) = shortest_digits(f);
        let mut s = String::new();
        layout_e(&mut s, &d, dp, None, false);
        // Go cleans up e-09 to e-9 (but keeps e+21 as is).
        if let Some(i) = s.find("e-0") {
            s.remove(i + 2);
        }
        out.push_str(&s);
    } else {
        let _ = write!(out, "{f}");
    }
}

/// `strconv.Quote` (one Go-format home: `compiler::golang`).
pub use compiler::golang::push_quoted as quote;

/// `fmt.Sprint(v)` as text/template prints an action's value.
pub fn print_value(out: &mut String, v: &Value) {
    fmt_verb(out, v, 'v', &Spec::default());
}

#[derive(Default, Clone, Copy)]
pub struct Spec {
    pub minus: bool,
    pub plus: bool,
    pub zero: bool,
    pub space: bool,
    pub sharp: bool,
    pub width: Option<usize>,
    pub prec: Option<usize>,
}

fn bad_verb(out: &mut String, v: &Value, verb: char) {
    let _ = write!(out, "%!{verb}(");
    match v {
        Value::Nil | Value::NoValue => out.push_str("<nil>"),
        _ => {
            out.push_str(v.type_name());
            out.push('=');
            fmt_verb(out, v, 'v', &Spec::default());
        }
    }
    out.push(')');
}

/// Formats one value with one verb (no padding), recursing into containers
/// the way Go's fmt does.
pub fn fmt_verb(out: &mut String, v: &Value, verb: char, spec: &Spec) {
    match v {
        Value::NoValue => {
            if verb == 'v' || verb == 's' {
                out.push_str("<no value>")
            } else {
                bad_verb(out, v, verb)
            }
        }
        Value::Nil => match verb {
            'v' => out.push_str("<nil>"),
            _ => bad_verb(out, v, verb),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => out.push_str(if *b { "true" } else { "false" }),
            _ => bad_verb(out, v, verb),
        },
        Value::Int(i) | Value::Int64(i) => fmt_int(out, v, *i, verb, spec),
        Value::Duration(d) => match verb {
            'v' | 's' => duration_string(*d, out),
            'q' => {
                let mut s = String::new();
                duration_string(*d, &mut s);
                quote(out, &s);
            }
            _ => fmt_int(out, v, *d, verb, spec),
        },
        Value::Float(f) => match verb {
            'v' | 'g' => fmt_g(out, *f, spec.prec, false),
            'G' => fmt_g(out, *f, spec.prec, true),
            'e' | 'E' => fmt_e(out, *f, spec.prec.unwrap_or(6), verb == 'E'),
            'f' | 'F' => fmt_f(out, *f, spec.prec.unwrap_or(6)),
            _ => bad_verb(out, v, verb),
        },
        Value::Str(s) => fmt_str(out, s, verb, spec, v),
        Value::Time(t) => {
            let mut s = String::new();
            time_string(*t, &mut s);
            match verb {
                'v' | 's' => out.push_str(&s),
                'q' => quote(out, &s),
                'x' | 'X' => fmt_str(out, &s, verb, spec, v),
                _ => bad_verb(out, v, verb),
            }
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_verb(out, &Value::Str(k.clone()), verb, spec);
                out.push(':');
                fmt_verb(out, e, verb, spec);
            }
            out.push(']');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (name, e)) in s.fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if spec.plus && verb == 'v' {
                    out.push_str(name);
                    out.push(':');
                }
                fmt_verb(out, e, verb, spec);
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_verb(out, e, verb, spec);
            }
            out.push(']');
        }
    }
}

fn fmt_int(out: &mut String, v: &Value, i: i64, verb: char, spec: &Spec) {
    match verb {
        'v' | 'd' => {
            if spec.plus && i >= 0 {
                out.push('+');
            }
            let _ = write!(out, "{i}");
        }
        'x' => {
            if i < 0 {
                out.push('-');
            }
            if spec.sharp {
                out.push_str("0x");
            }
            let _ = write!(out, "{:x}", i.unsigned_abs());
        }
        'X' => {
            if i < 0 {
                out.push('-');
            }
            if spec.sharp {
                out.push_str("0X");
            }
            let _ = write!(out, "{:X}", i.unsigned_abs());
        }
        'o' => {
            if i < 0 {
                out.push('-');
            }
            let _ = write!(out, "{:o}", i.unsigned_abs());
        }
        'b' => {
            if i < 0 {
                out.push('-');
            }
            let _ = write!(out, "{:b}", i.unsigned_abs());
        }
        'c' => out.push(char::from_u32(i as u32).unwrap_or('\u{FFFD}')),
        'q' => {
            let c = char::from_u32(i as u32).unwrap_or('\u{FFFD}');
            let mut s = String::new();
            quote(&mut s, &c.to_string());
            out.push('\'');
            out.push_str(&s[1..s.len() - 1].replace("\\\"", "\""));
            out.push('\'');
        }
        _ => bad_verb(out, v, verb),
    }
}

fn fmt_str(out: &mut String, s: &str, verb: char, spec: &Spec, v: &Value) {
    let s = match spec.prec {
        Some(p) if matches!(verb, 's' | 'v' | 'q') => {
            let end = s.char_indices().nth(p).map_or(s.len(), |(i, _)| i);
            &s[..end]
        }
        _ => s,
    };
    match verb {
        'v' | 's' => out.push_str(s),
        'q' => quote(out, s),
        'x' => {
            for b in s.bytes() {
                let _ = write!(out, "{b:02x}");
            }
        }
        'X' => {
            for b in s.bytes() {
                let _ = write!(out, "{b:02X}");
            }
        }
        _ => bad_verb(out, v, verb),
    }
}

/// Applies width padding to a formatted piece.
fn pad(out: &mut String, piece: &str, spec: &Spec, numeric: bool) {
    let n = piece.chars().count();
    let Some(w) = spec.width.filter(|w| *w > n) else {
        out.push_str(piece);
        return;
    };
    let fill = w - n;
    if spec.minus {
        out.push_str(piece);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero && numeric {
        let (sign, rest) = match piece.as_bytes().first() {
            Some(b'-' | b'+') => piece.split_at(1),
            _ => ("", piece),
        };
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(piece);
    }
}

/// `fmt.Sprintf(format, args…)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut argi = 0;
    let mut chars = format.char_indices().peekable();
    let mut piece = String::new();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            chars.next();
        }
        let num = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            let mut n: Option<usize> = None;
            while let Some(&(_, d)) = chars.peek() {
                let Some(dv) = d.to_digit(10) else { break };
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(dv as usize),
                );
                chars.next();
            }
            n
        };
        spec.width = num(&mut chars);
        // Go's fmt refuses widths/precisions over 1e6 (`tooLarge`).
        if spec.width.is_some_and(|w| w > 1_000_000) {
            out.push_str("%!(BADWIDTH)");
            spec.width = None;
        }
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            spec.prec = Some(num(&mut chars).unwrap_or(0));
            if spec.prec.is_some_and(|p| p > 1_000_000) {
                out.push_str("%!(BADPREC)");
                spec.prec = None;
            }
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        argi += 1;
        piece.clear();
        fmt_verb(&mut piece, arg, verb, &spec);
        if spec.space
            && !piece.starts_with('-')
            && matches!(arg, Value::Int(_) | Value::Int64(_) | Value::Float(_))
            && !spec.plus
        {
            piece.insert(0, ' ');
        }
        if spec.plus
            && matches!(arg, Value::Float(f) if *f >= 0.0)
            && matches!(verb, 'v' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G')
        {
            piece.insert(0, '+');
        }
        let numeric = matches!(arg, Value::Int(_) | Value::Int64(_) | Value::Float(_));
        pad(&mut out, &piece, &spec, numeric);
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(a.type_name());
            out.push('=');
            print_value(&mut out, a);
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(f: f64) -> String {
        let mut s = String::new();
        print_value(&mut s, &Value::Float(f));
        s
    }

    /// Precisions past Rust's formatter limit (u16::MAX), up to Go's 1e6: the
    /// exact digits, then zeros (a fuzz finding: this panicked).
    #[test]
    fn huge_f_precisions_print_the_exact_digits_then_zeros() {
        for prec in [1_100, 1_101, 70_000, 1_000_000] {
            let mut s = String::new();
            fmt_f(&mut s, 0.1, prec);
            let mut exact = String::new();
            fmt_f(&mut exact, 0.1, 1_100);
            assert_eq!(s.len(), 2 + prec, "prec {prec}");
            assert!(s.starts_with(&exact));
            assert!(s[exact.len()..].bytes().all(|b| b == b'0'));
        }
        // %e with as many digits: the same digits, the same exponent.
        let mut e = String::new();
        fmt_e(&mut e, 0.1, 70_000, false);
        assert_eq!(e.len(), "1.".len() + 70_000 + "e-01".len());
        assert!(
            e.starts_with("1.000") && e.ends_with("0e-01"),
            "{}",
            &e[..10]
        );
        let mut tiny = String::new();
        fmt_f(&mut tiny, 5e-324, 1_200);
        assert!(tiny.starts_with("0.000"), "{}", &tiny[..20]);
        assert!(
            tiny[2..1_076].contains('4'),
            "the subnormal's digits are there"
        );
    }

    #[test]
    fn floats_print_like_go() {
        assert_eq!(v(1.0), "1");
        assert_eq!(v(0.5), "0.5");
        assert_eq!(v(123456.0), "123456");
        assert_eq!(v(1234567.0), "1.234567e+06");
        assert_eq!(v(0.0001), "0.0001");
        assert_eq!(v(0.00001), "1e-05");
        assert_eq!(v(-2.5), "-2.5");
        assert_eq!(v(f64::INFINITY), "+Inf");
        assert_eq!(v(1e21), "1e+21");
    }

    #[test]
    fn printf_verbs() {
        let f = Value::Float(3.24159);
        assert_eq!(sprintf("%0.3f", std::slice::from_ref(&f)), "3.242");
        assert_eq!(sprintf("%.2f", std::slice::from_ref(&f)), "3.24");
        assert_eq!(sprintf("%f", std::slice::from_ref(&f)), "3.241590");
        assert_eq!(sprintf("%v", std::slice::from_ref(&f)), "3.24159");
        assert_eq!(sprintf("%e", std::slice::from_ref(&f)), "3.241590e+00");
        assert_eq!(sprintf("%.3g", std::slice::from_ref(&f)), "3.24");
        assert_eq!(sprintf("%d", &[Value::Int64(42)]), "42");
        assert_eq!(
            sprintf(
                "%5d|%-5d|%05d",
                &[Value::Int(42), Value::Int(42), Value::Int(-42)]
            ),
            "   42|42   |-0042"
        );
        assert_eq!(sprintf("%s", &[Value::str("hi")]), "hi");
        assert_eq!(sprintf("%q", &[Value::str("a\"b")]), "\"a\\\"b\"");
        assert_eq!(sprintf("%t", &[Value::Bool(true)]), "true");
        assert_eq!(sprintf("%x", &[Value::Int(255)]), "ff");
        assert_eq!(sprintf("%x", &[Value::str("hi")]), "6869");
        assert_eq!(sprintf("%d", &[Value::str("x")]), "%!d(string=x)");
        assert_eq!(sprintf("%s", &[Value::Float(1.5)]), "%!s(float64=1.5)");
        assert_eq!(sprintf("%d %d", &[Value::Int(1)]), "1 %!d(MISSING)");
        assert_eq!(
            sprintf("%d", &[Value::Int(1), Value::str("x")]),
            "1%!(EXTRA string=x)"
        );
        assert_eq!(sprintf("100%%", &[]), "100%");
        assert_eq!(sprintf("%v", &[Value::Duration(90_000_000_000)]), "1m30s");
        assert_eq!(sprintf("%d", &[Value::Duration(90)]), "90");
        assert_eq!(sprintf("%+.1f", &[Value::Float(2.0)]), "+2.0");
        assert_eq!(sprintf("%8.2f|", &[Value::Float(-2.0)]), "   -2.00|");
    }

    #[test]
    fn json_floats_like_go() {
        let j = |f: f64| {
            let mut s = String::new();
            json_float(&mut s, f);
            s
        };
        assert_eq!(j(1.0), "1");
        assert_eq!(j(1e20), "100000000000000000000");
        assert_eq!(j(1e21), "1e+21");
        assert_eq!(j(0.0000001), "1e-7");
        assert_eq!(j(3.2), "3.2");
        assert_eq!(j(-0.5), "-0.5");
    }
}
