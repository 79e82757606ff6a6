//! Go's text formats, in one place: what Kapacitor (a Go program) prints
//! where our output must match it byte for byte.
//!
//! One concept per file: `duration.rs` (Go's `time.Duration.String()` and
//! InfluxQL's duration literal), `float.rs` (`strconv.FormatFloat` and `%v`),
//! `int.rs` (Go's float-to-integer conversion), `quote.rs`
//! (`strconv.Quote`, `url.QueryEscape`).
//!
//! **Architecture Invariant:** this module depends on nothing else in the
//! crate, so the checker, the VM and the runtime all call it without reaching
//! into each other's internals (dependencies point compiler <- vm <- runtime).

pub mod duration;
pub mod float;
pub mod int;
pub mod quote;

pub use duration::{duration_literal, duration_string};
pub use float::{float_literal, format_float, format_float_v};
pub use int::{f64_to_i64, f64_to_u64};
pub use quote::{push_quoted, query_escape, quote};
