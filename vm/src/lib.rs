//! The lambda engine: compiles typed lambda IR once per task and evaluates it per point.
//!
//! `lambda.rs` is the public API (`CompiledLambda`, `LambdaState`, `Engine`);
//! `lower.rs` turns IR into `bytecode.rs` instructions that `interp.rs` runs;
//! `typecheck.rs` is the per-point type check both engines share;
//! `builtins/` is the function library (one file per family) that both
//! engines call; `jit/` compiles the bytecode to native code.
//!
//! # One evaluation
//! 1. **Resolve** every reference of the expression, in first-occurrence
//!    order, through a per-reference slot cache (`state.rs`): `"time"` is the
//!    point time, a field its value, a tag its string, both an error, neither
//!    `missing` (then `Scope::extra`). A conflict anywhere is reported even if
//!    the reference would not be evaluated (Kapacitor fills its scope first).
//! 2. **Type-check** the whole expression against the references' run-time
//!    types, as Kapacitor does by asking every dynamic operand for its type
//!    before evaluating (`typecheck.rs`): so a type error anywhere wins over
//!    evaluation errors and keeps stateful functions from advancing. The
//!    result depends only on the type vector, so it is cached per state.
//! 3. **Run**: values on a stack of borrowed slots; `AND`/`OR` short-circuit;
//!    ints wrap like Go; integer `/ 0` and `% 0` are errors, float division
//!    follows IEEE; builtin failures become `error calling "f": …`, wrapped in
//!    `Failed to handle N argument: …` for each enclosing call.
//!
//! # Known differences from Kapacitor
//! * **Type errors are found for the whole expression before evaluating.**
//!   Kapacitor checks a comparison or logical operator only when it
//!   evaluates it, so with `"host" == 'a' AND "value" > 10` a point without
//!   `value` and with another host is simply `false` there, but an error
//!   here; and a stateful call evaluated before the failing operator (the
//!   left side of `AND`, an earlier call argument) advances there but not
//!   here. Fixing this needs the check split into per-operator sites that
//!   both engines run lazily (the JIT relies on the upfront check today).
//! * Messages follow Kapacitor's split: operators it checks when evaluating
//!   (the root and every comparison/logical operator) name a missing
//!   reference (`left reference value "x" is missing value`); math operators
//!   under another operator report the probe's `invalid math operator + for
//!   type missing`. Kapacitor's `eval` node probes the root first and so uses
//!   the second form even at the root; this engine does not.
//! * A unary operator on the wrong run-time type reports `invalid unary
//!   operator - for type string`; Kapacitor reports assorted TypeGuard
//!   messages depending on the parent.
//! * A builtin's run-time signature mismatch is always `Cannot call function
//!   …` (Kapacitor reports the function's own `cannot pass …` when the call
//!   is evaluated rather than probed). Signatures are listed in catalog order
//!   (Go: map order, random).
//! * Transcendental math comes from `libm` (musl): results may differ from
//!   Go's `math` in the last ulp. `jn`/`yn` refuse orders above 100000.
//! * `strSubstring` slicing inside a UTF-8 sequence yields U+FFFD (Rust
//!   strings are UTF-8); `float(s)` does not take hexadecimal floats or
//!   underscores.
//! * Regex literals are translated to the `regex` crate with Go RE2 meaning
//!   (`builtins::regex::compile_go`: ASCII `\d \s \w \b`, literal `[`/`&&`
//!   in classes); `\D \S \W` *inside* a bracket class stay Unicode-aware.

pub mod builtins;
pub mod bytecode;
pub mod error;
pub mod interp;
pub mod ir_text;
pub mod jit;
pub mod lambda;
pub mod lower;
pub mod point;
pub mod state;
pub mod typecheck;
pub mod value;

pub use error::{CompileError, EvalError};
pub use lambda::{CompiledLambda, Engine, LambdaState};
