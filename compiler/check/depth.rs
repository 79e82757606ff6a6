//! Nesting limits. The checker recurses over the AST, so a pathological
//! script (thousands of nested parentheses or chain links) must be rejected
//! before it overflows the stack; measuring and dropping such a tree is done
//! with explicit stacks for the same reason.

use crate::ast::{Expr, ExprKind, Program, Statement};

/// Deeper expressions are rejected with `E0410`. Real scripts stay far below
/// (a long pipeline is a few dozen chain links).
pub(crate) const MAX_DEPTH: usize = 256;

/// Pushes the direct subexpressions of `e` (at depth `d`) onto `stack`.
fn push_children<'a>(e: &'a Expr, d: usize, stack: &mut Vec<(&'a Expr, usize)>) {
    match &e.kind {
        ExprKind::Lambda(x) | ExprKind::Paren(x) => stack.push((x, d)),
        ExprKind::Unary { operand, .. } => stack.push((operand, d)),
        ExprKind::Binary { left, right, .. } => {
            stack.push((left, d));
            stack.push((right, d));
        }
        ExprKind::List(items) | ExprKind::Call { args: items, .. } => {
            stack.extend(items.iter().map(|c| (c, d)));
        }
        ExprKind::Chain { target, args, .. } => {
            stack.push((target, d));
            if let Some(a) = args {
                stack.extend(a.iter().map(|c| (c, d)));
            }
        }
        _ => {}
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
        push_children(e, d + 1, &mut stack);
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
        push_children(e, d + 1, &mut stack);
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
