//! The per-point type analysis (reference §5.2), raised lazily.
//!
//! Kapacitor checks types while it evaluates: a binary operator asks both
//! operands for their type (a *probe*) just before evaluating them, a call
//! probes each argument just before evaluating it and checks its signature
//! after, and nothing is checked in a branch that `AND`/`OR` skips. A probe
//! of a comparison or logical operator is the constant `boolean` (it is
//! checked only when evaluated); a probe of a math operator, unary operator
//! or call looks at its own operands recursively.
//!
//! All of this depends only on the references' run-time types, so
//! `site_errors` computes, for one type vector, the error (if any) of every
//! check site of the lowered program (`bytecode::CheckSite`);
//! `check_table.rs` caches the table per state and the back ends raise a
//! site's error only when evaluation reaches that site. Which operand types
//! an operator accepts is `ops::binary_result`.

use crate::bytecode::{CheckKind, CheckSite, Program};
use crate::error::{EvalError, Side};
use crate::ops::{binary_result, is_bool_operator, participates, unary_result};
use crate::value::VType;
use compiler::catalog::builtins::Builtin;
use compiler::ir::{BinaryOp, Const, Expr, ExprKind};

/// The error for a rejected operand combination. `top` is true for an
/// operator Kapacitor checks when evaluating it (the root, possibly under
/// unary operators, and every comparison or logical operator), which names
/// missing references; math operators whose type a parent probed report
/// `invalid ... for type missing` instead.
pub fn binary_error(
    op: BinaryOp,
    l: VType,
    r: VType,
    left: &Expr,
    right: &Expr,
    top: bool,
) -> EvalError {
    if top {
        if l == VType::Missing {
            if let Some(name) = reference_name(left) {
                return EvalError::MissingReference {
                    side: Side::Left,
                    name: name.to_string(),
                };
            }
        }
        if r == VType::Missing {
            if let Some(name) = reference_name(right) {
                return EvalError::MissingReference {
                    side: Side::Right,
                    name: name.to_string(),
                };
            }
        }
    }
    if !participates(op, l) {
        return EvalError::InvalidOperator { op, ty: l.name() };
    }
    EvalError::MismatchedTypes {
        left: l.name(),
        op,
        right: r.name(),
    }
}

fn is_reference_to(e: &Expr, name: &str) -> bool {
    reference_name(e) == Some(name)
}

fn reference_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Reference(name) => Some(name),
        ExprKind::Nested(inner) => reference_name(inner),
        _ => None,
    }
}

/// The result type of a builtin call on these argument types.
pub fn call_result(func: Builtin, args: &[VType]) -> Option<VType> {
    if func == Builtin::IsPresent && args.len() == 1 && args[0] == VType::Missing {
        return Some(VType::Bool);
    }
    let spec = func.spec();
    for sig in spec.signatures {
        if sig.params.len() == args.len()
            && sig
                .params
                .iter()
                .zip(args)
                .all(|(p, a)| a.to_type() == Some(*p))
        {
            if func == Builtin::If {
                return Some(args[1]);
            }
            return VType::of_type(sig.ret);
        }
    }
    None
}

/// Everything the checker needs about the current point: each reference's
/// run-time type, by reference index.
pub struct RefTypes<'a> {
    pub names: &'a [String],
    pub types: &'a [VType],
}

impl RefTypes<'_> {
    fn get(&self, name: &str) -> VType {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.types[i])
            .unwrap_or(VType::Missing)
    }
}

/// The type a parent's probe sees for `expr`, or the probe's error.
pub fn probe(expr: &Expr, refs: &RefTypes<'_>) -> Result<VType, EvalError> {
    match &expr.kind {
        ExprKind::Const(c) => Ok(const_type(c)),
        ExprKind::Reference(name) => Ok(refs.get(name)),
        ExprKind::Unary { op, operand } => {
            let t = probe(operand, refs)?;
            unary_result(*op, t)
        }
        // Kapacitor gives comparison and logical operators the constant type
        // boolean, checking them only when evaluated.
        ExprKind::Binary { op, .. } if is_bool_operator(*op) => Ok(VType::Bool),
        // A math operator probed by its parent: a missing operand shows as
        // `invalid math operator + for type missing`.
        ExprKind::Binary { op, left, right } => binary_check(*op, left, right, refs, false),
        ExprKind::Call { func, args } => {
            let mut types = [VType::Missing; 8];
            if args.len() > types.len() {
                return Err(too_many(*func, args.len()));
            }
            for (i, a) in args.iter().enumerate() {
                types[i] = probe(a, refs).map_err(|e| e.in_argument(i))?;
            }
            call_check(*func, args, &types[..args.len()], refs)
        }
        ExprKind::Nested(inner) => probe(inner, refs),
    }
}

/// A binary operator's check: probe both operands, then the table. `top`
/// as in `binary_error`.
fn binary_check(
    op: BinaryOp,
    left: &Expr,
    right: &Expr,
    refs: &RefTypes<'_>,
    top: bool,
) -> Result<VType, EvalError> {
    let l = probe(left, refs)?;
    let r = probe(right, refs)?;
    binary_result(op, l, r).ok_or_else(|| binary_error(op, l, r, left, right, top))
}

fn too_many(func: Builtin, n: usize) -> EvalError {
    EvalError::Internal(format!("{n} arguments to {}", func.name()))
}

