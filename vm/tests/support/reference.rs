//! A deliberately simple tree-walking evaluator over the lambda IR, written
//! apart from the bytecode path (its own reference resolution, operator
//! table, type check and arithmetic), to test the engines against.
//!
//! Types are checked lazily, as Kapacitor does while evaluating: a binary
//! operator probes both operands' types just before evaluating them (a probe
//! of a comparison or logical operator is simply `boolean`), a call probes
//! each argument just before evaluating it and checks its signature after
//! all of them, and a branch `AND`/`OR` skips is never checked.
//! Only the builtin function bodies are shared (they have their own golden
//! tests).

use compiler::catalog::builtins::Builtin;
use compiler::ir::{BinaryOp, Const, Expr, ExprKind, UnaryOp};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How often `AND`/`OR` skipped an operand that would have raised a type
/// error (the differential test requires it to happen).
pub static SKIPPED_FAILING: AtomicUsize = AtomicUsize::new(0);
/// How often a type error was raised after a stateful call advanced in the
/// same evaluation.
pub static ADVANCED_THEN_FAILED: AtomicUsize = AtomicUsize::new(0);
use vm::error::{EvalError, Operand, Side};
use vm::point::{FieldValue, Scope};
use vm::state::FuncState;
use vm::value::{VType, Value};

/// Per-expression state: stateful function instances keyed by (the
/// `Nested` occurrence they sit in, function).
#[derive(Default)]
pub struct RefState {
    funcs: HashMap<(Option<usize>, Builtin), FuncState>,
}

/// (operator, left, right, result): reference §5.2's table, row by row.
fn table() -> Vec<(BinaryOp, VType, VType, VType)> {
    use BinaryOp::*;
    use VType::*;
    let mut t = vec![(And, Bool, Bool, Bool), (Or, Bool, Bool, Bool)];
    for op in [Eq, Ne] {
        t.push((op, Bool, Bool, Bool));
    }
    for op in [Eq, Ne, Lt, Le, Gt, Ge] {
        for (l, r) in [
            (Int, Int),
            (Float, Float),
            (Int, Float),
            (Float, Int),
            (String, String),
            (Duration, Duration),
        ] {
            t.push((op, l, r, Bool));
        }
    }
    t.push((RegexMatch, String, Regex, Bool));
    t.push((RegexNotMatch, String, Regex, Bool));
    for (l, res) in [
        (Int, Int),
        (Float, Float),
        (String, String),
        (Duration, Duration),
    ] {
        t.push((Add, l, l, res));
    }
    for l in [Int, Float, Duration] {
        t.push((Sub, l, l, l));
    }
    t.push((Mul, Int, Int, Int));
    t.push((Mul, Float, Float, Float));
    for n in [Int, Float] {
        t.push((Mul, Duration, n, Duration));
        t.push((Mul, n, Duration, Duration));
    }
    t.push((Div, Int, Int, Int));
    t.push((Div, Float, Float, Float));
    t.push((Div, Duration, Int, Duration));
    t.push((Div, Duration, Float, Duration));
    t.push((Div, Duration, Duration, Int));
    t.push((Mod, Int, Int, Int));
    t
}

fn lookup_op(op: BinaryOp, l: VType, r: VType) -> Option<VType> {
    table()
        .into_iter()
        .find(|(o, a, b, _)| *o == op && *a == l && *b == r)
        .map(|(_, _, _, res)| res)
}

fn type_in_op(op: BinaryOp, t: VType) -> bool {
    table()
        .into_iter()
        .any(|(o, a, b, _)| o == op && (a == t || b == t))
}

fn refs_in(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Reference(n) => {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        ExprKind::Const(_) => {}
        ExprKind::Unary { operand, .. } => refs_in(operand, out),
        ExprKind::Binary { left, right, .. } => {
            refs_in(left, out);
            refs_in(right, out);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| refs_in(a, out)),
        ExprKind::Nested(i) => refs_in(i, out),
    }
}

