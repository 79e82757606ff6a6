//! ns per point for typical lambdas: the VM, the JIT, tiered (after its
//! switch to native code), and a hand-written Rust closure doing the same
//! work on the same `Point` (the practical limit). `"usage_idle" < 70` also
//! has a closure handed the field's slot index once (what a lambda resolved
//! once per series schema can at best be), and a group whose points change
//! schema every N evaluations (the cost of re-resolving).
//!
//! Each group evaluates one expression on one prepared point; the point's
//! keys are shared `Arc`s as the line-protocol parser makes them, so the
//! engines' slot caches hit as they do in a running task. Short measurement
//! settings keep a run quick on a shared 2-core machine. Figures are the
//! bench thread's CPU time (`support/cpu_time.rs`), not wall time: the
//! machine's load would otherwise inflate them by the time spent waiting
//! for a core.

mod support {
    pub mod cpu_time;
}

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;
use support::cpu_time::CpuTime;
use vm::point::{lookup, FieldValue, Fields, Scope, Str, Tags};
use vm::value::Value;
use vm::{CompiledLambda, Engine};

/// The part of a runtime point a lambda reads (the VM does not know the
/// runtime's `Point`; its `scope()` builds the same slices).
struct Point {
    tags: Tags,
    fields: Fields,
    time: i64,
}

impl Point {
    fn field(&self, key: &str) -> Option<&FieldValue> {
        lookup(&self.fields, key)
    }

    fn tag(&self, key: &str) -> Option<&Str> {
        lookup(&self.tags, key)
    }

    fn scope(&self) -> Scope<'_> {
        Scope::of(self.time, &self.fields, &self.tags)
    }
}

fn point() -> Point {
    let k = |s: &str| -> Str { Arc::from(s) };
    let mut fields = vec![
        (k("a"), FieldValue::Float(1.5)),
        (k("b"), FieldValue::Float(2.25)),
        (k("c"), FieldValue::Float(-3.0)),
        (k("usage_idle"), FieldValue::Float(42.0)),
        (k("usage_user"), FieldValue::Float(30.0)),
        (k("name"), FieldValue::String(k("  Server-Alpha  "))),
    ];
    fields.sort_by(|x, y| x.0.cmp(&y.0));
    let mut tags = vec![(k("host"), k("server-042")), (k("region"), k("eu-west"))];
    tags.sort_by(|x, y| x.0.cmp(&y.0));
    Point {
        tags,
        fields,
        time: 1_600_000_000_000_000_000,
    }
}

fn float(p: &Point, key: &str) -> Option<f64> {
    match p.field(key) {
        Some(FieldValue::Float(f)) => Some(*f),
        _ => None,
    }
}

fn bench_expr(
    c: &mut Criterion<CpuTime>,
    name: &str,
    src: &str,
    closure: &dyn Fn(&Point) -> Value,
    slot_closure: Option<SlotClosure<'_>>,
) {
    let (lambda, diags) = compiler::check_lambda(src);
    let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
    let p = point();
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for engine in [Engine::Vm, Engine::Jit, Engine::Tiered] {
        let compiled = CompiledLambda::compile(&lambda, engine).expect("compiles");
        let mut state = compiled.new_state();
        if engine == Engine::Tiered {
            // Past the threshold and the background compile: what a hot
            // lambda of a running task costs.
            for _ in 0..=vm::TierPolicy::DEFAULT.threshold {
                let _ = compiled.eval(&p.scope(), &mut state);
            }
            assert!(
                compiled.wait_native(Duration::from_secs(30)),
                "{name}: no native code after the tier threshold"
            );
        }
        let label = if engine == Engine::Tiered {
            "tiered (switched to native)".to_string()
        } else if compiled.engine() == engine {
            engine.name().to_string()
        } else {
            format!(
                "{} (fell back to {})",
                engine.name(),
                compiled.engine().name()
            )
        };
        // The engines and the closure must compute the same thing.
        let want = closure(&p);
        let got = compiled
            .eval(&p.scope(), &mut compiled.new_state())
            .expect("evaluates");
        assert!(
            got.same(&want) || name.starts_with("sigma"),
            "{name}: {got:?} != {want:?}"
        );
        g.bench_function(label, |b| {
            b.iter(|| compiled.eval(black_box(&p.scope()), &mut state))
        });
    }
    g.bench_function("closure", |b| b.iter(|| closure(black_box(&p))));
    if let Some(slot) = slot_closure {
        let idx = p
            .fields
            .binary_search_by(|(k, _)| k.as_ref().cmp(slot.0))
            .expect("the slot closure's field is on the point");
        g.bench_function("closure (pre-resolved slot)", |b| {
            b.iter(|| (slot.1)(black_box(&p), idx))
        });
    }
    g.finish();
}

/// A closure handed a field's slot index once, reading `fields[idx]` per point.
type SlotClosure<'a> = (&'a str, &'a dyn Fn(&Point, usize) -> Value);

