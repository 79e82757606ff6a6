//! The bytecode interpreter.
//!
//! One evaluation = resolve every reference (slot caches), type-check the
//! expression if the references' types changed since the last accepted point
//! (`typecheck.rs`), then run the instructions on the preallocated stack.
//! Numeric and boolean expressions allocate nothing.

use crate::bytecode::{Op, Program};
use crate::error::EvalError;
use crate::lambda::LambdaState;
use crate::point::Scope;
use crate::state::{FuncState, RefSlot};
use crate::typecheck::{self, RefTypes};
use crate::value::Value;
use std::sync::Arc;

/// Resolve one reference on a point (reference §5.1).
#[inline]
pub fn resolve(name: &str, slot: &mut RefSlot, scope: &Scope<'_>) -> Result<Value, EvalError> {
    if name == "time" {
        return Ok(Value::Time(scope.time));
    }
    let field = slot.field.find(scope.fields, name);
    let tag = slot.tag.find(scope.tags, name);
    match (field, tag) {
        (Some(_), Some(_)) => Err(EvalError::FieldTagConflict {
            name: name.to_string(),
        }),
        (Some(f), None) => Ok(Value::from(f)),
        (None, Some(t)) => Ok(Value::String(t.clone())),
        (None, None) => Ok(scope
            .extra
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Missing)),
    }
}

/// Resolve all references and run the type check if needed.
#[inline]
pub fn prepare(p: &Program, scope: &Scope<'_>, st: &mut LambdaState) -> Result<(), EvalError> {
    for (i, name) in p.refs.iter().enumerate() {
        let v = resolve(name, &mut st.refs[i], scope)?;
        st.types[i] = v.vtype();
        st.vals[i] = v;
    }
    if st.checked.as_deref() != Some(&st.types[..]) {
        let refs = RefTypes {
            names: &p.refs,
            types: &st.types,
        };
        typecheck::check(&p.expr, &refs, true)?;
        st.checked = Some(st.types.clone());
    }
    Ok(())
}

/// Evaluate the program on one point.
pub fn run(p: &Program, scope: &Scope<'_>, st: &mut LambdaState) -> Result<Value, EvalError> {
    prepare(p, scope, st)?;
    let r = exec(p, st);
    st.stack.clear();
    r
}

fn internal(what: &str) -> EvalError {
    EvalError::Internal(what.to_string())
}

fn exec(p: &Program, st: &mut LambdaState) -> Result<Value, EvalError> {
    let code = &p.code[..];
    let stack = &mut st.stack;
    stack.clear();
    let mut pc = 0;
    macro_rules! pop {
        () => {
            stack.pop().ok_or_else(|| internal("stack underflow"))?
        };
    }
    while pc < code.len() {
        let op = code[pc];
        pc += 1;
        match op {
            Op::Const(i) => stack.push(p.consts[i as usize].clone()),
            Op::Ref(i) => stack.push(st.vals[i as usize].clone()),
            Op::Neg => {
                let v = pop!();
                stack.push(neg(v)?);
            }
            Op::Not => match pop!() {
                Value::Bool(b) => stack.push(Value::Bool(!b)),
                v => return Err(internal(&format!("! on {}", v.type_name()))),
            },
            Op::AndJump(t) | Op::OrJump(t) => {
                let decide = matches!(op, Op::OrJump(_));
                match stack.last() {
                    Some(Value::Bool(b)) if *b == decide => pc = t as usize,
                    Some(Value::Bool(_)) => {
                        stack.pop();
                    }
                    _ => return Err(internal("AND/OR on a non-bool")),
                }
            }
            Op::Call { func, argc, ctx } => {
                let base = stack
                    .len()
                    .checked_sub(argc as usize)
                    .ok_or_else(|| internal("stack underflow"))?;
                let r = crate::builtins::call(func, &stack[base..]);
                stack.truncate(base);
                match r {
                    Ok(v) => stack.push(v),
                    Err(reason) => return Err(call_error(p, func, reason, ctx)),
                }
            }
            Op::CallState {
                func,
                argc,
                slot,
                shared,
                ctx,
            } => {
                let base = stack
                    .len()
                    .checked_sub(argc as usize)
                    .ok_or_else(|| internal("stack underflow"))?;
                let r = if shared {
                    // A poisoned lock only means another thread panicked
                    // mid-update; the state is still a valid value.
                    let mut guard = st.shared.lock().unwrap_or_else(|e| e.into_inner());
                    call_slot(func, &stack[base..], guard.get_mut(slot as usize))
                } else {
                    call_slot(func, &stack[base..], st.funcs.get_mut(slot as usize))
                };
                stack.truncate(base);
                match r {
                    Ok(v) => stack.push(v),
                    Err(reason) => return Err(call_error(p, func, reason, ctx)),
                }
            }
            bin => {
                let r = pop!();
                let l = pop!();
                stack.push(binary(bin, l, r)?);
            }
        }
    }
    let v = pop!();
    Ok(v)
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

fn call_error(
    p: &Program,
    func: compiler::catalog::builtins::Builtin,
    reason: String,
    ctx: u16,
) -> EvalError {
    let mut e = EvalError::Call { func, reason };
    if let Some(path) = p.arg_paths.get(ctx as usize) {
        for &i in path.iter().rev() {
            e = e.in_argument(i as usize);
        }
    }
    e
}

/// Unary minus (int and duration wrap like Go).
pub fn neg(v: Value) -> Result<Value, EvalError> {
    Ok(match v {
        Value::Int(i) => Value::Int(i.wrapping_neg()),
        Value::Float(f) => Value::Float(-f),
        Value::Duration(d) => Value::Duration(d.wrapping_neg()),
        v => return Err(internal(&format!("- on {}", v.type_name()))),
    })
}

/// Go's float64 -> int64 conversion as amd64 does it: out of range and NaN
/// give the "integer indefinite" value i64::MIN instead of saturating.
pub fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || f >= 9.223_372_036_854_775_808e18 || f < -9.223_372_036_854_775_808e18 {
        i64::MIN
    } else {
        f as i64
    }
}

