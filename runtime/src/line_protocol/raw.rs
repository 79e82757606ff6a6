//! Lines parsed to borrowed parts only: the grammar's output as slices of
//! the input and parsed numbers, with no interning, no sorting and no
//! `Point`. This is the same work the `influxdb-line-protocol` crate's
//! `parse_lines` does (its `ParsedLine` borrows too), so the benchmark
//! compares the two like for like; `Parser` builds owned points on the same
//! grammar.

use super::scan;
use super::syntax::{self, RawStr, RawValue, Sink, SyntaxError};

/// One line's parts, borrowed from the input (escapes not removed).
#[derive(Debug, Default)]
pub struct RawLine<'a> {
    pub measurement: Option<RawStr<'a>>,
    pub tags: Vec<(RawStr<'a>, RawStr<'a>)>,
    pub fields: Vec<(RawStr<'a>, RawValue<'a>)>,
    pub timestamp: Option<i64>,
}

impl<'a> Sink<'a> for RawLine<'a> {
    fn measurement(&mut self, m: RawStr<'a>) {
        self.measurement = Some(m);
    }
    fn tag(&mut self, key: RawStr<'a>, value: RawStr<'a>) {
        self.tags.push((key, value));
    }
    fn field(&mut self, key: RawStr<'a>, value: RawValue<'a>) {
        self.fields.push((key, value));
    }
}

/// Parse every line of `text`; `f` gets the 1-based line number and the
/// parts or the grammar's error. One `RawLine` is reused for all lines, so
/// after the first few lines nothing is allocated.
pub fn parse_raw_lines<'a>(
    text: &'a str,
    mut f: impl FnMut(usize, Result<&RawLine<'a>, SyntaxError>),
) {
    let mut line = RawLine::default();
    let mut line_no = 1;
    for chunk in scan::Lines::new(text) {
        let here = line_no;
        line_no += chunk.newlines + 1;
        let Some((_, piece)) = super::piece_of(chunk.text, chunk.newlines > 0) else {
            continue;
        };
        line.measurement = None;
        line.tags.clear();
        line.fields.clear();
        match syntax::parse(piece, &mut line) {
            Ok(t) => {
                line.timestamp = t;
                f(here, Ok(&line));
            }
            Err(e) => f(here, Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_borrowed_parts_and_errors() {
        let text = "# c\ncpu,host=a v=1.5,n=2i 7\n\ncpu\n";
        let mut seen = Vec::new();
        parse_raw_lines(text, |n, r| match r {
            Ok(l) => seen.push(format!(
                "{n}: {} {:?} {:?} {:?}",
                l.measurement.unwrap().raw,
                l.tags
                    .iter()
                    .map(|(k, v)| (k.raw, v.raw))
                    .collect::<Vec<_>>(),
                l.fields
                    .iter()
                    .map(|(k, v)| (k.raw, *v))
                    .collect::<Vec<_>>(),
                l.timestamp
            )),
            Err(e) => seen.push(format!("{n}: {e:?}")),
        });
        assert_eq!(
            seen,
            [
                "2: cpu [(\"host\", \"a\")] [(\"v\", Float(1.5)), (\"n\", Int(2))] Some(7)",
                "4: Generic",
            ]
        );
    }
}