fn resolve(name: &str, scope: &Scope<'_>) -> Result<Value, EvalError> {
    if name == "time" {
        return Ok(Value::Time(scope.time));
    }
    let f = scope.fields.iter().find(|(k, _)| k.as_ref() == name);
    let t = scope.tags.iter().find(|(k, _)| k.as_ref() == name);
    Ok(match (f, t) {
        (Some(_), Some(_)) => {
            return Err(EvalError::FieldTagConflict {
                name: name.to_string(),
            })
        }
        (Some((_, FieldValue::Float(x))), _) => Value::Float(*x),
        (Some((_, FieldValue::Int(x))), _) => Value::Int(*x),
        (Some((_, FieldValue::String(x))), _) => Value::String(x.clone()),
        (Some((_, FieldValue::Bool(x))), _) => Value::Bool(*x),
        (Some((_, FieldValue::Null)), _) => Value::Missing,
        (None, Some((_, v))) => Value::String(v.clone()),
        (None, None) => scope
            .extra
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Missing),
    })
}

struct Ctx<'a> {
    vals: HashMap<String, Value>,
    names: Vec<String>,
    state: &'a mut RefState,
    nest_counter: usize,
    /// A stateful call advanced during this evaluation.
    advanced: bool,
}

/// Evaluate `expr` on one point.
pub fn eval(expr: &Expr, scope: &Scope<'_>, state: &mut RefState) -> Result<Value, EvalError> {
    let mut names = Vec::new();
    refs_in(expr, &mut names);
    let mut vals = HashMap::new();
    for n in &names {
        vals.insert(n.clone(), resolve(n, scope)?);
    }
    let mut cx = Ctx {
        vals,
        names,
        state,
        nest_counter: 0,
        advanced: false,
    };
    let r = value(&mut cx, expr, None);
    if let Err(e) = &r {
        if cx.advanced && is_type_error(e) {
            ADVANCED_THEN_FAILED.fetch_add(1, Ordering::Relaxed);
        }
    }
    r
}

fn is_type_error(e: &EvalError) -> bool {
    match e {
        EvalError::Argument { inner, .. } => is_type_error(inner),
        EvalError::MissingReference { .. }
        | EvalError::InvalidOperator { .. }
        | EvalError::MismatchedTypes { .. }
        | EvalError::InvalidUnary { .. }
        | EvalError::MissingArgument { .. }
        | EvalError::WrongSignature { .. } => true,
        _ => false,
    }
}

/// Whether evaluating `e` could reach a failing type check (for the
/// statistics only).
fn would_fail(cx: &Ctx<'_>, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Const(_) | ExprKind::Reference(_) => false,
        ExprKind::Nested(i) => would_fail(cx, i),
        ExprKind::Unary { operand, .. } => ty(cx, e, false).is_err() || would_fail(cx, operand),
        ExprKind::Binary { left, right, .. } => {
            ty(cx, e, true).is_err() || would_fail(cx, left) || would_fail(cx, right)
        }
        ExprKind::Call { args, .. } => {
            ty(cx, e, false).is_err() || args.iter().any(|a| would_fail(cx, a))
        }
    }
}

/// `eval` and require a boolean.
pub fn eval_bool(expr: &Expr, scope: &Scope<'_>, state: &mut RefState) -> Result<bool, EvalError> {
    match eval(expr, scope, state)? {
        Value::Bool(b) => Ok(b),
        v => Err(EvalError::TypeGuard { got: v.type_name() }),
    }
}

fn ref_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Reference(n) => Some(n),
        ExprKind::Nested(i) => ref_name(i),
        _ => None,
    }
}

fn const_ty(c: &Const) -> VType {
    match c {
        Const::Float(_) => VType::Float,
        Const::Int(_) => VType::Int,
        Const::String(_) => VType::String,
        Const::Bool(_) => VType::Bool,
        Const::Duration(_) => VType::Duration,
        Const::Regex(_) => VType::Regex,
    }
}

fn is_math(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
    )
}

