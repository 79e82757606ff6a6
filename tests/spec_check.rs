//! Golden tests: every `spec/check/**/NAME.tick` is checked and its rendered
//! diagnostics (as `tickc check` prints them, file named by its path from the
//! repository root) must equal `NAME.expected` (an empty file = clean).
//! `BLESS=1 cargo test --test spec_check` rewrites the expectations.

use compiler::diagnostic::render::render_text;
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

#[test]
fn spec_check_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("spec/check"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no fixtures under spec/check");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(f).unwrap();
        let (_, diags) = compiler::check(&source);
        let got = render_text(&rel, &source, &diags, false);
        let expected_path = f.with_extension("expected");
        // `spec/check/syntax/` is blessed by its own harness (syntax_fixtures).
        if bless && !rel.starts_with("spec/check/syntax/") {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!("{} has no .expected file (run with BLESS=1)", rel);
        });
        if got != expected {
            failures.push(format!("--- {rel}\nexpected:\n{expected}\ngot:\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Fixtures in `valid/` and `getting-started/` (except the quotes variant)
/// must be clean; those in `semantic/` must have an error; `lint/` ones a
/// warning and no error.
#[test]
fn fixture_folders_mean_what_they_say() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("spec/check"), &mut files);
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(f).unwrap();
        let (ir, diags) = compiler::check(&source);
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        if rel.contains("/valid/") {
            assert!(
                diags.is_empty() && ir.is_some(),
                "{rel} should be clean: {diags:?}"
            );
        } else if rel.contains("/getting-started/") {
            assert_eq!(errors, 0, "{rel}");
            assert!(ir.is_some(), "{rel}");
            if rel.contains("double_quotes") {
                assert!(warnings > 0, "{rel} should warn");
            } else {
                assert_eq!(warnings, 0, "{rel}: {diags:?}");
            }
        } else if rel.contains("/semantic/") {
            assert!(errors > 0 && ir.is_none(), "{rel} should have an error");
        } else if rel.contains("/lint/") {
            assert!(
                errors == 0 && warnings > 0,
                "{rel} should warn only: {diags:?}"
            );
        }
    }
}

/// `spec/check/valid` has a script using every node kind and every alert
/// handler of the catalog.
#[test]
fn valid_fixtures_cover_every_node_and_handler() {
    use compiler::catalog::{HandlerKind, NodeKind};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("spec/check/valid"), &mut files);
    let mut nodes = std::collections::HashSet::new();
    let mut handlers = std::collections::HashSet::new();
    for f in &files {
        let source = std::fs::read_to_string(f).unwrap();
        let (Some(ir), _) = compiler::check(&source) else {
            panic!("{} should check", f.display());
        };
        for n in &ir.nodes {
            nodes.insert(n.kind);
            handlers.extend(n.handlers.iter().map(|h| h.kind));
        }
    }
    let missing: Vec<_> = NodeKind::ALL
        .iter()
        .filter(|k| !nodes.contains(k))
        .collect();
    assert!(
        missing.is_empty(),
        "node kinds without a valid fixture: {missing:?}"
    );
    let missing: Vec<_> = HandlerKind::ALL
        .iter()
        .filter(|k| !handlers.contains(k))
        .collect();
    assert!(
        missing.is_empty(),
        "handlers without a valid fixture: {missing:?}"
    );
}
