//! Pure scalar kernels of the builtin lambda functions (reference §5.4), on
//! plain Rust numbers and strings. The VM's builtins (`vm/src/builtins/`)
//! wrap them for per-point values, and the checker calls them to evaluate an
//! expression outside a lambda at define time (`check/define_time.rs`), so a
//! function has one implementation. They live here, in the bottom crate,
//! because dependencies point one way (compiler <- vm).

pub mod math;
