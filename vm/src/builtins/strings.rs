//! The `str…` family: Go `strings` semantics, byte offsets (reference §5.4).

use super::{bad_args, CallResult};
use crate::value::Value;
use compiler::catalog::builtins::Builtin;
use std::sync::Arc;

fn string(s: String) -> Value {
    Value::String(Arc::from(s))
}

/// Dispatch the string functions.
pub fn call(func: Builtin, args: &[Value]) -> CallResult {
    use Builtin::*;
    match (func, args) {
        (StrLength, [Value::String(s)]) => Ok(Value::Int(s.len() as i64)),
        (StrToLower, [Value::String(s)]) => Ok(case_map(s, false)),
        (StrToUpper, [Value::String(s)]) => Ok(case_map(s, true)),
        (StrTrimSpace, [Value::String(s)]) => {
            Ok(keep_or_new(s, s.trim_matches(char::is_whitespace)))
        }
        (StrReplace, [Value::String(s), Value::String(old), Value::String(new), Value::Int(n)]) => {
            Ok(string(replace(s, old, new, *n)))
        }
        (StrSubstring, [Value::String(s), Value::Int(start), Value::Int(stop)]) => {
            substring(s, *start, *stop)
        }
        (_, [Value::String(a), Value::String(b)]) => {
            two(func, a, b).ok_or_else(|| bad_args(func.name(), args))
        }
        _ => Err(bad_args(func.name(), args)),
    }
}

/// `strToLower`/`strToUpper` with one allocation: the original `Arc` when
/// nothing changes, an ASCII fast path, and the rune-by-rune Go mapping
/// otherwise.
fn case_map(s: &Arc<str>, upper: bool) -> Value {
    let unchanged = if upper {
        !s.chars().any(|c| c.is_lowercase())
    } else {
        !s.chars().any(|c| c.is_uppercase())
    };
    if unchanged && s.is_ascii() {
        return Value::String(s.clone());
    }
    if s.is_ascii() {
        // One allocation: copy into a fresh `Arc` and map it in place.
        let mut out: Arc<str> = Arc::from(s.as_ref());
        if let Some(m) = Arc::get_mut(&mut out) {
            if upper {
                m.make_ascii_uppercase();
            } else {
                m.make_ascii_lowercase();
            }
            return Value::String(out);
        }
    }
    string(if upper { to_upper(s) } else { to_lower(s) })
}

/// Return the original `Arc` when a trim removed nothing (no allocation).
fn keep_or_new(orig: &Arc<str>, trimmed: &str) -> Value {
    if trimmed.len() == orig.len() {
        Value::String(orig.clone())
    } else {
        Value::String(Arc::from(trimmed))
    }
}

fn two(func: Builtin, a: &Arc<str>, b: &str) -> Option<Value> {
    use Builtin::*;
    let in_set = |c: char| b.contains(c);
    Some(match func {
        StrContains => Value::Bool(a.contains(b)),
        StrContainsAny => Value::Bool(a.chars().any(in_set)),
        StrCount => Value::Int(count(a, b)),
        StrHasPrefix => Value::Bool(a.starts_with(b)),
        StrHasSuffix => Value::Bool(a.ends_with(b)),
        StrIndex => Value::Int(a.find(b).map_or(-1, |i| i as i64)),
        StrIndexAny => Value::Int(a.find(in_set).map_or(-1, |i| i as i64)),
        StrLastIndex => Value::Int(a.rfind(b).map_or(-1, |i| i as i64)),
        StrLastIndexAny => Value::Int(a.rfind(in_set).map_or(-1, |i| i as i64)),
        StrTrim => keep_or_new(a, a.trim_matches(in_set)),
        StrTrimLeft => keep_or_new(a, a.trim_start_matches(in_set)),
        StrTrimRight => keep_or_new(a, a.trim_end_matches(in_set)),
        StrTrimPrefix => keep_or_new(a, a.strip_prefix(b).unwrap_or(a)),
        StrTrimSuffix => keep_or_new(a, a.strip_suffix(b).unwrap_or(a)),
        _ => return None,
    })
}

