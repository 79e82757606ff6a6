//! Batch tasks' queries (Kapacitor's `QueryNode`, query.go, batch.go and
//! `ResultToBufferedBatches`), independent of how InfluxDB is reached:
//!
//! * `influxql/` — the `SELECT` statement: parsed, rewritten and printed
//!   back byte for byte as InfluxQL prints it;
//! * `query.rs` — a query node's statement, schedule and windows
//!   ([`BatchQuery`]);
//! * `schedule.rs` — `every`/`align` and `cron` instants;
//! * `result.rs` — a query result as batches.
//!
//! The server runs the queries (one scheduler per enabled batch task) and
//! feeds the batches to the engine; recordings use [`BatchQuery::runs_between`].

pub mod influxql;
pub mod query;
pub mod record;
pub mod result;
pub mod schedule;
#[cfg(test)]
mod tests;

pub use query::{BatchQuery, QueryError, QueryRun};
pub use result::{result_to_batches, QueriedBatch, ResultError, Series, Stamp};
pub use schedule::{CronError, Schedule};

use compiler::catalog::NodeKind;
use compiler::ir::Pipeline;

/// The task's `query` nodes in `task::replay_order` (entry *i* of a batch
/// recording, *i*-th query fed), each as a [`BatchQuery`]; `queryFlux`
/// nodes are not supported and give an error.
pub fn task_queries(pipeline: &Pipeline) -> Result<Vec<BatchQuery>, QueryError> {
    crate::task::replay_order(pipeline)
        .into_iter()
        .map(|id| {
            let node = &pipeline.nodes[id as usize];
            match node.kind {
                NodeKind::Query => BatchQuery::from_node(node),
                _ => Err(QueryError::Invalid(format!(
                    "{}: queryFlux nodes cannot run: Flux is not supported",
                    node.name
                ))),
            }
        })
        .collect()
}

/// Kapacitor's `checkDBRPs`: every source of every query must be one of the
/// task's dbrps.
pub fn check_dbrps(queries: &[BatchQuery], dbrps: &[compiler::ir::Dbrp]) -> Result<(), QueryError> {
    for q in queries {
        for (db, rp) in q.dbrps() {
            if !dbrps.iter().any(|d| d.db == db && d.rp == rp) {
                return Err(QueryError::Invalid(format!(
                    "batch query is not allowed to request data from {db:?}.{rp:?}"
                )));
            }
        }
    }
    Ok(())
}
