//! The `extern "C"` runtime helpers native lambda code calls.
//!
//! They never re-implement semantics: builtins go through
//! `crate::builtins::{call, call_stateful}` and the generic operator helper
//! through `crate::ops::binary`, exactly what the VM runs, so values and
//! errors agree by construction. The two string helpers (byte-order compare
//! and regex search) are the operator table's one-liners, kept here to avoid
//! reference-count traffic on the hot path of tag predicates.
//!
//! A helper never unwinds into native code: a panic inside a builtin (an
//! engine bug) is caught and reported as `EvalError::Internal`.

use super::abi::{status, BinSite, CallSite, JitCtx, RawVal};
use crate::point::Str;
use crate::value::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Run `f`, turning a panic into an internal error stored in the context.
///
/// # Safety
/// `ctx` must be the live context of the current call.
unsafe fn guarded(ctx: *mut JitCtx, f: impl FnOnce() -> Result<(), crate::EvalError>) -> u32 {
    let r = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(crate::EvalError::Internal(
            "panic inside a lambda runtime helper".to_string(),
        ))
    });
    match r {
        Ok(()) => status::OK,
        Err(e) => {
            // SAFETY: the caller guarantees `ctx` is the live context; native
            // code holds no reference into `err`.
            unsafe { (*ctx).err = Some(e) };
            status::ERROR
        }
    }
}

/// Describe `v` in `out`: scalars directly, strings and regexes after
/// storing them in scratch slot `idx` (which keeps them alive for the call).
///
/// # Safety
/// `ctx` must be the live context and `out` writable.
unsafe fn put_result(
    ctx: *mut JitCtx,
    idx: u32,
    v: Value,
    out: *mut RawVal,
) -> Result<(), crate::EvalError> {
    if !matches!(v, Value::String(_) | Value::Regex(_)) {
        // SAFETY: `out` points at a stack slot of the calling native frame;
        // a scalar `RawVal` borrows nothing.
        unsafe { *out = RawVal::of(&v) };
        return Ok(());
    }
    // SAFETY: `scratch`/`scratch_len` describe the state's scratch vector,
    // which is not otherwise borrowed during the call; each site owns its slot.
    let slot = unsafe {
        let c = &*ctx;
        if idx as usize >= c.scratch_len {
            return Err(crate::EvalError::Internal(format!(
                "scratch slot {idx} out of range"
            )));
        }
        &mut *c.scratch.add(idx as usize)
    };
    *slot = v;
    // SAFETY: `out` points at a stack slot of the calling native frame.
    unsafe { *out = RawVal::of(slot) };
    Ok(())
}

/// Call a builtin (pure, stateful or volatile) described by `site` on
/// `site.argc` arguments at `args`; the result goes to `out`.
///
/// # Safety
/// Called only by native lambda code: `ctx` is the live context, `site` points
/// into the running `NativeLambda`, `args` at `argc` valid `RawVal`s and `out`
/// at a writable one.
pub unsafe extern "C" fn jit_call(
    ctx: *mut JitCtx,
    site: *const CallSite,
    args: *const RawVal,
    out: *mut RawVal,
) -> u32 {
    // SAFETY: by the contract, `site` points into the `NativeLambda` whose
    // code is running (alive, never mutated), `args` at `argc` `RawVal`s in
    // the native frame whose string/regex payloads are live (`to_value`),
    // and `ctx` is the live context: `funcs`/`funcs_len` describe the group's
    // state slots, borrowed exclusively by this evaluation and not otherwise
    // accessed during this call, and `shared`/`program` point into `Arc`s the
    // caller holds.
    unsafe {
        guarded(ctx, || {
            let site = &*site;
            let argc = site.argc as usize;
            // Arguments as `Value`s in an array sized for the call, so a
            // one-argument call initialises and drops a single value.
            let mut one: [Value; 1] = [Value::Missing];
            let mut many: [Value; 8];
            let vals: &mut [Value] = if argc <= 1 {
                &mut one[..argc]
            } else {
                many = std::array::from_fn(|_| Value::Missing);
                many.get_mut(..argc)
                    .ok_or_else(|| crate::EvalError::Internal(format!("{argc} call arguments")))?
            };
            for (i, v) in vals.iter_mut().enumerate() {
                *v = (*args.add(i)).to_value()?;
            }
            let args = &*vals;
            let c = &*ctx;
            let r = match site.state {
                None => crate::builtins::call(site.func, args),
                Some((slot, false)) => {
                    let funcs = std::slice::from_raw_parts_mut(c.funcs, c.funcs_len);
                    match funcs.get_mut(slot as usize) {
                        Some(s) => crate::builtins::call_stateful(site.func, args, s),
                        None => Err("missing state slot".to_string()),
                    }
                }
                Some((slot, true)) => {
                    // A poisoned lock only means another thread panicked
                    // mid-update; the state is still a valid value.
                    let mut guard = (*c.shared).lock().unwrap_or_else(|e| e.into_inner());
                    match guard.get_mut(slot as usize) {
                        Some(s) => crate::builtins::call_stateful(site.func, args, s),
                        None => Err("missing state slot".to_string()),
                    }
                }
            };
            match r {
                Ok(v) => put_result(ctx, site.scratch, v, out),
                Err(reason) => Err((*c.program).call_error(site.func, reason, site.ctx)),
            }
        })
    }
}

/// A binary operator the native code does not inline (string concatenation,
/// duration arithmetic, ...), evaluated by `ops::binary` like the VM does.
///
/// # Safety
/// As `jit_call`: live context, `site` in the running lambda, `l`/`r` valid,
/// `out` writable.
pub unsafe extern "C" fn jit_binary(
    ctx: *mut JitCtx,
    site: *const BinSite,
    l: *const RawVal,
    r: *const RawVal,
    out: *mut RawVal,
) -> u32 {
    // SAFETY: by the contract, `site` points into the running lambda's sites
    // (alive, never mutated), `l`/`r` are `RawVal`s of the native frame with
    // live payloads, and `ctx`/`out` are valid for `put_result`.
    unsafe {
        guarded(ctx, || {
            let site = &*site;
            let lv = (*l).to_value()?;
            let rv = (*r).to_value()?;
            let v = crate::ops::binary(site.op, lv, rv)?;
            put_result(ctx, site.scratch, v, out)
        })
    }
}

/// Byte-order comparison of two strings: -1, 0 or 1.
///
/// # Safety
/// `a` and `b` point at live `Str`s.
pub unsafe extern "C" fn jit_str_cmp(a: *const Str, b: *const Str) -> i32 {
    // SAFETY: the contract: both point at live `Str`s (a constant, a
    // point's field or tag, or a scratch slot of the current call).
    let (a, b) = unsafe { (&*a, &*b) };
    a.as_bytes().cmp(b.as_bytes()) as i32
}

/// Unanchored regex search (`=~`): 1 if it matches.
///
/// # Safety
/// `s` points at a live `Str`, `re` at a live `Arc<Regex>`.
pub unsafe extern "C" fn jit_regex_match(s: *const Str, re: *const Arc<regex::Regex>) -> u32 {
    // SAFETY: the contract: both point at live values owned by the point,
    // the program's constants or a scratch slot of the current call.
    let (s, re) = unsafe { (&*s, &*re) };
    re.is_match(s) as u32
}
