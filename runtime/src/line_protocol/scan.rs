//! Splitting a body into lines, byte for byte as InfluxDB's `scanLine` (and
//! the `influxdb-line-protocol` crate's `split_lines`, its port) does: a `\n`
//! ends a line unless it is backslash-escaped or inside a string field value.
//!
//! Whether a `"` opens a string depends on how many `=` and `,` came before
//! it after the first space, so the exact state machine only runs for a line
//! that holds a `"`; every other line is found with `memchr` plus a look at
//! the backslashes just before its `\n`.

use memchr::{memchr, memchr2};

/// One line of input, without its terminating `\n`.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub text: &'a str,
    /// `\n`s inside the line (escaped or quoted); they advance line numbers.
    pub newlines: usize,
}

/// Iterator over the lines of a body; yields the empty line after a final
/// `\n` like `str::split` does, so line numbers match the model.
#[derive(Debug)]
pub struct Lines<'a> {
    input: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> Lines<'a> {
    pub fn new(input: &'a str) -> Self {
        Lines {
            input,
            pos: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Chunk<'a>;

    fn next(&mut self) -> Option<Chunk<'a>> {
        if self.done {
            return None;
        }
        let start = self.pos;
        let (end, newlines) = line_end(self.input.as_bytes(), start);
        match end {
            Some(end) => self.pos = end + 1,
            None => self.done = true,
        }
        let end = end.unwrap_or(self.input.len());
        Some(Chunk {
            text: &self.input[start..end],
            newlines,
        })
    }
}

/// The index of the `\n` ending the line that starts at `start` (`None`:
/// the line runs to the end) and the number of `\n`s inside it.
fn line_end(s: &[u8], start: usize) -> (Option<usize>, usize) {
    let mut from = start;
    let mut inner = 0;
    loop {
        match memchr2(b'\n', b'"', &s[from..]) {
            None => return (None, inner),
            Some(i) if s[from + i] == b'"' => return line_end_exact(s, start),
            Some(i) => {
                let nl = from + i;
                // Without a quote in the line, only an odd run of
                // backslashes right before it keeps the `\n` in the line.
                let run = s[start..nl]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count();
                if run % 2 == 0 {
                    return (Some(nl), inner);
                }
                inner += 1;
                from = nl + 1;
            }
        }
    }
}

/// The Go state machine, for a line holding a `"`.
fn line_end_exact(s: &[u8], start: usize) -> (Option<usize>, usize) {
    let mut quoted = false;
    let mut fields = false;
    let mut equals = 0usize;
    let mut commas = 0usize;
    let mut inner = 0;
    let mut i = start;
    while i < s.len() {
        let c = s[i];
        match c {
            // The escaped byte is skipped whatever it is (a UTF-8 lead
            // byte's continuation bytes are never special).
            b'\\' => {
                if s.get(i + 1) == Some(&b'\n') {
                    inner += 1;
                }
                i += 2;
                continue;
            }
            b' ' => fields = true,
            b'=' if fields && !quoted => equals += 1,
            b',' if fields && !quoted => commas += 1,
            b'"' if fields && equals > commas => quoted = !quoted,
            b'\n' if !quoted => return (Some(i), inner),
            b'\n' => inner += 1,
            _ => {}
        }
        i += 1;
    }
    (None, inner)
}

/// Whether a line holds a `\n` (then the model re-splits it; see `Parser`).
pub fn has_newline(s: &str) -> bool {
    memchr(b'\n', s.as_bytes()).is_some()
}

/// The crate's `trim_leading`: spaces, tabs, `\n`s and whole `#` comment
/// lines removed from the front.
pub fn trim_leading(mut s: &str) -> &str {
    loop {
        s = s.trim_start_matches([' ', '\t', '\n']);
        if s.starts_with('#') {
            let at = memchr(b'\n', s.as_bytes()).unwrap_or(s.len());
            s = &s[at..];
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<(&str, usize)> {
        Lines::new(s).map(|c| (c.text, c.newlines)).collect()
    }

    #[test]
    fn splits_like_the_crate() {
        for s in [
            "a b=1\nc d=2\n",
            "a b=\"x\ny\"\nc d=2",
            "a\\\nb c=1\nd",
            "a\\\\\nb",
            "a b=1,c=\"x\\\"\n\"\n",
            "a,t=\"x b=\"q\n\"",
            "",
            "\n\n",
        ] {
            let want: Vec<&str> = influxdb_line_protocol::split_lines(s).collect();
            let got: Vec<&str> = lines(s).into_iter().map(|(t, _)| t).collect();
            assert_eq!(got, want, "{s:?}");
            for (t, n) in lines(s) {
                assert_eq!(n, t.matches('\n').count(), "{s:?}");
            }
        }
    }

    #[test]
    fn trims_comments_and_blanks() {
        assert_eq!(trim_leading(" \t\n# c\n  x y=1"), "x y=1");
        assert_eq!(trim_leading("# only"), "");
    }
}
