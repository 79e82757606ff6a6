//! `regexReplace(r, s, repl)`: Go `Regexp.ReplaceAllString`.
//!
//! The `regex` crate's replacement syntax is Go's `Expand`: `$1`, `${1}`,
//! `$name`, `${name}` (the longest run of `[0-9A-Za-z_]` is the name, so
//! `$1x` means group `1x`), `$$` for a literal `$`, unknown groups expand
//! to nothing; empty matches next to a previous match are skipped.

use super::{bad_args, CallResult};
use crate::value::Value;
use ::regex::Regex;
use std::borrow::Cow;
use std::sync::Arc;

pub fn regex_replace(args: &[Value]) -> CallResult {
    let [Value::Regex(re), Value::String(src), Value::String(repl)] = args else {
        return Err(bad_args("regexReplace", args));
    };
    Ok(match re.replace_all(src, repl.as_ref()) {
        // No match: hand back the same string without copying.
        Cow::Borrowed(_) => Value::String(src.clone()),
        Cow::Owned(s) => Value::String(Arc::from(s)),
    })
}

/// Compile a TICKscript regex literal with Go RE2 semantics.
pub fn compile_go(pattern: &str) -> Result<Regex, ::regex::Error> {
    Regex::new(&translate_go(pattern))
}

/// Rewrite a Go RE2 pattern into `regex` crate syntax with the same meaning:
/// Go's `\d \s \w \b` (and negations) are ASCII-only where the crate's are
/// Unicode-aware, and inside a character class Go takes `[`, `&&`, `~~`
/// literally where the crate reads nested classes and set operations.
/// (`\D \S \W` inside a class keep their Unicode meaning.)
pub fn translate_go(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars().peekable();
    let mut in_class = false;
    // Right after `[` or `[^`, where a `]` is a literal.
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let was_start = class_start;
        class_start = false;
        match c {
            '\\' => match chars.next() {
                Some(e) => {
                    let rep = match (in_class, e) {
                        (false, 'd') => Some("[0-9]"),
                        (false, 'D') => Some("[^0-9]"),
                        (false, 's') => Some("[\\t\\n\\f\\r ]"),
                        (false, 'S') => Some("[^\\t\\n\\f\\r ]"),
                        (false, 'w') => Some("[0-9A-Za-z_]"),
                        (false, 'W') => Some("[^0-9A-Za-z_]"),
                        (false, 'b') => Some("(?-u:\\b)"),
                        (false, 'B') => Some("(?-u:\\B)"),
                        (true, 'd') => Some("0-9"),
                        (true, 's') => Some("\\t\\n\\f\\r "),
                        (true, 'w') => Some("0-9A-Za-z_"),
                        _ => None,
                    };
                    match rep {
                        Some(r) => out.push_str(r),
                        None => {
                            out.push('\\');
                            out.push(e);
                        }
                    }
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '[' if chars.peek() == Some(&':') => {
                // A POSIX class `[:alpha:]`: copied through its `:]`.
                out.push('[');
                let mut prev = '[';
                for d in chars.by_ref() {
                    out.push(d);
                    if prev == ':' && d == ']' {
                        break;
                    }
                    prev = d;
                }
            }
            ']' if in_class && !was_start => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' | ']' if in_class => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        compile_go(p).unwrap().is_match(s)
    }

    #[test]
    fn go_perl_classes_are_ascii() {
        assert!(m(r"^\d+$", "123"));
        assert!(!m(r"^\d+$", "١٢٣")); // Arabic-Indic digits: not \d in Go
        assert!(m(r"^\D$", "١"));
        assert!(!m(r"^\w+$", "héllo"));
        assert!(m(r"^\W$", "é"));
        assert!(!m(r"^\s$", "\u{a0}"));
        assert!(!m(r"^\s$", "\u{b}")); // Go's \s has no \v
        assert!(m(r"^\S$", "\u{a0}"));
        assert!(m(r"^[\d.]+$", "1.5"));
        assert!(!m(r"^[\w]+$", "é"));
        assert!(m(r"\bfoo\b", "a foo b"));
        // é is not an ASCII word character, so there is no boundary before it.
        assert!(!m(r"\bé", "é"));
    }

    #[test]
    fn go_class_syntax() {
        assert!(m(r"^[]a]+$", "]a]"));
        assert!(m(r"^[^]a]$", "b"));
        assert!(m(r"^[a[b]+$", "a[b"));
        assert!(m(r"^[a&&b]+$", "a&b"));
        assert!(m(r"^[[:alpha:]]+$", "abc"));
        assert!(!m(r"^[[:alpha:]]+$", "é"));
        assert!(m(r"^\pL+$", "é"));
        assert!(m(r"^\x{e9}$", "é"));
        assert!(m(r"a\]b", "a]b"));
        assert_eq!(translate_go(r"plain(x|y)*"), r"plain(x|y)*");
    }

    fn rr(pat: &str, src: &str, repl: &str) -> String {
        let re = Value::Regex(Arc::new(::regex::Regex::new(pat).unwrap()));
        match regex_replace(&[re, Value::String(src.into()), Value::String(repl.into())]) {
            Ok(Value::String(s)) => s.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn go_expansion() {
        assert_eq!(rr("a(x*)b", "-ab-axxb-", "T"), "-T-T-");
        assert_eq!(rr("a(x*)b", "-ab-axxb-", "$1"), "--xx-");
        assert_eq!(rr("a(x*)b", "-ab-axxb-", "$1W"), "---");
        assert_eq!(rr("a(x*)b", "-ab-axxb-", "${1}W"), "-W-xxW-");
        assert_eq!(rr("a(?P<mid>x*)b", "axxb", "<${mid}>"), "<xx>");
        assert_eq!(rr("a(?P<mid>x*)b", "axxb", "$$"), "$");
        assert_eq!(rr("a*", "baaac", "-"), "-b-c-");
        assert_eq!(rr("é", "héé", "e"), "hee");
        assert_eq!(rr("z", "", "y"), "");
        assert_eq!(rr("^", "", "y"), "y");
    }
}
