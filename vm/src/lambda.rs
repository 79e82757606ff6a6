//! The public face of the lambda engine: compile a checked lambda once per
//! task, then evaluate it per point with a per-group `LambdaState`.
//!
//! `CompiledLambda` is immutable and shared (`Send + Sync`); everything that
//! changes while evaluating (reference slot caches, stateful
//! builtin state) lives in `LambdaState`, which the caller keeps per group
//! (reference §5.5 says where: per group in where/eval/state*/combine, one
//! shared state for alert predicates and `from().where`).

use crate::bytecode::Program;
use crate::error::{CompileError, EvalError};
use crate::interp;
use crate::point::Scope;
use crate::resolve::Frame;
use crate::state::{load_funcs, FuncState, FuncStates, StateShapeError};
use crate::tier::{NativeSlot, TierPolicy};
use crate::value::Value;
use std::sync::{Arc, Mutex};

/// Which engine evaluates a lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The bytecode interpreter (`interp.rs`).
    Vm,
    /// Native code through Cranelift (`jit/`), compiled before the first
    /// evaluation.
    Jit,
    /// The VM first, native code once the lambda proves hot (`tier.rs`):
    /// cheap to compile, fast where it matters. The default for tasks.
    Tiered,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Vm => "vm",
            Engine::Jit => "jit",
            Engine::Tiered => "tiered",
        }
    }
}

/// A lambda compiled for one engine. Compiled once per task, never per point.
pub struct CompiledLambda {
    /// The bytecode: always built, it is the VM engine and the JIT's fallback.
    pub(crate) program: Arc<Program>,
    /// The engine asked for.
    pub(crate) requested: Engine,
    /// State of stateful calls inside `Nested` lambdas: one instance shared by
    /// every group (§5.5), hence behind a lock taken only by those calls.
    pub(crate) shared: Arc<Mutex<Vec<FuncState>>>,
    /// The canonical source text, for messages.
    pub(crate) source: String,
    /// The native code (`jit/`): there from the start for `Engine::Jit`,
    /// published later for `Engine::Tiered`, never for `Engine::Vm`.
    pub(crate) native: Arc<NativeSlot>,
    /// Scratch length the native code needs, known before it exists so a
    /// state never grows when its lambda changes tier.
    pub(crate) jit_scratch_len: usize,
}

/// Per-group evaluation state of one `CompiledLambda`.
pub struct LambdaState {
    /// Reference slot caches, their run-time types and the check table.
    pub(crate) frame: Frame,
    /// The stateful calls' state (own per group, nested lambdas' shared).
    pub(crate) funcs: FuncStates,
    /// The JIT's per-group buffers (empty for the VM).
    pub(crate) jit: crate::jit::JitScratch,
}

impl CompiledLambda {
    /// Compile a checked lambda. `Engine::Jit` falls back to the VM (and says
    /// so through `engine()`) for what the JIT cannot compile;
    /// `Engine::Tiered` follows `TierPolicy::DEFAULT`.
    pub fn compile(
        lambda: &compiler::ir::Lambda,
        engine: Engine,
    ) -> Result<CompiledLambda, CompileError> {
        let program = Arc::new(crate::lower::lower(&lambda.expr)?);
        // The JIT compiles here, once; if its code generator fails the VM
        // runs the lambda (counted in `jit::fallback_count`).
        let native = match engine {
            Engine::Jit => NativeSlot::compiled_now(&program),
            Engine::Vm => NativeSlot::empty(&program, None),
            Engine::Tiered => NativeSlot::empty(&program, Some(TierPolicy::DEFAULT)),
        };
        Ok(CompiledLambda::assemble(lambda, program, engine, native))
    }

    /// Compile for `Engine::Tiered` with an explicit policy (tests choose
    /// `CompileOn::Inline` to switch tier at a known evaluation).
    pub fn compile_tiered(
        lambda: &compiler::ir::Lambda,
        policy: TierPolicy,
    ) -> Result<CompiledLambda, CompileError> {
        let program = Arc::new(crate::lower::lower(&lambda.expr)?);
        let native = NativeSlot::empty(&program, Some(policy));
        Ok(CompiledLambda::assemble(
            lambda,
            program,
            Engine::Tiered,
            native,
        ))
    }