/// `top` false: the type a parent's probe sees. `top` true (binary
/// operators only): the check of an operator about to be evaluated.
fn ty(cx: &Ctx<'_>, e: &Expr, top: bool) -> Result<VType, EvalError> {
    Ok(match &e.kind {
        ExprKind::Const(c) => const_ty(c),
        ExprKind::Reference(n) => cx.vals[n].vtype(),
        ExprKind::Nested(i) => ty(cx, i, top)?,
        ExprKind::Binary { op, .. } if !top && !is_math(*op) => VType::Bool,
        ExprKind::Unary { op, operand } => {
            let t = ty(cx, operand, false)?;
            let ok = match op {
                UnaryOp::Neg => matches!(t, VType::Int | VType::Float | VType::Duration),
                UnaryOp::Not => t == VType::Bool,
            };
            if !ok {
                let op = if *op == UnaryOp::Neg { "-" } else { "!" };
                return Err(EvalError::InvalidUnary { op, ty: t.name() });
            }
            t
        }
        ExprKind::Binary { op, left, right } => {
            let l = ty(cx, left, false)?;
            let r = ty(cx, right, false)?;
            if let Some(res) = lookup_op(*op, l, r) {
                return Ok(res);
            }
            // Evaluated operators name missing references; math operators
            // probed by a parent do not.
            if top && l == VType::Missing && ref_name(left).is_some() {
                return Err(EvalError::MissingReference {
                    side: Side::Left,
                    name: ref_name(left).unwrap_or_default().to_string(),
                });
            }
            if top && r == VType::Missing && ref_name(right).is_some() {
                return Err(EvalError::MissingReference {
                    side: Side::Right,
                    name: ref_name(right).unwrap_or_default().to_string(),
                });
            }
            if type_in_op(*op, l) {
                return Err(EvalError::MismatchedTypes {
                    left: l.name(),
                    op: *op,
                    right: r.name(),
                });
            }
            return Err(EvalError::InvalidOperator {
                op: *op,
                ty: l.name(),
            });
        }
        ExprKind::Call { func, args } => {
            let mut ts = Vec::new();
            for (i, a) in args.iter().enumerate() {
                ts.push(ty(cx, a, false).map_err(|e| EvalError::Argument {
                    index: i,
                    inner: Box::new(e),
                })?);
            }
            call_sig(cx, *func, args, &ts)?
        }
    })
}

/// A call's signature check on its arguments' types.
fn call_sig(cx: &Ctx<'_>, func: Builtin, args: &[Expr], ts: &[VType]) -> Result<VType, EvalError> {
    let func = &func;
    if *func == Builtin::IsPresent && ts.len() == 1 && ts[0] == VType::Missing {
        return Ok(VType::Bool);
    }
    for sig in func.spec().signatures {
        let matches = sig.params.len() == ts.len()
            && sig
                .params
                .iter()
                .zip(ts)
                .all(|(p, t)| VType::of_type(*p) == Some(*t));
        if matches {
            return Ok(if *func == Builtin::If {
                ts[1]
            } else {
                VType::of_type(sig.ret).expect("lambda return type")
            });
        }
    }
    let missing: Vec<String> = args
        .iter()
        .zip(ts)
        .filter(|(_, t)| **t == VType::Missing)
        .map(|(a, _)| vm::ir_text::expr_text(a))
        .collect();
    if !missing.is_empty() {
        let missing_names: Vec<&str> = args
            .iter()
            .zip(ts)
            .filter(|(_, t)| **t == VType::Missing)
            .filter_map(|(a, _)| ref_name(a))
            .collect();
        let mut scope: Vec<String> = cx
            .names
            .iter()
            .filter(|n| !missing_names.contains(&n.as_str()))
            .cloned()
            .collect();
        scope.sort();
        return Err(EvalError::MissingArgument {
            func: *func,
            args: missing,
            scope,
        });
    }
    Err(EvalError::WrongSignature {
        func: *func,
        args: args
            .iter()
            .zip(ts)
            .map(|(a, t)| (vm::ir_text::expr_text(a), t.name()))
            .collect(),
    })
}

/// The model of checked duration arithmetic: exact in i128, then in range or not.
fn dur(x: i128) -> Option<i64> {
    i64::try_from(x).ok()
}

/// A float nanosecond count as a duration: a number in [-2^63, 2^63) only.
fn fdur(f: f64) -> Option<i64> {
    let two63 = 2f64.powi(63);
    (f >= -two63 && f < two63).then_some(f as i64)
}

fn over(left: i64, op: &'static str, right: Operand) -> EvalError {
    EvalError::DurationOverflow {
        left: Operand::Duration(left),
        op,
        right: Some(right),
    }
}

