//! The compact instruction set the interpreter runs (built by `lower.rs`).
//!
//! A stack machine over `Value`s. Operands' types were already checked for
//! the whole expression (`typecheck.rs`) before any instruction runs, so an
//! instruction only dispatches on the value variants it is given.

use crate::state::FuncState;
use crate::value::Value;
use compiler::catalog::builtins::Builtin;
use compiler::ir::Expr;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// Push `consts[i]`.
    Const(u32),
    /// Push the resolved value of reference `i`.
    Ref(u32),
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
    /// `AND`: if the top is false, leave it and jump to the target; else pop it.
    AndJump(u32),
    /// `OR`: if the top is true, leave it and jump to the target; else pop it.
    OrJump(u32),
    /// A pure builtin: pop `argc` arguments, push the result. `ctx` indexes
    /// `Program::arg_paths` (for `Failed to handle N argument:` wrapping).
    Call {
        func: Builtin,
        argc: u8,
        ctx: u16,
    },
    /// A stateful/volatile builtin with its own state slot, in the group's
    /// state or (for `Nested` lambdas) in the shared state.
    CallState {
        func: Builtin,
        argc: u8,
        slot: u16,
        shared: bool,
        ctx: u16,
    },
}

/// A lowered lambda.
#[derive(Debug, Clone)]
pub struct Program {
    pub code: Vec<Op>,
    pub consts: Vec<Value>,
    /// Distinct reference names, in first-occurrence order (the order
    /// Kapacitor resolves them in, which decides which conflict error wins).
    pub refs: Vec<String>,
    /// The builtin of each per-group state slot.
    pub funcs: Vec<Builtin>,
    /// The builtin of each shared (nested lambda) state slot.
    pub shared_funcs: Vec<Builtin>,
    /// For each call site, the enclosing argument indexes, outermost first.
    pub arg_paths: Vec<Vec<u8>>,
    pub max_stack: usize,
    /// The typed IR, walked by the type check (`typecheck.rs`).
    pub expr: Expr,
}

impl Program {
    pub fn new_funcs(&self) -> Vec<FuncState> {
        self.funcs.iter().map(|f| FuncState::new(*f)).collect()
    }

    pub fn new_shared_funcs(&self) -> Vec<FuncState> {
        self.shared_funcs
            .iter()
            .map(|f| FuncState::new(*f))
            .collect()
    }
}