/// Go `strings.Count`: non-overlapping occurrences; an empty `sub` counts
/// the runes plus one.
pub fn count(s: &str, sub: &str) -> i64 {
    if sub.is_empty() {
        return s.chars().count() as i64 + 1;
    }
    s.matches(sub).count() as i64
}

/// Go `strings.Replace`: the first `n` non-overlapping occurrences (all if
/// `n < 0`); an empty `old` matches at the start and after each rune.
pub fn replace(s: &str, old: &str, new: &str, n: i64) -> String {
    if old == new || n == 0 {
        return s.to_string();
    }
    let m = count(s, old);
    if m == 0 {
        return s.to_string();
    }
    let n = if n < 0 || m < n { m } else { n };
    let mut out = String::with_capacity(s.len() + (n as usize).saturating_mul(new.len()));
    let mut start = 0;
    for i in 0..n {
        let j = if old.is_empty() {
            if i > 0 {
                start + s[start..].chars().next().map_or(0, char::len_utf8)
            } else {
                start
            }
        } else {
            match s[start..].find(old) {
                Some(k) => start + k,
                None => break,
            }
        };
        out.push_str(&s[start..j]);
        out.push_str(new);
        start = j + old.len();
    }
    out.push_str(&s[start..]);
    out
}

/// `strSubstring(s, start, stop)`: the byte range [start, stop). Errors for
/// a negative index or `stop >= len(s)` (Kapacitor's own checks; note the
/// last byte can never be included), and for `start > stop` (a Go slice
/// panic). A range that splits a UTF-8 sequence yields U+FFFD for the
/// broken bytes (Go would keep the raw bytes).
pub fn substring(s: &str, start: i64, stop: i64) -> CallResult {
    if start < 0 {
        return Err(format!("found negative index for strSubstring: {start}"));
    }
    if stop < 0 {
        return Err(format!("found negative index for strSubstring: {stop}"));
    }
    if stop >= s.len() as i64 {
        return Err(format!(
            "stop index too large for string in strSubstring: {stop}"
        ));
    }
    if start > stop {
        return Err(format!(
            "runtime error: slice bounds out of range [{start}:{stop}]"
        ));
    }
    let bytes = &s.as_bytes()[start as usize..stop as usize];
    Ok(Value::String(Arc::from(
        String::from_utf8_lossy(bytes).as_ref(),
    )))
}

/// Go `strings.ToLower`: rune by rune simple case mapping (no final-sigma rule).
pub fn to_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut m = c.to_lowercase();
            match (m.next(), m.next()) {
                (Some(l), None) => l,
                // Multi-rune full mappings (U+0130): Go's simple mapping is the first rune.
                (Some(l), Some(_)) => l,
                _ => c,
            }
        })
        .collect()
}

