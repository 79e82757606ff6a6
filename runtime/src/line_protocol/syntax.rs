//! The grammar of one line, as slices of the input (nothing copied, nothing
//! allocated). It follows the `influxdb-line-protocol` crate's parser
//! decision for decision — including its quirks, e.g. `m f=1,` and
//! `m f=1, 5` are accepted, a trailing space is not — so that both accept
//! the same lines and name the same problem; `tests/line_protocol_diff.rs`
//! and the `line_protocol` fuzz target hold them to it.

use super::escape::{scan, Component, Scanned};

/// Where the crate's parser gives up, one variant per crate error it can
/// produce for a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxError {
    /// No measurement at the start.
    Measurement,
    /// A `,` after the measurement without a `key=value` tag.
    TagSet,
    /// No space between the series and the fields.
    Generic,
    /// No parsable first field.
    FieldSet,
    /// A measurement, key or tag value whose text ends in a backslash.
    EndsWithBackslash,
    /// An `i` integer out of the int64 range.
    Integer,
    /// A `u` integer out of the uint64 range.
    Unsigned,
    /// A timestamp out of the int64 range.
    Timestamp,
    /// Something after the last part the grammar accepted.
    Trailing,
}

/// A parsed field value, still borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue<'a> {
    Float(f64),
    Int(i64),
    /// Kapacitor rejects these after parsing (no unsigned support).
    Unsigned,
    /// The body between the quotes, escapes not yet removed.
    String {
        raw: &'a str,
        escaped: bool,
    },
    Bool(bool),
}

/// A measurement, key or tag value, still escaped when `escaped`.
#[derive(Debug, Clone, Copy)]
pub struct RawStr<'a> {
    pub raw: &'a str,
    pub escaped: bool,
}

/// Receives the parts of a line as the grammar accepts them. A line can
/// still be rejected after some parts were delivered; the receiver discards
/// them then.
pub trait Sink<'a> {
    fn measurement(&mut self, m: RawStr<'a>);
    fn tag(&mut self, key: RawStr<'a>, value: RawStr<'a>);
    fn field(&mut self, key: RawStr<'a>, value: RawValue<'a>);
}

/// Failure of one grammar rule: `Error` lets an enclosing alternative or
/// list back off, `Failure` rejects the line (nom's distinction).
enum Fail {
    Error,
    Failure(SyntaxError),
}

type R<T> = Result<T, Fail>;

/// Parse `line`, handing its parts to `out`; the timestamp if any.
pub fn parse<'a>(line: &'a str, out: &mut impl Sink<'a>) -> Result<Option<i64>, SyntaxError> {
    let p = Cursor { s: line };
    let lift = |f: Fail, or: SyntaxError| match f {
        Fail::Error => or,
        Fail::Failure(e) => e,
    };
    let (m, mut i) = p
        .component(0, Component::Measurement)
        .map_err(|f| lift(f, SyntaxError::Measurement))?;
    out.measurement(m);
    if p.at(i) == Some(b',') {
        let mut n = 0;
        i = p
            .list(i + 1, |i| {
                let ((k, v), end) = p.tag(i)?;
                out.tag(k, v);
                n += 1;
                Ok(end)
            })
            .map_err(|f| lift(f, SyntaxError::TagSet))?;
        if n == 0 {
            return Err(SyntaxError::TagSet);
        }
    }
    i = p.spaces(i).ok_or(SyntaxError::Generic)?;
    let ((k, v), after) = p.field(i).map_err(|f| lift(f, SyntaxError::FieldSet))?;
    out.field(k, v);
    i = after;
    if p.at(i) == Some(b',') {
        // The crate restarts its list after this comma, so a dangling
        // comma here is swallowed (`m f=1,` parses); later ones are not.
        i = p
            .list(i + 1, |i| {
                let ((k, v), end) = p.field(i)?;
                out.field(k, v);
                Ok(end)
            })
            .map_err(|f| lift(f, SyntaxError::FieldSet))?;
    }
    let mut timestamp = None;
    if let Some(j) = p.spaces(i) {
        if let Some((t, end)) = p.signed_digits(j) {
            timestamp = Some(parse_i64(t).ok_or(SyntaxError::Timestamp)?);
            i = p.spaces(end).unwrap_or(end);
        }
    }
    if i < line.len() {
        return Err(SyntaxError::Trailing);
    }
    Ok(timestamp)
}

