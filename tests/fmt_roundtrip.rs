//! Round trip: for every clean fixture under `spec/check`, formatting is
//! idempotent and the formatted script checks to the same IR (compared by
//! the `ir` text form, which prints no spans).

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

/// The IR as JSON with every `span` field removed.
fn strip_spans(p: &compiler::ir::Pipeline) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("span");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(p).unwrap();
    strip(&mut v);
    v
}

#[test]
fn fmt_is_idempotent_and_keeps_the_ir() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("spec/check"), &mut files);
    files.sort();
    let mut checked = 0;
    for f in &files {
        let source = std::fs::read_to_string(f).unwrap();
        let (Some(ir), diags) = compiler::check(&source) else {
            continue;
        };
        if diags.iter().any(|d| d.is_error()) {
            continue;
        }
        let name = f.display();
        let once =
            compiler::fmt::format(&source).unwrap_or_else(|d| panic!("{name}: fmt failed: {d:?}"));
        let twice = compiler::fmt::format(&once)
            .unwrap_or_else(|d| panic!("{name}: fmt of formatted failed: {d:?}"));
        assert_eq!(once, twice, "{name}: fmt is not idempotent");
        let (ir2, diags2) = compiler::check(&once);
        let ir2 = ir2.unwrap_or_else(|| panic!("{name}: formatted script fails: {diags2:?}"));
        assert_eq!(
            compiler::ir::text::render(&ir),
            compiler::ir::text::render(&ir2),
            "{name}: formatting changed the IR"
        );
        assert_eq!(
            strip_spans(&ir),
            strip_spans(&ir2),
            "{name}: formatting changed the IR (modulo spans)"
        );
        // Same diagnostics (lints) apart from positions.
        let codes =
            |d: &[compiler::diagnostic::Diagnostic]| d.iter().map(|d| d.code).collect::<Vec<_>>();
        assert_eq!(
            codes(&diags),
            codes(&diags2),
            "{name}: lints differ after fmt"
        );
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} clean fixtures");
}

/// The IR survives a bincode round trip (the server persists it).
#[test]
fn ir_bincode_round_trip() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("spec/check/valid"), &mut files);
    for f in &files {
        let source = std::fs::read_to_string(f).unwrap();
        let (Some(ir), _) = compiler::check(&source) else {
            panic!("{} should check", f.display());
        };
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&ir, cfg).unwrap();
        let (back, _): (compiler::ir::Pipeline, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(ir, back, "{}", f.display());
    }
}
