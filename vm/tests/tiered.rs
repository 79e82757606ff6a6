//! Tiered compilation (`vm::tier`): a lambda that starts on the VM and
//! switches to native code mid-stream gives exactly the outputs of all-VM
//! and all-JIT evaluation, whatever the switch point, over points whose
//! schema changes; the background compile thread publishes the code; a
//! state made before the switch keeps working without growing.
//!
//! A counting allocator (per thread, as in `runtime/tests/allocations.rs`)
//! checks that evaluation after the switch allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;
use vm::point::{FieldValue, Scope, Str};
use vm::value::Value;
use vm::{CompileOn, CompiledLambda, Engine, EvalError, TierPolicy};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

/// A point: time, key-sorted fields and tags.
#[derive(Clone)]
struct Pt {
    fields: Vec<(Str, FieldValue)>,
    tags: Vec<(Str, Str)>,
}

impl Pt {
    fn scope(&self) -> Scope<'_> {
        Scope::of(1_000, &self.fields, &self.tags)
    }
}

/// Interned keys, as one parser hands out for one series.
struct Keys {
    usage_idle: Str,
    usage_user: Str,
    value: Str,
    host: Str,
}

fn pt(mut fields: Vec<(Str, FieldValue)>, mut tags: Vec<(Str, Str)>) -> Pt {
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    Pt { fields, tags }
}

/// A stream whose schema changes between points: the usual series, a
/// missing field, an extra field, a type change, the name as a tag instead
/// of a field, as both (a conflict), a null, the same names behind new key
/// pointers (another connection's parser), and back again.
fn stream() -> Vec<Pt> {
    let k = Keys {
        usage_idle: "usage_idle".into(),
        usage_user: "usage_user".into(),
        value: "value".into(),
        host: "host".into(),
    };
    let a: Str = "a".into();
    let f = FieldValue::Float;
    let i = FieldValue::Int;
    let usual = |x: f64, v: i64| {
        pt(
            vec![(k.usage_idle.clone(), f(x)), (k.value.clone(), i(v))],
            vec![(k.host.clone(), a.clone())],
        )
    };
    let mut out = Vec::new();
    for round in 0..4 {
        let r = round as f64;
        out.push(usual(42.0 + r, 5));
        out.push(usual(75.5 - r, 2));
        // Missing field.
        out.push(pt(
            vec![(k.value.clone(), i(7))],
            vec![(k.host.clone(), a.clone())],
        ));
        // Extra field before and after the reference's slot.
        out.push(pt(
            vec![
                (k.usage_idle.clone(), f(10.0 * r)),
                (k.usage_user.clone(), f(3.0)),
                (k.value.clone(), i(1)),
                ("aaa".into(), FieldValue::Bool(true)),
            ],
            vec![(k.host.clone(), a.clone())],
        ));
        // Type change: int, then string.
        out.push(pt(
            vec![(k.usage_idle.clone(), i(69)), (k.value.clone(), i(4))],
            vec![(k.host.clone(), a.clone())],
        ));
        out.push(pt(
            vec![
                (k.usage_idle.clone(), FieldValue::String("idle".into())),
                (k.value.clone(), i(4)),
            ],
            vec![(k.host.clone(), a.clone())],
        ));
        // A tag of the same name instead of the field, then both.
        out.push(pt(
            vec![(k.value.clone(), i(9))],
            vec![
                (k.host.clone(), a.clone()),
                (k.usage_idle.clone(), "77".into()),
            ],
        ));
        out.push(pt(
            vec![(k.usage_idle.clone(), f(1.0)), (k.value.clone(), i(9))],
            vec![(k.usage_idle.clone(), "77".into())],
        ));
        // Null (join's fill) reads as missing.
        out.push(pt(
            vec![
                (k.usage_idle.clone(), FieldValue::Null),
                (k.value.clone(), i(3)),
            ],
            vec![(k.host.clone(), a.clone())],
        ));
        // Same names, fresh key pointers.
        out.push(pt(
            vec![("usage_idle".into(), f(55.0 + r)), ("value".into(), i(6))],
            vec![("host".into(), "b".into())],
        ));
        out.push(usual(12.5, -3));
    }
    out
}

