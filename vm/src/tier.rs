//! Tiered compilation: a lambda starts on the bytecode VM and gets native
//! code once it proves hot.
//!
//! Why: lowering to bytecode costs microseconds, Cranelift costs
//! milliseconds per lambda, so compiling every lambda of every task at
//! start made 1,000 tasks take seconds to define. Most lambdas of a large
//! installation see few points; the hot ones pay for their native code many
//! times over. So `Engine::Tiered` lowers only, counts the VM evaluations,
//! and after `TierPolicy::threshold` of them hands the program to one
//! process-wide compile thread (off the write path); the native function is
//! published through a `OnceLock` and every later evaluation runs it.
//!
//! Why results cannot change when the tier does: both back ends run the
//! same bytecode over the same `LambdaState` parts (reference caches, check
//! table, stateful-function slots), so a switch between two points is
//! invisible except in speed (tested in `tests/tiered.rs` and by the
//! differential test's tiered column, which switches mid-sequence).
//!
//! Per evaluation this adds one acquire load (is the native code there?)
//! and, while on the VM, a relaxed load and store of the counter: no lock,
//! no read-modify-write, no allocation. The counter is approximate under
//! concurrent evaluation (two threads may both store n+1), which only
//! delays the switch by a few evaluations.

use crate::bytecode::Program;
use crate::jit::NativeLambda;
use crate::lambda::Engine;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, OnceLock, Weak};

/// When and where a tiered lambda gets its native code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierPolicy {
    /// VM evaluations (summed over every state of the lambda) before the
    /// native code is requested. 0 requests it at the first evaluation.
    pub threshold: u32,
    /// Where the code generator runs.
    pub compile: CompileOn,
}

/// Where the code generator runs when a tiered lambda turns hot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileOn {
    /// On the process-wide compile thread; the VM keeps evaluating until the
    /// native code is published. What tasks use.
    Background,
    /// In the evaluation that crosses the threshold, which then already runs
    /// natively. Deterministic: for tests that switch tier at a known point.
    Inline,
}

impl TierPolicy {
    /// Tasks' policy. A few hundred evaluations cost the VM's extra
    /// nanoseconds a few microseconds in all, far below one compile, and
    /// keep lambdas that see little data (most of 1,000 tasks) off the
    /// code generator entirely.
    pub const DEFAULT: TierPolicy = TierPolicy {
        threshold: 256,
        compile: CompileOn::Background,
    };
}

impl Default for TierPolicy {
    fn default() -> Self {
        TierPolicy::DEFAULT
    }
}

/// The native half of a compiled lambda: present from the start for
/// `Engine::Jit`, filled in once for `Engine::Tiered`, never for `Engine::Vm`.
pub(crate) struct NativeSlot {
    native: OnceLock<NativeLambda>,
    /// Tiered only: VM evaluations so far (stops counting at the threshold).
    evals: AtomicU32,
    /// Tiered only: the compile was requested (at most once).
    requested: AtomicBool,
    /// `None` for `Engine::Vm` and `Engine::Jit` (nothing to decide later).
    policy: Option<TierPolicy>,
    program: Arc<Program>,
}

impl NativeSlot {
    /// `Engine::Jit`: compiled now (empty if the code generator failed,
    /// counted as a fallback).
    pub(crate) fn compiled_now(program: &Arc<Program>) -> NativeSlot {
        let slot = NativeSlot::empty(program, None);
        if let Some(n) = crate::jit::compile(program) {
            let _ = slot.native.set(n);
        }
        slot
    }

    /// `Engine::Vm` (no policy) or `Engine::Tiered` (a policy).
    pub(crate) fn empty(program: &Arc<Program>, policy: Option<TierPolicy>) -> NativeSlot {
        NativeSlot {
            native: OnceLock::new(),
            evals: AtomicU32::new(0),
            requested: AtomicBool::new(false),
            policy,
            program: program.clone(),
        }
    }