fn lambdas(c: &mut Criterion<CpuTime>) {
    bench_expr(
        c,
        "usage_idle < 70",
        r#""usage_idle" < 70"#,
        &|p| Value::Bool(float(p, "usage_idle").is_some_and(|v| v < 70.0)),
        Some(("usage_idle", &|p, idx| {
            Value::Bool(matches!(p.fields[idx].1, FieldValue::Float(v) if v < 70.0))
        })),
    );

    // The closure keeps its own running sigma, as the builtin does.
    let sigma = std::cell::RefCell::new((0.0f64, 0.0f64, 0.0f64));
    bench_expr(
        c,
        "sigma(usage_idle) > 3",
        r#"sigma("usage_idle") > 3.0"#,
        &|p| {
            let x = float(p, "usage_idle").unwrap_or(0.0);
            let mut s = sigma.borrow_mut();
            let (n, mean, m2) = &mut *s;
            *n += 1.0;
            let d = x - *mean;
            *mean += d / *n;
            *m2 += d * (x - *mean);
            let var = *m2 / (*n - 1.0);
            let sig = if *n < 2.0 || var == 0.0 {
                0.0
            } else {
                (x - *mean).abs() / var.sqrt()
            };
            Value::Bool(sig > 3.0)
        },
        None,
    );

    bench_expr(
        c,
        "float arithmetic (10 ops, 3 fields)",
        r#"("a" + "b") * "c" - "a" / ("b" + 1.5) + "c" * 2.0 - "a" * "b" / 3.0"#,
        &|p| {
            let (a, b, c) = (
                float(p, "a").unwrap(),
                float(p, "b").unwrap(),
                float(p, "c").unwrap(),
            );
            Value::Float((a + b) * c - a / (b + 1.5) + c * 2.0 - a * b / 3.0)
        },
        None,
    );

    let re = regex::Regex::new(r"^server-\d+$").unwrap();
    bench_expr(
        c,
        "regex match on a tag",
        r#""host" =~ /^server-\d+$/"#,
        &|p| Value::Bool(p.tag("host").is_some_and(|h| re.is_match(h))),
        None,
    );

    bench_expr(
        c,
        "string function chain",
        r#"strHasPrefix(strToLower(strTrimSpace("name")), 'server')"#,
        &|p| match p.field("name") {
            Some(FieldValue::String(s)) => {
                Value::Bool(s.trim().to_lowercase().starts_with("server"))
            }
            _ => Value::Bool(false),
        },
        None,
    );
}

/// `"usage_idle" < 70` over points of two schemas (the second has an extra
/// field before `usage_idle`, so its slot moves, and other key pointers),
/// switching every N evaluations: the engines re-resolve at each switch.
/// The closure looks the field up by name on every point (what a lambda
/// without slot caches would cost whatever N).
fn schema_changes(c: &mut Criterion<CpuTime>) {
    let (lambda, diags) = compiler::check_lambda(r#""usage_idle" < 70"#);
    let lambda = lambda.unwrap_or_else(|| panic!("{diags:?}"));
    let a = point();
    let mut b = point();
    b.fields.push((Arc::from("aaa_extra"), FieldValue::Int(1)));
    b.fields.sort_by(|x, y| x.0.cmp(&y.0));
    b.tags.push((Arc::from("zone"), Arc::from("z1")));
    let points = [&a, &b];
    for every in [1usize, 16, 256] {
        let mut g = c.benchmark_group(format!(
            "usage_idle < 70, schema changes every {every} points"
        ));
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(2));
        for engine in [Engine::Vm, Engine::Jit] {
            let compiled = CompiledLambda::compile(&lambda, engine).expect("compiles");
            let mut state = compiled.new_state();
            let mut n = 0usize;
            g.bench_function(engine.name(), |bch| {
                bch.iter(|| {
                    let p = points[(n / every) % 2];
                    n = n.wrapping_add(1);
                    compiled.eval(black_box(&p.scope()), &mut state)
                })
            });
        }
        let mut n = 0usize;
        g.bench_function("closure (by name)", |bch| {
            bch.iter(|| {
                let p = points[(n / every) % 2];
                n = n.wrapping_add(1);
                Value::Bool(float(black_box(p), "usage_idle").is_some_and(|v| v < 70.0))
            })
        });
        g.finish();
    }
}

/// What `CompiledLambda::compile` costs (once per task at define/enable):
/// lowering alone for the VM, lowering plus Cranelift code generation and
/// a fresh code module for the JIT.
fn compile_cost(c: &mut Criterion<CpuTime>) {
    let src = r#"("a" + "b") * "c" - "a" / ("b" + 1.5) + "c" * 2.0 - "a" * "b" / 3.0"#;
    let (lambda, diags) = compiler::check_lambda(src);
    let lambda = lambda.unwrap_or_else(|| panic!("{src}: {diags:?}"));
    let mut g = c.benchmark_group("compile (10-op float arithmetic)");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    // Tiered lowers only (its native code comes later, off the write path),
    // so it costs what the VM does: the figure a task start pays per lambda.
    for engine in [Engine::Vm, Engine::Jit, Engine::Tiered] {
        g.bench_function(engine.name(), |b| {
            b.iter(|| CompiledLambda::compile(black_box(&lambda), engine).expect("compiles"))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = lambdas, schema_changes, compile_cost
}
criterion_main!(benches);
