//! The bytecode interpreter: one of the two back ends (the other is `jit/`).
//!
//! One evaluation = resolve every reference (`resolve::resolve_ref`, slot
//! caches), bring the check table up to date (`Frame::check`, recomputed
//! only if the references' types changed since the last point), then run
//! the instructions on the preallocated stack: the unchecked code when no
//! site fails for these types, else the checked code, which raises a site's
//! error only when it reaches the site. Operator results that are not
//! numeric fast paths come from `ops`, builtins from `builtins`.
//! Numeric and boolean expressions allocate nothing.

use crate::bytecode::{Op, Program};
use crate::error::EvalError;
use crate::ops;
use crate::point::{FieldValue, Scope, Str};
use crate::resolve::{Frame, Resolved};
use crate::state::{FuncState, FuncStates};
use crate::value::Value;
use std::sync::Arc;

/// Evaluate the program on one point.
///
/// References and constants are *borrowed* onto the stack (`Slot`), so a
/// predicate over strings, tags and regexes touches no reference count; only
/// builtin arguments and results are materialised as `Value`s. The stack and
/// the resolved references live in fixed arrays on the Rust stack for
/// ordinary expressions (deeper ones use a heap buffer).
pub fn run(
    p: &Program,
    scope: &Scope<'_>,
    frame: &mut Frame,
    funcs: &mut FuncStates,
) -> Result<Value, EvalError> {
    // Size classes, so a small predicate initialises and drops only a few slots.
    let need = p.refs.len().max(p.max_stack);
    if need <= 4 {
        run_inline::<4>(p, scope, frame, funcs)
    } else if need <= 16 {
        run_inline::<16>(p, scope, frame, funcs)
    } else {
        let mut refs = vec![Resolved::Missing; p.refs.len()];
        let mut stack: Vec<Slot<'_>> = (0..p.max_stack).map(|_| Slot::Missing).collect();
        run_in(p, scope, frame, funcs, &mut refs, &mut stack)
    }
}