    /// The native code, if it is there.
    #[inline]
    pub(crate) fn get(&self) -> Option<&NativeLambda> {
        self.native.get()
    }

    /// Whether native code may still arrive (a tiered lambda not yet switched).
    pub(crate) fn is_tiered(&self) -> bool {
        self.policy.is_some()
    }

    /// Count one VM evaluation of a tiered lambda; at the threshold, request
    /// the native code. `this` is the slot's own `Arc`, handed to the compile
    /// thread as a `Weak` so a lambda dropped meanwhile is not compiled.
    /// Returns the native code if it exists now (compiled inline), so the
    /// evaluation that crossed the threshold already runs it.
    #[inline]
    pub(crate) fn note_vm_eval(this: &Arc<NativeSlot>) -> Option<&NativeLambda> {
        let policy = this.policy?;
        let n = this.evals.load(Ordering::Relaxed);
        if n < policy.threshold {
            this.evals.store(n + 1, Ordering::Relaxed);
            return None;
        }
        NativeSlot::request(this, policy);
        this.native.get()
    }

    #[cold]
    fn request(this: &Arc<NativeSlot>, policy: TierPolicy) {
        if this.requested.swap(true, Ordering::AcqRel) {
            return;
        }
        match policy.compile {
            CompileOn::Inline => this.compile_here(),
            CompileOn::Background => {
                let sent = compile_thread()
                    .ok()
                    .is_some_and(|tx| tx.send(Arc::downgrade(this)).is_ok());
                if !sent {
                    // No compile thread could be started: compile here rather than never.
                    this.compile_here();
                }
            }
        }
    }

    fn compile_here(&self) {
        if let Some(n) = crate::jit::compile(&self.program) {
            let _ = self.native.set(n);
        }
    }

    /// Block until a requested background compile is published (tests and
    /// benches; never on the write path). `false` if it never will be: not
    /// requested, not tiered, or the code generator failed.
    pub(crate) fn wait(&self, deadline: std::time::Instant) -> bool {
        while std::time::Instant::now() < deadline {
            if self.native.get().is_some() {
                return true;
            }
            if !self.requested.load(Ordering::Acquire) {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        self.native.get().is_some()
    }
}

/// Why the compile thread is not there (the OS refused a thread).
#[derive(Debug)]
struct NoCompileThread;

/// The process-wide compile thread's queue, started on first use. One
/// thread: compiles are rare (once per hot lambda) and must not compete
/// with the task workers for the cores.
fn compile_thread() -> Result<&'static Sender<Weak<NativeSlot>>, NoCompileThread> {
    static QUEUE: OnceLock<Option<Sender<Weak<NativeSlot>>>> = OnceLock::new();
    QUEUE
        .get_or_init(|| {
            let (tx, rx) = channel::<Weak<NativeSlot>>();
            std::thread::Builder::new()
                .name("lambda-jit".to_string())
                .spawn(move || {
                    for job in rx {
                        if let Some(slot) = job.upgrade() {
                            slot.compile_here();
                        }
                    }
                })
                .ok()
                .map(|_| tx)
        })
        .as_ref()
        .ok_or(NoCompileThread)
}

/// The engine tasks compile their lambdas for unless told otherwise
/// (`set_task_engine`): `Engine::Tiered`.
static TASK_ENGINE: AtomicU8 = AtomicU8::new(2);

/// The engine the runtime's nodes ask for. Benches set it to compare the
/// tiers over the same task set; `tickc eval` and tests name their engine.
pub fn task_engine() -> Engine {
    match TASK_ENGINE.load(Ordering::Relaxed) {
        0 => Engine::Vm,
        1 => Engine::Jit,
        _ => Engine::Tiered,
    }
}

/// Change the engine tasks started from now on compile for (process-wide).
pub fn set_task_engine(engine: Engine) {
    let code = match engine {
        Engine::Vm => 0,
        Engine::Jit => 1,
        Engine::Tiered => 2,
    };
    TASK_ENGINE.store(code, Ordering::Relaxed);
}