fn value(cx: &mut Ctx<'_>, e: &Expr, nest: Option<usize>) -> Result<Value, EvalError> {
    use Value as V;
    Ok(match &e.kind {
        ExprKind::Const(c) => match c {
            Const::Float(f) => V::Float(*f),
            Const::Int(i) => V::Int(*i),
            Const::String(s) => V::String(Arc::from(s.as_str())),
            Const::Bool(b) => V::Bool(*b),
            Const::Duration(d) => V::Duration(*d),
            Const::Regex(r) => V::Regex(Arc::new(
                vm::builtins::regex::compile_go(r)
                    .map_err(|e| EvalError::Internal(e.to_string()))?,
            )),
        },
        ExprKind::Reference(n) => cx.vals[n].clone(),
        ExprKind::Nested(i) => {
            let id = cx.nest_counter;
            cx.nest_counter += 1;
            value(cx, i, Some(id))?
        }
        ExprKind::Unary { op, operand } => match (op, {
            // The operand's own sites report a failing probe.
            if let Ok(t) = ty(cx, operand, false) {
                let ok = match op {
                    UnaryOp::Neg => matches!(t, VType::Int | VType::Float | VType::Duration),
                    UnaryOp::Not => t == VType::Bool,
                };
                if !ok {
                    let op = if *op == UnaryOp::Neg { "-" } else { "!" };
                    return Err(EvalError::InvalidUnary { op, ty: t.name() });
                }
            }
            value(cx, operand, nest)?
        }) {
            (UnaryOp::Neg, V::Int(i)) => V::Int(0i64.wrapping_sub(i)),
            (UnaryOp::Neg, V::Float(f)) => V::Float(-f),
            (UnaryOp::Neg, V::Duration(d)) => {
                V::Duration(dur(-(d as i128)).ok_or(EvalError::DurationOverflow {
                    left: Operand::Duration(d),
                    op: "-",
                    right: None,
                })?)
            }
            (UnaryOp::Not, V::Bool(b)) => V::Bool(!b),
            (_, v) => return Err(EvalError::Internal(format!("unary on {}", v.type_name()))),
        },
        ExprKind::Binary { op, left, right } => {
            ty(cx, e, true)?;
            let l = value(cx, left, nest)?;
            match (op, &l) {
                (BinaryOp::And, V::Bool(false)) => {
                    if would_fail(cx, right) {
                        SKIPPED_FAILING.fetch_add(1, Ordering::Relaxed);
                    }
                    skip_nested(cx, right);
                    return Ok(V::Bool(false));
                }
                (BinaryOp::Or, V::Bool(true)) => {
                    if would_fail(cx, right) {
                        SKIPPED_FAILING.fetch_add(1, Ordering::Relaxed);
                    }
                    skip_nested(cx, right);
                    return Ok(V::Bool(true));
                }
                _ => {}
            }
            let r = value(cx, right, nest)?;
            arith(*op, l, r)?
        }
        ExprKind::Call { func, args } => {
            let mut vs = Vec::new();
            for (i, a) in args.iter().enumerate() {
                ty(cx, a, false).map_err(|e| EvalError::Argument {
                    index: i,
                    inner: Box::new(e),
                })?;
                // Kapacitor wraps an argument's error; an integer division
                // by zero is a Go panic and passes through unwrapped. A
                // duration overflow (Go wraps silently, so Kapacitor has no
                // such error) is an arithmetic fault like it: unwrapped too.
                vs.push(value(cx, a, nest).map_err(|e| match e {
                    EvalError::DivideByZero | EvalError::DurationOverflow { .. } => e,
                    e => EvalError::Argument {
                        index: i,
                        inner: Box::new(e),
                    },
                })?);
            }
            let ts: Vec<VType> = vs.iter().map(Value::vtype).collect();
            call_sig(cx, *func, args, &ts)?;
            let spec = func.spec();
            let r = if spec.state == compiler::catalog::builtins::Statefulness::Pure {
                vm::builtins::call(*func, &vs)
            } else {
                let st = cx
                    .state
                    .funcs
                    .entry((nest, *func))
                    .or_insert_with(|| FuncState::new(*func));
                cx.advanced = true;
                vm::builtins::call_stateful(*func, &vs, st)
            };
            r.map_err(|reason| EvalError::Call {
                func: *func,
                reason,
            })?
        }
    })
}

/// Nested ids are assigned in tree order; a skipped subtree still owns its ids.
fn skip_nested(cx: &mut Ctx<'_>, e: &Expr) {
    match &e.kind {
        ExprKind::Nested(i) => {
            cx.nest_counter += 1;
            skip_nested(cx, i);
        }
        ExprKind::Unary { operand, .. } => skip_nested(cx, operand),
        ExprKind::Binary { left, right, .. } => {
            skip_nested(cx, left);
            skip_nested(cx, right);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| skip_nested(cx, a)),
        _ => {}
    }
}

fn cmp<T: PartialOrd>(op: BinaryOp, a: T, b: T) -> bool {
    match op {
        BinaryOp::Eq => a == b,
        BinaryOp::Ne => a != b,
        BinaryOp::Lt => a < b,
        BinaryOp::Le => a <= b,
        BinaryOp::Gt => a > b,
        _ => a >= b,
    }
}

