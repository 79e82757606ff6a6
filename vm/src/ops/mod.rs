//! Operator semantics: the one definition both back ends (`interp.rs` and
//! `jit/`) and the check table (`resolve/`) use.
//!
//! `table.rs` says which operand types an operator accepts and what it
//! returns (Kapacitor's evaluation table); `eval.rs` computes a result on
//! values; `duration.rs` is the checked time arithmetic inside `eval.rs`
//! (an overflow is an error, never a silent wrap).

pub mod duration;
mod eval;
mod table;

pub use eval::{binary, neg};
pub use table::{binary_result, is_bool_operator, participates, unary_result};
