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
use crate::value::Value;
use std::sync::{Arc, Mutex};

/// Which engine evaluates a lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The bytecode interpreter (`interp.rs`).
    Vm,
    /// Native code through Cranelift (`jit/`).
    Jit,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Vm => "vm",
            Engine::Jit => "jit",
        }
    }
}

/// A lambda compiled for one engine. Compiled once per task, never per point.
pub struct CompiledLambda {
    /// The bytecode: always built, it is the VM engine and the JIT's fallback.
    pub(crate) program: Arc<Program>,
    /// What actually runs.
    pub(crate) engine: Engine,
    /// State of stateful calls inside `Nested` lambdas: one instance shared by
    /// every group (§5.5), hence behind a lock taken only by those calls.
    pub(crate) shared: Arc<Mutex<Vec<FuncState>>>,
    /// The canonical source text, for messages.
    pub(crate) source: String,
    /// The native code when `engine` is `Engine::Jit` (`jit/`).
    pub(crate) native: Option<crate::jit::NativeLambda>,
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
    /// so through `engine()`) for what the JIT cannot compile.
    pub fn compile(
        lambda: &compiler::ir::Lambda,
        engine: Engine,
    ) -> Result<CompiledLambda, CompileError> {
        let program = crate::lower::lower(&lambda.expr)?;
        let shared = Arc::new(Mutex::new(program.new_shared_funcs()));
        let program = Arc::new(program);
        // The JIT compiles here, once; if its code generator fails the VM
        // runs the lambda (counted in `jit::fallback_count`).
        let native = match engine {
            Engine::Jit => crate::jit::compile(&program),
            Engine::Vm => None,
        };
        Ok(CompiledLambda {
            program,
            engine: if native.is_some() {
                Engine::Jit
            } else {
                Engine::Vm
            },
            shared,
            source: lambda.source.clone(),
            native,
        })
    }

    /// A fresh per-group state (stateful builtins start over, caches empty).
    pub fn new_state(&self) -> LambdaState {
        LambdaState {
            frame: Frame::new(self.program.refs.len()),
            funcs: FuncStates {
                own: self.program.new_funcs(),
                shared: self.shared.clone(),
            },
            jit: self
                .native
                .as_ref()
                .map(|n| n.new_scratch())
                .unwrap_or_default(),
        }
    }

    /// Evaluate on one point.
    pub fn eval(&self, scope: &Scope<'_>, state: &mut LambdaState) -> Result<Value, EvalError> {
        let LambdaState { frame, funcs, jit } = state;
        match &self.native {
            Some(native) => native.run(scope, frame, funcs, jit),
            None => interp::run(&self.program, scope, frame, funcs),
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

    /// The engine that actually runs this lambda.
    pub fn engine(&self) -> Engine {
        self.engine
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
