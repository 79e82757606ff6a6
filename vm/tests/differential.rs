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

/// Points whose schema changes between them, keys shared as one parser
/// shares them per series (so the engines' schema bindings hit and miss):
/// two schemas interleaved (a state serving two series), a missing field,
/// an extra field shifting the slots, a type change, the name as a tag
/// instead of a field and as both (a conflict), a null, and the same names
/// behind fresh key pointers. Every engine (VM, JIT, tiered switching
/// mid-sequence) must agree with the reference evaluator at every point.
#[test]
fn schema_changes_between_points_agree() {
    use support::gen::TestPoint;
    use vm::point::{FieldValue, Str};
    let k = |s: &str| -> Str { s.into() };
    let (x, y, host, aaa) = (k("x"), k("y"), k("host"), k("aaa"));
    let (h1, h2) = (k("h1"), k("h2"));
    let pt = |t: i64, mut fields: Vec<(Str, FieldValue)>, mut tags: Vec<(Str, Str)>| {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        TestPoint {
            time: t,
            fields,
            tags,
        }
    };
    let a = |t: i64, v: f64| {
        pt(
            t,
            vec![
                (x.clone(), FieldValue::Float(v)),
                (y.clone(), FieldValue::Int(3)),
            ],
            vec![(host.clone(), h1.clone())],
        )
    };
    // Another series: an extra field before `x` (its slot moves), another tag value.
    let b = |t: i64, v: f64| {
        pt(
            t,
            vec![
                (aaa.clone(), FieldValue::Bool(true)),
                (x.clone(), FieldValue::Float(v)),
                (y.clone(), FieldValue::Int(-1)),
            ],
            vec![(host.clone(), h2.clone())],
        )
    };
    let missing = pt(
        10,
        vec![(y.clone(), FieldValue::Int(4))],
        vec![(host.clone(), h1.clone())],
    );
    let int_x = pt(
        11,
        vec![
            (x.clone(), FieldValue::Int(1)),
            (y.clone(), FieldValue::Int(3)),
        ],
        vec![(host.clone(), h1.clone())],
    );
    let string_x = pt(
        12,
        vec![
            (x.clone(), FieldValue::String(k("1.5"))),
            (y.clone(), FieldValue::Int(3)),
        ],
        vec![(host.clone(), h1.clone())],
    );
    let tag_x = pt(
        13,
        vec![(y.clone(), FieldValue::Int(3))],
        vec![(host.clone(), h1.clone()), (x.clone(), k("7"))],
    );
    let both_x = pt(
        14,
        vec![
            (x.clone(), FieldValue::Float(2.0)),
            (y.clone(), FieldValue::Int(3)),
        ],
        vec![(x.clone(), k("7"))],
    );
    let null_x = pt(
        15,
        vec![
            (x.clone(), FieldValue::Null),
            (y.clone(), FieldValue::Int(3)),
        ],
        vec![(host.clone(), h1.clone())],
    );
    let fresh = pt(
        16,
        vec![
            (k("x"), FieldValue::Float(0.5)),
            (k("y"), FieldValue::Int(3)),
        ],
        vec![(k("host"), k("h1"))],
    );
    let points = vec![
        a(1, 1.5),
        b(2, 2.5),
        a(3, 0.5),
        b(4, 9.0),
        a(5, 1.0),
        missing.clone(),
        a(6, 1.25),
        int_x.clone(),
        int_x,
        a(7, 3.0),
        string_x,
        b(8, 1.0),
        tag_x,
        a(9, 1.75),
        both_x,
        a(17, 1.5),
        null_x,
        fresh,
        a(18, 0.25),
        missing,
        b(19, 1.5),
        a(20, 1.5),
        b(21, 0.5),
        a(22, 2.0),
    ];
    let mut seen = BTreeMap::new();
    for src in [
        r#""x" < 2.0"#,
        r#""x" > 1 OR "y" == 3"#,
        r#""host" == 'h1' AND "x" < 70"#,
        r#"sigma("x")"#,
        r#"count() + "y""#,
        r#"string("x") + "host""#,
        r#"if(isPresent("x"), "y" * 2, -1)"#,
    ] {
        let (lambda, diags) = compiler::check_lambda(src);
        let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
        let case = Case {
            expr: lambda.expr,
            points: points.clone(),
            wants: Vec::new(),
        };
        if let Err(e) = check_case_seen(&case, &mut |r| {
            *seen.entry(category(r)).or_insert(0usize) += 1
        }) {
            panic!("{src}: {e}");
        }
    }
    for kind in [
        "ok boolean",
        "ok float",
        "ok int",
        "ok string",
        "error MissingReference",
        "error FieldTagConflict",
        "error MismatchedTypes",
    ] {
        assert!(seen.contains_key(kind), "no {kind} outcome: {seen:?}");
    }
}