#[inline(always)]
fn run_inline<const N: usize>(
    p: &Program,
    scope: &Scope<'_>,
    frame: &mut Frame,
    funcs: &mut FuncStates,
) -> Result<Value, EvalError> {
    let mut refs = [Resolved::Missing; N];
    let mut stack: [Slot<'_>; N] = std::array::from_fn(|_| Slot::Missing);
    run_in(
        p,
        scope,
        frame,
        funcs,
        &mut refs[..p.refs.len()],
        &mut stack,
    )
}

fn run_in<'a>(
    p: &'a Program,
    scope: &Scope<'a>,
    frame: &mut Frame,
    funcs: &mut FuncStates,
    refs: &mut [Resolved<'a>],
    stack: &mut [Slot<'a>],
) -> Result<Value, EvalError> {
    frame.resolve_all(p, scope, |i, r| refs[i] = r)?;
    let code = if frame.table.any_fail {
        &p.checked
    } else {
        &p.code
    };
    exec(p, code, frame, funcs, refs, stack)
}

/// A value on the interpreter stack: scalars inline, strings and regexes
/// borrowed from the point or the constant pool, or owned when an operator
/// or builtin produced them.
#[derive(Debug, Clone)]
enum Slot<'a> {
    Float(f64),
    Int(i64),
    Bool(bool),
    Duration(i64),
    Time(i64),
    Str(&'a Str),
    Regex(&'a Arc<regex::Regex>),
    Owned(Value),
    Missing,
}

impl<'a> Slot<'a> {
    fn of_value(v: &'a Value) -> Slot<'a> {
        match v {
            Value::Float(f) => Slot::Float(*f),
            Value::Int(i) => Slot::Int(*i),
            Value::Bool(b) => Slot::Bool(*b),
            Value::Duration(d) => Slot::Duration(*d),
            Value::Time(t) => Slot::Time(*t),
            Value::String(s) => Slot::Str(s),
            Value::Regex(r) => Slot::Regex(r),
            Value::Missing => Slot::Missing,
        }
    }

    fn of_resolved(r: Resolved<'a>) -> Slot<'a> {
        match r {
            Resolved::Time(t) => Slot::Time(t),
            Resolved::Field(FieldValue::Float(f)) => Slot::Float(*f),
            Resolved::Field(FieldValue::Int(i)) => Slot::Int(*i),
            Resolved::Field(FieldValue::String(s)) => Slot::Str(s),
            Resolved::Field(FieldValue::Bool(b)) => Slot::Bool(*b),
            Resolved::Field(FieldValue::Null) | Resolved::Missing => Slot::Missing,
            Resolved::Tag(t) => Slot::Str(t),
            Resolved::Extra(v) => Slot::of_value(v),
        }
    }

    /// An owned result, kept inline when it is a scalar.
    fn of_owned(v: Value) -> Slot<'a> {
        match v {
            Value::Float(f) => Slot::Float(f),
            Value::Int(i) => Slot::Int(i),
            Value::Bool(b) => Slot::Bool(b),
            Value::Duration(d) => Slot::Duration(d),
            Value::Time(t) => Slot::Time(t),
            Value::Missing => Slot::Missing,
            v => Slot::Owned(v),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Slot::Float(f) => Value::Float(*f),
            Slot::Int(i) => Value::Int(*i),
            Slot::Bool(b) => Value::Bool(*b),
            Slot::Duration(d) => Value::Duration(*d),
            Slot::Time(t) => Value::Time(*t),
            Slot::Str(s) => Value::String((*s).clone()),
            Slot::Regex(r) => Value::Regex((*r).clone()),
            Slot::Owned(v) => v.clone(),
            Slot::Missing => Value::Missing,
        }
    }

    fn into_value(self) -> Value {
        match self {
            Slot::Owned(v) => v,
            s => s.to_value(),
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Slot::Str(s) => Some(s),
            Slot::Owned(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    fn as_regex(&self) -> Option<&regex::Regex> {
        match self {
            Slot::Regex(r) => Some(r),
            Slot::Owned(Value::Regex(r)) => Some(r),
            _ => None,
        }
    }
}

fn exec<'a>(
    p: &'a Program,
    code: &[Op],
    frame: &Frame,
    funcs: &mut FuncStates,
    refs: &[Resolved<'a>],
    stack: &mut [Slot<'a>],
) -> Result<Value, EvalError> {
    let mut sp = 0usize;
    let mut pc = 0;
    let underflow = || internal("stack underflow");
    let overflow = || internal("stack overflow");
    macro_rules! push {
        ($v:expr) => {{
            let v = $v;
            *stack.get_mut(sp).ok_or_else(overflow)? = v;
            sp += 1;
        }};
    }
    while pc < code.len() {
        let op = code[pc];
        pc += 1;
        match op {
            Op::Const(i) => {
                let dst = stack.get_mut(sp).ok_or_else(overflow)?;
                match &p.consts[i as usize] {
                    // Scalars written in place (see the float fast path below).
                    Value::Float(f) => *dst = Slot::Float(*f),
                    Value::Int(n) => *dst = Slot::Int(*n),
                    v => *dst = Slot::of_value(v),
                }
                sp += 1;
            }
            Op::Ref(i) => {
                let dst = stack.get_mut(sp).ok_or_else(overflow)?;
                match refs[i as usize] {
                    Resolved::Field(FieldValue::Float(f)) => *dst = Slot::Float(*f),
                    Resolved::Field(FieldValue::Int(n)) => *dst = Slot::Int(*n),
                    r => *dst = Slot::of_resolved(r),
                }
                sp += 1;
            }
            Op::Neg | Op::Not => {
                let top = stack
                    .get_mut(sp.checked_sub(1).ok_or_else(underflow)?)
                    .ok_or_else(underflow)?;
                *top = match (op, &*top) {
                    (Op::Neg, Slot::Int(i)) => Slot::Int(i.wrapping_neg()),
                    (Op::Neg, Slot::Float(f)) => Slot::Float(-f),
                    (Op::Neg, Slot::Duration(d)) => Slot::Duration(ops::duration::neg(*d)?),
                    (Op::Not, Slot::Bool(b)) => Slot::Bool(!b),
                    (_, v) => return Err(internal(&format!("{op:?} on {v:?}"))),
                };
            }
            Op::Check(i) => {
                if let Some(e) = frame.table.error(i as usize) {
                    return Err(e.clone());
                }
            }
            Op::AndJump(t) | Op::OrJump(t) => {
                let decide = matches!(op, Op::OrJump(_));
                match sp.checked_sub(1).and_then(|i| stack.get(i)) {
                    Some(Slot::Bool(b)) if *b == decide => pc = t as usize,
                    Some(Slot::Bool(_)) => sp -= 1,
                    _ => return Err(internal("AND/OR on a non-bool")),
                }
            }
            Op::Call { func, argc, ctx }
            | Op::CallState {
                func, argc, ctx, ..
            } => {
                let base = sp.checked_sub(argc as usize).ok_or_else(underflow)?;
                // Arguments as `Value`s in a small array sized for the call.
                let mut one: [Value; 1];
                let mut many: [Value; 8];
                let args: &mut [Value] = if argc <= 1 {
                    one = [Value::Missing];
                    &mut one[..argc as usize]
                } else {
                    many = std::array::from_fn(|_| Value::Missing);
                    many.get_mut(..argc as usize)
                        .ok_or_else(|| internal("too many arguments"))?
                };
                for (a, s) in args.iter_mut().zip(&stack[base..sp]) {
                    *a = s.to_value();
                }
                let r = match op {
                    Op::CallState {
                        slot, shared: true, ..
                    } => {
                        // A poisoned lock only means another thread panicked
                        // mid-update; the state is still a valid value.
                        let mut guard = funcs.shared.lock().unwrap_or_else(|e| e.into_inner());
                        call_slot(func, args, guard.get_mut(slot as usize))
                    }
                    Op::CallState { slot, .. } => {
                        call_slot(func, args, funcs.own.get_mut(slot as usize))
                    }
                    _ => crate::builtins::call(func, args),
                };
                sp = base;
                match r {
                    Ok(v) => push!(Slot::of_owned(v)),
                    Err(reason) => return Err(p.call_error(func, reason, ctx)),
                }
            }
            bin => {
                if sp < 2 {
                    return Err(underflow());
                }
                // Numeric arithmetic and comparisons write their scalar in
                // place: no `Slot` temporaries are built and moved (those
                // moves cost store-forwarding stalls on the hot path).
                let is_cmp = matches!(bin, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge);
                let floats = match (&stack[sp - 2], &stack[sp - 1]) {
                    (Slot::Float(a), Slot::Float(b)) => Some((*a, *b)),
                    // Mixed int/float exists only in comparisons (§5.2).
                    (Slot::Float(a), Slot::Int(b)) if is_cmp => Some((*a, *b as f64)),
                    (Slot::Int(a), Slot::Float(b)) if is_cmp => Some((*a as f64, *b)),
                    _ => None,
                };
                if let Some((a, b)) = floats {
                    let dst = &mut stack[sp - 2];
                    match bin {
                        Op::Add => *dst = Slot::Float(a + b),
                        Op::Sub => *dst = Slot::Float(a - b),
                        Op::Mul => *dst = Slot::Float(a * b),
                        Op::Div => *dst = Slot::Float(a / b),
                        Op::Lt => *dst = Slot::Bool(a < b),
                        Op::Le => *dst = Slot::Bool(a <= b),
                        Op::Gt => *dst = Slot::Bool(a > b),
                        Op::Ge => *dst = Slot::Bool(a >= b),
                        Op::Eq => *dst = Slot::Bool(a == b),
                        Op::Ne => *dst = Slot::Bool(a != b),
                        _ => return Err(internal(&format!("{bin:?} on floats"))),
                    }
                    sp -= 1;
                    continue;
                }
                if let (Slot::Int(a), Slot::Int(b)) = (&stack[sp - 2], &stack[sp - 1]) {
                    let (a, b) = (*a, *b);
                    let v = match bin {
                        Op::Add => Some(Slot::Int(a.wrapping_add(b))),
                        Op::Sub => Some(Slot::Int(a.wrapping_sub(b))),
                        Op::Mul => Some(Slot::Int(a.wrapping_mul(b))),
                        Op::Lt => Some(Slot::Bool(a < b)),
                        Op::Le => Some(Slot::Bool(a <= b)),
                        Op::Gt => Some(Slot::Bool(a > b)),
                        Op::Ge => Some(Slot::Bool(a >= b)),
                        Op::Eq => Some(Slot::Bool(a == b)),
                        Op::Ne => Some(Slot::Bool(a != b)),
                        // Division and modulo check for zero in `ops::binary`.
                        _ => None,
                    };
                    if let Some(v) = v {
                        stack[sp - 2] = v;
                        sp -= 1;
                        continue;
                    }
                }
                let v = slot_binary(bin, &stack[sp - 2], &stack[sp - 1])?;
                sp -= 1;
                stack[sp - 1] = v;
            }
        }
    }
    if sp != 1 {
        return Err(internal("unbalanced stack"));
    }
    Ok(std::mem::replace(&mut stack[0], Slot::Missing).into_value())
}

/// A binary operator on two stack slots: numbers, booleans, strings and
/// regex matches directly on the borrowed operands; every other combination
/// (durations, mixed kinds) through `ops::binary`, the one definition of the
/// operator semantics.
#[inline]
fn slot_binary<'a>(op: Op, l: &Slot<'a>, r: &Slot<'a>) -> Result<Slot<'a>, EvalError> {
    use std::cmp::Ordering::{self, *};
    let is_cmp = matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge);
    let cmp = |o: Option<Ordering>| -> Slot<'a> {
        Slot::Bool(match op {
            Op::Eq => o == Some(Equal),
            Op::Ne => o != Some(Equal),
            Op::Lt => o == Some(Less),
            Op::Le => matches!(o, Some(Less | Equal)),
            Op::Gt => o == Some(Greater),
            _ => matches!(o, Some(Greater | Equal)),
        })
    };
    match (l, r) {
        (Slot::Float(a), Slot::Float(b)) => match op {
            Op::Add => return Ok(Slot::Float(a + b)),
            Op::Sub => return Ok(Slot::Float(a - b)),
            Op::Mul => return Ok(Slot::Float(a * b)),
            Op::Div => return Ok(Slot::Float(a / b)),
            _ if is_cmp => return Ok(cmp(a.partial_cmp(b))),
            _ => {}
        },
        (Slot::Int(a), Slot::Int(b)) => match op {
            Op::Add => return Ok(Slot::Int(a.wrapping_add(*b))),
            Op::Sub => return Ok(Slot::Int(a.wrapping_sub(*b))),
            Op::Mul => return Ok(Slot::Int(a.wrapping_mul(*b))),
            _ if is_cmp => return Ok(cmp(a.partial_cmp(b))),
            // Division and modulo (zero checks) take the general path.
            _ => {}
        },
        (Slot::Float(a), Slot::Int(b)) if is_cmp => return Ok(cmp(a.partial_cmp(&(*b as f64)))),
        (Slot::Int(a), Slot::Float(b)) if is_cmp => return Ok(cmp((*a as f64).partial_cmp(b))),
        (Slot::Bool(a), Slot::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => {
            return Ok(cmp(a.partial_cmp(b)))
        }
        _ => {
            if let (Some(a), Some(b)) = (l.as_str(), r.as_str()) {
                if is_cmp {
                    return Ok(cmp(a.as_bytes().partial_cmp(b.as_bytes())));
                }
                if op == Op::Add {
                    let mut s = String::with_capacity(a.len() + b.len());
                    s.push_str(a);
                    s.push_str(b);
                    return Ok(Slot::Owned(Value::String(Arc::from(s))));
                }
            }
            if let (Some(s), Some(re)) = (l.as_str(), r.as_regex()) {
                match op {
                    Op::Match => return Ok(Slot::Bool(re.is_match(s))),
                    Op::NotMatch => return Ok(Slot::Bool(!re.is_match(s))),
                    _ => {}
                }
            }
        }
    }
    ops::binary(op, l.to_value(), r.to_value()).map(Slot::of_owned)
}

fn internal(what: &str) -> EvalError {
    EvalError::Internal(what.to_string())
}

fn call_slot(
    func: compiler::catalog::builtins::Builtin,
    args: &[Value],
    state: Option<&mut FuncState>,
) -> Result<Value, String> {
    match state {
        Some(s) => crate::builtins::call_stateful(func, args, s),
        None => Err("missing state slot".to_string()),
    }
}
