//! `POST /kapacitor/v1/write` and `/write` (api.md §1.3): line protocol in,
//! parsed once, routed by the engine. Any bad line rejects the whole body
//! (400, every failure named, nothing ingested); errors are plain text.

use super::{no_content, ApiError, Req, Resp};
use crate::auth::user::database_resource;
use crate::auth::{Privilege, User};
use crate::state::AppState;
use compiler::golang::quote::quote;
use runtime::engine::WriteBatch;
use runtime::line_protocol::{Parser, Precision};
use std::io::Read;
use std::sync::Arc;

pub async fn write(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let gz = r
        .headers
        .get("Content-Encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let db = r.param("db").unwrap_or("").to_string();
    // Kapacitor's TaskMaster.WritePoints: an empty rp is the configured default.
    let rp = match r.param("rp").unwrap_or("") {
        "" => state.opts.config.default_retention_policy.clone(),
        rp => rp.to_string(),
    };
    let precision = match r.param("precision").unwrap_or("") {
        "u" => Precision::Microseconds,
        "ms" => Precision::Milliseconds,
        "s" => Precision::Seconds,
        "m" => Precision::Minutes,
        "h" => Precision::Hours,
        _ => Precision::Nanoseconds,
    };
    let body = r.body.clone();
    let state = state.clone();
    let user = r.user.clone();
    // Parsing and routing run off the async executor: a big body costs
    // milliseconds, and a full task queue makes the write wait.
    tokio::task::spawn_blocking(move || ingest(&state, &user, &body, gz, &db, &rp, precision))
        .await
        .map_err(|e| ApiError::WriteInternal(format!("write failed: {e}")))?
}

fn ingest(
    state: &AppState,
    user: &User,
    body: &[u8],
    gz: bool,
    db: &str,
    rp: &str,
    precision: Precision,
) -> Result<Resp, ApiError> {
    let limit = state.opts.max_body_size;
    let unzipped;
    let body: &[u8] = if gz {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| ApiError::WriteBadRequest(format!("unable to decode gzip body: {e}")))?;
        if out.len() > limit {
            return Err(ApiError::TooLarge(limit));
        }
        unzipped = out;
        &unzipped
    } else {
        body
    };
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::WriteBadRequest(format!("body is not UTF-8: {e}")))?;
    let mut parser = Parser::new(db, rp, precision);
    let now = crate::ids::now_ns();
    let mut points = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        // Points without a timestamp get the server's current time.
        parser.default_time = now;
        match parser.parse_line(line, i + 1) {
            Some(Ok(p)) => points.push(p),
            Some(Err(e)) => errors.push(format!("unable to parse '{}': {}", e.text, e.reason)),
            None => {}
        }
    }
    if !errors.is_empty() {
        state.stats.points_failed(points.len() + errors.len());
        return Err(ApiError::WriteBadRequest(errors.join("\n")));
    }
    if db.is_empty() {
        return Err(ApiError::WriteBadRequest("database is required".into()));
    }
    if user
        .authorize(&database_resource(db), Privilege::WRITE)
        .is_err()
    {
        return Err(ApiError::WriteUnauthorized(format!(
            "{} user is not authorized to write to database {}",
            quote(user.name()),
            quote(db)
        )));
    }
    let batch = WriteBatch::new(db, rp, points);
    if let Some(c) = &state.cluster {
        // Acknowledged once JetStream has it; the tasks' owners consume it.
        crate::cluster::ingest::wait(&c.handle, crate::cluster::ingest::publish(c, &batch))
            .map_err(|e| ApiError::WriteInternal(e.to_string()))?;
    }
    state.stats.points_ok(batch.points.len());
    // In a cluster this reaches only the local taps (recordings): the tasks
    // are fed by their consumers.
    state.engine.write(batch);
    Ok(no_content())
}