    fn assemble(
        lambda: &compiler::ir::Lambda,
        program: Arc<Program>,
        requested: Engine,
        native: NativeSlot,
    ) -> CompiledLambda {
        let jit_scratch_len = match (native.get(), native.is_tiered()) {
            (Some(n), _) => n.scratch_len(),
            (None, true) => crate::jit::scratch_len(&program),
            (None, false) => 0,
        };
        CompiledLambda {
            shared: Arc::new(Mutex::new(program.new_shared_funcs())),
            program,
            requested,
            source: lambda.source.clone(),
            native: Arc::new(native),
            jit_scratch_len,
        }
    }

    /// A fresh per-group state (stateful builtins start over, caches empty).
    pub fn new_state(&self) -> LambdaState {
        LambdaState {
            frame: Frame::new(self.program.refs.len()),
            funcs: FuncStates {
                own: self.program.new_funcs(),
                shared: self.shared.clone(),
            },
            // Sized for the native code even before a tiered lambda has it.
            jit: if self.native.get().is_some() || self.native.is_tiered() {
                crate::jit::JitScratch::new(self.program.refs.len(), self.jit_scratch_len)
            } else {
                crate::jit::JitScratch::default()
            },
        }
    }

    /// Evaluate on one point.
    #[inline]
    pub fn eval(&self, scope: &Scope<'_>, state: &mut LambdaState) -> Result<Value, EvalError> {
        let LambdaState { frame, funcs, jit } = state;
        match self.native.get() {
            Some(native) => native.run(scope, frame, funcs, jit),
            None => match NativeSlot::note_vm_eval(&self.native) {
                Some(native) => native.run(scope, frame, funcs, jit),
                None => interp::run(&self.program, scope, frame, funcs),
            },
        }
    }

    /// Evaluate a predicate: anything but a bool is a TypeGuard error.
    pub fn eval_bool(&self, scope: &Scope<'_>, state: &mut LambdaState) -> Result<bool, EvalError> {
        match self.eval(scope, state)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::TypeGuard {
                got: other.type_name(),
            }),
        }
    }

    /// The engine that runs this lambda now: `Engine::Jit` once native code
    /// is there (a tiered lambda switches), else `Engine::Vm`.
    pub fn engine(&self) -> Engine {
        if self.native.get().is_some() {
            Engine::Jit
        } else {
            Engine::Vm
        }
    }

    /// The engine asked for at compile time.
    pub fn requested_engine(&self) -> Engine {
        self.requested
    }

    /// Wait (polling, up to `timeout`) until a tiered lambda whose native
    /// code was requested runs natively; `false` if it does not by then or
    /// never will (not yet hot, not tiered, or the code generator failed).
    /// For tests and benches, never the write path.
    pub fn wait_native(&self, timeout: std::time::Duration) -> bool {
        self.native.wait(std::time::Instant::now() + timeout)
    }

    /// The canonical source text of the lambda body.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether evaluating keeps anything between points (a stateful or
    /// volatile call, per group or in a nested lambda).
    pub fn is_stateful(&self) -> bool {
        !self.program.funcs.is_empty() || !self.program.shared_funcs.is_empty()
    }

    /// The nested lambdas' shared function states, for a checkpoint.
    pub fn saved_shared(&self) -> Vec<FuncState> {
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts back what `saved_shared` returned (a task restoring a checkpoint).
    pub fn load_shared(&self, saved: Vec<FuncState>) -> Result<(), StateShapeError> {
        load_funcs(
            &mut self.shared.lock().unwrap_or_else(|e| e.into_inner()),
            saved,
        )
    }

    /// A per-group state whose stateful calls continue from `saved` (what
    /// `LambdaState::saved` returned); caches start empty.
    pub fn restored_state(&self, saved: Vec<FuncState>) -> Result<LambdaState, StateShapeError> {
        let mut state = self.new_state();
        load_funcs(&mut state.funcs.own, saved)?;
        Ok(state)
    }
}

impl LambdaState {
    /// The group's stateful calls' state (what a checkpoint keeps: the
    /// reference caches and JIT buffers are rebuilt on the next point).
    pub fn saved(&self) -> Vec<FuncState> {
        self.funcs.own.clone()
    }
}
