//! Type errors are raised where Kapacitor raises them: when evaluation
//! reaches the operator or call, never in a branch `AND`/`OR` skips, and
//! after the stateful calls evaluated before it have advanced (reference
//! §5.2, §5.5). Every case runs on both engines.

use vm::point::{FieldValue, Scope, Str};
use vm::value::Value;
use vm::{CompiledLambda, Engine, EvalError};

fn compile(src: &str, engine: Engine) -> CompiledLambda {
    let (lambda, diags) = compiler::check_lambda(src);
    let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
    let c = CompiledLambda::compile(&lambda, engine).expect("compiles");
    assert_eq!(c.engine(), engine, "{src} did not run on {engine:?}");
    c
}

/// A point: `host` tag (if any) and `value` field (if any).
struct P {
    host: Option<&'static str>,
    value: Option<FieldValue>,
}

fn p(host: Option<&'static str>, value: Option<FieldValue>) -> P {
    P { host, value }
}

/// Evaluate `src` on each point in order with one state, as text
/// (`Bool(true)` / `error: …`).
fn run(src: &str, points: &[P]) -> Vec<String> {
    let mut outs: Option<Vec<String>> = None;
    for engine in [Engine::Vm, Engine::Jit] {
        let c = compile(src, engine);
        let mut st = c.new_state();
        let got: Vec<String> = points
            .iter()
            .map(|pt| {
                let fields: Vec<(Str, FieldValue)> = pt
                    .value
                    .iter()
                    .map(|v| (Str::from("value"), v.clone()))
                    .collect();
                let tags: Vec<(Str, Str)> = pt
                    .host
                    .iter()
                    .map(|h| (Str::from("host"), Str::from(*h)))
                    .collect();
                let scope = Scope {
                    time: 0,
                    fields: &fields,
                    tags: &tags,
                    extra: &[],
                };
                show(c.eval(&scope, &mut st))
            })
            .collect();
        if let Some(prev) = &outs {
            assert_eq!(prev, &got, "{src}: the engines disagree");
        }
        outs = Some(got);
    }
    outs.unwrap_or_default()
}

fn show(r: Result<Value, EvalError>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("error: {e}"),
    }
}

const MISSING_VALUE: &str = "error: left reference value \"value\" is missing value";

#[test]
fn and_skips_a_missing_operand() {
    let got = run(
        r#""host" == 'a' AND "value" > 10"#,
        &[
            p(Some("b"), None),
            p(Some("a"), None),
            p(Some("a"), Some(FieldValue::Float(11.0))),
            p(Some("b"), Some(FieldValue::String("x".into()))),
        ],
    );
    assert_eq!(
        got,
        ["Bool(false)", MISSING_VALUE, "Bool(true)", "Bool(false)"]
    );
}

#[test]
fn or_skips_an_ill_typed_operand() {
    let got = run(
        r#""host" == 'a' OR "value" > 10"#,
        &[
            p(Some("a"), Some(FieldValue::String("x".into()))),
            p(Some("a"), None),
            p(Some("b"), Some(FieldValue::String("x".into()))),
        ],
    );
    assert_eq!(
        got,
        [
            "Bool(true)",
            "Bool(true)",
            "error: mismatched type to binary operator. got string > int. see bool(), int(), float(), string(), duration()",
        ]
    );
}

#[test]
fn nested_logical_operators_check_only_what_they_reach() {
    let src = r#"("host" == 'a' OR "value" + 1 > 10) AND ("host" != 'c' OR "value" % 2 == 0)"#;
    let got = run(
        src,
        &[
            p(Some("a"), None),
            p(Some("b"), None),
            p(Some("c"), Some(FieldValue::Int(10))),
            p(Some("c"), Some(FieldValue::Float(4.0))),
        ],
    );
    assert_eq!(
        got,
        [
            "Bool(true)",
            // A math operator under a comparison fails in the comparison's probe.
            "error: invalid math operator + for type missing",
            "Bool(true)",
            "error: mismatched type to binary operator. got float + int. see bool(), int(), float(), string(), duration()",
        ]
    );
}

