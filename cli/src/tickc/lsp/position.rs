//! Positions: LSP speaks (line, UTF-16 code unit) pairs, the compiler byte
//! offsets. A `LineIndex` is built once per document version and converts
//! both ways without scanning the whole text per lookup.

use compiler::span::Span;
use lsp_types::{Position, Range};

pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of every line (the first is 0).
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    /// The LSP position of a byte offset (clamped onto the text and onto a
    /// character boundary, so a stray span never panics).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let character = self.text[start..offset]
            .chars()
            .map(char::len_utf16)
            .sum::<usize>();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of an LSP position. A column past the end of its line
    /// maps to the line's end; a line past the end to the end of the text.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |&e| e - 1);
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_round_trip() {
        // 'é' is 2 bytes / 1 UTF-16 unit, '😀' 4 bytes / 2 units.
        let text = "ab\né😀x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), Position::new(0, 0));
        assert_eq!(idx.position(3), Position::new(1, 0));
        // 'x' is at byte 3 + 2 + 4 = 9, UTF-16 column 1 + 2 = 3.
        assert_eq!(idx.position(9), Position::new(1, 3));
        assert_eq!(idx.offset(Position::new(1, 3)), 9);
        assert_eq!(idx.offset(Position::new(1, 99)), 10);
        assert_eq!(idx.offset(Position::new(9, 0)), text.len());
        // Inside the emoji's bytes: clamped back to its start.
        assert_eq!(idx.position(6), Position::new(1, 1));
    }
}
