//! Runs every spec case under `spec/run/` (see `cli::spec`): the
//! output of `tickc run` must equal `expected.jsonl` byte for byte.
//! `BLESS=1 cargo test -p cli --test spec_run` rewrites the expected files;
//! each must then be checked by hand against the reference semantics (the
//! comment at the top of each `task.tick` says what the case demonstrates).

use cli::spec::{find_cases, run_case, Outcome};
use std::path::Path;

#[test]
fn spec_run_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/run");
    let cases = find_cases(&root);
    assert!(!cases.is_empty(), "no spec cases under {}", root.display());
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for c in &cases {
        if let Outcome::Fail(d) = run_case(c, bless) {
            failures.push(format!("FAIL {}\n{d}", c.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} spec cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
