//! Command implementations behind the binaries: `tickc` (offline) and `kapacitor` (HTTP client).
//!
//! `offline` is `tickc run` as a function (files, arguments, exit codes around
//! `runtime::engine::replay`); `spec` is the spec-case harness behind `tickc test` and
//! `tests/spec_run.rs`.

pub mod kapacitor;
pub mod offline;
pub mod spec;
pub mod tickc;