/// Expressions over the stream: comparisons, logic that short-circuits
/// past type errors, stateful functions (whose state must carry across the
/// switch), strings, conversions.
const EXPRS: &[&str] = &[
    r#""usage_idle" < 70"#,
    r#""value" > 3 AND "usage_idle" < 70"#,
    r#""host" == 'a' OR "usage_idle" >= 42"#,
    r#"sigma("usage_idle")"#,
    r#"count() + int("value")"#,
    r#"spread("value") * 2.0"#,
    r#"if("value" > 4, 'big', 'small') + string("value")"#,
    r#"float("usage_idle") / 2.0 + float("value")"#,
];

fn compile(src: &str, engine: Engine) -> CompiledLambda {
    let (lambda, diags) = compiler::check_lambda(src);
    let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
    CompiledLambda::compile(&lambda, engine).expect("compiles")
}

fn compile_tiered(src: &str, policy: TierPolicy) -> CompiledLambda {
    let (lambda, diags) = compiler::check_lambda(src);
    let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
    CompiledLambda::compile_tiered(&lambda, policy).expect("compiles")
}

fn show(r: &Result<Value, EvalError>) -> String {
    match r {
        Ok(v) => format!("{} {v:?}", v.type_name()),
        Err(e) => format!("error: {e}"),
    }
}

/// Every output of `lambda` over the stream, with one fresh state.
fn run(lambda: &CompiledLambda, points: &[Pt]) -> Vec<String> {
    let mut st = lambda.new_state();
    points
        .iter()
        .map(|p| show(&lambda.eval(&p.scope(), &mut st)))
        .collect()
}

#[test]
fn switching_tier_mid_stream_changes_no_output() {
    let points = stream();
    let mut distinct_outcomes = std::collections::BTreeSet::new();
    for src in EXPRS {
        let on_vm = run(&compile(src, Engine::Vm), &points);
        let on_jit = run(&compile(src, Engine::Jit), &points);
        assert_eq!(on_vm, on_jit, "{src}: VM and JIT disagree");
        distinct_outcomes.extend(on_vm.iter().cloned());
        for switch_at in [0, 1, 2, 5, 7, 13, points.len() as u32 - 1] {
            let tiered = compile_tiered(
                src,
                TierPolicy {
                    threshold: switch_at,
                    compile: CompileOn::Inline,
                },
            );
            let mut st = tiered.new_state();
            let mut got = Vec::new();
            for (n, p) in points.iter().enumerate() {
                // The first `switch_at` evaluations run on the VM, the rest natively.
                let before = tiered.engine();
                got.push(show(&tiered.eval(&p.scope(), &mut st)));
                // Evaluation number `switch_at` compiles and already runs natively.
                let want_before = if n as u32 <= switch_at {
                    Engine::Vm
                } else {
                    Engine::Jit
                };
                assert_eq!(before, want_before, "{src}: engine before point {n}");
            }
            assert_eq!(tiered.engine(), Engine::Jit, "{src}: never switched");
            assert_eq!(got, on_vm, "{src}: switched after {switch_at} evaluations");
        }
    }
    // The stream must reach values and the type, missing and conflict
    // errors, or agreeing proves little.
    for needle in [
        "boolean Bool(true)",
        "boolean Bool(false)",
        "missing",
        "field and tags with same name",
        "is missing value",
        "mismatched type",
    ] {
        assert!(
            distinct_outcomes.iter().any(|o| o.contains(needle)),
            "no outcome mentions {needle:?}: {distinct_outcomes:#?}"
        );
    }
}