/// A binary operator on two values already type-checked together.
pub fn binary(op: Op, l: Value, r: Value) -> Result<Value, EvalError> {
    use Value::*;
    Ok(match (op, l, r) {
        (Op::Add, Int(a), Int(b)) => Int(a.wrapping_add(b)),
        (Op::Add, Float(a), Float(b)) => Float(a + b),
        (Op::Add, String(a), String(b)) => {
            let mut s = std::string::String::with_capacity(a.len() + b.len());
            s.push_str(&a);
            s.push_str(&b);
            String(Arc::from(s))
        }
        (Op::Add, Duration(a), Duration(b)) => Duration(a.wrapping_add(b)),
        (Op::Sub, Int(a), Int(b)) => Int(a.wrapping_sub(b)),
        (Op::Sub, Float(a), Float(b)) => Float(a - b),
        (Op::Sub, Duration(a), Duration(b)) => Duration(a.wrapping_sub(b)),
        (Op::Mul, Int(a), Int(b)) => Int(a.wrapping_mul(b)),
        (Op::Mul, Float(a), Float(b)) => Float(a * b),
        (Op::Mul, Duration(a), Int(b)) | (Op::Mul, Int(b), Duration(a)) => {
            Duration(a.wrapping_mul(b))
        }
        (Op::Mul, Duration(a), Float(b)) | (Op::Mul, Float(b), Duration(a)) => {
            Duration(go_f64_to_i64(a as f64 * b))
        }
        (Op::Div, Int(a), Int(b)) => {
            if b == 0 {
                return Err(EvalError::DivideByZero);
            }
            Int(a.wrapping_div(b))
        }
        (Op::Div, Float(a), Float(b)) => Float(a / b),
        (Op::Div, Duration(a), Int(b)) => {
            if b == 0 {
                return Err(EvalError::DivideByZero);
            }
            Duration(a.wrapping_div(b))
        }
        (Op::Div, Duration(a), Float(b)) => Duration(go_f64_to_i64(a as f64 / b)),
        (Op::Div, Duration(a), Duration(b)) => {
            if b == 0 {
                return Err(EvalError::DivideByZero);
            }
            Int(a.wrapping_div(b))
        }
        (Op::Mod, Int(a), Int(b)) => {
            if b == 0 {
                return Err(EvalError::DivideByZero);
            }
            Int(a.wrapping_rem(b))
        }
        (Op::Match, String(s), Regex(re)) => Bool(re.is_match(&s)),
        (Op::NotMatch, String(s), Regex(re)) => Bool(!re.is_match(&s)),
        (op @ (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge), l, r) => {
            let ord = match (&l, &r) {
                (Int(a), Int(b)) => a.partial_cmp(b),
                (Float(a), Float(b)) => a.partial_cmp(b),
                (Int(a), Float(b)) => (*a as f64).partial_cmp(b),
                (Float(a), Int(b)) => a.partial_cmp(&(*b as f64)),
                (String(a), String(b)) => a.as_bytes().partial_cmp(b.as_bytes()),
                (Duration(a), Duration(b)) => a.partial_cmp(b),
                (Bool(a), Bool(b)) if matches!(op, Op::Eq | Op::Ne) => a.partial_cmp(b),
                _ => {
                    return Err(internal(&format!(
                        "{op:?} on {} and {}",
                        l.type_name(),
                        r.type_name()
                    )))
                }
            };
            use std::cmp::Ordering::*;
            // `None` is a NaN operand: every comparison is false but `!=`.
            Bool(match op {
                Op::Eq => ord == Some(Equal),
                Op::Ne => ord != Some(Equal),
                Op::Lt => ord == Some(Less),
                Op::Le => matches!(ord, Some(Less | Equal)),
                Op::Gt => ord == Some(Greater),
                _ => matches!(ord, Some(Greater | Equal)),
            })
        }
        (op, l, r) => {
            return Err(internal(&format!(
                "{op:?} on {} and {}",
                l.type_name(),
                r.type_name()
            )))
        }
    })
}
