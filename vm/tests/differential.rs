//! Differential test: random well-typed expressions over random points,
//! every engine against the reference evaluator (values and error messages
//! must agree), plus the checked-in corpus of past failures.
//!
//! `DIFF_SEED=n` changes the seed, `DIFF_CASES=n` the number of expressions.

mod support;

use compiler::types::Type;
use std::collections::BTreeMap;
use support::gen::{self, Gen, Keys, Rng};
use support::{category, check_case, check_case_seen, parse_corpus, Case};

#[test]
fn corpus_of_past_failures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut total = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable corpus file");
        let cases = parse_corpus(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!cases.is_empty(), "{} has no case", path.display());
        for case in &cases {
            if let Err(e) = check_case(case) {
                panic!("{}: {e}", path.display());
            }
            total += 1;
        }
    }
    assert!(total > 0, "the corpus is empty");
}

#[test]
fn random_expressions_agree() {
    let seed: u64 = std::env::var("DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261125);
    let cases: usize = std::env::var("DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000);
    let mut rng = Rng::new(seed);
    let keys = Keys::new();
    let mut pairs = 0;
    let mut seen = BTreeMap::new();
    let types = [
        Type::Bool,
        Type::Bool,
        Type::Float,
        Type::Int,
        Type::String,
        Type::Duration,
    ];
    for n in 0..cases {
        let ty = *rng.pick(&types);
        let depth = 1 + rng.below(4) as u32;
        let expr = Gen { rng: &mut rng }.expr(ty, depth);
        let points = (0..21).map(|_| gen::point(&mut rng, &keys)).collect();
        let case = Case {
            expr,
            points,
            wants: Vec::new(),
        };
        match check_case_seen(&case, &mut |r| {
            *seen.entry(category(r)).or_insert(0usize) += 1
        }) {
            Ok(k) => pairs += k,
            Err(e) => panic!("seed {seed}, case {n}: {e}"),
        }
    }
    assert!(pairs >= cases * 21);
    // Every lambda asked of the JIT must have run natively, or the JIT
    // column above compared the VM with itself.
    assert_eq!(vm::jit::fallback_count(), 0, "the JIT fell back to the VM");
    let skipped = support::reference::SKIPPED_FAILING.load(std::sync::atomic::Ordering::Relaxed);
    let advanced =
        support::reference::ADVANCED_THEN_FAILED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{pairs} expression-point pairs agreed ({skipped} short-circuits past a failing \
         operand, {advanced} type errors after a stateful call advanced): {seen:#?}"
    );
    // The generator must reach every kind of outcome, or agreeing means little.
    if cases >= 5_000 {
        for kind in [
            "ok boolean",
            "ok float",
            "ok int",
            "ok string",
            "ok duration",
            "error MissingReference",
            "error InvalidOperator",
            "error MismatchedTypes",
            "error DivideByZero",
            "error DurationOverflow",
            "error FieldTagConflict",
            "error MissingArgument",
            "error WrongSignature",
            "error Call",
            "error Argument",
            "error InvalidUnary",
        ] {
            assert!(
                seen.contains_key(kind),
                "no {kind} outcome generated: {seen:?}"
            );
        }
        // Lazy type checks must be exercised: skipped failing operands and
        // stateful calls that advance before a later type error.
        assert!(skipped >= 1_000, "only {skipped} skipped failing operands");
        assert!(advanced >= 100, "only {advanced} errors after an advance");
    }
}
