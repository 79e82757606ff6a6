//! Go's string quoting and URL query escaping.

/// Go's `strconv.Quote`: double quotes, `\"` and `\\`, the C escapes
/// (`\a \b \f \n \r \t \v`), `\xNN` for other ASCII controls and DEL, and
/// `\uNNNN` for the other control characters; printable text as is.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// `quote` appended to `out` (no intermediate string).
pub fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `url.QueryEscape`: unreserved bytes (`A-Z a-z 0-9 - _ . ~`) as is,
/// space as `+`, every other byte of the UTF-8 text as `%XX` (upper hex).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's `strconv.Quote` examples: `"\"Fran & Freddie's Diner\t☺\""` keeps
    /// the smiley and escapes the tab; controls get `\x`/`\u` forms.
    #[test]
    fn go_quote() {
        assert_eq!(
            quote("Fran & Freddie's Diner\t☺"),
            "\"Fran & Freddie's Diner\\t☺\""
        );
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("\u{1}\u{7f}\u{7}\u{b}"), "\"\\x01\\x7f\\a\\v\"");
        assert_eq!(quote("\u{85}"), "\"\\u0085\"");
        assert_eq!(quote(""), "\"\"");
    }

    /// Go's `url.QueryEscape`: space to `+`, reserved and non-ASCII bytes
    /// percent-encoded in upper hex, `-_.~` kept.
    #[test]
    fn go_query_escape() {
        assert_eq!(query_escape("a b/c?d=e&f"), "a+b%2Fc%3Fd%3De%26f");
        assert_eq!(query_escape("-_.~"), "-_.~");
        assert_eq!(query_escape("é"), "%C3%A9");
        assert_eq!(query_escape("100%+"), "100%25%2B");
    }
}