/// Go `strings.ToUpper`: rune by rune simple case mapping (`ß` stays `ß`).
pub fn to_upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut m = c.to_uppercase();
            match (m.next(), m.next()) {
                (Some(u), None) => u,
                // Multi-rune full mappings have no simple uppercase in Go.
                _ => c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn c(f: Builtin, args: &[Value]) -> Value {
        call(f, args).unwrap()
    }

    #[test]
    fn searching() {
        use Builtin::*;
        assert_eq!(c(StrContains, &[s("héllo"), s("él")]), Value::Bool(true));
        assert_eq!(c(StrContains, &[s(""), s("")]), Value::Bool(true));
        assert_eq!(c(StrContainsAny, &[s("abc"), s("")]), Value::Bool(false));
        assert_eq!(c(StrContainsAny, &[s("abc"), s("xyzc")]), Value::Bool(true));
        assert_eq!(c(StrCount, &[s("cheese"), s("e")]), Value::Int(3));
        assert_eq!(c(StrCount, &[s("five"), s("")]), Value::Int(5));
        assert_eq!(c(StrCount, &[s("héé"), s("")]), Value::Int(4));
        assert_eq!(c(StrCount, &[s("aaaa"), s("aa")]), Value::Int(2));
        assert_eq!(c(StrIndex, &[s("chicken"), s("ken")]), Value::Int(4));
        assert_eq!(c(StrIndex, &[s("chicken"), s("")]), Value::Int(0));
        assert_eq!(c(StrIndex, &[s("chicken"), s("dmr")]), Value::Int(-1));
        assert_eq!(c(StrIndex, &[s("héllo"), s("l")]), Value::Int(3));
        assert_eq!(c(StrLastIndex, &[s("go gopher"), s("go")]), Value::Int(3));
        assert_eq!(c(StrLastIndex, &[s("abc"), s("")]), Value::Int(3));
        assert_eq!(c(StrIndexAny, &[s("golang"), s("y")]), Value::Int(-1));
        assert_eq!(c(StrIndexAny, &[s("chicken"), s("kmr")]), Value::Int(4));
        assert_eq!(
            c(StrLastIndexAny, &[s("go gopher"), s("go")]),
            Value::Int(4)
        );
        assert_eq!(c(StrLastIndexAny, &[s("aé"), s("é")]), Value::Int(1));
        assert_eq!(c(StrHasPrefix, &[s("abc"), s("")]), Value::Bool(true));
        assert_eq!(c(StrHasSuffix, &[s("abc"), s("bc")]), Value::Bool(true));
        assert_eq!(c(StrLength, &[s("héllo")]), Value::Int(6));
        assert_eq!(c(StrLength, &[s("")]), Value::Int(0));
    }

    #[test]
    fn transforming() {
        use Builtin::*;
        assert_eq!(replace("oink oink oink", "k", "ky", 2), "oinky oinky oink");
        assert_eq!(replace("oink oink oink", "oink", "moo", -1), "moo moo moo");
        assert_eq!(replace("abc", "", "-", -1), "-a-b-c-");
        assert_eq!(replace("aé", "", "-", 2), "-a-é");
        assert_eq!(replace("abc", "x", "y", -1), "abc");
        assert_eq!(replace("abc", "b", "y", 0), "abc");
        assert_eq!(c(StrToUpper, &[s("ßaé")]), s("ßAÉ"));
        assert_eq!(c(StrToLower, &[s("ΣΑΣ")]), s("σασ"));
        assert_eq!(c(StrToLower, &[s("İ")]), s("i"));
        assert_eq!(c(StrTrimSpace, &[s("\t a b \n\u{a0}")]), s("a b"));
        assert_eq!(
            c(StrTrim, &[s("¡¡¡Hello, Gophers!!!"), s("!¡")]),
            s("Hello, Gophers")
        );
        assert_eq!(c(StrTrimLeft, &[s("xxabcxx"), s("x")]), s("abcxx"));
        assert_eq!(c(StrTrimRight, &[s("xxabcxx"), s("x")]), s("xxabc"));
        assert_eq!(c(StrTrim, &[s("abc"), s("")]), s("abc"));
        assert_eq!(c(StrTrimPrefix, &[s("aaab"), s("a")]), s("aab"));
        assert_eq!(c(StrTrimSuffix, &[s("abbb"), s("b")]), s("abb"));
        assert_eq!(
            c(StrReplace, &[s("a.b.c"), s("."), s(""), Value::Int(-1)]),
            s("abc")
        );
    }

    #[test]
    fn substrings() {
        assert_eq!(substring("hello", 1, 3), Ok(s("el")));
        assert_eq!(substring("hello", 0, 0), Ok(s("")));
        assert_eq!(
            substring("hello", 0, 5),
            Err("stop index too large for string in strSubstring: 5".into())
        );
        assert_eq!(
            substring("hello", -1, 2),
            Err("found negative index for strSubstring: -1".into())
        );
        assert_eq!(
            substring("hello", 1, -2),
            Err("found negative index for strSubstring: -2".into())
        );
        assert_eq!(
            substring("hello", 3, 1),
            Err("runtime error: slice bounds out of range [3:1]".into())
        );
        assert_eq!(
            substring("", 0, 0),
            Err("stop index too large for string in strSubstring: 0".into())
        );
        assert_eq!(substring("héllo", 0, 2), Ok(s("h\u{fffd}")));
    }
}
