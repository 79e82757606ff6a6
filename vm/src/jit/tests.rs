//! Unit tests of the JIT, one group per construct. Every case runs on both
//! engines: the JIT result must be the expected one *and* the VM's.

use crate::error::{EvalError, Side};
use crate::lambda::{CompiledLambda, Engine, LambdaState};
use crate::point::{FieldValue, Scope, Str};
use crate::value::Value;
use compiler::catalog::builtins::Builtin;
use compiler::ir::{BinaryOp, Const, Expr, ExprKind, Lambda, UnaryOp};
use compiler::span::Span;
use compiler::types::Type;

// ---- IR builders -------------------------------------------------------

fn ex(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: Span::default(),
    }
}

fn k(c: Const) -> Expr {
    let ty = c.ty();
    ex(ExprKind::Const(c), ty)
}
fn fl(x: f64) -> Expr {
    k(Const::Float(x))
}
fn int(x: i64) -> Expr {
    k(Const::Int(x))
}
fn st(x: &str) -> Expr {
    k(Const::String(x.to_string()))
}
fn bo(x: bool) -> Expr {
    k(Const::Bool(x))
}
fn du(x: i64) -> Expr {
    k(Const::Duration(x))
}
fn re(x: &str) -> Expr {
    k(Const::Regex(x.to_string()))
}
fn r(name: &str) -> Expr {
    ex(ExprKind::Reference(name.to_string()), Type::Dynamic)
}
fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    let ty = if l.ty == Type::Dynamic || r.ty == Type::Dynamic {
        Type::Dynamic
    } else {
        l.ty
    };
    ex(
        ExprKind::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
        },
        ty,
    )
}
fn un(op: UnaryOp, e: Expr) -> Expr {
    let ty = e.ty;
    ex(
        ExprKind::Unary {
            op,
            operand: Box::new(e),
        },
        ty,
    )
}
fn call(func: Builtin, args: Vec<Expr>) -> Expr {
    let ty = func.spec().signatures[0].ret;
    ex(ExprKind::Call { func, args }, ty)
}
fn nested(e: Expr) -> Expr {
    let ty = e.ty;
    ex(ExprKind::Nested(Box::new(e)), ty)
}

use BinaryOp::*;

// ---- points ------------------------------------------------------------

struct Pt {
    fields: Vec<(Str, FieldValue)>,
    tags: Vec<(Str, Str)>,
    time: i64,
}

impl Pt {
    fn new(fields: &[(&str, FieldValue)], tags: &[(&str, &str)]) -> Pt {
        let mut fields: Vec<(Str, FieldValue)> = fields
            .iter()
            .map(|(k, v)| (Str::from(*k), v.clone()))
            .collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tags: Vec<(Str, Str)> = tags
            .iter()
            .map(|(k, v)| (Str::from(*k), Str::from(*v)))
            .collect();
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        Pt {
            fields,
            tags,
            time: 1_700_000_000_000_000_000,
        }
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            time: self.time,
            fields: &self.fields,
            tags: &self.tags,
            extra: &[],
        }
    }
}

fn f(v: f64) -> FieldValue {
    FieldValue::Float(v)
}
fn i(v: i64) -> FieldValue {
    FieldValue::Int(v)
}
fn s(v: &str) -> FieldValue {
    FieldValue::String(v.into())
}
fn b(v: bool) -> FieldValue {
    FieldValue::Bool(v)
}

fn sample() -> Pt {
    Pt::new(
        &[
            ("usage_idle", f(65.5)),
            ("n", i(7)),
            ("zero", i(0)),
            ("neg", i(-1)),
            ("min", i(i64::MIN)),
            ("msg", s("Hello World")),
            ("ok", b(true)),
            ("nan", f(f64::NAN)),
            ("dup", i(1)),
        ],
        &[("host", "server01"), ("dup", "x"), ("region", "us-west")],
    )
}

fn lambda(e: Expr) -> Lambda {
    Lambda {
        expr: e,
        source: String::new(),
        span: Span::default(),
    }
}

