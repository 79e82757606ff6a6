//! Kapacitor's own statistics as a stream (`[stats]`, api.md §1.11): every
//! `stats-interval` the server's stats become points under `[stats]`
//! `database`.`retention-policy` (default `_kapacitor`.`autogen`) — `nodes` (per task node), `edges` (per task edge) and `write`
//! — written through the engine like any write, so a task can watch
//! Kapacitor itself.

use crate::state::AppState;
use runtime::engine::WriteBatch;
use runtime::message::{FieldValue, Point, Str};
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn point(
    state: &AppState,
    name: &str,
    mut tags: Vec<(Str, Str)>,
    mut fields: Vec<(Str, FieldValue)>,
    time: i64,
) -> Point {
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Point {
        name: Str::from(name),
        database: Str::from(state.opts.stats_database.as_str()),
        retention_policy: Str::from(state.opts.stats_retention_policy.as_str()),
        tags,
        fields,
        time,
        group: runtime::group::nil_group(),
    }
}

/// The stats points at time `now`.
pub fn collect(state: &AppState, now: i64) -> Vec<Point> {
    let s = |x: &str| Str::from(x);
    let base = || {
        vec![
            (s("cluster_id"), s(&state.cluster_id)),
            (s("server_id"), s(&state.server_id)),
            (s("host"), s(&state.opts.hostname)),
        ]
    };
    let mut out = vec![point(
        state,
        "write",
        base(),
        vec![
            (
                s("points_written_ok"),
                FieldValue::Int(state.stats.points_written_ok.load(Ordering::Relaxed) as i64),
            ),
            (
                s("points_written_fail"),
                FieldValue::Int(state.stats.points_written_fail.load(Ordering::Relaxed) as i64),
            ),
        ],
        now,
    )];
    for id in state.engine.task_ids() {
        let Some(snap) = state.engine.snapshot(&id) else {
            continue;
        };
        for node in &snap.nodes {
            let mut tags = base();
            tags.push((s("task"), s(&id)));
            tags.push((s("node"), s(&node.name)));
            let fields = node
                .values
                .iter()
                .filter(|(k, _)| k != "collected" && k != "emitted")
                .map(|(k, v)| (s(k), FieldValue::Int(*v)))
                .collect();
            out.push(point(state, "nodes", tags, fields, now));
        }
        for line in snap.dot.lines() {
            let Some((edge, rest)) = line.split_once(" [processed=\"") else {
                continue;
            };
            let Some((parent, child)) = edge.split_once(" -> ") else {
                continue;
            };
            let n: i64 = rest.trim_end_matches("\"];").parse().unwrap_or(0);
            let mut tags = base();
            tags.push((s("task"), s(&id)));
            tags.push((s("parent"), s(parent)));
            tags.push((s("child"), s(child)));
            out.push(point(
                state,
                "edges",
                tags,
                vec![
                    (s("collected"), FieldValue::Int(n)),
                    (s("emitted"), FieldValue::Int(n)),
                ],
                now,
            ));
        }
    }
    out
}

/// Emit the stats every `interval` until the process ends.
pub async fn run(state: Arc<AppState>, interval: std::time::Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let st = state.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let points = collect(&st, crate::ids::now_ns());
            let (db, rp) = (&st.opts.stats_database, &st.opts.stats_retention_policy);
            st.engine
                .write(WriteBatch::new(db.as_str(), rp.as_str(), points));
        })
        .await;
    }
}
