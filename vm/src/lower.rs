//! Typed IR -> bytecode.
//!
//! AND/OR become conditional jumps (short-circuit: a stateful call on the
//! right is not evaluated when the left decides, §5.5). Stateful calls get a
//! state slot per function *name* per compiled expression, so
//! `sigma("a") > 3 OR sigma("b") > 3` shares one sigma; a `Nested` lambda
//! has its own slots, shared across groups.
//!
//! Lowered twice (see `bytecode.rs`): once without checks (`Program::code`)
//! and once with a `Check` at every place Kapacitor checks types while
//! evaluating (`Program::checked`); both passes assign the same reference
//! indexes, state slots and argument paths.

use crate::bytecode::{CheckKind, CheckSite, Op, Program};
use crate::error::CompileError;
use crate::value::Value;
use compiler::catalog::builtins::{Builtin, Statefulness};
use compiler::ir::{BinaryOp, Const, Expr, ExprKind, UnaryOp};
use std::sync::Arc;

/// Lower a checked lambda body.
pub fn lower(expr: &Expr) -> Result<Program, CompileError> {
    let mut l = Lowerer {
        p: Program {
            code: Vec::new(),
            checked: Vec::new(),
            sites: Vec::new(),
            consts: Vec::new(),
            refs: Vec::new(),
            funcs: Vec::new(),
            shared_funcs: Vec::new(),
            arg_paths: Vec::new(),
            max_stack: 0,
            expr: expr.clone(),
        },
        depth: 0,
        path: Vec::new(),
        nest: Vec::new(),
        next_nest: 0,
        slots: Vec::new(),
        checks: false,
    };
    l.pass(expr)?;
    let plain = std::mem::take(&mut l.p.code);
    l.checks = true;
    l.next_nest = 0;
    l.pass(expr)?;
    l.p.checked = std::mem::replace(&mut l.p.code, plain);
    Ok(l.p)
}

struct Lowerer {
    p: Program,
    depth: usize,
    /// Argument indexes of the calls enclosing the current node.
    path: Vec<u8>,
    /// The ids of the `Nested` lambdas enclosing the current node (innermost last).
    nest: Vec<usize>,
    next_nest: usize,
    /// Slot assignment: (nested lambda id or None for the top level, builtin) -> slot.
    slots: Vec<(Option<usize>, Builtin, u16)>,
    /// Emitting `Program::checked` (with `Check` instructions).
    checks: bool,
}

impl Lowerer {
    fn pass(&mut self, expr: &Expr) -> Result<(), CompileError> {
        self.depth = 0;
        self.expr(expr)?;
        if self.depth != 1 {
            return Err(CompileError::TooComplex {
                reason: format!("stack depth {} after lowering", self.depth),
                span: expr.span,
            });
        }
        Ok(())
    }

    /// In the checked pass, a check site for node `e` here.
    fn check(&mut self, kind: CheckKind, e: &Expr) -> Result<(), CompileError> {
        if !self.checks {
            return Ok(());
        }
        let i = u16::try_from(self.p.sites.len()).map_err(|_| CompileError::TooComplex {
            reason: "too many type check sites".to_string(),
            span: e.span,
        })?;
        let ctx = self.arg_path();
        self.p.sites.push(CheckSite {
            kind,
            expr: e.clone(),
            ctx,
        });
        self.emit(Op::Check(i));
        Ok(())
    }

    fn push(&mut self, n: usize) {
        self.depth += n;
        self.p.max_stack = self.p.max_stack.max(self.depth);
    }

    fn pop(&mut self, n: usize) {
        self.depth -= n;
    }

    fn emit(&mut self, op: Op) -> usize {
        self.p.code.push(op);
        self.p.code.len() - 1
    }

    fn constant(&mut self, v: Value) -> u32 {
        self.p.consts.push(v);
        (self.p.consts.len() - 1) as u32
    }

