//! The compact instruction set both back ends run (built by `lower.rs`):
//! `interp.rs` interprets it, `jit/` translates it to native code.
//!
//! A stack machine over `Value`s. Every lambda is lowered twice: `code`
//! without type checks and `checked` with a `Check` before each operator's
//! operands, call argument and call (the places Kapacitor checks types while
//! evaluating). The per-point analysis (`resolve::sites::site_errors`, cached per
//! reference-type vector) decides which: when no site can fail for the
//! current types, `code` runs and every instruction may assume valid
//! operands; otherwise `checked` runs and the failing `Check` raises its
//! error only if evaluation actually reaches it (short-circuit, §5.2).

use crate::error::EvalError;
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
    /// Raise `Program::sites[i]`'s error if the current reference types make
    /// it fail (only in `Program::checked`).
    Check(u16),
}

/// What a check site verifies, just before the code it guards runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// A binary operator, before its operands: both operands' probed types
    /// and the operator table (reference §5.2).
    Binary,
    /// A unary operator, before its operand.
    Unary,
    /// A call's argument `i`, before evaluating it: the argument's probed type.
    Arg(u8),
    /// A call, after its arguments: the signature (or missing arguments).
    Call,
}

/// One place where a type error may be raised.
#[derive(Debug, Clone)]
pub struct CheckSite {
    pub kind: CheckKind,
    /// The operator or call node the site belongs to.
    pub expr: Expr,
    /// Index into `Program::arg_paths`: the calls enclosing the node, whose
    /// `Failed to handle N argument:` wrappers the error gets.
    pub ctx: u16,
}

/// A lowered lambda.
#[derive(Debug, Clone)]
pub struct Program {
    /// The code run when no check site fails for the current types.
    pub code: Vec<Op>,
    /// The same program with `Check` instructions (same slots and constants).
    pub checked: Vec<Op>,
    /// The check sites `Op::Check` refers to.
    pub sites: Vec<CheckSite>,
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
    /// The typed IR.
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

impl Program {
    /// The error of a failed builtin call at call site `ctx`, wrapped in its
    /// enclosing arguments' `Failed to handle N argument:` (both back ends).
    pub fn call_error(&self, func: Builtin, reason: String, ctx: u16) -> EvalError {
        let mut e = EvalError::Call { func, reason };
        if let Some(path) = self.arg_paths.get(ctx as usize) {
            for &i in path.iter().rev() {
                e = e.in_argument(i as usize);
            }
        }
        e
    }
}
