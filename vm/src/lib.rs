//! The lambda engine: compiles typed lambda IR once per task and evaluates it per point.
//!
//! `lambda.rs` is the public API (`CompiledLambda`, `LambdaState`, `Engine`);
//! `lower.rs` turns IR into `bytecode.rs` instructions. Two back ends run
//! them side by side, neither calling the other: `interp.rs` interprets the
//! bytecode, `jit/` compiles it to native code. Below both: `resolve/`
//! (reference resolution, the per-point type analysis and its cached check
//! table), `ops/` (operator semantics: the type table and evaluation,
//! checked duration arithmetic) and `builtins/` (the function library, one
//! file per family). Go's text formats come from `compiler::golang`.
//!
//! # One evaluation
//! 1. **Resolve** every reference of the expression, in first-occurrence
//!    order, through a per-reference slot cache (`state.rs`): `"time"` is the
//!    point time, a field its value, a tag its string, both an error, neither
//!    `missing` (then `Scope::extra`). A conflict anywhere is reported even if
//!    the reference would not be evaluated (Kapacitor fills its scope first).
//!    The result is bound to the point's schema (`resolve/schema.rs`): the
//!    next points of the same schema read their values from the bound slots
//!    and skip steps 1's search and 2.
//! 2. **Analyse types**: for the references' run-time types, compute the
//!    error (if any) of every *check site* (`resolve/sites.rs`): where Kapacitor
//!    checks types while evaluating, i.e. a binary operator just before its
//!    operands (probing both), a unary operator before its operand, a call's
//!    argument before it is evaluated, and a call's signature after its
//!    arguments. The table depends only on the type vector, so it is cached
//!    per state and recomputed only when the point schema changes.
//! 3. **Run**: if no site fails for these types, the unchecked code (no
//!    check instructions at all, the common case); otherwise the checked
//!    code, which raises a site's error only when evaluation reaches it. So
//!    with `"host" == 'a' AND "value" > 10` a point of another host without
//!    `value` is `false`, and a stateful call evaluated before the failing
//!    operator (the left side of `AND`, an earlier call argument) advances,
//!    as in Kapacitor. Both engines run the same sites (the JIT compiles
//!    both variants; a failing site leaves native code with its index).
//!    Values live on a stack of borrowed slots; `AND`/`OR` short-circuit;
//!    ints wrap like Go; integer `/ 0` and `% 0` are errors, float division
//!    follows IEEE; duration arithmetic that overflows is an error;
//!    builtin failures become `error calling "f": …`, wrapped in
//!    `Failed to handle N argument: …` for each enclosing call.
//!
//! # Known differences from Kapacitor
//! * Duration arithmetic (`+ - * /` and unary `-` on durations) whose result
//!   leaves int64 nanoseconds is an error (`duration overflow: …`); Go wraps
//!   silently (or yields i64::MIN for a float product), so Kapacitor emits a
//!   wrong duration there.
//! * Messages follow Kapacitor's split: operators it checks when evaluating
//!   (the root and every comparison/logical operator) name a missing
//!   reference (`left reference value "x" is missing value`); math operators
//!   under another operator report the probe's `invalid math operator + for
//!   type missing`. Kapacitor's `eval` node probes the root first, so there
//!   a root math operator uses the second form, and a root call checks its
//!   signature before evaluating its arguments; this engine follows the
//!   predicate nodes (where, alert, ...), which evaluate the root directly.
//! * A unary operator on the wrong run-time type reports `invalid unary
//!   operator - for type string` before its operand is evaluated; Kapacitor
//!   reports assorted TypeGuard messages depending on the parent.
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
pub mod ops;
pub mod point;
pub mod resolve;
pub mod state;
pub mod tier;
pub mod value;

pub use error::{CompileError, EvalError};
pub use lambda::{CompiledLambda, Engine, LambdaState};
pub use tier::{CompileOn, TierPolicy};
