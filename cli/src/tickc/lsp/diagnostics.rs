//! Diagnostics as you type: exactly what `tickc check` reports (same codes,
//! messages and spans), with secondary labels and hints as related
//! information; and quick fixes for the diagnostics whose hint is mechanical.

use super::position::LineIndex;
use compiler::catalog::nodes::{self, PropSpec};
use compiler::catalog::{handlers, HandlerKind};
use compiler::diagnostic::{Code, Diagnostic, Severity};
use lsp_types as lsp;
use std::collections::HashMap;

/// Source name shown by editors next to each diagnostic.
const SOURCE: &str = "tickc";

pub fn check(source: &str) -> Vec<Diagnostic> {
    compiler::check(source).1
}

pub fn to_lsp(uri: &lsp::Uri, index: &LineIndex<'_>, d: &Diagnostic) -> lsp::Diagnostic {
    let range = d
        .primary_span()
        .map_or_else(lsp::Range::default, |s| index.range(s));
    // Every label's message (the primary one's too: `check` prints it under
    // the caret), then the hints.
    let mut related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.message.is_empty())
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), index.range(l.span)),
            message: l.message.clone(),
        })
        .collect();
    related.extend(d.notes.iter().map(|n| lsp::DiagnosticRelatedInformation {
        location: lsp::Location::new(uri.clone(), range),
        message: n.clone(),
    }));
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some(SOURCE.into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// A mechanical fix: replace `span` of the source by `new_text`.
pub struct Fix {
    pub title: String,
    pub start: usize,
    pub end: usize,
    pub new_text: String,
}

/// The quick fix for one diagnostic, if its hint is mechanical.
pub fn fix_for(source: &str, d: &Diagnostic) -> Option<Fix> {
    let span = d.primary_span()?;
    let (start, end) = (span.start as usize, span.end as usize);
    let text = source.get(start..end)?;
    match d.code {
        // `"host" == "a"` or `.measurement("cpu")`: a string literal was meant.
        Code::QuotesPitfall | Code::DoubleQuotes => {
            let body = text.strip_prefix('"')?.strip_suffix('"')?;
            let body = body.replace("\\\"", "\"").replace('\'', "\\'");
            Some(Fix {
                title: format!("Use the string '{body}'"),
                start,
                end,
                new_text: format!("'{body}'"),
            })
        }
        // The checker's hint names the closest property or method.
        Code::UnknownProperty | Code::UnknownChainMethod => {
            let suggestion = d.notes.iter().find_map(|n| did_you_mean(n))?;
            Some(Fix {
                title: format!("Change to `{suggestion}`"),
                start,
                end,
                new_text: suggestion.to_string(),
            })
        }
        // An int where a float is expected: the hint spells the float.
        Code::ArgType => {
            let float = d.notes.iter().find_map(|n| {
                let rest =
                    n.strip_prefix("there is no implicit int to float conversion: write `")?;
                rest.strip_suffix('`')
            })?;
            Some(Fix {
                title: format!("Write `{float}`"),
                start,
                end,
                new_text: float.to_string(),
            })
        }
        // `slack()` on its own line after an alert: the dot was forgotten.
        Code::UndefinedName if is_property_name(text) && continues_chain(source, start) => {
            Some(Fix {
                title: format!("Insert `.` before `{text}`"),
                start,
                end: start,
                new_text: ".".into(),
            })
        }
        _ => None,
    }
}

/// The name in "did you mean `.measurement`?", without its operator.
fn did_you_mean(note: &str) -> Option<&str> {
    let rest = &note[note.find("did you mean `")? + "did you mean `".len()..];
    let name = &rest[..rest.find('`')?];
    let name = name.trim_start_matches(['.', '|', '@']);
    let name = name.split('(').next()?;
    (!name.is_empty()).then_some(name)
}

/// Whether `name` is some node's property or an alert handler.
fn is_property_name(name: &str) -> bool {
    HandlerKind::from_method(name).is_some()
        || nodes::all().any(|s| s.props.iter().any(|p: &PropSpec| p.name == name))
        || handlers::HANDLERS
            .iter()
            .any(|h| h.props.iter().any(|p| p.name == name))
}

/// Whether the text before `at` ends a chain call (`)` or a property name),
/// so that a name starting at `at` can only continue it.
fn continues_chain(source: &str, at: usize) -> bool {
    source
        .get(..at)
        .is_some_and(|before| before.trim_end().ends_with(')'))
}

/// Code actions for the diagnostics overlapping `[start, end]`.
pub fn code_actions(
    uri: &lsp::Uri,
    source: &str,
    start: usize,
    end: usize,
) -> Vec<lsp::CodeActionOrCommand> {
    let index = LineIndex::new(source);
    check(source)
        .iter()
        .filter(|d| {
            d.primary_span()
                .is_some_and(|s| (s.start as usize) <= end && start <= s.end as usize)
        })
        .filter_map(|d| {
            let fix = fix_for(source, d)?;
            let edit = lsp::TextEdit::new(
                lsp::Range::new(index.position(fix.start), index.position(fix.end)),
                fix.new_text,
            );
            Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: fix.title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(uri, &index, d)]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(src: &str) -> Vec<String> {
        check(src)
            .iter()
            .filter_map(|d| fix_for(src, d))
            .map(|f| format!("{}{}{}", &src[..f.start], f.new_text, &src[f.end..]))
            .collect()
    }

    #[test]
    fn quotes_pitfall() {
        let src = "stream\n    |from()\n    |where(lambda: \"host\" == \"a\")\n";
        assert_eq!(
            fixed(src),
            ["stream\n    |from()\n    |where(lambda: \"host\" == 'a')\n"]
        );
    }

    #[test]
    fn double_quoted_string_argument() {
        let src = "stream\n    |from()\n        .measurement(\"cpu\")\n";
        assert_eq!(
            fixed(src),
            ["stream\n    |from()\n        .measurement('cpu')\n"]
        );
    }

    #[test]
    fn misspelled_property() {
        let src = "stream\n    |from()\n        .measurment('cpu')\n";
        assert_eq!(
            fixed(src),
            ["stream\n    |from()\n        .measurement('cpu')\n"]
        );
    }

    #[test]
    fn int_for_float() {
        let src =
            "stream\n    |from()\n    |alert()\n        .flapping(0.25, 1)\n        .log('/a')\n";
        assert_eq!(
            fixed(src),
            ["stream\n    |from()\n    |alert()\n        .flapping(0.25, 1.0)\n        .log('/a')\n"]
        );
    }

    #[test]
    fn missing_dot() {
        let src =
            "stream\n    |from()\n    |alert()\n        .crit(lambda: TRUE)\n        slack()\n";
        assert_eq!(
            fixed(src),
            ["stream\n    |from()\n    |alert()\n        .crit(lambda: TRUE)\n        .slack()\n"]
        );
    }
}

/// The cost of one keystroke: re-checking a 500-line script and converting
/// its diagnostics. Run with
/// `cargo test --release -p cli --lib keystroke_cost -- --ignored --nocapture`.
#[cfg(test)]
mod timing {
    use super::*;

    /// 42 blocks of 12 lines: two vars, a from/eval/alert chain with lambdas.
    fn script_500_lines() -> String {
        let mut s = String::new();
        for i in 0..42 {
            s.push_str(&format!(
                "var crit_{i} = 90.0\nvar warn_{i} = 80.0\nvar data_{i} = stream\n    |from()\n        .measurement('cpu_{i}')\n        .where(lambda: \"host\" == 'h{i}')\n    |eval(lambda: \"usage_idle\" * 2.0 + 1.0)\n        .as('v')\n    |alert()\n        .crit(lambda: \"v\" > crit_{i})\n        .warn(lambda: \"v\" > warn_{i})\n        .log('/tmp/a{i}.log')\n"
            ));
        }
        s
    }

    #[test]
    #[ignore = "timing; run in release"]
    fn keystroke_cost() {
        let src = script_500_lines();
        assert_eq!(src.lines().count(), 504);
        let uri: lsp::Uri = "file:///t.tick".parse().unwrap();
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = std::time::Instant::now();
            let index = LineIndex::new(&src);
            let diags: Vec<lsp::Diagnostic> = check(&src)
                .iter()
                .map(|d| to_lsp(&uri, &index, d))
                .collect();
            times.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(diags);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "re-check of a 504-line script: median {median:.2} ms, max {:.2} ms",
            times[times.len() - 1]
        );
        if !cfg!(debug_assertions) {
            assert!(median < 10.0, "{median} ms per keystroke");
        }
    }
}
