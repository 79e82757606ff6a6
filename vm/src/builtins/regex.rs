//! `regexReplace(r, s, repl)`: Go `Regexp.ReplaceAllString`.
//!
//! The `regex` crate's replacement syntax is Go's `Expand`: `$1`, `${1}`,
//! `$name`, `${name}` (the longest run of `[0-9A-Za-z_]` is the name, so
//! `$1x` means group `1x`), `$$` for a literal `$`, unknown groups expand
//! to nothing; empty matches next to a previous match are skipped.

use super::{bad_args, CallResult};
use crate::value::Value;
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

#[cfg(test)]
mod tests {
    use super::*;

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
