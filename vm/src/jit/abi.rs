//! The `#[repr(C)]` calling convention between native lambda code and Rust.
//!
//! A compiled lambda is `extern "C" fn(*mut JitCtx) -> u32`. Native code reads
//! the resolved references from `JitCtx::slots` (and, in the checked
//! function, the failing check sites from `JitCtx::fails`) and writes its result to
//! `JitCtx::out`, both `RawVal`s (a type tag and 64 payload bits) at offsets
//! taken from `offset_of!`, so the layout is never guessed. Everything else in
//! the context is only touched by the `extern "C"` helpers in `helpers.rs`.
//!
//! Payloads: float = IEEE bits, int/duration/time = the i64, bool = 0/1,
//! string = `*const Str` and regex = `*const Arc<Regex>`, pointing at a value
//! that outlives the call (a program constant, a field, tag or extra binding
//! of the point being evaluated, or a scratch slot written earlier in the
//! same call).

use crate::bytecode::Program;
use crate::error::EvalError;
use crate::point::{FieldValue, Str};
use crate::state::FuncState;
use crate::value::{VType, Value};
use std::sync::{Arc, Mutex};

/// One value crossing the native boundary.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawVal {
    /// A `VType` discriminant (`VType as u8`), widened so `bits` is aligned.
    pub tag: u64,
    pub bits: u64,
}

/// Size of a `RawVal` in bytes (stack slots and slot arrays are laid out with it).
pub const RAW_SIZE: u32 = std::mem::size_of::<RawVal>() as u32;
/// Offset of `RawVal::tag`.
pub const RAW_TAG: i32 = std::mem::offset_of!(RawVal, tag) as i32;
/// Offset of `RawVal::bits`.
pub const RAW_BITS: i32 = std::mem::offset_of!(RawVal, bits) as i32;

/// Status codes a native lambda returns.
pub mod status {
    /// `JitCtx::out` holds the result.
    pub const OK: u32 = 0;
    /// A helper stored the error in `JitCtx::err`.
    pub const ERROR: u32 = 1;
    /// Inline integer `/ 0` or `% 0`.
    pub const DIVIDE_BY_ZERO: u32 = 2;
    /// An operand combination the check sites should have rejected
    /// (an engine bug, reported as `EvalError::Internal`).
    pub const IMPOSSIBLE: u32 = 3;
    /// Inline unary minus of the duration i64::MIN (`ops::duration::neg`).
    pub const DURATION_OVERFLOW: u32 = 4;
    /// `CHECK + i`: check site `i` failed (its error is in the state's table).
    pub const CHECK: u32 = 1 << 16;
}

impl RawVal {
    /// The raw form of a value. Strings and regexes borrow `v`: the result is
    /// valid only while `v` is alive and unmoved.
    #[inline]
    pub fn of(v: &Value) -> RawVal {
        let (t, bits) = match v {
            Value::Float(f) => (VType::Float, f.to_bits()),
            Value::Int(i) => (VType::Int, *i as u64),
            Value::String(s) => (VType::String, s as *const Str as usize as u64),
            Value::Bool(b) => (VType::Bool, *b as u64),
            Value::Duration(d) => (VType::Duration, *d as u64),
            Value::Time(t) => (VType::Time, *t as u64),
            Value::Regex(r) => (VType::Regex, r as *const Arc<regex::Regex> as usize as u64),
            Value::Missing => (VType::Missing, 0),
        };
        RawVal {
            tag: t as u64,
            bits,
        }
    }

    #[inline]
    pub fn new(t: VType, bits: u64) -> RawVal {
        RawVal {
            tag: t as u64,
            bits,
        }
    }

    /// A field's value (`Null`, from `join.fill('null')`, is missing).
    #[inline]
    pub fn of_field(f: &FieldValue) -> RawVal {
        match f {
            FieldValue::Float(x) => RawVal::new(VType::Float, x.to_bits()),
            FieldValue::Int(x) => RawVal::new(VType::Int, *x as u64),
            FieldValue::String(s) => RawVal::of_str(s),
            FieldValue::Bool(b) => RawVal::new(VType::Bool, *b as u64),
            FieldValue::Null => RawVal::new(VType::Missing, 0),
        }
    }

    /// A string, borrowed like `of`.
    #[inline]
    pub fn of_str(s: &Str) -> RawVal {
        RawVal::new(VType::String, s as *const Str as usize as u64)
    }

    /// The run-time type (`Missing` for a corrupt tag, never produced).
    #[inline]
    pub fn vtype(self) -> VType {
        vtype_of(self.tag).unwrap_or(VType::Missing)
    }

