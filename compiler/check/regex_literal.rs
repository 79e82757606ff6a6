//! Whether a regex literal is valid, decided as the runtime's
//! `regex::Regex::new` decides it, without building the matcher.
//!
//! Building a regex compiles its automata, which costs tens of microseconds
//! per literal; a big script has one or more per task. Parsing and
//! translating the pattern (`regex_syntax`, what `Regex::new` runs first with
//! the same default settings) finds every syntax error with the same message.
//! The one thing parsing cannot see is the compiled size limit, which only a
//! long pattern or a counted repetition (`x{1000}`) can reach: those still
//! get the full build.

/// Longer patterns are built in full (see the module comment).
const PARSE_ONLY_MAX_LEN: usize = 128;

/// The error `regex::Regex::new(pattern)` reports, if any.
pub(crate) fn regex_error(pattern: &str) -> Option<String> {
    if let Err(e) = regex_syntax::Parser::new().parse(pattern) {
        return Some(e.to_string());
    }
    if pattern.len() > PARSE_ONLY_MAX_LEN || pattern.contains('{') {
        return regex::Regex::new(pattern).err().map(|e| e.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_verdict_and_message_as_a_full_build() {
        for p in [
            "web(",
            "^server[0-9]*$",
            "a{2,1}",
            "[z-a]",
            "\\p{NoSuchClass}",
            "(?P<n>x)(?P<n>y)",
            "\\",
            "x**",
            "(?i)caf\u{e9}",
            "a{1000}{1000}",
            "",
        ] {
            assert_eq!(
                regex_error(p),
                regex::Regex::new(p).err().map(|e| e.to_string()),
                "{p}"
            );
        }
    }
}