fn same(a: &Result<Value, EvalError>, b: &Result<Value, EvalError>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.same(y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

/// Both engines over a sequence of points with their own state; the JIT's
/// results (checked equal to the VM's).
fn run_seq(e: Expr, pts: &[Pt]) -> Vec<Result<Value, EvalError>> {
    let l = lambda(e);
    let jit = CompiledLambda::compile(&l, Engine::Jit).expect("compiles");
    assert_eq!(jit.engine(), Engine::Jit, "fell back to the VM");
    let vm = CompiledLambda::compile(&l, Engine::Vm).expect("compiles");
    let mut js = jit.new_state();
    let mut vs = vm.new_state();
    pts.iter()
        .map(|p| {
            let a = jit.eval(&p.scope(), &mut js);
            let v = vm.eval(&p.scope(), &mut vs);
            assert!(same(&a, &v), "jit {a:?} != vm {v:?} for {l:?}");
            a
        })
        .collect()
}

fn run(e: Expr) -> Result<Value, EvalError> {
    run_seq(e, &[sample()]).pop().expect("one result")
}

fn ok(e: Expr) -> Value {
    run(e).expect("evaluates")
}

// ---- constants and references -------------------------------------------

#[test]
fn constants() {
    assert_eq!(ok(fl(1.5)), Value::Float(1.5));
    assert_eq!(ok(int(-3)), Value::Int(-3));
    assert_eq!(ok(bo(true)), Value::Bool(true));
    assert_eq!(ok(st("héllo")), Value::String("héllo".into()));
    assert_eq!(ok(du(90_000_000_000)), Value::Duration(90_000_000_000));
    assert!(matches!(ok(re("^a+$")), Value::Regex(r) if r.as_str() == "^a+$"));
}

#[test]
fn references() {
    assert_eq!(ok(r("usage_idle")), Value::Float(65.5));
    assert_eq!(ok(r("n")), Value::Int(7));
    assert_eq!(ok(r("msg")), Value::String("Hello World".into()));
    assert_eq!(ok(r("ok")), Value::Bool(true));
    assert_eq!(ok(r("host")), Value::String("server01".into()));
    assert_eq!(ok(r("time")), Value::Time(1_700_000_000_000_000_000));
    assert_eq!(ok(r("absent")), Value::Missing);
    assert_eq!(
        run(r("dup")),
        Err(EvalError::FieldTagConflict {
            name: "dup".to_string()
        })
    );
}

#[test]
fn extra_bindings_are_references_too() {
    let p = sample();
    let extra = [(Str::from("e"), Value::Duration(5))];
    let l = lambda(bin(Add, r("e"), du(1)));
    let jit = CompiledLambda::compile(&l, Engine::Jit).unwrap();
    let mut st = jit.new_state();
    let scope = Scope {
        extra: &extra,
        ..p.scope()
    };
    assert_eq!(jit.eval(&scope, &mut st), Ok(Value::Duration(6)));
}

// ---- arithmetic ----------------------------------------------------------

#[test]
fn float_arithmetic() {
    assert_eq!(ok(bin(Add, r("usage_idle"), fl(0.5))), Value::Float(66.0));
    assert_eq!(ok(bin(Sub, fl(1.0), r("usage_idle"))), Value::Float(-64.5));
    assert_eq!(ok(bin(Mul, r("usage_idle"), fl(2.0))), Value::Float(131.0));
    assert_eq!(
        ok(bin(Div, r("usage_idle"), fl(0.0))),
        Value::Float(f64::INFINITY)
    );
    let nan = ok(bin(Div, fl(0.0), fl(0.0)));
    assert!(matches!(nan, Value::Float(x) if x.is_nan()));
    // Ten operations over three fields.
    let e = bin(
        Div,
        bin(
            Add,
            bin(Mul, r("a"), r("b")),
            bin(Sub, r("c"), bin(Mul, fl(2.0), r("a"))),
        ),
        bin(
            Add,
            bin(Sub, r("b"), fl(0.5)),
            bin(Mul, bin(Add, r("c"), fl(1.0)), bin(Div, r("a"), fl(4.0))),
        ),
    );
    let p = Pt::new(&[("a", f(3.0)), ("b", f(5.0)), ("c", f(7.0))], &[]);
    let want = (3.0 * 5.0 + (7.0 - 2.0 * 3.0)) / ((5.0 - 0.5) + (7.0 + 1.0) * (3.0 / 4.0));
    assert_eq!(run_seq(e, &[p]), vec![Ok(Value::Float(want))]);
}

#[test]
fn int_arithmetic_wraps_and_truncates() {
    assert_eq!(ok(bin(Add, r("n"), int(1))), Value::Int(8));
    assert_eq!(ok(bin(Div, r("n"), int(2))), Value::Int(3));
    assert_eq!(ok(bin(Div, int(-7), r("n"))), Value::Int(-1));
    assert_eq!(ok(bin(Mod, int(-9), r("n"))), Value::Int(-2));
    assert_eq!(ok(bin(Sub, r("min"), int(1))), Value::Int(i64::MAX));
    assert_eq!(ok(bin(Mul, r("min"), int(-1))), Value::Int(i64::MIN));
    // MIN / -1 wraps like Go; x % -1 is 0 (no trap).
    assert_eq!(ok(bin(Div, r("min"), r("neg"))), Value::Int(i64::MIN));
    assert_eq!(ok(bin(Mod, r("min"), r("neg"))), Value::Int(0));
}

#[test]
fn integer_division_by_zero_is_an_error() {
    assert_eq!(
        run(bin(Div, r("n"), r("zero"))),
        Err(EvalError::DivideByZero)
    );
    assert_eq!(run(bin(Mod, r("n"), int(0))), Err(EvalError::DivideByZero));
    assert_eq!(
        run(bin(Div, du(10), r("zero"))),
        Err(EvalError::DivideByZero)
    );
}

#[test]
fn durations() {
    assert_eq!(ok(bin(Add, du(5), du(7))), Value::Duration(12));
    assert_eq!(ok(bin(Sub, du(5), du(7))), Value::Duration(-2));
    assert_eq!(ok(bin(Mul, du(5), r("n"))), Value::Duration(35));
    assert_eq!(ok(bin(Mul, r("usage_idle"), du(2))), Value::Duration(131));
    assert_eq!(ok(bin(Div, du(14), r("n"))), Value::Duration(2));
    assert_eq!(ok(bin(Div, du(14), du(4))), Value::Int(3));
    assert_eq!(ok(bin(Lt, du(1), du(2))), Value::Bool(true));
    assert_eq!(ok(un(UnaryOp::Neg, du(3))), Value::Duration(-3));
}

// ---- comparisons -----------------------------------------------------------

#[test]
fn mixed_int_float_comparisons() {
    assert_eq!(ok(bin(Lt, r("usage_idle"), int(70))), Value::Bool(true));
    assert_eq!(ok(bin(Gt, r("n"), fl(6.5))), Value::Bool(true));
    assert_eq!(ok(bin(Eq, r("n"), fl(7.0))), Value::Bool(true));
    assert_eq!(ok(bin(Ge, int(7), r("n"))), Value::Bool(true));
    assert_eq!(ok(bin(Le, fl(65.5), r("usage_idle"))), Value::Bool(true));
    assert_eq!(ok(bin(Ne, r("n"), int(7))), Value::Bool(false));
}

#[test]
fn nan_compares_false_except_not_equal() {
    for (op, want) in [
        (Eq, false),
        (Ne, true),
        (Lt, false),
        (Le, false),
        (Gt, false),
        (Ge, false),
    ] {
        assert_eq!(ok(bin(op, r("nan"), r("nan"))), Value::Bool(want), "{op:?}");
        assert_eq!(ok(bin(op, r("nan"), int(1))), Value::Bool(want), "{op:?}");
    }
}

#[test]
fn string_and_bool_comparisons() {
    assert_eq!(ok(bin(Eq, r("host"), st("server01"))), Value::Bool(true));
    assert_eq!(ok(bin(Lt, r("host"), st("server1"))), Value::Bool(true));
    assert_eq!(ok(bin(Ge, st("b"), r("host"))), Value::Bool(false));
    assert_eq!(ok(bin(Ne, r("ok"), bo(false))), Value::Bool(true));
    assert_eq!(ok(bin(Eq, r("ok"), r("ok"))), Value::Bool(true));
}

#[test]
fn regex_match() {
    assert_eq!(
        ok(bin(RegexMatch, r("host"), re("^server\\d+$"))),
        Value::Bool(true)
    );
    assert_eq!(
        ok(bin(RegexNotMatch, r("host"), re("west"))),
        Value::Bool(true)
    );
    assert_eq!(
        ok(bin(RegexMatch, r("region"), re("west"))),
        Value::Bool(true)
    );
}

#[test]
fn string_concatenation() {
    assert_eq!(
        ok(bin(Add, bin(Add, r("host"), st("/")), r("region"))),
        Value::String("server01/us-west".into())
    );
}

// ---- unary -----------------------------------------------------------------

#[test]
fn unary_operators() {
    assert_eq!(ok(un(UnaryOp::Neg, r("usage_idle"))), Value::Float(-65.5));
    assert_eq!(ok(un(UnaryOp::Neg, r("n"))), Value::Int(-7));
    assert_eq!(ok(un(UnaryOp::Neg, r("min"))), Value::Int(i64::MIN));
    assert_eq!(ok(un(UnaryOp::Neg, fl(0.0))), Value::Float(-0.0));
    assert_eq!(ok(un(UnaryOp::Not, r("ok"))), Value::Bool(false));
    assert_eq!(
        ok(un(UnaryOp::Not, bin(Lt, r("n"), int(3)))),
        Value::Bool(true)
    );
    assert_eq!(
        run(un(UnaryOp::Neg, r("msg"))),
        Err(EvalError::InvalidUnary {
            op: "-",
            ty: "string"
        })
    );
}

// ---- logic -----------------------------------------------------------------

#[test]
fn and_or() {
    for (a, c) in [(false, false), (false, true), (true, false), (true, true)] {
        assert_eq!(ok(bin(And, bo(a), r("ok"))), Value::Bool(a));
        assert_eq!(
            ok(bin(Or, bo(a), bin(Eq, r("ok"), bo(c)))),
            Value::Bool(a || c)
        );
        // (a OR c) AND !(a AND c) is exclusive or ("ok" is true).
        let xor = bin(
            And,
            bin(Or, bo(a), bo(c)),
            un(UnaryOp::Not, bin(And, bin(And, bo(a), r("ok")), bo(c))),
        );
        assert_eq!(ok(xor), Value::Bool(a != c));
    }
}

#[test]
fn and_or_short_circuit_stateful_calls() {
    // `"ok" == false AND count() > 100` never advances count; `count()` then sees 1, 2.
    let e = bin(
        Or,
        bin(
            And,
            bin(Eq, r("ok"), bo(false)),
            bin(Gt, call(Builtin::Count, vec![]), int(100)),
        ),
        bin(Eq, call(Builtin::Count, vec![]), int(2)),
    );
    let pts = [sample(), sample(), sample()];
    let got = run_seq(e, &pts);
    assert_eq!(
        got,
        vec![
            Ok(Value::Bool(false)),
            Ok(Value::Bool(true)),
            Ok(Value::Bool(false))
        ]
    );
}

// ---- type errors -------------------------------------------------------------

#[test]
fn type_errors_match_the_vm() {
    assert_eq!(
        run(bin(Add, r("n"), fl(1.0))),
        Err(EvalError::MismatchedTypes {
            left: "int",
            op: Add,
            right: "float"
        })
    );
    assert_eq!(
        run(bin(Lt, r("absent"), int(1))),
        Err(EvalError::MissingReference {
            side: Side::Left,
            name: "absent".to_string()
        })
    );
    assert_eq!(
        run(bin(Add, r("ok"), r("ok"))),
        Err(EvalError::InvalidOperator {
            op: Add,
            ty: "boolean"
        })
    );
}

#[test]
fn expressions_that_never_type_check_still_compile() {
    // `"n" + true` has no valid operand combination: the native code for it
    // is unreachable, yet the lambda compiles natively and errors like the VM.
    assert_eq!(
        run(bin(And, bin(Add, r("n"), bo(true)), bo(true))),
        Err(EvalError::MismatchedTypes {
            left: "int",
            op: Add,
            right: "boolean"
        })
    );
    assert!(run(un(UnaryOp::Not, bin(Mod, r("usage_idle"), fl(2.0)))).is_err());
}

#[test]
fn type_guard() {
    let l = lambda(bin(Add, r("usage_idle"), fl(1.0)));
    let jit = CompiledLambda::compile(&l, Engine::Jit).unwrap();
    let p = sample();
    let mut st = jit.new_state();
    assert_eq!(
        jit.eval_bool(&p.scope(), &mut st),
        Err(EvalError::TypeGuard { got: "float" })
    );
}

#[test]
fn field_type_changes_between_points() {
    let e = bin(Gt, bin(Add, r("v"), r("v")), int(5));
    let pts = [
        Pt::new(&[("v", i(3))], &[]),
        Pt::new(&[("v", f(2.0))], &[]),
        Pt::new(&[("v", s("x"))], &[]),
        Pt::new(&[], &[("v", "tag")]),
        Pt::new(&[("v", i(2))], &[]),
    ];
    let got = run_seq(e, &pts);
    assert_eq!(got[0], Ok(Value::Bool(true)));
    assert_eq!(got[1], Ok(Value::Bool(false)));
    assert!(got[2].is_err());
    assert!(got[3].is_err());
    assert_eq!(got[4], Ok(Value::Bool(false)));
}

// ---- builtins ------------------------------------------------------------------

#[test]
fn pure_builtins() {
    assert_eq!(
        ok(call(Builtin::StrToLower, vec![r("msg")])),
        Value::String("hello world".into())
    );
    assert_eq!(
        ok(call(Builtin::Sqrt, vec![r("usage_idle")])),
        Value::Float(65.5f64.sqrt())
    );
    assert_eq!(
        ok(call(
            Builtin::StrLength,
            vec![call(Builtin::StrToUpper, vec![r("host")])]
        )),
        Value::Int(8)
    );
    assert_eq!(
        ok(call(
            Builtin::RegexReplace,
            vec![re("(o+)"), r("msg"), st("[$1]")]
        )),
        Value::String("Hell[o] W[o]rld".into())
    );
    assert_eq!(
        ok(call(Builtin::IsPresent, vec![r("absent")])),
        Value::Bool(false)
    );
    assert_eq!(
        ok(call(Builtin::Hour, vec![r("time")])).vtype(),
        crate::value::VType::Int
    );
    assert_eq!(
        ok(call(Builtin::If, vec![r("ok"), r("host"), st("other")])),
        Value::String("server01".into())
    );
    assert_eq!(
        ok(call(Builtin::If, vec![bo(false), r("n"), int(3)])),
        Value::Int(3)
    );
    assert!(matches!(
        ok(call(Builtin::If, vec![r("ok"), re("a"), re("b")])),
        Value::Regex(r) if r.as_str() == "a"
    ));
}

#[test]
fn builtin_errors_are_wrapped_like_the_vm() {
    // strSubstring with stop beyond the end fails inside the 1st argument of strLength.
    let e = call(
        Builtin::StrLength,
        vec![call(
            Builtin::StrSubstring,
            vec![r("host"), int(0), int(50)],
        )],
    );
    match run(e) {
        Err(EvalError::Argument { index: 0, inner }) => {
            assert!(matches!(
                *inner,
                EvalError::Call {
                    func: Builtin::StrSubstring,
                    ..
                }
            ))
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        run(call(Builtin::Sqrt, vec![r("n")])),
        Err(EvalError::WrongSignature { .. })
    ));
}

#[test]
fn stateful_builtins_keep_state_per_lambda_state() {
    let e = bin(Gt, call(Builtin::Sigma, vec![r("v")]), fl(1.0));
    let pts: Vec<Pt> = [1.0, 2.0, 3.0, 10.0, 2.0]
        .iter()
        .map(|v| Pt::new(&[("v", f(*v))], &[]))
        .collect();
    let got = run_seq(e, &pts);
    assert_eq!(got[0], Ok(Value::Bool(false)));
    assert_eq!(got[3], Ok(Value::Bool(true)));

    // One spread per name per expression: both calls feed the same state.
    // Point 1: {1} -> 0, {1, 5} -> 4. Point 2: {1, 5, 3} -> 4, {.., -2} -> 7.
    let e = bin(
        Add,
        call(Builtin::Spread, vec![r("a")]),
        call(Builtin::Spread, vec![r("b")]),
    );
    let pts = [
        Pt::new(&[("a", f(1.0)), ("b", f(5.0))], &[]),
        Pt::new(&[("a", f(3.0)), ("b", f(-2.0))], &[]),
    ];
    let got = run_seq(e, &pts);
    assert_eq!(got, vec![Ok(Value::Float(4.0)), Ok(Value::Float(11.0))]);
}

#[test]
fn nested_lambda_state_is_shared_across_groups() {
    let l = lambda(bin(
        Add,
        nested(call(Builtin::Count, vec![])),
        call(Builtin::Count, vec![]),
    ));
    let jit = CompiledLambda::compile(&l, Engine::Jit).unwrap();
    let p = sample();
    let mut g1 = jit.new_state();
    let mut g2 = jit.new_state();
    assert_eq!(jit.eval(&p.scope(), &mut g1), Ok(Value::Int(2)));
    // Group 2: its own top-level count (1), the shared nested one (2).
    assert_eq!(jit.eval(&p.scope(), &mut g2), Ok(Value::Int(3)));
    assert_eq!(jit.eval(&p.scope(), &mut g1), Ok(Value::Int(5)));
}

// ---- engine lifecycle ------------------------------------------------------------

#[test]
fn compiled_lambdas_are_send_sync_and_free_their_code() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledLambda>();
    assert_send_sync::<LambdaState>();
    let p = sample();
    for n in 0..50 {
        let l = lambda(bin(Add, r("n"), int(n)));
        let c = CompiledLambda::compile(&l, Engine::Jit).unwrap();
        assert_eq!(c.engine(), Engine::Jit);
        let mut st = c.new_state();
        assert_eq!(c.eval(&p.scope(), &mut st), Ok(Value::Int(7 + n)));
    }
}

#[test]
fn evaluation_from_many_threads() {
    let l = lambda(bin(Lt, r("usage_idle"), int(70)));
    let c = std::sync::Arc::new(CompiledLambda::compile(&l, Engine::Jit).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                let p = sample();
                let mut st = c.new_state();
                (0..1000).all(|_| c.eval(&p.scope(), &mut st) == Ok(Value::Bool(true)))
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
}

#[test]
fn null_fields_are_missing() {
    let p = Pt::new(&[("v", FieldValue::Null)], &[]);
    assert_eq!(
        run_seq(r("v"), &[Pt::new(&[("v", FieldValue::Null)], &[])]),
        vec![Ok(Value::Missing)]
    );
    assert_eq!(
        run_seq(call(Builtin::IsPresent, vec![r("v")]), &[p]),
        vec![Ok(Value::Bool(false))]
    );
}

#[test]
fn chains_of_and_or_share_jump_targets() {
    // `a AND (b AND c)` jumps twice to the same end; `(a OR b) OR c` chains.
    for bits in 0..8u8 {
        let (a, x, c) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
        let e = bin(And, bo(a), bin(And, bin(Eq, r("ok"), bo(x)), bo(c)));
        assert_eq!(ok(e), Value::Bool(a && x && c), "{bits}");
        let e = bin(Or, bin(Or, bo(a), bin(Eq, r("ok"), bo(x))), bo(c));
        assert_eq!(ok(e), Value::Bool(a || x || c), "{bits}");
        let e = bin(
            Or,
            bin(And, bo(a), bo(x)),
            un(UnaryOp::Not, bin(Or, bo(c), r("ok"))),
        );
        // "ok" is true, so `!(c OR "ok")` is false.
        assert_eq!(ok(e), Value::Bool(a && x), "{bits}");
    }
}

#[test]
fn dynamic_results_flow_into_later_operators() {
    // `if` on references: the result type varies per point, and the
    // comparison after it dispatches on it.
    let e = bin(Eq, call(Builtin::If, vec![r("c"), r("v"), r("w")]), r("w"));
    let pts = [
        Pt::new(&[("c", b(false)), ("v", i(1)), ("w", i(2))], &[]),
        Pt::new(&[("c", b(true)), ("v", f(2.0)), ("w", f(2.0))], &[]),
        Pt::new(&[("c", b(true)), ("v", s("a")), ("w", s("b"))], &[]),
        Pt::new(&[("c", b(true)), ("v", i(1)), ("w", f(1.0))], &[]),
    ];
    let got = run_seq(e, &pts);
    assert_eq!(got[0], Ok(Value::Bool(true)));
    assert_eq!(got[1], Ok(Value::Bool(true)));
    assert_eq!(got[2], Ok(Value::Bool(false)));
    assert!(got[3].is_err(), "if(bool, int, float) has no signature");
}

#[test]
fn string_order_is_byte_order() {
    let pts = [Pt::new(&[("a", s("é")), ("b", s("z"))], &[])];
    assert_eq!(
        run_seq(bin(Gt, r("a"), r("b")), &pts),
        vec![Ok(Value::Bool(true))]
    );
    assert_eq!(
        run_seq(bin(Le, r("a"), st("é")), &pts),
        vec![Ok(Value::Bool(true))]
    );
}

#[test]
fn duration_scaling_by_floats() {
    assert_eq!(ok(bin(Div, du(10), fl(4.0))), Value::Duration(2));
    assert_eq!(ok(bin(Mul, fl(0.5), du(9))), Value::Duration(4));
    // An infinite quotient is an overflow on both engines (Go: i64::MIN).
    assert!(matches!(
        run(bin(Div, du(10), fl(0.0))),
        Err(EvalError::DurationOverflow { .. })
    ));
}

/// Duration arithmetic past int64 nanoseconds is an error on both engines
/// (`run_seq` asserts the JIT and the VM agree), in range it is exact.
#[test]
fn duration_overflow_is_an_error() {
    use crate::error::Operand;
    let over = |e: Expr| match run(e) {
        Err(EvalError::DurationOverflow { left, op, right }) => (left, op, right),
        other => panic!("expected an overflow, got {other:?}"),
    };
    assert_eq!(
        over(bin(Add, du(i64::MAX), du(1))),
        (Operand::Duration(i64::MAX), "+", Some(Operand::Duration(1)))
    );
    assert_eq!(
        over(bin(Sub, du(i64::MIN), du(1))),
        (Operand::Duration(i64::MIN), "-", Some(Operand::Duration(1)))
    );
    assert_eq!(
        over(bin(Mul, int(3), du(i64::MAX / 2))),
        (Operand::Duration(i64::MAX / 2), "*", Some(Operand::Int(3)))
    );
    assert_eq!(
        over(bin(Div, du(i64::MIN), int(-1))),
        (Operand::Duration(i64::MIN), "/", Some(Operand::Int(-1)))
    );
    assert_eq!(
        over(un(UnaryOp::Neg, du(i64::MIN))),
        (Operand::Duration(i64::MIN), "-", None)
    );
    assert_eq!(
        ok(un(UnaryOp::Neg, du(i64::MAX))),
        Value::Duration(-i64::MAX)
    );
    assert_eq!(
        ok(bin(Add, du(i64::MAX - 1), du(1))),
        Value::Duration(i64::MAX)
    );
    assert_eq!(
        ok(bin(Sub, du(-1), du(i64::MAX))),
        Value::Duration(i64::MIN)
    );
}

#[test]
fn missing_reference_inside_a_nested_lambda_is_named() {
    assert_eq!(
        run(bin(Gt, nested(r("absent")), int(1))),
        Err(EvalError::MissingReference {
            side: Side::Left,
            name: "absent".to_string()
        })
    );
    assert_eq!(
        run(bin(Gt, int(1), r("absent"))),
        Err(EvalError::MissingReference {
            side: Side::Right,
            name: "absent".to_string()
        })
    );
}

#[test]
fn volatile_builtins_run_natively() {
    let e = bin(Ge, call(Builtin::Rand, vec![int(10)]), int(0));
    assert_eq!(
        CompiledLambda::compile(&lambda(e.clone()), Engine::Jit)
            .unwrap()
            .engine(),
        Engine::Jit
    );
    let l = CompiledLambda::compile(&lambda(e), Engine::Jit).unwrap();
    let mut st = l.new_state();
    let p = sample();
    for _ in 0..20 {
        assert_eq!(l.eval(&p.scope(), &mut st), Ok(Value::Bool(true)));
    }
    let now = CompiledLambda::compile(&lambda(call(Builtin::Now, vec![])), Engine::Jit).unwrap();
    let mut st = now.new_state();
    assert!(matches!(now.eval(&p.scope(), &mut st), Ok(Value::Time(t)) if t > 0));
}

#[test]
fn states_from_another_lambda_are_resized_not_trusted() {
    let small = CompiledLambda::compile(&lambda(int(1)), Engine::Jit).unwrap();
    let big = CompiledLambda::compile(
        &lambda(bin(
            Add,
            bin(Add, r("n"), r("n")),
            call(Builtin::StrLength, vec![r("msg")]),
        )),
        Engine::Jit,
    )
    .unwrap();
    let p = sample();
    let mut st = small.new_state();
    assert_eq!(big.eval(&p.scope(), &mut st), Ok(Value::Int(25)));
}

#[test]
fn malformed_bytecode_is_a_typed_error_and_a_counted_fallback() {
    use crate::bytecode::Op;
    use std::sync::Arc;
    let good = crate::lower::lower(&bin(Add, r("n"), int(1))).unwrap();

    let mut underflow = good.clone();
    underflow.code.push(Op::Add);
    let err = super::Jit::new().and_then(|j| j.compile(&Arc::new(underflow)));
    assert_eq!(err.err(), Some(super::JitError::StackUnderflow));

    let mut bad_ref = good.clone();
    bad_ref.code[0] = Op::Ref(9);
    let err = super::Jit::new().and_then(|j| j.compile(&Arc::new(bad_ref.clone())));
    assert_eq!(err.err(), Some(super::JitError::BadIndex("reference")));

    let mut backward = crate::lower::lower(&bin(And, r("ok"), bo(true))).unwrap();
    backward.code[1] = Op::AndJump(0);
    let err = super::Jit::new().and_then(|j| j.compile(&Arc::new(backward)));
    assert_eq!(err.err(), Some(super::JitError::Unsupported("jump target")));

    let before = super::fallback_count();
    assert!(super::compile(&Arc::new(bad_ref)).is_none());
    assert!(super::fallback_count() > before);
    assert!(super::last_fallback().is_some());
}

#[test]
fn nested_state_is_shared_between_threads() {
    // Every evaluation advances the one shared nested `count()`, whichever
    // group (thread) runs it: the largest value seen is the total number of
    // evaluations.
    let l = lambda(nested(call(Builtin::Count, vec![])));
    let c = std::sync::Arc::new(CompiledLambda::compile(&l, Engine::Jit).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                let p = sample();
                let mut st = c.new_state();
                (0..500)
                    .map(|_| match c.eval(&p.scope(), &mut st) {
                        Ok(Value::Int(n)) => n,
                        other => panic!("{other:?}"),
                    })
                    .max()
                    .unwrap_or(0)
            })
        })
        .collect();
    let max = handles.into_iter().map(|h| h.join().unwrap()).max();
    assert_eq!(max, Some(2000));
}

