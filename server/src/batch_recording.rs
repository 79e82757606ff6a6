//! Data from InfluxDB for recordings and live replays (Kapacitor's
//! services/replay: `startRecordBatch`, `execQuery`, `runQueryBatch`,
//! `runQueryStream`), blocking — callers run it off the async executor.
//!
//! * A batch task's queries: for each query node (in `task::replay_order`),
//!   every schedule instant in (start, stop] gives one query over its window
//!   (`BatchQuery::runs_between`), run through the node's cluster; batches
//!   stamped as Kapacitor's recordings stamp them (`Stamp::Recording`).
//! * One query (`record query`, `replay-live query`): it must name a single
//!   fully qualified measurement; its result's batches (not re-stamped:
//!   their time is the latest point's) or, for stream tasks, their points
//!   merged in time order.

use compiler::ir::{Pipeline, TaskType};
use runtime::batch::influxql::parse_select;
use runtime::batch::{check_dbrps, result_to_batches, task_queries, Series, Stamp};
use runtime::influxdb::{Clusters, Query};
use runtime::message::{Batch, Point};
use runtime::recording::Data;

/// The batches of each query node of a batch task over (start, stop].
pub fn task_batches(
    clusters: &Clusters,
    pipeline: &Pipeline,
    start: i64,
    stop: i64,
) -> Result<Vec<Vec<Batch>>, String> {
    if pipeline.task_type != TaskType::Batch {
        return Err("wrong task type".into());
    }
    let queries = task_queries(pipeline).map_err(|e| e.to_string())?;
    check_dbrps(&queries, &pipeline.dbrps).map_err(|e| e.to_string())?;
    if clusters.is_empty() {
        return Err("InfluxDB not configured, cannot record batch query".into());
    }
    let now = crate::ids::now_ns();
    let mut out = Vec::with_capacity(queries.len());
    for q in &queries {
        let client = clusters.get(&q.cluster).map_err(|e| e.to_string())?;
        let mut batches = Vec::new();
        for run in q.runs_between(start, stop, now) {
            tracing::debug!(query = run.text, "running batch query for replay");
            for result in q
                .execute(&client, &run, Stamp::Recording)
                .map_err(|e| e.to_string())?
            {
                batches.extend(result.map_err(|e| e.to_string())?);
            }
        }
        out.push(batches);
    }
    Ok(out)
}

/// The recorded batches of every query node, in replay order: by time,
/// ties in query-node order, as Kapacitor's replay merges its sources.
pub fn as_replay_data(entries: Vec<Vec<Batch>>) -> Data {
    let mut all: Vec<(usize, Batch)> = entries
        .into_iter()
        .enumerate()
        .flat_map(|(i, v)| v.into_iter().map(move |b| (i, b)))
        .filter(|(_, b)| !b.points.is_empty())
        .collect();
    all.sort_by_key(|(_, b)| b.tmax);
    Data::Batches(all.into_iter().map(Ok).collect())
}

/// A query's result as batches (the statement's dbrp with them).
pub fn query_batches(
    clusters: &Clusters,
    query: &str,
    cluster: &str,
) -> Result<(String, String, Vec<Batch>), String> {
    let stmt = parse_select(query).map_err(|e| e.to_string())?;
    let dbrps = stmt.dbrps();
    let (db, rp) =
        match dbrps.as_slice() {
            [(db, rp)] if stmt.sources.len() == 1 && !db.is_empty() && !rp.is_empty() => {
                (db.clone(), rp.clone())
            }
            _ => return Err(
                "could not determine database and retention policy. Is the query fully qualified?"
                    .into(),
            ),
        };
    if clusters.is_empty() {
        return Err("InfluxDB not configured, cannot record query".into());
    }
    let client = clusters
        .get(cluster)
        .map_err(|e| format!("failed to get InfluxDB client: {e}"))?;
    let resp = client
        .query(&Query::new(query))
        .map_err(|e| format!("InfluxDB query failed: {e}"))?;
    if let Some(e) = resp.error.filter(|e| !e.is_empty()) {
        return Err(format!("InfluxDB query failed: {e}"));
    }
    let mut batches = Vec::new();
    for r in &resp.results {
        let series = r.series.iter().map(Series::of);
        for q in result_to_batches(r.error.as_deref(), series, false).map_err(|e| e.to_string())? {
            // A batch without points has Go's zero time, which a nanosecond
            // time cannot hold; replays skip such batches anyway.
            if let Some(t) = q.latest {
                let mut b = q.batch;
                b.tmax = t;
                batches.push(b);
            }
        }
    }
    Ok((db, rp, batches))
}

/// A query's result as a stream task receives it: points in time order.
pub fn query_points(clusters: &Clusters, query: &str, cluster: &str) -> Result<Vec<Point>, String> {
    let (db, rp, batches) = query_batches(clusters, query, cluster)?;
    Ok(runtime::batch::record::stream_points(&batches, &db, &rp))
}
