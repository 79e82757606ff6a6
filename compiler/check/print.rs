//! Canonical source text of an expression (the `Lambda::source` of the IR):
//! single spaces around binary operators, strings re-quoted, durations and
//! parentheses as written, so formatting a script never changes it.

use crate::ast::{ChainOp, Expr, ExprKind, StringStyle};
use crate::ir::UnaryOp;

pub fn expr(e: &Expr) -> String {
    let mut s = String::new();
    write(e, &mut s);
    s
}

fn write(e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::Ident(n) => out.push_str(n),
        ExprKind::Int(v) => out.push_str(&v.to_string()),
        ExprKind::Float(v) => out.push_str(&float(*v)),
        ExprKind::String(s, StringStyle::Single) => {
            out.push('\'');
            out.push_str(&s.replace('\'', "\\'"));
            out.push('\'');
        }
        ExprKind::String(s, StringStyle::Triple) => {
            out.push_str("'''");
            out.push_str(s);
            out.push_str("'''");
        }
        ExprKind::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        ExprKind::Duration { text, .. } => out.push_str(text),
        ExprKind::Regex(r) => {
            out.push('/');
            out.push_str(&r.replace('/', "\\/"));
            out.push('/');
        }
        ExprKind::Star => out.push('*'),
        ExprKind::Reference(r) => {
            out.push('"');
            out.push_str(&r.replace('"', "\\\""));
            out.push('"');
        }
        ExprKind::Lambda(body) => {
            out.push_str("lambda: ");
            write(body, out);
        }
        ExprKind::List(items) => {
            out.push('[');
            list(items, out);
            out.push(']');
        }
        ExprKind::Paren(inner) => {
            out.push('(');
            write(inner, out);
            out.push(')');
        }
        ExprKind::Unary { op, operand } => {
            out.push(if *op == UnaryOp::Neg { '-' } else { '!' });
            write(operand, out);
        }
        ExprKind::Binary {
            op, left, right, ..
        } => {
            write(left, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write(right, out);
        }
        ExprKind::Call { name, args } => {
            out.push_str(&name.node);
            out.push('(');
            list(args, out);
            out.push(')');
        }
        ExprKind::Chain {
            target,
            op,
            name,
            args,
        } => {
            write(target, out);
            out.push(match op {
                ChainOp::Pipe => '|',
                ChainOp::Dot => '.',
                ChainOp::At => '@',
            });
            out.push_str(&name.node);
            if let Some(args) = args {
                out.push('(');
                list(args, out);
                out.push(')');
            }
        }
    }
}

fn list(items: &[Expr], out: &mut String) {
    for (i, a) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(a, out);
    }
}

/// A float that always reads back as a float (`100.0`, not `100`).
pub fn float(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}