// ---- lazy type checks (the checked function) ------------------------------

#[test]
fn check_sites_fail_only_when_reached() {
    let pts = [
        Pt::new(&[("ok", b(true)), ("msg", s("m"))], &[]),
        Pt::new(&[("ok", b(false)), ("msg", s("m"))], &[]),
        Pt::new(&[("ok", b(false)), ("msg", f(-2.0))], &[]),
        Pt::new(&[("ok", b(false))], &[]),
    ];
    // Binary site under OR: `"msg" + 1.0` probed by `>`.
    let e = bin(Or, r("ok"), bin(Gt, bin(Add, r("msg"), fl(1.0)), fl(0.0)));
    let got = run_seq(e, &pts);
    assert_eq!(got[0], Ok(Value::Bool(true)));
    assert_eq!(
        got[1],
        Err(EvalError::MismatchedTypes {
            left: "string",
            op: Add,
            right: "float"
        })
    );
    assert_eq!(got[2], Ok(Value::Bool(false)));
    assert_eq!(
        got[3],
        Err(EvalError::InvalidOperator {
            op: Add,
            ty: "missing"
        })
    );
    // Call argument site: `abs(-"msg")`, the unary probed by the call.
    let e = bin(
        Or,
        r("ok"),
        bin(
            Gt,
            call(Builtin::Abs, vec![un(UnaryOp::Neg, r("msg"))]),
            fl(1.0),
        ),
    );
    let got = run_seq(e, &pts);
    assert_eq!(got[0], Ok(Value::Bool(true)));
    assert_eq!(
        got[1],
        Err(EvalError::InvalidUnary {
            op: "-",
            ty: "string"
        }
        .in_argument(0))
    );
    assert_eq!(got[2], Ok(Value::Bool(true)));
}

