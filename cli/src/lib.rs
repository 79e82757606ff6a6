//! Command implementations shared by the binaries (`tickc`, later `kapacitor`).
//!
//! `offline` is `tickc run` as a function (files, arguments, exit codes around
//! `runtime::replay`); `spec` is the spec-case harness behind `tickc test` and
//! `tests/spec_run.rs`.

pub mod offline;
pub mod spec;
pub mod tickc;
