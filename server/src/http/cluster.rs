//! `GET /kapacitor/v1/cluster` (ours): the nodes, which node owns which
//! task, each task's consumer lag and checkpointed sequence, and this
//! node's failover and deduplication counters (`crate::cluster::status`).
//! A server without `[cluster]` answers 404 with the reason.

use super::{pretty, ApiError, Resp};
use crate::state::AppState;
use std::sync::Arc;

pub async fn get(state: &Arc<AppState>) -> Result<Resp, ApiError> {
    let Some(c) = &state.cluster else {
        return Err(ApiError::NotFound(
            "clustering is not enabled ([cluster] enabled = false)".into(),
        ));
    };
    let v = crate::cluster::status::status(c)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(pretty(200, &v))
}