#[test]
fn tiered_starts_on_the_vm_and_compiles_in_the_background_once_hot() {
    let points = stream();
    let src = r#"sigma("usage_idle") > 0.5 OR "value" > 5"#;
    let want = run(&compile(src, Engine::Vm), &points);
    let tiered = compile(src, Engine::Tiered);
    assert_eq!(tiered.requested_engine(), Engine::Tiered);
    assert_eq!(tiered.engine(), Engine::Vm, "no code before it is hot");
    assert!(
        !tiered.wait_native(Duration::from_millis(1)),
        "nothing was requested yet"
    );
    let threshold = TierPolicy::DEFAULT.threshold as usize;
    let mut st = tiered.new_state();
    let mut got = Vec::new();
    let mut n = 0;
    // Below the threshold: VM only.
    while n < threshold {
        let p = &points[n % points.len()];
        got.push(show(&tiered.eval(&p.scope(), &mut st)));
        n += 1;
    }
    assert_eq!(tiered.engine(), Engine::Vm);
    // The evaluation that crosses it requests the code and carries on.
    let p = &points[n % points.len()];
    got.push(show(&tiered.eval(&p.scope(), &mut st)));
    n += 1;
    assert!(
        tiered.wait_native(Duration::from_secs(30)),
        "the compile thread did not publish native code within 30 s"
    );
    assert_eq!(tiered.engine(), Engine::Jit);
    for _ in 0..points.len() * 2 {
        let p = &points[n % points.len()];
        got.push(show(&tiered.eval(&p.scope(), &mut st)));
        n += 1;
    }
    // Same outputs as the VM over the same cycle, stateful sigma included.
    let vm = compile(src, Engine::Vm);
    let mut vst = vm.new_state();
    let want_all: Vec<String> = (0..n)
        .map(|i| show(&vm.eval(&points[i % points.len()].scope(), &mut vst)))
        .collect();
    assert_eq!(got, want_all);
    assert_eq!(&got[..want.len()], &want[..]);
    assert_eq!(vm::jit::fallback_count(), 0, "the JIT fell back to the VM");
}

#[test]
fn a_state_made_before_the_switch_evaluates_natively_without_allocating() {
    let p = &stream()[0];
    for compile_on in [CompileOn::Inline, CompileOn::Background] {
        let tiered = compile_tiered(
            r#""usage_idle" < 70 AND "value" > 1"#,
            TierPolicy {
                threshold: 3,
                compile: compile_on,
            },
        );
        let mut st = tiered.new_state();
        for _ in 0..4 {
            assert_eq!(tiered.eval(&p.scope(), &mut st), Ok(Value::Bool(true)));
        }
        assert!(
            tiered.wait_native(Duration::from_secs(30)),
            "{compile_on:?}"
        );
        // One evaluation on the native code first: its first-point work
        // (the reference caches are the state's, already warm) is done.
        assert_eq!(tiered.eval(&p.scope(), &mut st), Ok(Value::Bool(true)));
        let before = allocs();
        for _ in 0..1_000 {
            assert_eq!(tiered.eval(&p.scope(), &mut st), Ok(Value::Bool(true)));
        }
        assert_eq!(
            allocs() - before,
            0,
            "{compile_on:?}: native evaluation with a pre-switch state allocated"
        );
    }
}

#[test]
fn a_lambda_dropped_before_its_compile_is_not_a_problem() {
    let p = &stream()[0];
    for _ in 0..20 {
        let tiered = compile_tiered(
            r#""usage_idle" * 2.0"#,
            TierPolicy {
                threshold: 0,
                compile: CompileOn::Background,
            },
        );
        let mut st = tiered.new_state();
        assert_eq!(tiered.eval(&p.scope(), &mut st), Ok(Value::Float(84.0)));
        drop(tiered);
    }
    // The compile thread is still serving: a later lambda gets its code.
    let tiered = compile_tiered(
        r#""usage_idle" * 3.0"#,
        TierPolicy {
            threshold: 0,
            compile: CompileOn::Background,
        },
    );
    let mut st = tiered.new_state();
    assert_eq!(tiered.eval(&p.scope(), &mut st), Ok(Value::Float(126.0)));
    assert!(tiered.wait_native(Duration::from_secs(30)));
    assert_eq!(tiered.eval(&p.scope(), &mut st), Ok(Value::Float(126.0)));
}

#[test]
fn vm_and_jit_engines_never_change_tier() {
    let p = &stream()[0];
    let vm = compile(r#""usage_idle" < 70"#, Engine::Vm);
    let mut st = vm.new_state();
    for _ in 0..(TierPolicy::DEFAULT.threshold + 10) {
        vm.eval(&p.scope(), &mut st).unwrap();
    }
    assert_eq!(vm.engine(), Engine::Vm);
    assert!(!vm.wait_native(Duration::from_millis(1)));
    let jit = compile(r#""usage_idle" < 70"#, Engine::Jit);
    assert_eq!(jit.engine(), Engine::Jit);
}
