//! The public API's contract: state placement (§5.5), short-circuiting,
//! TypeGuard, reference resolution across changing schemas, extra bindings.

use compiler::catalog::builtins::Builtin;
use compiler::ir::{BinaryOp, Expr, ExprKind, Lambda};
use compiler::span::Span;
use compiler::types::Type;
use vm::point::{FieldValue, Scope, Str};
use vm::value::Value;
use vm::{CompiledLambda, Engine, LambdaState};

const ENGINES: [Engine; 2] = [Engine::Vm, Engine::Jit];

fn compile(src: &str, engine: Engine) -> CompiledLambda {
    let (lambda, diags) = compiler::check_lambda(src);
    let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
    CompiledLambda::compile(&lambda, engine).expect("compiles")
}

fn scope<'a>(fields: &'a [(Str, FieldValue)], tags: &'a [(Str, Str)]) -> Scope<'a> {
    Scope {
        time: 7,
        fields,
        tags,
        extra: &[],
    }
}

fn e(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: Span::default(),
    }
}

#[test]
fn compiled_lambdas_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledLambda>();
    fn assert_send<T: Send>() {}
    assert_send::<LambdaState>();
}

#[test]
fn one_instance_per_function_name() {
    for engine in ENGINES {
        let c = compile("count() + count()", engine);
        let mut st = c.new_state();
        let sc = scope(&[], &[]);
        assert_eq!(c.eval(&sc, &mut st).unwrap(), Value::Int(3));
        assert_eq!(c.eval(&sc, &mut st).unwrap(), Value::Int(7));
        // A new state (another group) starts over.
        assert_eq!(c.eval(&sc, &mut c.new_state()).unwrap(), Value::Int(3));
    }
}

#[test]
fn short_circuit_skips_stateful_calls() {
    for engine in ENGINES {
        let c = compile("\"go\" AND count() > 0", engine);
        let mut st = c.new_state();
        let no = [(Str::from("go"), FieldValue::Bool(false))];
        let yes = [(Str::from("go"), FieldValue::Bool(true))];
        for _ in 0..3 {
            assert!(!c.eval_bool(&scope(&no, &[]), &mut st).unwrap());
        }
        let probe = compile("\"go\" AND count() == 1", engine);
        let mut pst = probe.new_state();
        for _ in 0..3 {
            probe.eval_bool(&scope(&no, &[]), &mut pst).unwrap();
        }
        assert!(probe.eval_bool(&scope(&yes, &[]), &mut pst).unwrap());
        assert!(c.eval_bool(&scope(&yes, &[]), &mut st).unwrap());
    }
}

#[test]
fn nested_lambdas_share_their_state_across_groups() {
    // count() > 0 AND <nested: count() > 0>, evaluated for two groups.
    let count = || {
        e(
            ExprKind::Call {
                func: Builtin::Count,
                args: vec![],
            },
            Type::Int,
        )
    };
    let expr = e(
        ExprKind::Binary {
            op: BinaryOp::Add,
            left: Box::new(count()),
            right: Box::new(e(ExprKind::Nested(Box::new(count())), Type::Int)),
        },
        Type::Int,
    );
    let lambda = Lambda {
        source: "count() + $nested".into(),
        span: Span::default(),
        expr,
    };
    for engine in ENGINES {
        let c = CompiledLambda::compile(&lambda, engine).unwrap();
        let (mut g1, mut g2) = (c.new_state(), c.new_state());
        let sc = scope(&[], &[]);
        // group 1: own count 1, nested 1; group 2: own 1, nested 2; group 1: own 2, nested 3.
        assert_eq!(c.eval(&sc, &mut g1).unwrap(), Value::Int(2));
        assert_eq!(c.eval(&sc, &mut g2).unwrap(), Value::Int(3));
        assert_eq!(c.eval(&sc, &mut g1).unwrap(), Value::Int(5));
    }
}

#[test]
fn type_guard_on_non_boolean_predicates() {
    for engine in ENGINES {
        let c = compile("\"f\" + 1.0", engine);
        let f = [(Str::from("f"), FieldValue::Float(1.0))];
        let err = c
            .eval_bool(&scope(&f, &[]), &mut c.new_state())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "TypeGuard: expression returned unexpected type float, expected boolean"
        );
        let c = compile("\"nope\"", engine);
        let err = c
            .eval_bool(&scope(&f, &[]), &mut c.new_state())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "TypeGuard: expression returned unexpected type missing, expected boolean"
        );
    }
}

#[test]
fn references_follow_changing_schemas_and_types() {
    for engine in ENGINES {
        let c = compile("\"x\" + 1", engine);
        let mut st = c.new_state();
        let x: Str = "x".into();
        let a: Str = "a".into();
        let z: Str = "z".into();
        let points: Vec<Vec<(Str, FieldValue)>> = vec![
            vec![(x.clone(), FieldValue::Int(1))],
            vec![
                (a.clone(), FieldValue::Int(5)),
                (x.clone(), FieldValue::Int(2)),
            ],
            vec![
                (a.clone(), FieldValue::Int(5)),
                (z.clone(), FieldValue::Int(9)),
            ],
            vec![(Str::from("x"), FieldValue::Int(3))], // a new key Arc
            vec![(x.clone(), FieldValue::Float(1.0))],
            vec![
                (x.clone(), FieldValue::Int(4)),
                (z.clone(), FieldValue::Int(0)),
            ],
        ];
        let got: Vec<String> = points
            .iter()
            .map(|p| match c.eval(&scope(p, &[]), &mut st) {
                Ok(v) => format!("{v:?}"),
                Err(e) => e.to_string(),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "Int(2)",
                "Int(3)",
                "left reference value \"x\" is missing value",
                "Int(4)",
                "mismatched type to binary operator. got float + int. see bool(), int(), float(), string(), duration()",
                "Int(5)",
            ],
            "{}",
            engine.name()
        );
        // A tag of the same name as a field is an error; a tag alone is a string.
        let tags = [(x.clone(), Str::from("v"))];
        let both = [(x.clone(), FieldValue::Int(1))];
        assert_eq!(
            c.eval(&scope(&both, &tags), &mut st)
                .unwrap_err()
                .to_string(),
            "cannot have field and tags with same name \"x\""
        );
        let s = compile("\"x\" + '!'", engine);
        assert_eq!(
            s.eval(&scope(&[], &tags), &mut s.new_state()).unwrap(),
            Value::String("v!".into())
        );
    }
}

#[test]
fn time_and_extra_bindings() {
    for engine in ENGINES {
        let c = compile("unixNano(\"time\") + \"prev\"", engine);
        let extra = [(Str::from("prev"), Value::Int(100))];
        let sc = Scope {
            time: 5,
            fields: &[],
            tags: &[],
            extra: &extra,
        };
        assert_eq!(c.eval(&sc, &mut c.new_state()).unwrap(), Value::Int(105));
        // A field shadows an extra binding of the same name.
        let f = [(Str::from("prev"), FieldValue::Int(1))];
        let sc2 = Scope { fields: &f, ..sc };
        assert_eq!(c.eval(&sc2, &mut c.new_state()).unwrap(), Value::Int(6));
    }
}

#[test]
fn engine_reports_what_runs() {
    assert_eq!(compile("1 + 1", Engine::Vm).engine(), Engine::Vm);
    let jit = compile("\"a\" > 1", Engine::Jit);
    assert!(matches!(jit.engine(), Engine::Jit | Engine::Vm));
    assert_eq!(jit.source(), "\"a\" > 1");
}