#[derive(Clone, Copy)]
struct Cursor<'a> {
    s: &'a str,
}

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn at(self, i: usize) -> Option<u8> {
        self.s.as_bytes().get(i).copied()
    }

    /// One or more spaces from `i`: the index after them.
    #[inline(always)]
    fn spaces(self, i: usize) -> Option<usize> {
        let n = self.s.as_bytes()[i..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        (n > 0).then_some(i + n)
    }

    #[inline(always)]
    fn component(self, i: usize, kind: Component) -> R<(RawStr<'a>, usize)> {
        let Scanned {
            end,
            escaped,
            ends_with_backslash,
        } = scan(self.s.as_bytes(), i, kind).ok_or(Fail::Error)?;
        if ends_with_backslash {
            return Err(Fail::Failure(SyntaxError::EndsWithBackslash));
        }
        Ok((
            RawStr {
                raw: &self.s[i..end],
                escaped,
            },
            end,
        ))
    }

    /// Items separated by `,` from `i` (just after a comma), appended to
    /// the sink. An item that does not parse after a later comma ends the list
    /// before that comma; a first item that does not parse ends it at `i`,
    /// after the comma the caller consumed (the crate's list semantics).
    #[inline(always)]
    fn list(self, i: usize, mut item: impl FnMut(usize) -> R<usize>) -> R<usize> {
        let mut i = match item(i) {
            Ok(end) => end,
            Err(Fail::Error) => return Ok(i),
            Err(e) => return Err(e),
        };
        while self.at(i) == Some(b',') {
            match item(i + 1) {
                Ok(end) => i = end,
                Err(Fail::Error) => return Ok(i),
                Err(e) => return Err(e),
            }
        }
        Ok(i)
    }

    #[inline(always)]
    fn tag(self, i: usize) -> R<((RawStr<'a>, RawStr<'a>), usize)> {
        let (k, i) = self.component(i, Component::Key)?;
        if self.at(i) != Some(b'=') {
            return Err(Fail::Error);
        }
        let (v, i) = self.component(i + 1, Component::TagValue)?;
        Ok(((k, v), i))
    }

    #[inline(always)]
    fn field(self, i: usize) -> R<((RawStr<'a>, RawValue<'a>), usize)> {
        let (k, i) = self.component(i, Component::Key)?;
        if self.at(i) != Some(b'=') {
            return Err(Fail::Error);
        }
        let (v, i) = self.value(i + 1)?;
        Ok(((k, v), i))
    }

    /// `-?[0-9]+` from `i`: the text and the index after it.
    #[inline]
    fn signed_digits(self, i: usize) -> Option<(&'a str, usize)> {
        let start = i;
        let i = if self.at(i) == Some(b'-') { i + 1 } else { i };
        let end = self.digits(i)?;
        Some((&self.s[start..end], end))
    }

    /// `[0-9]+` from `i`: the index after it.
    #[inline]
    fn digits(self, i: usize) -> Option<usize> {
        let n = self.s.as_bytes()[i.min(self.s.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        (n > 0).then_some(i + n)
    }

    /// `[0-9]+[eE][+-]?[0-9]+` from `i`.
    #[inline]
    fn exponential(self, i: usize) -> Option<usize> {
        let i = self.digits(i)?;
        if !matches!(self.at(i), Some(b'e' | b'E')) {
            return None;
        }
        let i = if matches!(self.at(i + 1), Some(b'+' | b'-')) {
            i + 2
        } else {
            i + 1
        };
        self.digits(i)
    }

    /// A field value.
    #[inline(always)]
    fn value(self, i: usize) -> R<(RawValue<'a>, usize)> {
        if let Some(v) = self.common_number(i) {
            return Ok(v);
        }
        self.value_general(i)
    }

    /// The shapes nearly every number has, in one pass over its digits:
    /// `-?D+i`, `-?D+` and `-?D+.D+` followed by anything but `.`, `e`, `E`
    /// or `u`. These are exactly the cases where the crate's alternatives
    /// (see [`Cursor::value_general`]) end at the same place with the same
    /// value; everything else (`u`, exponents, `5.`, a lone `-`, more than
    /// 15 digits) goes the general way. `None`: not one of these shapes.
    #[inline(always)]
    fn common_number(self, i: usize) -> Option<(RawValue<'a>, usize)> {
        let b = self.s.as_bytes();
        let neg = b.get(i) == Some(&b'-');
        let d0 = i + usize::from(neg);
        let mut j = d0;
        let mut m: u64 = 0;
        // Up to 19 digits cannot overflow a u64; longer runs go the
        // general way.
        while j < b.len() && b[j].is_ascii_digit() && j - d0 < 19 {
            m = m * 10 + u64::from(b[j] - b'0');
            j += 1;
        }
        let int_digits = j - d0;
        if int_digits == 0 || b.get(j).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        match b.get(j) {
            Some(b'i') => {
                let v = if neg {
                    (m <= 1 << 63).then(|| (m as i64).wrapping_neg())
                } else {
                    i64::try_from(m).ok()
                };
                // Out of range: the general path reports it.
                v.map(|v| (RawValue::Int(v), j + 1))
            }
            Some(b'.') => {
                let f0 = j + 1;
                let mut k = f0;
                while k < b.len() && b[k].is_ascii_digit() && int_digits + (k - f0) < 16 {
                    m = m * 10 + u64::from(b[k] - b'0');
                    k += 1;
                }
                let frac = k - f0;
                if frac == 0
                    || int_digits + frac > 15
                    || matches!(b.get(k), Some(b'0'..=b'9' | b'e' | b'E'))
                {
                    return None;
                }
                Some((RawValue::Float(exact_f64(neg, m, frac)), k))
            }
            Some(b'u' | b'e' | b'E') => None,
            _ if int_digits > 15 => None,
            _ => Some((RawValue::Float(exact_f64(neg, m, 0)), j)),
        }
    }

    /// A field value; the crate's alternatives in its order: integer,
    /// unsigned, float, string, boolean.
    fn value_general(self, i: usize) -> R<(RawValue<'a>, usize)> {
        let signed = self.signed_digits(i);
        if let Some((t, end)) = signed {
            if self.at(end) == Some(b'i') {
                let v = parse_i64(t).ok_or(Fail::Failure(SyntaxError::Integer))?;
                return Ok((RawValue::Int(v), end + 1));
            }
        }
        if let Some(end) = self.digits(i) {
            if self.at(end) == Some(b'u') {
                self.s[i..end]
                    .parse::<u64>()
                    .map_err(|_| Fail::Failure(SyntaxError::Unsigned))?;
                return Ok((RawValue::Unsigned, end + 1));
            }
        }
        if let Some(end) = self.float_end(i, signed.map(|(_, e)| e)) {
            // The accepted shapes always parse (huge exponents give ±inf,
            // which the caller rejects).
            let t = &self.s[i..end];
            let v = fast_f64(t).unwrap_or_else(|| t.parse::<f64>().unwrap_or(f64::NAN));
            return Ok((RawValue::Float(v), end));
        }
        if self.at(i) == Some(b'"') {
            return self.string(i);
        }
        self.boolean(i)
    }

    /// The end of the float starting at `i`, trying the crate's shapes in
    /// order: `int.exp`, `-?exp`, `int.digits`, `int`.
    #[inline]
    fn float_end(self, i: usize, integral_end: Option<usize>) -> Option<usize> {
        if let Some(e) = integral_end {
            if self.at(e) == Some(b'.') {
                if let Some(end) = self.exponential(e + 1) {
                    return Some(end);
                }
            }
        }
        let unsigned = if self.at(i) == Some(b'-') { i + 1 } else { i };
        if let Some(end) = self.exponential(unsigned) {
            return Some(end);
        }
        let e = integral_end?;
        if self.at(e) == Some(b'.') {
            if let Some(end) = self.digits(e + 1) {
                return Some(end);
            }
        }
        Some(e)
    }

    /// A double-quoted string from `i` (at the opening quote).
    fn string(self, i: usize) -> R<(RawValue<'a>, usize)> {
        let b = self.s.as_bytes();
        let mut j = i + 1;
        let mut escaped = false;
        loop {
            match memchr::memchr2(b'"', b'\\', &b[j..]) {
                None => return Err(Fail::Error),
                Some(k) if b[j + k] == b'"' => {
                    let end = j + k;
                    let raw = &self.s[i + 1..end];
                    return Ok((RawValue::String { raw, escaped }, end + 1));
                }
                Some(k) => {
                    escaped = true;
                    // `\"` and `\\` are one unit; any other backslash
                    // stands alone.
                    j += k + if matches!(b.get(j + k + 1), Some(b'"' | b'\\')) {
                        2
                    } else {
                        1
                    };
                }
            }
        }
    }

    fn boolean(self, i: usize) -> R<(RawValue<'a>, usize)> {
        const WORDS: [(&str, bool); 10] = [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("t", true),
            ("T", true),
            ("false", false),
            ("False", false),
            ("FALSE", false),
            ("f", false),
            ("F", false),
        ];
        let rest = &self.s[i..];
        WORDS
            .iter()
            .find(|(w, _)| rest.starts_with(w))
            .map(|&(w, v)| (RawValue::Bool(v), i + w.len()))
            .ok_or(Fail::Error)
    }
}

/// `-?[0-9]+(\.[0-9]+)?` with at most 15 digits, exactly: the digits as an
/// integer (< 2^53, so exact) divided by a power of ten ≤ 10^22 (exact too)
/// is one correctly rounded IEEE operation, hence the same value
/// `str::parse` gives (Clinger's fast path). `None`: use `str::parse`.
#[inline]
fn fast_f64(t: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, b) = match t.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    // At most 15 digits (plus the point): the integer stays below 2^53.
    if b.len() > 16 || (b.len() == 16 && !b.contains(&b'.')) {
        return None;
    }
    let mut m: u64 = 0;
    let mut frac: Option<usize> = None;
    for (k, &d) in b.iter().enumerate() {
        match d {
            b'0'..=b'9' => m = m * 10 + u64::from(d - b'0'),
            b'.' if frac.is_none() => frac = Some(b.len() - k - 1),
            _ => return None,
        }
    }
    let v = m as f64 / POW10[frac.unwrap_or(0)];
    Some(if neg { -v } else { v })
}

/// `m / 10^frac`, negated when `neg`, for `m < 2^53` and `frac <= 15`:
/// both operands exact, so one correctly rounded division, the value
/// `str::parse` gives (Clinger's fast path).
#[inline]
fn exact_f64(neg: bool, m: u64, frac: usize) -> f64 {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let v = m as f64 / POW10[frac];
    if neg {
        -v
    } else {
        v
    }
}

/// `-?[0-9]+` as i64, `None` out of range (the same set `str::parse` takes).
#[inline]
fn parse_i64(t: &str) -> Option<i64> {
    let (neg, digits) = match t.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        if v > 1 << 63 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_floats_match_str_parse() {
        for t in [
            "0",
            "-0",
            "1",
            "-1.5",
            "0.1",
            "98.5",
            "3.25",
            "123456789012345",
            "1.23456789012345",
            "-0.000000000000001",
            "9007199254740993",
            "1234567890123456",
            "0.30000000000000004",
        ] {
            let want = t.parse::<f64>().unwrap();
            if let Some(v) = fast_f64(t) {
                assert_eq!(v.to_bits(), want.to_bits(), "{t}");
            }
        }
        assert!(fast_f64("1e5").is_none());
        assert!(fast_f64("12345678901234567").is_none());
    }

    #[test]
    fn integers_match_str_parse() {
        for t in [
            "0",
            "-0",
            "007",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_i64(t), t.parse::<i64>().ok(), "{t}");
        }
    }

    struct Count(usize);
    impl<'a> Sink<'a> for Count {
        fn measurement(&mut self, _: RawStr<'a>) {}
        fn tag(&mut self, _: RawStr<'a>, _: RawStr<'a>) {}
        fn field(&mut self, _: RawStr<'a>, _: RawValue<'a>) {
            self.0 += 1;
        }
    }

    #[test]
    fn quirks_of_the_crate() {
        let p = |s| parse(s, &mut Count(0));
        assert_eq!(p("m f=1,"), Ok(None));
        assert_eq!(p("m f=1, 5"), Ok(Some(5)));
        assert_eq!(p("m f=1,g=2,"), Err(SyntaxError::Trailing));
        assert_eq!(p("m f=1 "), Err(SyntaxError::Trailing));
        assert_eq!(p("m,t\\\\=v f=1"), Err(SyntaxError::EndsWithBackslash));
        assert_eq!(p("m,=v f=1"), Err(SyntaxError::TagSet));
        assert_eq!(p("m f=tru"), Err(SyntaxError::Trailing));
        assert_eq!(
            p("m f=1i,g=99999999999999999999i"),
            Err(SyntaxError::Integer)
        );
    }
}
