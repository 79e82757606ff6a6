//! Formatting: the canonical formatter (`tickc fmt`), as one edit replacing
//! the whole document. A script that does not parse is not formatted.

use super::position::LineIndex;
use compiler::span::Span;
use lsp_types::TextEdit;

/// The edits that format `source`: none when it is already formatted;
/// `None` when it has syntax errors.
pub fn format(source: &str) -> Option<Vec<TextEdit>> {
    let formatted = compiler::fmt::format(source).ok()?;
    if formatted == source {
        return Some(Vec::new());
    }
    let index = LineIndex::new(source);
    Some(vec![TextEdit::new(
        index.range(Span::new(0, source.len())),
        formatted,
    )])
}