#[test]
fn builtin_argument_errors_are_lazy() {
    let got = run(
        r#""host" == 'a' AND abs("value") > 1.0"#,
        &[
            p(Some("b"), Some(FieldValue::Int(3))),
            p(Some("a"), Some(FieldValue::Int(3))),
            p(Some("a"), Some(FieldValue::Float(-3.0))),
        ],
    );
    assert_eq!(
        got,
        [
            "Bool(false)",
            r#"error: Cannot call function "abs" with args ("value": int), available signatures are [(float)]."#,
            "Bool(true)",
        ]
    );
}

#[test]
fn count_on_the_left_of_and_advances_before_the_right_side_fails() {
    // Point 1: count() = 1, so the right side runs and is ill-typed; point 2:
    // count() = 2 decides; point 3: count() = 3, the right side is fine. Had
    // the error come before count() advanced, point 2 would see count() = 1.
    let src = r#"count() != 2 AND "value" + 1 > 10"#;
    let got = run(
        src,
        &[
            p(None, Some(FieldValue::Float(20.0))),
            p(None, Some(FieldValue::Int(20))),
            p(None, Some(FieldValue::Int(20))),
        ],
    );
    assert_eq!(
        got,
        [
            "error: mismatched type to binary operator. got float + int. see bool(), int(), float(), string(), duration()",
            "Bool(false)",
            "Bool(true)",
        ]
    );
    // Same with a missing value (the comparison names it).
    let got = run(
        r#"count() != 2 AND "value" > 10"#,
        &[
            p(None, None),
            p(None, None),
            p(None, Some(FieldValue::Int(20))),
        ],
    );
    assert_eq!(got, [MISSING_VALUE, "Bool(false)", "Bool(true)"]);
}

#[test]
fn an_operator_probes_both_operands_before_evaluating_either() {
    // `+` checks its operand types first, so count() does not advance on
    // the failing point (Kapacitor's binary node asks both sides' types).
    let got = run(
        r#"count() + "value""#,
        &[p(None, None), p(None, Some(FieldValue::Int(5)))],
    );
    assert_eq!(
        got,
        [
            "error: right reference value \"value\" is missing value",
            "Int(6)"
        ]
    );
}

#[test]
fn an_earlier_call_argument_advances_before_a_later_one_fails() {
    // Arguments are evaluated in order and the signature is checked after.
    let got = run(
        r#"max(float(count()), "value")"#,
        &[p(None, None), p(None, Some(FieldValue::Float(0.5)))],
    );
    assert_eq!(
        got,
        [
            r#"error: Cannot call function "max" argument "value" is missing, values in scope are []"#,
            "Float(2.0)",
        ]
    );
}

#[test]
fn missing_reference_messages_at_the_root_and_nested() {
    let none = [p(None, None)];
    assert_eq!(run(r#""value" + 1"#, &none), [MISSING_VALUE]);
    assert_eq!(
        run(r#""value" + 1 > 10"#, &none),
        ["error: invalid math operator + for type missing"]
    );
    assert_eq!(run(r#""value" > 10"#, &none), [MISSING_VALUE]);
    // Under a call the comparison is still checked when evaluated.
    assert_eq!(
        run(r#"if("value" > 10, 1, 2)"#, &none),
        [format!(
            "error: Failed to handle 1 argument: {}",
            &MISSING_VALUE[7..]
        )]
    );
}

#[test]
fn the_schema_changing_between_points_switches_checks_on_and_off() {
    // The site table is cached per reference-type vector: going back and
    // forth must recompute it every time.
    let src = r#""host" == 'a' AND "value" > 10"#;
    let mut pts = Vec::new();
    let mut want = Vec::new();
    for i in 0..6 {
        pts.push(p(Some("a"), Some(FieldValue::Int(11 + i))));
        want.push("Bool(true)".to_string());
        pts.push(p(Some("a"), None));
        want.push(MISSING_VALUE.to_string());
        pts.push(p(Some("b"), None));
        want.push("Bool(false)".to_string());
    }
    assert_eq!(run(src, &pts), want);
}
