//! Nesting limits. The checker recurses over the AST, so a pathological
//! script (thousands of nested parentheses or chain links) must be rejected
//! before it overflows the stack; measuring and dropping such a tree is done
//! with explicit stacks for the same reason.

use crate::ast::{Expr, ExprKind, Program, Statement};

/// Deeper expressions are rejected with `E0410`. Real scripts stay far below
/// (a long pipeline is a few dozen chain links).
pub(crate) const MAX_DEPTH: usize = 256;

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Lambda(x) | ExprKind::Paren(x) => vec![x],
        ExprKind::Unary { operand, .. } => vec![operand],
        ExprKind::Binary { left, right, .. } => vec![left, right],
        ExprKind::List(items) => items.iter().collect(),
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::Chain { target, args, .. } => {
            let mut v: Vec<&Expr> = vec![target];
            if let Some(a) = args {
                v.extend(a.iter());
            }
            v
        }
        _ => Vec::new(),
    }
}

/// The first expression nested deeper than `MAX_DEPTH`, if any.
pub(crate) fn too_deep(program: &Program) -> Option<&Expr> {
    let mut stack: Vec<(&Expr, usize)> = Vec::new();
    for st in &program.statements {
        match st {
            Statement::Var { value, .. } => stack.push((value, 1)),
            Statement::Expr(e) => stack.push((e, 1)),
            _ => {}
        }
    }
    while let Some((e, d)) = stack.pop() {
        if d > MAX_DEPTH {
            return Some(e);
        }
        stack.extend(children(e).into_iter().map(|c| (c, d + 1)));
    }
    None
}

/// Whether one expression is nested deeper than `MAX_DEPTH`.
pub(crate) fn expr_too_deep(e: &Expr) -> bool {
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        if d > MAX_DEPTH {
            return true;
        }
        stack.extend(children(e).into_iter().map(|c| (c, d + 1)));
    }
    false
}

/// Drops an expression tree without recursion.
pub(crate) fn drop_expr(e: Expr) {
    let mut stack = vec![e];
    while let Some(mut e) = stack.pop() {
        match std::mem::replace(&mut e.kind, ExprKind::Star) {
            ExprKind::Lambda(x) | ExprKind::Paren(x) => stack.push(*x),
            ExprKind::Unary { operand, .. } => stack.push(*operand),
            ExprKind::Binary { left, right, .. } => {
                stack.push(*left);
                stack.push(*right);
            }
            ExprKind::List(items) => stack.extend(items),
            ExprKind::Call { args, .. } => stack.extend(args),
            ExprKind::Chain { target, args, .. } => {
                stack.push(*target);
                stack.extend(args.into_iter().flatten());
            }
            _ => {}
        }
    }
}

/// Drops a program without recursion.
pub(crate) fn drop_program(p: Program) {
    for st in p.statements {
        match st {
            Statement::Var { value, .. } => drop_expr(value),
            Statement::Expr(e) => drop_expr(e),
            _ => {}
        }
    }
}
