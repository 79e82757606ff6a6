//! Line protocol read from a `Read` in chunks instead of loaded whole
//! (`tickc run` over a large file): memory stays at one chunk plus the
//! points parsed from it, whatever the input's size.
//!
//! A chunk is cut at the last line end the splitter (`scan::Lines`, quote-
//! and escape-aware) finds in it; the unfinished tail is carried into the
//! next read. Lines end only where the whole-text splitter would end them
//! (the state machine runs forward from a line's start, so bytes after a
//! `\n` never change where it is), hence the same points, errors and line
//! numbers as `Parser::parse_text` on the whole input.

use super::{scan, LineError, Parser};
use crate::message::Point;
use std::collections::VecDeque;
use std::fmt;
use std::io::Read;

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

/// Why the input could not be read on (bad lines are items, not this).
#[derive(Debug)]
pub enum StreamError {
    Io(std::io::Error),
    /// Invalid UTF-8 at this byte offset of the input (`std`'s wording).
    NotUtf8 {
        offset: usize,
        len: Option<usize>,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Io(e) => write!(f, "cannot read the input: {e}"),
            StreamError::NotUtf8 {
                offset,
                len: Some(n),
            } => write!(
                f,
                "input is not UTF-8: invalid utf-8 sequence of {n} bytes from index {offset}"
            ),
            StreamError::NotUtf8 { offset, len: None } => write!(
                f,
                "input is not UTF-8: incomplete utf-8 byte sequence from index {offset}"
            ),
        }
    }
}

impl std::error::Error for StreamError {}

/// Points (or line errors) of a line-protocol input, in input order.
pub struct LineStream<R> {
    input: R,
    parser: Parser,
    /// Bytes read but not yet parsed (an unfinished last line).
    buf: Vec<u8>,
    /// Bytes of the input before `buf[0]` (for UTF-8 error offsets).
    offset: usize,
    /// The line number of `buf`'s first line.
    line_no: usize,
    ready: VecDeque<Result<Point, LineError>>,
    eof: bool,
    failed: bool,
}

impl<R: Read> LineStream<R> {
    pub fn new(input: R, parser: Parser) -> Self {
        LineStream {
            input,
            parser,
            buf: Vec::with_capacity(CHUNK),
            offset: 0,
            line_no: 1,
            ready: VecDeque::new(),
            eof: false,
            failed: false,
        }
    }

    /// Read and parse until some item is ready or the input ends.
    fn fill(&mut self) -> Result<(), StreamError> {
        while self.ready.is_empty() && !self.eof {
            let have = self.buf.len();
            self.buf.resize(have + CHUNK, 0);
            let n = loop {
                match self.input.read(&mut self.buf[have..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.buf.truncate(have);
                        return Err(StreamError::Io(e));
                    }
                }
            };
            self.buf.truncate(have + n);
            self.eof = n == 0;
            self.parse_complete_lines()?;
        }
        Ok(())
    }

    /// Parse the lines of `buf` that are known to be complete (all of it at
    /// the end of the input) and keep the rest.
    fn parse_complete_lines(&mut self) -> Result<(), StreamError> {
        let text = match std::str::from_utf8(&self.buf) {
            Ok(t) => t,
            // A character cut by the chunk boundary is completed by the
            // next read; anything else is bad input.
            Err(e) if e.error_len().is_none() && !self.eof => {
                // `valid_up_to` is a character boundary: this cannot fail.
                std::str::from_utf8(&self.buf[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(e) => {
                return Err(StreamError::NotUtf8 {
                    offset: self.offset + e.valid_up_to(),
                    len: e.error_len(),
                })
            }
        };
        let mut consumed = 0;
        for chunk in scan::Lines::new(text) {
            let start = chunk.text.as_ptr() as usize - text.as_ptr() as usize;
            let end = start + chunk.text.len();
            // A line that runs to the end of what was read may go on in the
            // next read, unless the input is over.
            let terminated = end < text.len();
            if !terminated && !self.eof {
                break;
            }
            let here = self.line_no;
            self.line_no += chunk.newlines + 1;
            if let Some(r) = self
                .parser
                .parse_chunk(chunk.text, chunk.newlines > 0, here)
            {
                self.ready.push_back(r);
            }
            consumed = if terminated { end + 1 } else { end };
        }
        self.offset += consumed;
        self.buf.drain(..consumed);
        Ok(())
    }
}

impl<R: Read> Iterator for LineStream<R> {
    /// A point or a bad line; `Err(StreamError)` ends the stream.
    type Item = Result<Result<Point, LineError>, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if let Err(e) = self.fill() {
            self.failed = true;
            return Some(Err(e));
        }
        self.ready.pop_front().map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line_protocol::Precision;

    /// A reader handing out at most `n` bytes per read, to cut lines,
    /// strings and characters at every place.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn whole(text: &str) -> Vec<Result<Point, LineError>> {
        let mut v = Vec::new();
        Parser::new("db", "rp", Precision::Seconds).parse_text(text, |r| v.push(r));
        v
    }

    fn streamed(text: &str, step: usize) -> Result<Vec<Result<Point, LineError>>, String> {
        LineStream::new(
            Trickle(text.as_bytes(), step),
            Parser::new("db", "rp", Precision::Seconds),
        )
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
    }

    #[test]
    fn streaming_equals_parsing_the_whole_text() {
        let texts = [
            "cpu,host=a v=1 1\ncpu v=2 2\n",
            "cpu v=1 1\ncpu v=2 2",
            "a s=\"x\ny\" 1\nbad line\n\n# c\nb,t=é v=3 4\r\n",
            "a\\\nb c=1 2\nd e=\"q\\\"\n\" 3\n",
            "",
            "\n\n",
            "x v=1\n",
        ];
        for text in texts {
            let want = whole(text);
            for step in [1, 2, 3, 7, 1 << 20] {
                assert_eq!(streamed(text, step).unwrap(), want, "{text:?} by {step}");
            }
        }
    }

    #[test]
    fn bad_utf8_is_reported_with_its_offset() {
        let mut bytes = b"cpu v=1 1\ncpu v=2 2\n".to_vec();
        bytes.extend_from_slice(&[0xff, b'\n']);
        let want = std::str::from_utf8(&bytes).unwrap_err().to_string();
        for step in [1, 4, 1 << 20] {
            let items: Vec<_> = LineStream::new(
                Trickle(&bytes, step),
                Parser::new("db", "rp", Precision::Seconds),
            )
            .collect();
            let err = items.last().unwrap().as_ref().unwrap_err().to_string();
            assert_eq!(err, format!("input is not UTF-8: {want}"));
        }
        // A character cut at the very end.
        let cut = "cpu v=1 é".as_bytes();
        let cut = &cut[..cut.len() - 1];
        let want = std::str::from_utf8(cut).unwrap_err().to_string();
        let err = LineStream::new(Trickle(cut, 3), Parser::new("db", "rp", Precision::Seconds))
            .last()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.to_string(), format!("input is not UTF-8: {want}"));
    }
}
