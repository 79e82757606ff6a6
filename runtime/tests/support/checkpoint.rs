//! What the checkpoint tests share: one run over the whole input, and a run
//! with a checkpoint (snapshot, bincode round trip, restore into a task
//! built anew with a fresh config) before entry `at`, both observed the same
//! way so they can be compared.

use compiler::ir::Pipeline;
use runtime::config::Config;
use runtime::engine::replay::{run, run_resumed, ReplayError, ReplayOptions, Replayed};
use runtime::output::VecSink;
use runtime::recording::Data;
use runtime::task::Task;
use std::collections::BTreeMap;

/// Everything a run shows that must not depend on a checkpoint.
#[derive(Debug, PartialEq)]
pub struct Observed {
    pub lines: Vec<String>,
    pub log: Vec<String>,
    pub end: Result<(), String>,
    /// Per node: name, errors, cardinality, buffered points, counters, edges.
    pub stats: Vec<String>,
}

pub fn observe(sink: VecSink, result: Result<Replayed, ReplayError>) -> Observed {
    let (end, stats) = match result {
        Ok(done) => (Ok(()), stats_of(&done.task)),
        Err(e) => (Err(e.to_string()), Vec::new()),
    };
    Observed {
        lines: sink.lines,
        log: sink.diagnostics,
        end,
        stats,
    }
}

fn stats_of(task: &Task) -> Vec<String> {
    task.node_names()
        .map(|(name, s, edges, _)| {
            let edges: Vec<(u64, u64)> = edges.iter().map(|e| (e.collected, e.emitted)).collect();
            format!(
                "{name} errors={} cardinality={} buffered={} counters={:?} edges={edges:?}",
                s.errors, s.working_cardinality, s.buffered_points, s.counters
            )
        })
        .collect()
}

/// One run over all of `data`.
pub fn run_whole(pipeline: &Pipeline, data: Data, opts: &ReplayOptions) -> Observed {
    let mut sink = VecSink::default();
    let r = run("task", pipeline, data, opts, &mut sink);
    observe(sink, r)
}

/// The task's checkpoint as the server and the cluster keep it: through
/// bincode, then restored into a task built anew with `config()`.
pub fn resume_from_checkpoint(
    mut task: Task,
    pipeline: &Pipeline,
    config: Config,
) -> Result<Task, ReplayError> {
    let snap = task.snapshot().map_err(ReplayError::Task)?;
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&snap, cfg).expect("a map of bytes encodes");
    let (back, _): (BTreeMap<String, Vec<u8>>, usize) =
        bincode::serde::decode_from_slice(&bytes, cfg).expect("it decodes back");
    drop(task);
    let mut fresh = Task::build("task", pipeline, config).map_err(ReplayError::Build)?;
    fresh.restore(&back).map_err(ReplayError::Task)?;
    Ok(fresh)
}

/// A run with a checkpoint before input entry `at`.
pub fn run_checkpointed(
    pipeline: &Pipeline,
    data: Data,
    opts: &ReplayOptions,
    at: usize,
    config: &dyn Fn() -> Config,
) -> Observed {
    let mut sink = VecSink::default();
    let mut resume = |task: Task| resume_from_checkpoint(task, pipeline, config());
    let r = run_resumed("task", pipeline, data, opts, &mut sink, at, &mut resume);
    observe(sink, r)
}
