//! `POST /kapacitor/v1/subscriptions` (api.md §1): re-sync every cluster's
//! InfluxDB subscriptions now; 204, or 500 `failed to link subscriptions: …`.

use super::{no_content, ApiError, Resp};
use crate::state::AppState;
use std::sync::Arc;

pub async fn sync(state: &Arc<AppState>) -> Result<Resp, ApiError> {
    let state = state.clone();
    // The client is blocking: run the sync off the async executor.
    tokio::task::spawn_blocking(move || {
        let ingest = state.ingest();
        state.influxdb.sync_now(&ingest)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("failed to link subscriptions: {e}")))?
    .map_err(|e| ApiError::Internal(format!("failed to link subscriptions: {e}")))?;
    Ok(no_content())
}
