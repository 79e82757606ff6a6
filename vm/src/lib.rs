//! The lambda engine: compiles typed lambda IR once per task and evaluates it per point.
//!
//! `lambda.rs` is the public API (`CompiledLambda`, `LambdaState`, `Engine`);
//! `lower.rs` turns IR into `bytecode.rs` instructions that `interp.rs` runs;
//! `typecheck.rs` is the per-point type check both engines share;
//! `builtins/` is the function library (one file per family) that both
//! engines call.

pub mod builtins;
pub mod bytecode;
pub mod error;
pub mod interp;
pub mod ir_text;
pub mod lambda;
pub mod lower;
pub mod point;
pub mod state;
pub mod typecheck;
pub mod value;

pub use error::{CompileError, EvalError};
pub use lambda::{CompiledLambda, Engine, LambdaState};
