//! The Cranelift JIT engine: each lambda becomes one native function.
//!
//! **What is translated.** The JIT translates the *bytecode* (`bytecode.rs`),
//! not the IR tree. The bytecode already fixes everything the two engines
//! must agree on: the reference table and its resolution order, the state
//! slot of every stateful call (one per function name per expression, nested
//! lambdas shared, §5.5), short-circuit jumps, and the argument paths used to
//! wrap call errors. Translating it means the JIT cannot drift from the VM on
//! any of those. The stack is simulated at compile time, so the native code
//! is register-allocated SSA without a value stack (`translate.rs`).
//!
//! **One evaluation.** `NativeLambda::run` resolves references like the VM
//! (`resolve::resolve_ref`, same slot caches and errors, borrowing instead of
//! cloning) and keeps the same per-state check-site table (`Frame::check`,
//! recomputed only when the references' types change), so type errors are
//! the VM's by construction. The JIT never calls the interpreter: both are
//! back ends over the same bytecode, `resolve/` and `ops/` below them. Each lambda is
//! compiled twice, from `Program::code` and from `Program::checked`: when no
//! site fails for the current types the unchecked function runs, with no
//! check at all; otherwise the checked one, where each `Op::Check` is a byte
//! load from `JitCtx::fails` and a branch leaving with `status::CHECK + i`,
//! which `run` turns into site `i`'s error. Either way native code reaches
//! an operator only with a valid operand combination, so it branches on
//! run-time tags among those only; the other errors are integer `/0`
//! (inline, a status code) and builtin failures (reported by the helpers
//! with the same `EvalError` the VM builds).
//!
//! **Inline vs helpers.** Float/int/duration/bool arithmetic and comparisons
//! (mixed int/float comparisons convert like Go's `float64(i)`), `!`, unary
//! `-`, short-circuit `AND`/`OR`, constants and reference loads are inline.
//! String comparison and regex match call two tiny helpers; every builtin
//! (pure, stateful, volatile) calls `jit_call`, which runs the same
//! `builtins::call`/`call_stateful` as the VM on the same state slots; the
//! remaining operator cases (string concatenation, checked duration
//! arithmetic) call `ops::binary`, the VM's own. Nothing is re-implemented.
//! Unary minus of a duration is inline with an overflow test (i64::MIN
//! leaves with `status::DURATION_OVERFLOW`).
//!
//! **Fallback.** Every construct of the language translates. The VM fallback
//! remains for failures of the code generator itself (a Cranelift error or an
//! unsupported host); each is counted in `fallback_count()` and the lambda
//! reports `Engine::Vm` through `CompiledLambda::engine()`.
//!
//! **Memory.** Each compiled lambda owns its own `JITModule` (inside
//! `NativeLambda`), so its code pages are freed exactly when the last user,
//! the `CompiledLambda`, is dropped. The module sits behind a `Mutex` only
//! to make `NativeLambda` `Sync` (`JITModule` is `Send` but not `Sync`); the
//! lock is taken only in `Drop`, never per point. Measured before the
//! checked variant was added: about 7.5 KB of resident memory per live
//! native lambda (code, constants, bookkeeping), returned when it is
//! dropped; compiling one cost about 0.5 ms for a small predicate and 2.5 ms
//! for a 10-operation expression over three dynamically typed fields. The
//! second (checked) function roughly doubles both. Tasks therefore compile
//! tiered (`tier.rs`): this cost is paid on a background thread, and only by
//! lambdas that turn hot.

mod abi;
mod helpers;
mod translate;

#[cfg(test)]
mod tests;

pub use abi::RawVal;

use crate::bytecode::{Op, Program};
use crate::error::EvalError;
use crate::point::Scope;
use crate::resolve::{Frame, Resolved};
use crate::state::FuncStates;
use crate::value::{VType, Value};
use abi::{status, JitCtx};
use cranelift_codegen::ir::{types, AbiParam};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Module};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Why a lambda could not be compiled to native code (it then runs on the VM).
#[derive(Debug, Clone, PartialEq)]
pub enum JitError {
    /// The host has no Cranelift backend or the flags were rejected.
    Isa(String),
    /// Cranelift rejected or failed to emit the function.
    Codegen(String),
    /// The bytecode was malformed (an engine bug).
    StackUnderflow,
    BadIndex(&'static str),
    Unsupported(&'static str),
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::Isa(m) => write!(f, "no native code generator for this host: {m}"),
            JitError::Codegen(m) => write!(f, "native code generation failed: {m}"),
            JitError::StackUnderflow => f.write_str("bytecode stack underflow"),
            JitError::BadIndex(what) => write!(f, "bytecode refers to a missing {what}"),
            JitError::Unsupported(what) => write!(f, "unsupported in native code: {what}"),
        }
    }
}

impl std::error::Error for JitError {}

static FALLBACKS: AtomicU64 = AtomicU64::new(0);
static LAST_FALLBACK: Mutex<Option<JitError>> = Mutex::new(None);

