//! Golden IR: every `spec/ir/NAME.tick` must check clean, and its `tickc ir`
//! text followed by its `tickc dot` output must equal `NAME.ir`. These lock
//! down node numbering, walk order, deadman/stats expansion and lambda
//! typing for the engines. `BLESS=1 cargo test --test spec_ir` rewrites them.

use std::path::Path;

#[test]
fn spec_ir_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/ir");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("spec/ir exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tick"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let source = std::fs::read_to_string(f).unwrap();
        let (ir, diags) = compiler::check(&source);
        let ir = ir.unwrap_or_else(|| panic!("{} should check: {diags:?}", f.display()));
        let stem = f.file_stem().unwrap().to_string_lossy();
        let got = format!(
            "{}--- dot\n{}\n",
            compiler::ir::text::render(&ir),
            compiler::ir::dot::render(&stem, &ir)
        );
        let expected_path = f.with_extension("ir");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no .ir file (BLESS=1)", f.display()));
        if got != expected {
            failures.push(format!(
                "--- {}\nexpected:\n{expected}\ngot:\n{got}",
                f.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