/// A call's signature check on its arguments' types.
fn call_check(
    func: Builtin,
    args: &[Expr],
    types: &[VType],
    refs: &RefTypes<'_>,
) -> Result<VType, EvalError> {
    if let Some(t) = call_result(func, types) {
        return Ok(t);
    }
    let missing: Vec<String> = args
        .iter()
        .zip(types)
        .filter(|(_, t)| **t == VType::Missing)
        .map(|(a, _)| crate::ir_text::expr_text(a))
        .collect();
    if !missing.is_empty() {
        // The other references of the expression (Kapacitor removes
        // the missing arguments from its scope listing).
        let mut scope: Vec<String> = refs
            .names
            .iter()
            .filter(|n| {
                !args
                    .iter()
                    .zip(types)
                    .any(|(a, t)| *t == VType::Missing && is_reference_to(a, n))
            })
            .cloned()
            .collect();
        scope.sort();
        return Err(EvalError::MissingArgument {
            func,
            args: missing,
            scope,
        });
    }
    Err(EvalError::WrongSignature {
        func,
        args: args
            .iter()
            .zip(types)
            .map(|(a, t)| (crate::ir_text::expr_text(a), t.name()))
            .collect(),
    })
}

/// The error check site `site` raises for these reference types, if any,
/// without the enclosing calls' argument wrappers.
pub fn site_error(site: &CheckSite, refs: &RefTypes<'_>) -> Option<EvalError> {
    let e = &site.expr;
    match (&e.kind, site.kind) {
        // An evaluated operator names a missing operand (reference §5.2):
        // the root, any comparison or logical operator, and a math operator
        // no parent probed (only under unary operators at the root).
        (ExprKind::Binary { op, left, right }, CheckKind::Binary) => {
            binary_check(*op, left, right, refs, true).err()
        }
        (ExprKind::Unary { op, operand }, CheckKind::Unary) => match probe(operand, refs) {
            Ok(t) => unary_result(*op, t).err(),
            // A site inside the operand fails first, with its own message.
            Err(_) => None,
        },
        (ExprKind::Call { args, .. }, CheckKind::Arg(i)) => {
            let a = args.get(i as usize)?;
            probe(a, refs).err().map(|e| e.in_argument(i as usize))
        }
        (ExprKind::Call { func, args }, CheckKind::Call) => {
            let mut types = [VType::Missing; 8];
            if args.len() > types.len() {
                return Some(too_many(*func, args.len()));
            }
            for (i, a) in args.iter().enumerate() {
                // The argument sites before this one passed.
                types[i] = probe(a, refs).ok()?;
            }
            call_check(*func, args, &types[..args.len()], refs).err()
        }
        _ => Some(EvalError::Internal(format!(
            "check site {:?} on a {}",
            site.kind,
            crate::ir_text::expr_text(e)
        ))),
    }
}

/// The per-site error table for the current reference types, each error
/// wrapped in its enclosing calls' `Failed to handle N argument:`.
pub fn site_errors(p: &Program, types: &[VType]) -> Vec<Option<EvalError>> {
    let refs = RefTypes {
        names: &p.refs,
        types,
    };
    p.sites
        .iter()
        .map(|site| {
            site_error(site, &refs).map(|mut e| {
                if let Some(path) = p.arg_paths.get(site.ctx as usize) {
                    for &i in path.iter().rev() {
                        e = e.in_argument(i as usize);
                    }
                }
                e
            })
        })
        .collect()
}

pub fn const_type(c: &Const) -> VType {
    match c {
        Const::Float(_) => VType::Float,
        Const::Int(_) => VType::Int,
        Const::String(_) => VType::String,
        Const::Bool(_) => VType::Bool,
        Const::Duration(_) => VType::Duration,
        Const::Regex(_) => VType::Regex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_fail_independently_and_probes_stop_at_comparisons() {
        use compiler::span::Span;
        use compiler::types::Type;
        let e = |kind| Expr {
            kind,
            ty: Type::Dynamic,
            span: Span::default(),
        };
        let r = |n: &str| Box::new(e(ExprKind::Reference(n.to_string())));
        let k = || Box::new(e(ExprKind::Const(Const::Int(10))));
        // "a" AND "v" > 10
        let cmp = e(ExprKind::Binary {
            op: BinaryOp::Gt,
            left: r("v"),
            right: k(),
        });
        let and = e(ExprKind::Binary {
            op: BinaryOp::And,
            left: r("a"),
            right: Box::new(cmp.clone()),
        });
        let p = crate::lower::lower(&and).unwrap();
        assert_eq!(p.sites.len(), 2);
        // `a` bool, `v` missing: only the comparison's site fails.
        let errs = site_errors(&p, &[VType::Bool, VType::Missing]);
        assert!(errs[0].is_none());
        assert_eq!(
            errs[1],
            Some(EvalError::MissingReference {
                side: Side::Left,
                name: "v".to_string()
            })
        );
        assert!(site_errors(&p, &[VType::Bool, VType::Int])
            .iter()
            .all(Option::is_none));
        let refs = RefTypes {
            names: &p.refs,
            types: &[VType::Bool, VType::Missing],
        };
        assert_eq!(probe(&cmp, &refs), Ok(VType::Bool));
        // The unchecked code has no check instructions.
        assert!(!p
            .code
            .iter()
            .any(|op| matches!(op, crate::bytecode::Op::Check(_))));
        assert_eq!(
            p.checked
                .iter()
                .filter(|op| matches!(op, crate::bytecode::Op::Check(_)))
                .count(),
            2
        );
    }
}