/// How many lambdas asked for `Engine::Jit` ran on the VM instead (process-wide).
pub fn fallback_count() -> u64 {
    FALLBACKS.load(Ordering::Relaxed)
}

/// Why the most recent fallback happened (for `tickc eval` and logs).
pub fn last_fallback() -> Option<JitError> {
    LAST_FALLBACK
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn count_fallback(why: JitError) {
    FALLBACKS.fetch_add(1, Ordering::Relaxed);
    *LAST_FALLBACK.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
}

/// The host ISA, built once per process (it is immutable and shared).
fn isa() -> Result<OwnedTargetIsa, JitError> {
    static ISA: OnceLock<Result<OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        for (k, v) in [
            ("opt_level", "speed"),
            // JIT code may be far from the helpers: no short-range calls.
            ("use_colocated_libcalls", "false"),
            ("is_pic", "false"),
        ] {
            flags.set(k, v).map_err(|e| e.to_string())?;
        }
        let builder = cranelift_native::builder().map_err(|e| e.to_string())?;
        builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(JitError::Isa)
}

/// The native entry point: `fn(ctx) -> status`.
type EntryFn = unsafe extern "C" fn(*mut JitCtx) -> u32;

/// The compiler: a module and the Cranelift contexts for one lambda.
pub(crate) struct Jit {
    module: JITModule,
    ctx: cranelift_codegen::Context,
    builder_ctx: FunctionBuilderContext,
}

impl Jit {
    pub(crate) fn new() -> Result<Jit, JitError> {
        let module = JITModule::new(JITBuilder::with_isa(
            isa()?,
            cranelift_module::default_libcall_names(),
        ));
        let ctx = module.make_context();
        Ok(Jit {
            module,
            ctx,
            builder_ctx: FunctionBuilderContext::new(),
        })
    }

    /// Declare and define one function translating `code`.
    fn define(
        &mut self,
        program: &Program,
        code: &[Op],
        sites: &translate::Sites,
    ) -> Result<FuncId, JitError> {
        let frontend = self.module.target_config();
        let ptr = frontend.pointer_type();
        let call_conv = self.module.isa().default_call_conv();
        self.module.clear_context(&mut self.ctx);
        self.ctx.func.signature.call_conv = call_conv;
        self.ctx.func.signature.params.push(AbiParam::new(ptr));
        self.ctx
            .func
            .signature
            .returns
            .push(AbiParam::new(types::I32));
        let builder =
            cranelift_frontend::FunctionBuilder::new(&mut self.ctx.func, &mut self.builder_ctx);
        translate::FunctionTranslator::new(builder, frontend, call_conv, program, code, sites)
            .translate()?;
        let codegen = |e: &dyn fmt::Display| JitError::Codegen(e.to_string());
        let id = self
            .module
            .declare_anonymous_function(&self.ctx.func.signature)
            .map_err(|e| codegen(&e))?;
        self.module
            .define_function(id, &mut self.ctx)
            .map_err(|e| codegen(&format!("{e:?}")))?;
        self.module.clear_context(&mut self.ctx);
        Ok(id)
    }

    /// Compile `program` to a native lambda: its unchecked and its checked code.
    pub(crate) fn compile(mut self, program: &Arc<Program>) -> Result<NativeLambda, JitError> {
        let sites = translate::Sites::new(&program.code);
        let sites_checked = translate::Sites::new(&program.checked);
        let plain = self.define(program, &program.code, &sites)?;
        let checked = self.define(program, &program.checked, &sites_checked)?;
        self.module
            .finalize_definitions()
            .map_err(|e| JitError::Codegen(e.to_string()))?;
        // SAFETY: both are finalized functions just defined with the
        // signature `fn(ptr) -> i32` in the ISA's default (C) calling
        // convention, which is `EntryFn`'s ABI; they stay mapped as long as
        // `module` lives, and `NativeLambda` keeps them together.
        let (entry, entry_checked) = unsafe {
            (
                std::mem::transmute::<*const u8, EntryFn>(
                    self.module.get_finalized_function(plain),
                ),
                std::mem::transmute::<*const u8, EntryFn>(
                    self.module.get_finalized_function(checked),
                ),
            )
        };
        Ok(NativeLambda {
            entry,
            entry_checked,
            module: Mutex::new(Some(self.module)),
            sites,
            sites_checked,
            program: program.clone(),
        })
    }
}

/// A lambda compiled to native code.
pub(crate) struct NativeLambda {
    /// `Program::code`: runs when no check site fails for the current types.
    entry: EntryFn,
    /// `Program::checked`: runs otherwise.
    entry_checked: EntryFn,
    /// Owns the code `entry` points into; freed in `Drop`.
    module: Mutex<Option<JITModule>>,
    /// Call and operator sites, addressed by pointer from the native code
    /// (one set per function).
    sites: translate::Sites,
    sites_checked: translate::Sites,
    /// Its constants are addressed by pointer from the native code.
    program: Arc<Program>,
}

impl Drop for NativeLambda {
    fn drop(&mut self) {
        let module = match self.module.get_mut() {
            Ok(m) => m.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(m) = module {
            // SAFETY: `entry` is private and only called through `&self`;
            // `drop` has `&mut self`, so no call is running and none can start.
            unsafe { m.free_memory() };
        }
    }
}

/// Per-group buffers of the JIT, kept in `LambdaState` so evaluating never allocates.
#[derive(Debug, Default)]
pub struct JitScratch {
    slots: Vec<RawVal>,
    scratch: Vec<Value>,
}

impl JitScratch {
    /// Buffers for a program with `refs` references and `scratch` scratch values.
    pub(crate) fn new(refs: usize, scratch: usize) -> JitScratch {
        JitScratch {
            slots: vec![RawVal::default(); refs],
            scratch: vec![Value::Missing; scratch],
        }
    }
}

/// The scratch length native code for `program` will need, without
/// compiling it (a tiered lambda sizes its states before it has native code).
pub(crate) fn scratch_len(program: &Program) -> usize {
    translate::Sites::scratch_len_of(&program.code)
        .max(translate::Sites::scratch_len_of(&program.checked))
}

impl NativeLambda {
    pub(crate) fn scratch_len(&self) -> usize {
        self.sites.scratch_len.max(self.sites_checked.scratch_len)
    }

    /// Evaluate on one point.
    pub(crate) fn run(
        &self,
        scope: &Scope<'_>,
        frame: &mut Frame,
        funcs: &mut FuncStates,
        jit: &mut JitScratch,
    ) -> Result<Value, EvalError> {
        let p = &*self.program;
        let n = p.refs.len();
        // A state made for another lambda: size the buffers (never per point
        // for a state made by `new_state`; `resolve_all` fits the frame).
        if jit.slots.len() != n {
            jit.slots.resize(n, RawVal::default());
        }
        if jit.scratch.len() < self.scratch_len() {
            jit.scratch.resize(self.scratch_len(), Value::Missing);
        }
        // The VM's resolution (same slot caches and schema binding, same
        // errors in the same order), borrowing from the point.
        let slots = &mut jit.slots;
        frame.resolve_all(p, scope, |i, r| {
            slots[i] = match r {
                Resolved::Time(t) => RawVal::new(VType::Time, t as u64),
                Resolved::Field(f) => RawVal::of_field(f),
                Resolved::Tag(t) => RawVal::of_str(t),
                Resolved::Extra(v) => RawVal::of(v),
                Resolved::Missing => RawVal::new(VType::Missing, 0),
            }
        })?;
        let table = &frame.table;
        let entry = if table.any_fail {
            self.entry_checked
        } else {
            self.entry
        };
        let mut ctx = JitCtx {
            slots: jit.slots.as_ptr(),
            fails: table.site_fail.as_ptr(),
            out: RawVal::default(),
            scratch: jit.scratch.as_mut_ptr(),
            scratch_len: jit.scratch.len(),
            funcs: funcs.own.as_mut_ptr(),
            funcs_len: funcs.own.len(),
            shared: Arc::as_ptr(&funcs.shared),
            program: Arc::as_ptr(&self.program),
            err: None,
        };
        // SAFETY: `entry` was compiled by `Jit::compile` for this program and
        // its sites (both owned by `self`, so alive), and its module is alive
        // while `self` is. The context's pointers describe disjoint parts of
        // the state that stay borrowed (and unmoved) for the whole call:
        // native code reads `slots` (whose string pointers point into the
        // point behind `scope`, borrowed for the whole call) and `fails`
        // (one byte per check site of this program: `Frame::check` sized the
        // table for it above), and the helpers write only `scratch`, `funcs`,
        // `shared` and `err`.
        let code = unsafe { entry(&mut ctx) };
        match code {
            status::OK => {
                // SAFETY: `out` was produced in this call, so a string or
                // regex payload points into the point, `scratch` or the
                // program's constants, all alive.
                unsafe { ctx.out.to_value() }
            }
            status::ERROR => Err(ctx.err.take().unwrap_or_else(|| {
                EvalError::Internal("native lambda failed without an error".to_string())
            })),
            status::DIVIDE_BY_ZERO => Err(EvalError::DivideByZero),
            // Only `-d` with d = i64::MIN leaves with this status.
            status::DURATION_OVERFLOW => Err(EvalError::DurationOverflow {
                left: crate::error::Operand::Duration(i64::MIN),
                op: "-",
                right: None,
            }),
            c if c >= status::CHECK => Err(table
                .error((c - status::CHECK) as usize)
                .cloned()
                .unwrap_or_else(|| {
                    EvalError::Internal(format!("native lambda failed check site {}", c - status::CHECK))
                })),
            other => Err(EvalError::Internal(format!(
                "native lambda returned status {other} (an operand combination the check sites reject)"
            ))),
        }
    }
}

/// Compile `program` natively (`None`, counted as a fallback, if the code
/// generator fails: the VM then runs it).
pub(crate) fn compile(program: &Arc<Program>) -> Option<NativeLambda> {
    match Jit::new().and_then(|jit| jit.compile(program)) {
        Ok(n) => Some(n),
        Err(why) => {
            count_fallback(why);
            None
        }
    }
}
