//! Rendering diagnostics for people (`error[E0101]: ...` with a caret under
//! the source, via codespan-reporting) and for machines (JSON records).
//!
//! Both forms take the file name and source of one script. Spans that do not
//! fall on the source (out of range, or inside a UTF-8 character) are clamped
//! rather than trusted, so rendering never panics on a bad span.

use super::{Diagnostic, Severity};
use crate::span::Span;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor, Chars, Config};
use serde::Serialize;

/// Renders every diagnostic as text, in the order given, each followed by a
/// blank line. `color` adds ANSI colours (for terminals).
///
/// ```
/// let src = "var x = 09\n";
/// let (_, diags) = compiler::parser::parse(src);
/// let text = compiler::diagnostic::render_text("x.tick", src, &diags, false);
/// assert!(text.starts_with("error[E0003]: invalid number `09`"));
/// assert!(text.contains("--> x.tick:1:9"));
/// ```
pub fn render_text(
    file_name: &str,
    source: &str,
    diagnostics: &[Diagnostic],
    color: bool,
) -> String {
    let file = SimpleFile::new(file_name, source);
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut out = String::new();
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    for diag in diagnostics {
        let cs_diag = to_codespan(source, diag);
        let rendered = if color {
            term::emit_to_write_style(&mut buffer, &config, &file, &cs_diag).is_ok()
        } else {
            term::emit_to_string(&mut out, &config, &file, &cs_diag).is_ok()
        };
        if !rendered {
            // Only reachable if the files API rejects a clamped span; keep the message.
            out.push_str(&format!(
                "{}[{}]: {}\n",
                severity_word(diag.severity),
                diag.code,
                diag.message
            ));
        }
    }
    if color {
        out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
    }
    out
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Moves a span onto the source: within bounds and on character boundaries.
fn clamp(source: &str, span: Span) -> std::ops::Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = fix(span.start as usize);
    let end = fix(span.end as usize).max(start);
    start..end
}

fn to_codespan(source: &str, diag: &Diagnostic) -> cs::Diagnostic<()> {
    let base = match diag.severity {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    };
    let labels = diag
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let range = clamp(source, l.span);
            let label = if i == 0 {
                cs::Label::primary((), range)
            } else {
                cs::Label::secondary((), range)
            };
            label.with_message(l.message.clone())
        })
        .collect();
    let notes = diag
        .notes
        .iter()
        .map(|n| {
            if n.starts_with("hint:") || n.starts_with("note:") || n.starts_with("help:") {
                n.clone()
            } else {
                format!("note: {n}")
            }
        })
        .collect();
    base.with_code(diag.code.as_str())
        .with_message(diag.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// A 1-based line and column (columns count characters, not bytes).
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = clamp(source, Span::new(offset, offset)).start;
    let before = &source[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    primary: bool,
}

#[derive(Serialize)]
struct JsonRecord<'a> {
    severity: Severity,
    code: &'static str,
    message: &'a str,
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
}

/// Renders the diagnostics as a JSON array with one record per diagnostic
/// (one record per line). Positions are 1-based; `end_*` is exclusive. A
/// diagnostic without a span has null positions.
pub fn render_json(file_name: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let records: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let labels: Vec<JsonLabel<'_>> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (line, column) = line_col(source, l.span.start as usize);
                    let (end_line, end_column) = line_col(source, l.span.end as usize);
                    JsonLabel {
                        line,
                        column,
                        end_line,
                        end_column,
                        message: &l.message,
                        primary: i == 0,
                    }
                })
                .collect();
            let first = labels.first();
            let record = JsonRecord {
                severity: d.severity,
                code: d.code.as_str(),
                message: &d.message,
                file: file_name,
                line: first.map(|l| l.line),
                column: first.map(|l| l.column),
                end_line: first.map(|l| l.end_line),
                end_column: first.map(|l| l.end_column),
                notes: &d.notes,
                labels,
            };
            serde_json::to_string(&record).expect("a JSON record of plain data always serializes")
        })
        .collect();
    if records.is_empty() {
        "[]\n".to_string()
    } else {
        format!("[\n{}\n]\n", records.join(",\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    fn diag() -> Diagnostic {
        Diagnostic::error(
            Code::UnexpectedToken,
            "expected `)` to close the call to `from`, found `|`",
        )
        .with_primary(Span::new(22, 23), "expected `)` here")
        .with_secondary(Span::new(16, 17), "opened here")
        .with_note("hint: add `)`")
    }

    const SRC: &str = "stream\n    |from(\n    |alert()\n";

    #[test]
    fn text_has_header_location_caret_and_hint() {
        let out = render_text("t.tick", SRC, &[diag()], false);
        assert!(
            out.starts_with("error[E0101]: expected `)` to close the call to `from`, found `|`\n"),
            "{out}"
        );
        assert!(out.contains("--> t.tick:3:5"), "{out}");
        assert!(out.contains("^ expected `)` here"), "{out}");
        assert!(out.contains("- opened here"), "{out}");
        assert!(out.contains("= hint: add `)`"), "{out}");
        assert!(!out.contains('\u{1b}'));
        let colored = render_text("t.tick", SRC, &[diag()], true);
        assert!(colored.contains('\u{1b}'));
    }

    #[test]
    fn json_records() {
        let out = render_json("t.tick", SRC, &[diag()]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let r = &v[0];
        assert_eq!(r["severity"], "error");
        assert_eq!(r["code"], "E0101");
        assert_eq!(r["file"], "t.tick");
        assert_eq!(
            (r["line"].as_u64(), r["column"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(
            (r["end_line"].as_u64(), r["end_column"].as_u64()),
            (Some(3), Some(6))
        );
        assert_eq!(r["labels"][1]["line"], 2);
        assert_eq!(r["notes"][0], "hint: add `)`");
        assert_eq!(render_json("t", "", &[]), "[]\n");
    }

    #[test]
    fn bad_spans_do_not_panic() {
        let d =
            Diagnostic::error(Code::UnexpectedChar, "x").with_primary(Span::new(1, 500), "here");
        let out = render_text("t", "é\n", std::slice::from_ref(&d), false);
        assert!(out.contains("error[E0001]"));
        let _ = render_json("t", "é\n", &[d]);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_col("aé b", 4), (1, 4));
        assert_eq!(line_col("a\nbc", 3), (2, 2));
    }
}
