//! Lambda checking: AST expression -> typed `ir::Expr` (reference §5).
//!
//! Identifiers are replaced by their define-time values (§2.2): a lambda var
//! is inlined as `ExprKind::Nested`, any other scalar var becomes a literal.
//! Types follow the exact operator table of §5.2; `Dynamic` marks what
//! depends on a reference. Literal-only pure subexpressions are folded, so a
//! literal-only type error (`1 + 'a'`) is reported here rather than when the
//! task starts.

use crate::ast::{self, ExprKind as A};
use crate::catalog::builtins::Builtin;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{BinaryOp, Const, Expr, ExprKind, UnaryOp};
use crate::span::Span;
use crate::types::Type;

/// What an identifier inside a lambda stands for.
pub(crate) enum Resolved {
    Const(Const),
    /// A lambda variable's body, inlined as a nested lambda.
    Nested(Expr),
    /// Already reported (undefined name, unusable value): type it `Dynamic`.
    Poison,
}

pub(crate) struct LambdaChecker<'a> {
    pub resolve: &'a mut dyn FnMut(&str, Span, &mut Vec<Diagnostic>) -> Resolved,
    pub diags: &'a mut Vec<Diagnostic>,
}

fn mk(kind: ExprKind, ty: Type, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn konst(c: Const, span: Span) -> Expr {
    let ty = c.ty();
    mk(ExprKind::Const(c), ty, span)
}

fn poison(span: Span) -> Expr {
    // A poisoned subexpression: the error is already reported. Typed Dynamic so
    // no further type errors cascade from it.
    mk(ExprKind::Reference(String::new()), Type::Dynamic, span)
}

impl LambdaChecker<'_> {
    pub fn expr(&mut self, e: &ast::Expr) -> Expr {
        let span = e.span;
        match &e.kind {
            A::Int(v) => konst(Const::Int(*v), span),
            A::Float(v) => konst(Const::Float(*v), span),
            A::String(s, _) => konst(Const::String(s.clone()), span),
            A::Bool(b) => konst(Const::Bool(*b), span),
            A::Duration { nanos, .. } => konst(Const::Duration(*nanos), span),
            A::Regex(r) => {
                if let Some(err) = super::regex_literal::regex_error(r) {
                    self.diags.push(
                        Diagnostic::error(Code::InvalidRegex, format!("invalid regex /{r}/"))
                            .with_primary(span, "does not compile")
                            .with_note(first_line(&err)),
                    );
                }
                konst(Const::Regex(r.clone()), span)
            }
            A::Reference(name) => {
                // `"time"` is the point's time (§5.1); every other reference is
                // a field or tag whose type is known only per point.
                let ty = if name == "time" {
                    Type::Time
                } else {
                    Type::Dynamic
                };
                mk(ExprKind::Reference(name.clone()), ty, span)
            }
            A::Ident(name) => match (self.resolve)(name, span, self.diags) {
                Resolved::Const(c) => konst(c, span),
                Resolved::Nested(inner) => {
                    let ty = inner.ty;
                    mk(ExprKind::Nested(Box::new(inner)), ty, span)
                }
                Resolved::Poison => poison(span),
            },
            A::Paren(inner) => self.expr(inner),
            A::Unary { op, operand } => {
                let operand = self.expr(operand);
                self.unary(*op, operand, span)
            }
            A::Binary {
                op,
                op_span,
                left,
                right,
            } => {
                let l = self.expr(left);
                let r = self.expr(right);
                let hint = if is_comparison(*op) {
                    quoted_name_hint(left, &l, right, &r)
                } else {
                    None
                };
                let errors = self.diags.len();
                let out = self.binary(*op, *op_span, l, r, span);
                // `'usage_idle' < 10`: a string compared with a number, where
                // a field was meant.
                if let (Some(h), Some(d)) = (hint, self.diags.get_mut(errors)) {
                    if d.code == Code::BinaryTypeMismatch {
                        d.notes.push(h);
                    }
                }
                out
            }
            A::Call { name, args } => self.call(name, args, span),
            A::Star => self.bad_operand(span, "`*` cannot be used inside a lambda"),
            A::List(_) => self.bad_operand(span, "a list cannot be used inside a lambda"),
            A::Lambda(_) => self.bad_operand(
                span,
                "a lambda cannot be written inside a lambda (use a `var` holding the lambda)",
            ),
            A::Chain { .. } => self.bad_operand(
                span,
                "a chain or property call cannot be used inside a lambda",
            ),
        }
    }

    fn bad_operand(&mut self, span: Span, msg: &str) -> Expr {
        self.diags
            .push(Diagnostic::error(Code::BadLambdaOperand, msg).with_primary(span, ""));
        poison(span)
    }

    fn unary(&mut self, op: UnaryOp, operand: Expr, span: Span) -> Expr {
        let ty = operand.ty;
        let ok = match op {
            UnaryOp::Neg => matches!(ty, Type::Int | Type::Float | Type::Duration | Type::Dynamic),
            UnaryOp::Not => matches!(ty, Type::Bool | Type::Dynamic),
        };
        if !ok {
            let sym = if op == UnaryOp::Neg { "-" } else { "!" };
            self.diags.push(
                Diagnostic::error(
                    Code::UnaryTypeMismatch,
                    format!("invalid unary operator {sym} for type {ty}"),
                )
                .with_primary(operand.span, format!("this is {}", article(ty))),
            );
            return poison(span);
        }
        if let ExprKind::Const(c) = &operand.kind {
            if let Some(c) = fold_unary(op, c) {
                return konst(c, span);
            }
        }
        mk(
            ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            ty,
            span,
        )
    }

    fn binary(&mut self, op: BinaryOp, op_span: Span, l: Expr, r: Expr, span: Span) -> Expr {
        let ty = match binary_type(op, l.ty, r.ty) {
            Some(t) => t,
            None => {
                let d = if is_arith(op) {
                    Diagnostic::error(
                        Code::BinaryTypeMismatch,
                        format!(
                            "mismatched type to binary operator. got {} {} {}. see bool(), int(), float(), string(), duration()",
                            l.ty,
                            op.symbol(),
                            r.ty
                        ),
                    )
                } else {
                    Diagnostic::error(
                        Code::BinaryTypeMismatch,
                        format!(
                            "invalid operands to {}: got {} {} {}",
                            op.symbol(),
                            l.ty,
                            op.symbol(),
                            r.ty
                        ),
                    )
                };
                let mut d = d
                    .with_primary(
                        op_span,
                        format!("`{}` does not accept these types", op.symbol()),
                    )
                    .with_secondary(l.span, l.ty.name())
                    .with_secondary(r.span, r.ty.name());
                if let Some(h) = hint(op, l.ty, r.ty) {
                    d = d.with_note(h);
                }
                self.diags.push(d);
                return poison(span);
            }
        };
        if let (ExprKind::Const(a), ExprKind::Const(b)) = (&l.kind, &r.kind) {
            match fold_binary(op, a, b) {
                Ok(Some(c)) => return konst(c, span),
                Ok(None) => {}
                Err(msg) => {
                    self.diags.push(
                        Diagnostic::error(Code::DivideByZero, msg)
                            .with_primary(r.span, "this is zero"),
                    );
                    return poison(span);
                }
            }
        }
        mk(
            ExprKind::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
            },
            ty,
            span,
        )
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let args: Vec<Expr> = args.iter().map(|a| self.expr(a)).collect();
        let Some(func) = Builtin::lookup(&name.node) else {
            let mut d = Diagnostic::error(
                Code::UndefinedFunction,
                format!("undefined function: \"{}\"", name.node),
            )
            .with_primary(name.span, "no such function");
            let names = crate::catalog::builtins::BUILTINS.iter().map(|b| b.name);
            if let Some(s) = super::suggest::did_you_mean(&name.node, names) {
                d = d.with_note(format!("did you mean `{s}`?"));
            }
            self.diags.push(d);
            return poison(span);
        };
        let spec = func.spec();
        let tys: Vec<Type> = args.iter().map(|a| a.ty).collect();
        let matching: Vec<_> = spec
            .signatures
            .iter()
            .filter(|s| {
                s.params.len() == tys.len()
                    && s.params
                        .iter()
                        .zip(&tys)
                        .all(|(p, t)| p == t || (*t == Type::Dynamic && is_value_type(*p)))
            })
            .collect();
        if matching.is_empty() {
            let avail = spec
                .signatures
                .iter()
                .map(|s| {
                    format!(
                        "({})",
                        s.params
                            .iter()
                            .map(|t| t.name())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let got = tys.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
            let arity_ok = spec.signatures.iter().any(|s| s.params.len() == tys.len());
            let msg = if arity_ok {
                format!(
                    "Cannot call function \"{}\" with args ({got}), available signatures are [{avail}].",
                    spec.name
                )
            } else {
                format!(
                    "Cannot call function \"{}\" with {} argument(s), available signatures are [{avail}].",
                    spec.name,
                    tys.len()
                )
            };
            let mut d = Diagnostic::error(Code::FunctionSignature, msg)
                .with_primary(span, "no signature matches");
            if tys.contains(&Type::Dynamic)
                && spec
                    .signatures
                    .iter()
                    .any(|s| s.params.contains(&Type::Time))
            {
                d = d.with_note("only the reference \"time\" is a time value: write \"time\"");
            } else if tys.contains(&Type::Int)
                && spec
                    .signatures
                    .iter()
                    .any(|s| s.params.contains(&Type::Float))
            {
                d = d.with_note(
                    "there is no implicit int to float conversion: write `1.0`, or use float()",
                );
            }
            self.diags.push(d);
            return poison(span);
        }
        let ret = if matching.iter().all(|s| s.ret == matching[0].ret) {
            matching[0].ret
        } else {
            Type::Dynamic
        };
        mk(ExprKind::Call { func, args }, ret, span)
    }
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or("").trim().to_string()
}

/// The types a field or tag value (a `Dynamic`) can have at run time.
fn is_value_type(t: Type) -> bool {
    matches!(t, Type::Float | Type::Int | Type::String | Type::Bool)
}

pub(crate) fn article(t: Type) -> String {
    match t {
        Type::Int => "an int".into(),
        Type::Regex => "a regex".into(),
        _ => format!("a {t}"),
    }
}

fn is_arith(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
    )
}

/// A single-quoted string that reads like a field name, opposite a number:
/// the user meant the field, which needs double quotes.
fn quoted_name_hint(la: &ast::Expr, l: &Expr, ra: &ast::Expr, r: &Expr) -> Option<String> {
    let name = |a: &ast::Expr| match &a.kind {
        A::String(s, ast::StringStyle::Single)
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-')) =>
        {
            Some(s.clone())
        }
        _ => None,
    };
    let number = |t: Type| matches!(t, Type::Int | Type::Float);
    let s = match (name(la), name(ra)) {
        (Some(s), _) if number(r.ty) => s,
        (_, Some(s)) if number(l.ty) => s,
        _ => return None,
    };
    Some(format!(
        "'{s}' is a string; to use the field or tag, write \"{s}\" (double quotes make a reference)"
    ))
}

fn is_comparison(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(op, Eq | Ne | Lt | Le | Gt | Ge)
}

fn hint(op: BinaryOp, l: Type, r: Type) -> Option<String> {
    use Type::*;
    match (l, r) {
        (Int, Float) | (Float, Int) if is_arith(op) => Some(
            "int and float do not mix in arithmetic: write the int as a float (`1.0`) or convert with float()".into(),
        ),
        (_, Dynamic) if matches!(op, BinaryOp::RegexMatch | BinaryOp::RegexNotMatch) => Some(
            "the right side must be a regex literal such as /pattern/: a double-quoted \"...\" is a field reference".into(),
        ),
        (Dynamic, _) | (_, Dynamic) => Some(
            "a field or tag value is a float, int, string or bool".into(),
        ),
        (Time, _) | (_, Time) => {
            Some("time values have no operators: compare unixNano(\"time\") instead".into())
        }
        _ => None,
    }
}

/// The result type of `l op r` (§5.2), `None` if the combination is invalid.
/// With a `Dynamic` side, the known side must be valid for the operator in
/// some combination; the result is then `Dynamic` unless the operator fixes it.
pub(crate) fn binary_type(op: BinaryOp, l: Type, r: Type) -> Option<Type> {
    use BinaryOp::*;
    use Type::*;
    if l == Dynamic || r == Dynamic {
        // A reference holds a field or tag value: a float, int, string or
        // bool (only `"time"` is a time, and it is typed so). The operation
        // is valid if some combination of those is; its result stays
        // `Dynamic` unless the operator fixes it.
        const VALUES: &[Type] = &[Float, Int, String, Bool];
        let cands = |t: Type| -> Vec<Type> {
            if t == Dynamic {
                VALUES.to_vec()
            } else {
                vec![t]
            }
        };
        // Every result type some valid combination gives. When they agree
        // (`"x" + 1.0` can only be a float, or an error), the expression has
        // that type, so `"x" + 1.0 > 'a'` is caught before the task runs.
        let mut results = cands(l).into_iter().flat_map(|a| {
            cands(r)
                .into_iter()
                .filter_map(move |b| binary_type(op, a, b))
        });
        let first = results.next()?;
        return Some(if results.all(|t| t == first) {
            first
        } else {
            Dynamic
        });
    }
    let num = |t: Type| matches!(t, Int | Float);
    match op {
        And | Or => (l == Bool && r == Bool).then_some(Bool),
        Eq | Ne => (l == r && matches!(l, Bool | Int | Float | String | Duration)
            || num(l) && num(r))
        .then_some(Bool),
        Lt | Le | Gt | Ge => (l == r && matches!(l, Int | Float | String | Duration)
            || num(l) && num(r))
        .then_some(Bool),
        RegexMatch | RegexNotMatch => (l == String && r == Regex).then_some(Bool),
        Add => (l == r && matches!(l, Int | Float | String | Duration)).then_some(l),
        Sub => (l == r && matches!(l, Int | Float | Duration)).then_some(l),
        Mul => match (l, r) {
            (Int, Int) => Some(Int),
            (Float, Float) => Some(Float),
            (Duration, Int | Float) | (Int | Float, Duration) => Some(Duration),
            _ => None,
        },
        Div => match (l, r) {
            (Int, Int) => Some(Int),
            (Float, Float) => Some(Float),
            (Duration, Int | Float) => Some(Duration),
            (Duration, Duration) => Some(Int),
            _ => None,
        },
        Mod => (l == Int && r == Int).then_some(Int),
    }
}

/// Folds `op c` for a constant of a type the operator accepts.
pub(crate) fn fold_unary(op: UnaryOp, c: &Const) -> Option<Const> {
    match (op, c) {
        (UnaryOp::Neg, Const::Int(v)) => Some(Const::Int(v.wrapping_neg())),
        (UnaryOp::Neg, Const::Float(v)) => Some(Const::Float(-v)),
        (UnaryOp::Neg, Const::Duration(v)) => Some(Const::Duration(v.wrapping_neg())),
        (UnaryOp::Not, Const::Bool(b)) => Some(Const::Bool(!b)),
        _ => None,
    }
}

/// Folds `a op b` for two constants whose types already check. `Ok(None)`
/// leaves it to run time (e.g. a regex match, folded only when it compiles).
pub(crate) fn fold_binary(op: BinaryOp, a: &Const, b: &Const) -> Result<Option<Const>, String> {
    use BinaryOp::*;
    use Const as C;
    let num = |c: &Const| match c {
        C::Int(v) => Some(*v as f64),
        C::Float(v) => Some(*v),
        _ => None,
    };
    let cmp = |o: std::cmp::Ordering| -> bool {
        match op {
            Eq => o.is_eq(),
            Ne => !o.is_eq(),
            Lt => o.is_lt(),
            Le => o.is_le(),
            Gt => o.is_gt(),
            Ge => o.is_ge(),
            _ => unreachable!("cmp is only used for comparison operators"),
        }
    };
    Ok(Some(match (op, a, b) {
        (And, C::Bool(x), C::Bool(y)) => C::Bool(*x && *y),
        (Or, C::Bool(x), C::Bool(y)) => C::Bool(*x || *y),
        (Eq | Ne | Lt | Le | Gt | Ge, _, _) => {
            let o = match (a, b) {
                (C::Int(x), C::Int(y)) => x.cmp(y),
                (C::Duration(x), C::Duration(y)) => x.cmp(y),
                (C::String(x), C::String(y)) => x.as_bytes().cmp(y.as_bytes()),
                (C::Bool(x), C::Bool(y)) if matches!(op, Eq | Ne) => x.cmp(y),
                _ => match (num(a), num(b)) {
                    (Some(x), Some(y)) => match x.partial_cmp(&y) {
                        Some(o) => o,
                        // NaN: every comparison but != is false.
                        None => return Ok(Some(C::Bool(op == Ne))),
                    },
                    _ => return Ok(None),
                },
            };
            C::Bool(cmp(o))
        }
        (RegexMatch | RegexNotMatch, C::String(s), C::Regex(r)) => match regex::Regex::new(r) {
            Ok(re) => C::Bool(re.is_match(s) == (op == RegexMatch)),
            Err(_) => return Ok(None),
        },
        (Add, C::Int(x), C::Int(y)) => C::Int(x.wrapping_add(*y)),
        (Add, C::Float(x), C::Float(y)) => C::Float(x + y),
        (Add, C::String(x), C::String(y)) => C::String(format!("{x}{y}")),
        (Add, C::Duration(x), C::Duration(y)) => C::Duration(x.wrapping_add(*y)),
        (Sub, C::Int(x), C::Int(y)) => C::Int(x.wrapping_sub(*y)),
        (Sub, C::Float(x), C::Float(y)) => C::Float(x - y),
        (Sub, C::Duration(x), C::Duration(y)) => C::Duration(x.wrapping_sub(*y)),
        (Mul, C::Int(x), C::Int(y)) => C::Int(x.wrapping_mul(*y)),
        (Mul, C::Float(x), C::Float(y)) => C::Float(x * y),
        (Mul, C::Duration(d), C::Int(i)) | (Mul, C::Int(i), C::Duration(d)) => {
            C::Duration(d.wrapping_mul(*i))
        }
        (Mul, C::Duration(d), C::Float(f)) | (Mul, C::Float(f), C::Duration(d)) => {
            C::Duration((*d as f64 * f) as i64)
        }
        (Div | Mod, C::Int(_), C::Int(0)) => {
            return Err("integer divide by zero".into());
        }
        (Div, C::Int(x), C::Int(y)) => C::Int(x.wrapping_div(*y)),
        (Mod, C::Int(x), C::Int(y)) => C::Int(x.wrapping_rem(*y)),
        (Div, C::Float(x), C::Float(y)) => C::Float(x / y),
        (Div, C::Duration(_), C::Int(0)) | (Div, C::Duration(_), C::Duration(0)) => {
            return Err("integer divide by zero".into());
        }
        (Div, C::Duration(d), C::Int(i)) => C::Duration(d.wrapping_div(*i)),
        (Div, C::Duration(d), C::Float(f)) => C::Duration((*d as f64 / f) as i64),
        (Div, C::Duration(x), C::Duration(y)) => C::Int(x.wrapping_div(*y)),
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_table() {
        use BinaryOp::*;
        use Type::*;
        assert_eq!(binary_type(Add, Int, Int), Some(Int));
        assert_eq!(binary_type(Add, Int, Float), None);
        assert_eq!(binary_type(Lt, Int, Float), Some(Bool));
        assert_eq!(binary_type(Div, Duration, Duration), Some(Int));
        assert_eq!(binary_type(Mul, Float, Duration), Some(Duration));
        assert_eq!(binary_type(Mod, Float, Float), None);
        assert_eq!(binary_type(Lt, Dynamic, Int), Some(Bool));
        assert_eq!(binary_type(Add, Dynamic, Bool), None);
        assert_eq!(binary_type(RegexMatch, Dynamic, String), None);
        assert_eq!(binary_type(Eq, Time, Time), None);
        assert_eq!(binary_type(And, Dynamic, Int), None);
        // A field is never a duration, regex or time.
        assert_eq!(binary_type(RegexMatch, Dynamic, Dynamic), None);
        assert_eq!(binary_type(Add, Dynamic, Duration), None);
        assert_eq!(binary_type(Mul, Dynamic, Duration), Some(Duration));
        assert_eq!(binary_type(Lt, Dynamic, Duration), None);
        assert_eq!(binary_type(Mod, Dynamic, Int), Some(Int));
        assert_eq!(binary_type(Add, Dynamic, Float), Some(Float));
        assert_eq!(binary_type(Add, Dynamic, Dynamic), Some(Dynamic));
        assert_eq!(
            binary_type(Gt, binary_type(Add, Dynamic, Float).unwrap(), String),
            None
        );
    }

    #[test]
    fn folding() {
        use BinaryOp::*;
        assert_eq!(
            fold_binary(Mul, &Const::Duration(60), &Const::Int(2)),
            Ok(Some(Const::Duration(120)))
        );
        assert_eq!(
            fold_binary(Div, &Const::Int(7), &Const::Int(2)),
            Ok(Some(Const::Int(3)))
        );
        assert!(fold_binary(Mod, &Const::Int(7), &Const::Int(0)).is_err());
        assert_eq!(
            fold_binary(Lt, &Const::Int(1), &Const::Float(1.5)),
            Ok(Some(Const::Bool(true)))
        );
    }
}
