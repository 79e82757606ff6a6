//! What starting many tasks costs, per lambda engine: 1,000 tasks built
//! and started through `runtime::engine::Engine::start_task`, with the
//! nodes' lambdas compiled for the VM only (the baseline: lowering alone),
//! the JIT (Cranelift for every lambda at start) and tiered (the default:
//! lowering at start, native code later for the lambdas that turn hot).
//! Two shapes: Kapacitor's alert benchmark task (three level lambdas) and a
//! where + eval task (three lambdas, one with two references).
//!
//! Plain timing (no criterion): each engine starts the same task set once
//! on a fresh engine; the figure is ms per task. The checker's cost (the
//! same for every engine) is printed beside it. Under `cargo test` (no
//! `--bench` argument) it starts 20 tasks per case so the suite stays fast.

use runtime::engine::{Engine, EngineOptions, LogOutputs};
use std::sync::Arc;
use std::time::Instant;

fn task_count() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        1_000
    } else {
        20
    }
}

const SHAPES: &[(&str, &str)] = &[
    (
        "alert",
        "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|alert().id('{{ .Name }}_{{ .TaskName }}').info(lambda: \"usage_idle\" < 90).warn(lambda: \"usage_idle\" < 80).crit(lambda: \"usage_idle\" < 70)\n",
    ),
    (
        "where+eval",
        "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')|where(lambda: \"usage_idle\" < 90 AND \"host\" != 'h7')|eval(lambda: \"usage_idle\" * 2.0, lambda: 100.0 - \"usage_idle\" - \"usage_user\").as('double', 'busy')\n",
    ),
];

fn main() {
    let n = task_count();
    for (shape, script) in SHAPES {
        let t = Instant::now();
        let (p, d) = compiler::check(script);
        let pipeline = p.unwrap_or_else(|| panic!("{d:?}"));
        let check_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut per_task = Vec::new();
        for engine in [vm::Engine::Vm, vm::Engine::Jit, vm::Engine::Tiered] {
            vm::tier::set_task_engine(engine);
            let tasks = Engine::new(EngineOptions::default(), Arc::new(LogOutputs));
            let start = Instant::now();
            for i in 0..n {
                tasks
                    .start_task(&format!("t{i}"), &pipeline)
                    .expect("task starts");
            }
            let ms = start.elapsed().as_secs_f64() * 1e3;
            tasks.shutdown();
            per_task.push((engine, ms / n as f64));
            println!(
                "start {shape:10} tasks={n:4} lambdas={:<6}: {ms:9.1} ms in all, {:7.3} ms/task (checking the script once: {check_ms:.3} ms)",
                engine.name(),
                ms / n as f64,
            );
        }
        let vm_ms = per_task[0].1;
        for (engine, ms) in &per_task[1..] {
            println!(
                "start {shape:10} {:<6} vs vm: {:.2}x",
                engine.name(),
                ms / vm_ms
            );
        }
    }
    vm::tier::set_task_engine(vm::Engine::Tiered);
}