fn arith(op: BinaryOp, l: Value, r: Value) -> Result<Value, EvalError> {
    use BinaryOp::*;
    use Value as V;
    Ok(match (op, l, r) {
        (And | Or, _, V::Bool(b)) => V::Bool(b),
        (Eq | Ne | Lt | Le | Gt | Ge, V::Int(a), V::Int(b)) => V::Bool(cmp(op, a, b)),
        (Eq | Ne | Lt | Le | Gt | Ge, V::Float(a), V::Float(b)) => V::Bool(cmp(op, a, b)),
        (Eq | Ne | Lt | Le | Gt | Ge, V::Int(a), V::Float(b)) => V::Bool(cmp(op, a as f64, b)),
        (Eq | Ne | Lt | Le | Gt | Ge, V::Float(a), V::Int(b)) => V::Bool(cmp(op, a, b as f64)),
        (Eq | Ne | Lt | Le | Gt | Ge, V::String(a), V::String(b)) => {
            V::Bool(cmp(op, a.as_bytes(), b.as_bytes()))
        }
        (Eq | Ne | Lt | Le | Gt | Ge, V::Duration(a), V::Duration(b)) => V::Bool(cmp(op, a, b)),
        (Eq | Ne, V::Bool(a), V::Bool(b)) => V::Bool(cmp(op, a, b)),
        (RegexMatch, V::String(s), V::Regex(re)) => V::Bool(re.is_match(&s)),
        (RegexNotMatch, V::String(s), V::Regex(re)) => V::Bool(!re.is_match(&s)),
        (Add, V::Int(a), V::Int(b)) => V::Int(a.wrapping_add(b)),
        (Add, V::Float(a), V::Float(b)) => V::Float(a + b),
        (Add, V::String(a), V::String(b)) => V::String(Arc::from(format!("{a}{b}"))),
        (Add, V::Duration(a), V::Duration(b)) => V::Duration(
            dur(a as i128 + b as i128).ok_or_else(|| over(a, "+", Operand::Duration(b)))?,
        ),
        (Sub, V::Int(a), V::Int(b)) => V::Int(a.wrapping_sub(b)),
        (Sub, V::Float(a), V::Float(b)) => V::Float(a - b),
        (Sub, V::Duration(a), V::Duration(b)) => V::Duration(
            dur(a as i128 - b as i128).ok_or_else(|| over(a, "-", Operand::Duration(b)))?,
        ),
        (Mul, V::Int(a), V::Int(b)) => V::Int(a.wrapping_mul(b)),
        (Mul, V::Float(a), V::Float(b)) => V::Float(a * b),
        (Mul, V::Duration(d), V::Int(n)) | (Mul, V::Int(n), V::Duration(d)) => {
            V::Duration(dur(d as i128 * n as i128).ok_or_else(|| over(d, "*", Operand::Int(n)))?)
        }
        (Mul, V::Duration(d), V::Float(f)) | (Mul, V::Float(f), V::Duration(d)) => {
            V::Duration(fdur(d as f64 * f).ok_or_else(|| over(d, "*", Operand::Float(f)))?)
        }
        (Div | Mod, V::Int(_), V::Int(0)) => return Err(EvalError::DivideByZero),
        (Div, V::Duration(_), V::Int(0) | V::Duration(0)) => return Err(EvalError::DivideByZero),
        (Div, V::Int(a), V::Int(b)) => V::Int(if b == -1 { a.wrapping_neg() } else { a / b }),
        (Mod, V::Int(a), V::Int(b)) => V::Int(if b == -1 { 0 } else { a % b }),
        (Div, V::Float(a), V::Float(b)) => V::Float(a / b),
        (Div, V::Duration(a), V::Int(b)) => {
            V::Duration(dur(a as i128 / b as i128).ok_or_else(|| over(a, "/", Operand::Int(b)))?)
        }
        (Div, V::Duration(a), V::Float(b)) => {
            V::Duration(fdur(a as f64 / b).ok_or_else(|| over(a, "/", Operand::Float(b)))?)
        }
        (Div, V::Duration(a), V::Duration(b)) => {
            V::Int(dur(a as i128 / b as i128).ok_or_else(|| over(a, "/", Operand::Duration(b)))?)
        }
        (op, l, r) => {
            return Err(EvalError::Internal(format!(
                "{op:?} on {} and {}",
                l.type_name(),
                r.type_name()
            )))
        }
    })
}