#[test]
fn a_stateful_left_operand_advances_before_a_failing_right_one() {
    let pts = [
        Pt::new(&[("msg", s("m"))], &[]),
        Pt::new(&[("msg", s("m"))], &[]),
        Pt::new(&[("msg", f(3.0))], &[]),
    ];
    // count() != 2 AND "msg" > 1.0
    let e = bin(
        And,
        bin(Ne, call(Builtin::Count, vec![]), int(2)),
        bin(Gt, r("msg"), fl(1.0)),
    );
    let got = run_seq(e, &pts);
    assert_eq!(
        got[0],
        Err(EvalError::MismatchedTypes {
            left: "string",
            op: Gt,
            right: "float"
        })
    );
    assert_eq!(got[1], Ok(Value::Bool(false)));
    assert_eq!(got[2], Ok(Value::Bool(true)));
    // A missing left operand of the root is named.
    let e = bin(And, r("nothing"), bo(true));
    assert_eq!(
        run(e),
        Err(EvalError::MissingReference {
            side: Side::Left,
            name: "nothing".to_string()
        })
    );
}

#[test]
fn scratch_length_is_known_before_compiling() {
    // A tiered lambda sizes its states from `scratch_len` before its native
    // code exists; it must be what the compiled code uses.
    for src in [
        r#""a" < 70"#,
        r#""a" + "b" * 2.0 - sigma("a") > 1.0 AND strLength(string("n")) > 2"#,
        r#"if("a" > 1, 'x', 'y') + string(count())"#,
        r#""host" =~ /^h\d+$/ OR !("b" == 1.5)"#,
    ] {
        let (l, d) = compiler::check_lambda(src);
        let l = l.unwrap_or_else(|| panic!("{src}: {d:?}"));
        let p = std::sync::Arc::new(crate::lower::lower(&l.expr).unwrap());
        let native = super::compile(&p).expect("compiles natively");
        assert_eq!(super::scratch_len(&p), native.scratch_len(), "{src}");
    }
}