    fn expr(&mut self, e: &Expr) -> Result<(), CompileError> {
        match &e.kind {
            ExprKind::Const(c) => {
                let v = match c {
                    Const::Float(f) => Value::Float(*f),
                    Const::Int(i) => Value::Int(*i),
                    Const::String(s) => Value::String(Arc::from(s.as_str())),
                    Const::Bool(b) => Value::Bool(*b),
                    Const::Duration(d) => Value::Duration(*d),
                    Const::Regex(r) => {
                        let re = crate::builtins::regex::compile_go(r).map_err(|err| {
                            CompileError::BadRegex {
                                pattern: r.clone(),
                                reason: err.to_string(),
                                span: e.span,
                            }
                        })?;
                        Value::Regex(Arc::new(re))
                    }
                };
                let i = self.constant(v);
                self.emit(Op::Const(i));
                self.push(1);
            }
            ExprKind::Reference(name) => {
                let i = match self.p.refs.iter().position(|r| r == name) {
                    Some(i) => i,
                    None => {
                        self.p.refs.push(name.clone());
                        self.p.refs.len() - 1
                    }
                };
                self.emit(Op::Ref(i as u32));
                self.push(1);
            }
            ExprKind::Unary { op, operand } => {
                self.check(CheckKind::Unary, e)?;
                self.expr(operand)?;
                self.emit(match op {
                    UnaryOp::Neg => Op::Neg,
                    UnaryOp::Not => Op::Not,
                });
            }
            ExprKind::Binary { op, left, right } => {
                self.check(CheckKind::Binary, e)?;
                self.binary(*op, left, right)?;
            }
            ExprKind::Call { func, args } => {
                if args.len() > 8 {
                    return Err(CompileError::TooComplex {
                        reason: format!("{} arguments to {}", args.len(), func.name()),
                        span: e.span,
                    });
                }
                for (i, a) in args.iter().enumerate() {
                    // A constant or reference argument has a type, always.
                    if !is_leaf(a) {
                        self.check(CheckKind::Arg(i as u8), e)?;
                    }
                    self.path.push(i as u8);
                    self.expr(a)?;
                    self.path.pop();
                }
                self.check(CheckKind::Call, e)?;
                let ctx = self.arg_path();
                let argc = args.len() as u8;
                if func.spec().state == Statefulness::Pure {
                    self.emit(Op::Call {
                        func: *func,
                        argc,
                        ctx,
                    });
                } else {
                    let (slot, shared) = self.slot(*func);
                    self.emit(Op::CallState {
                        func: *func,
                        argc,
                        slot,
                        shared,
                        ctx,
                    });
                }
                self.pop(args.len());
                self.push(1);
            }
            ExprKind::Nested(inner) => {
                self.nest.push(self.next_nest);
                self.next_nest += 1;
                let r = self.expr(inner);
                self.nest.pop();
                r?;
            }
        }
        Ok(())
    }

    fn binary(&mut self, op: BinaryOp, left: &Expr, right: &Expr) -> Result<(), CompileError> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                self.expr(left)?;
                let jump = self.emit(Op::AndJump(0));
                self.pop(1);
                self.expr(right)?;
                let end = self.p.code.len() as u32;
                self.p.code[jump] = if op == BinaryOp::And {
                    Op::AndJump(end)
                } else {
                    Op::OrJump(end)
                };
            }
            _ => {
                self.expr(left)?;
                self.expr(right)?;
                self.emit(match op {
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::Div => Op::Div,
                    BinaryOp::Mod => Op::Mod,
                    BinaryOp::Eq => Op::Eq,
                    BinaryOp::Ne => Op::Ne,
                    BinaryOp::Lt => Op::Lt,
                    BinaryOp::Le => Op::Le,
                    BinaryOp::Gt => Op::Gt,
                    BinaryOp::Ge => Op::Ge,
                    BinaryOp::RegexMatch => Op::Match,
                    BinaryOp::RegexNotMatch => Op::NotMatch,
                    BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
                });
                self.pop(1);
            }
        }
        Ok(())
    }

    fn arg_path(&mut self) -> u16 {
        match self.p.arg_paths.iter().position(|p| *p == self.path) {
            Some(i) => i as u16,
            None => {
                self.p.arg_paths.push(self.path.clone());
                (self.p.arg_paths.len() - 1) as u16
            }
        }
    }

    /// The state slot for a stateful call: one per function name per
    /// expression. Each `Nested` node (each occurrence of an inlined lambda
    /// variable, as in Kapacitor where every occurrence gets its own
    /// evaluator) is its own expression, with state shared across groups.
    fn slot(&mut self, func: Builtin) -> (u16, bool) {
        let scope = self.nest.last().copied();
        if let Some((_, _, s)) = self
            .slots
            .iter()
            .find(|(sc, f, _)| *sc == scope && *f == func)
        {
            return (*s, scope.is_some());
        }
        let s = if scope.is_some() {
            self.p.shared_funcs.push(func);
            self.p.shared_funcs.len() - 1
        } else {
            self.p.funcs.push(func);
            self.p.funcs.len() - 1
        } as u16;
        self.slots.push((scope, func, s));
        (s, scope.is_some())
    }
}

fn is_leaf(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Const(_) | ExprKind::Reference(_) => true,
        ExprKind::Nested(inner) => is_leaf(inner),
        _ => false,
    }
}
