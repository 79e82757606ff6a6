//! Lambda IR back to TICKscript text: argument literals in call errors
//! (`Cannot call function "abs" with args ("x": int)`), and readable
//! differential-test corpora.

use compiler::ir::{BinaryOp, Const, Expr, ExprKind, UnaryOp};
use std::fmt::Write;

/// The TICKscript text of an expression, parenthesised only where needed.
pub fn expr_text(e: &Expr) -> String {
    let mut s = String::new();
    write_expr(&mut s, e, 0);
    s
}

fn write_expr(out: &mut String, e: &Expr, min_prec: u8) {
    match &e.kind {
        ExprKind::Const(c) => write_const(out, c),
        ExprKind::Reference(name) => {
            out.push('"');
            out.push_str(&name.replace('"', "\\\""));
            out.push('"');
        }
        ExprKind::Unary { op, operand } => {
            out.push(match op {
                UnaryOp::Neg => '-',
                UnaryOp::Not => '!',
            });
            // Operands of a unary operator that are not atoms get parentheses.
            let atom = matches!(
                operand.kind,
                ExprKind::Const(_) | ExprKind::Reference(_) | ExprKind::Call { .. }
            );
            if atom {
                write_expr(out, operand, 0);
            } else {
                out.push('(');
                write_expr(out, operand, 0);
                out.push(')');
            }
        }
        ExprKind::Binary { op, left, right } => {
            let p = op.precedence();
            let paren = p < min_prec;
            if paren {
                out.push('(');
            }
            write_expr(out, left, p);
            let _ = write!(out, " {} ", op.symbol());
            // Left-associative: a right operand of equal precedence needs parentheses.
            write_expr(out, right, p + 1);
            if paren {
                out.push(')');
            }
        }
        ExprKind::Call { func, args } => {
            out.push_str(func.name());
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a, 0);
            }
            out.push(')');
        }
        ExprKind::Nested(inner) => write_expr(out, inner, min_prec),
    }
}

fn write_const(out: &mut String, c: &Const) {
    match c {
        Const::Float(f) => out.push_str(&compiler::golang::float_literal(*f)),
        Const::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Const::String(s) => {
            out.push('\'');
            out.push_str(&s.replace('\'', "\\'"));
            out.push('\'');
        }
        Const::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Const::Duration(d) => out.push_str(&compiler::golang::duration_literal(*d)),
        Const::Regex(r) => {
            out.push('/');
            out.push_str(&r.replace('/', "\\/"));
            out.push('/');
        }
    }
}

/// The symbol of a binary operator (re-exported for messages).
pub fn op_symbol(op: BinaryOp) -> &'static str {
    op.symbol()
}

#[cfg(test)]
mod tests {
    use super::*;
    use compiler::span::Span;
    use compiler::types::Type;

    fn e(kind: ExprKind) -> Expr {
        Expr {
            kind,
            ty: Type::Dynamic,
            span: Span::default(),
        }
    }

    fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        e(ExprKind::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
        })
    }

    #[test]
    fn minimal_parentheses_and_literals() {
        let a = || e(ExprKind::Reference("a".into()));
        let one = || e(ExprKind::Const(Const::Int(1)));
        // (a - 1) - a needs none, a - (1 - a) needs them.
        let left = bin(BinaryOp::Sub, bin(BinaryOp::Sub, a(), one()), a());
        assert_eq!(expr_text(&left), "\"a\" - 1 - \"a\"");
        let right = bin(BinaryOp::Sub, a(), bin(BinaryOp::Sub, one(), a()));
        assert_eq!(expr_text(&right), "\"a\" - (1 - \"a\")");
        let mul = bin(BinaryOp::Mul, bin(BinaryOp::Add, a(), one()), a());
        assert_eq!(expr_text(&mul), "(\"a\" + 1) * \"a\"");
        let neg = e(ExprKind::Unary {
            op: UnaryOp::Neg,
            operand: Box::new(bin(BinaryOp::Add, a(), one())),
        });
        assert_eq!(expr_text(&neg), "-(\"a\" + 1)");
        for (c, text) in [
            (Const::Float(1.0), "1.0"),
            (Const::Float(0.25), "0.25"),
            (Const::String("it's".into()), "'it\\'s'"),
            (Const::Bool(false), "FALSE"),
            (Const::Duration(90_000_000_000), "90s"),
            (Const::Regex("a/b".into()), "/a\\/b/"),
        ] {
            assert_eq!(expr_text(&e(ExprKind::Const(c))), text);
        }
        let q = e(ExprKind::Reference("say \"hi\"".into()));
        assert_eq!(expr_text(&q), "\"say \\\"hi\\\"\"");
    }
}