    /// Back to an owned value (strings and regexes: a reference-count increment).
    ///
    /// # Safety
    /// For string and regex tags, `bits` must point at a live `Str` /
    /// `Arc<Regex>` (true for every `RawVal` produced during the current call).
    #[inline]
    pub unsafe fn to_value(self) -> Result<Value, EvalError> {
        Ok(match vtype_of(self.tag)? {
            VType::Float => Value::Float(f64::from_bits(self.bits)),
            VType::Int => Value::Int(self.bits as i64),
            VType::Bool => Value::Bool(self.bits != 0),
            VType::Duration => Value::Duration(self.bits as i64),
            VType::Time => Value::Time(self.bits as i64),
            VType::Missing => Value::Missing,
            VType::String => {
                // SAFETY: the caller guarantees `bits` points at a live `Str`.
                let s = unsafe { &*(self.bits as usize as *const Str) };
                Value::String(s.clone())
            }
            VType::Regex => {
                // SAFETY: the caller guarantees `bits` points at a live `Arc<Regex>`.
                let r = unsafe { &*(self.bits as usize as *const Arc<regex::Regex>) };
                Value::Regex(r.clone())
            }
        })
    }
}

/// All run-time types, in tag order (the tag is the index).
pub const ALL_TYPES: [VType; 8] = [
    VType::Float,
    VType::Int,
    VType::String,
    VType::Bool,
    VType::Duration,
    VType::Time,
    VType::Regex,
    VType::Missing,
];

/// The `VType` of a tag, or an internal error for a corrupt tag.
#[inline]
pub fn vtype_of(tag: u64) -> Result<VType, EvalError> {
    ALL_TYPES
        .get(tag as usize)
        .copied()
        .filter(|t| *t as u64 == tag)
        .ok_or_else(|| EvalError::Internal(format!("bad value tag {tag} from native code")))
}

/// The per-call context. Native code uses `slots` and `out` only.
#[repr(C)]
pub struct JitCtx {
    /// The resolved references, by reference index.
    pub slots: *const RawVal,
    /// One byte per check site, non-zero when it fails for the current
    /// reference types (read by the checked function only).
    pub fails: *const u8,
    /// The result.
    pub out: RawVal,
    /// Scratch values for helper results (strings, regexes), one per site.
    pub scratch: *mut Value,
    pub scratch_len: usize,
    /// The group's stateful-function slots.
    pub funcs: *mut FuncState,
    pub funcs_len: usize,
    /// The nested lambdas' shared function state.
    pub shared: *const Mutex<Vec<FuncState>>,
    /// The program (for `arg_paths` in call errors).
    pub program: *const Program,
    /// The error a helper reports with `status::ERROR`.
    pub err: Option<EvalError>,
}

/// Offset of `JitCtx::slots`.
pub const CTX_SLOTS: i32 = std::mem::offset_of!(JitCtx, slots) as i32;
/// Offset of `JitCtx::fails`.
pub const CTX_FAILS: i32 = std::mem::offset_of!(JitCtx, fails) as i32;
/// Offset of `JitCtx::out`.
pub const CTX_OUT: i32 = std::mem::offset_of!(JitCtx, out) as i32;

/// A builtin call site: what the call helper needs, addressed by pointer from
/// native code (the sites live in the `NativeLambda`, which outlives every call).
#[derive(Debug, Clone)]
pub struct CallSite {
    pub func: compiler::catalog::builtins::Builtin,
    pub argc: u8,
    /// `Some((slot, shared))` for stateful/volatile calls.
    pub state: Option<(u16, bool)>,
    /// Index into `Program::arg_paths`.
    pub ctx: u16,
    /// The scratch slot receiving the result.
    pub scratch: u32,
}

/// A binary operator evaluated by the generic helper (strings, regexes,
/// durations): the bytecode op and its scratch slot.
#[derive(Debug, Clone)]
pub struct BinSite {
    pub op: crate::bytecode::Op,
    pub scratch: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_round_trip() {
        let vals = [
            Value::Float(-1.5),
            Value::Int(i64::MIN),
            Value::String("héllo".into()),
            Value::Bool(true),
            Value::Duration(-5),
            Value::Time(17),
            Value::Regex(Arc::new(regex::Regex::new("a+").unwrap())),
            Value::Missing,
        ];
        for v in &vals {
            let raw = RawVal::of(v);
            assert_eq!(vtype_of(raw.tag).unwrap(), v.vtype());
            // SAFETY: `v` is alive for the conversion.
            let back = unsafe { raw.to_value() }.unwrap();
            assert!(back.same(v), "{v:?} -> {back:?}");
        }
        assert!(vtype_of(99).is_err());
    }

    #[test]
    fn tags_are_vtype_discriminants() {
        for (i, t) in ALL_TYPES.iter().enumerate() {
            assert_eq!(*t as usize, i);
        }
    }
}
