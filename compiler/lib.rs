//! The TICKscript front end: source text to a checked, typed IR.
//!
//! Pipeline of stages, each reporting `Diagnostic`s rather than stopping at the
//! first problem: lexer (logos) -> parser (LALRPOP, `grammar.lalrpop`) -> AST ->
//! checker (node catalog, scopes, types, lints) -> `ir::Pipeline`.

pub mod ast;
pub mod catalog;
pub mod check;
pub mod diagnostic;
pub mod fmt;
#[doc(hidden)]
pub mod fuzzing;
pub mod golang;
pub mod ir;
pub mod lexer;
pub mod parser;
pub mod scalar;
pub mod span;
pub mod types;
pub mod udf;

pub use check::{check, check_lambda, check_lambda_with_vars, check_with_udfs, check_with_vars};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused)]
    grammar,
    "/grammar.rs"
);
