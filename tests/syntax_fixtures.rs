//! Front-end fixtures that need only the parser:
//!
//! * every `spec/check/syntax/NAME.tick` fails to parse, and the parser's
//!   diagnostics rendered as text equal `NAME.expected` (the same text the
//!   full `spec_check` harness expects, since `check` stops at syntax errors;
//!   `BLESS=1` rewrites them);
//! * every `.tick` under `spec/` that parses formats idempotently, and the
//!   formatted script has the same AST (modulo spans, parentheses, comments).

use compiler::diagnostic::render_text;
use compiler::fmt::{format, normalize_program};
use compiler::parser::parse;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "tick") {
            out.push(p);
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn syntax_fixtures_match_their_expected_output() {
    let mut files = Vec::new();
    collect(&root().join("spec/check/syntax"), &mut files);
    files.sort();
    assert!(files.len() >= 25, "only {} syntax fixtures", files.len());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let name = rel(f);
        let source = std::fs::read_to_string(f).unwrap();
        let (program, diags) = parse(&source);
        assert!(
            program.is_none() && !diags.is_empty(),
            "{name} should not parse"
        );
        assert!(
            diags.iter().all(|d| d.code.as_str() < "E0200"),
            "{name}: {diags:?}"
        );
        let got = render_text(&name, &source, &diags, false);
        let expected_path = f.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{name} has no .expected file (run with BLESS=1)"));
        if got != expected {
            failures.push(format!("--- {name}\nexpected:\n{expected}\ngot:\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_parsable_fixture_formats_stably_and_keeps_its_meaning() {
    let mut files = Vec::new();
    collect(&root().join("spec"), &mut files);
    files.sort();
    let mut formatted = 0;
    for f in &files {
        let name = rel(f);
        let source = std::fs::read_to_string(f).unwrap();
        let (Some(original), _) = parse(&source) else {
            continue;
        };
        let once = format(&source).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        let twice = format(&once)
            .unwrap_or_else(|d| panic!("{name} formatted does not parse: {d:?}\n{once}"));
        assert_eq!(once, twice, "{name}: formatting is not idempotent");
        let (Some(again), _) = parse(&once) else {
            unreachable!("checked above")
        };
        assert_eq!(
            normalize_program(&original),
            normalize_program(&again),
            "{name}: formatting changed the AST:\n{once}"
        );
        assert_eq!(
            original.comments.len(),
            again.comments.len(),
            "{name}: comments lost"
        );
        formatted += 1;
    }
    assert!(formatted > 0, "no parsable fixture under spec/");
}
