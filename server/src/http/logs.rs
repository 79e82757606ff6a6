//! `POST /kapacitor/v1/loglevel` (the running log's level) and `GET /kapacitor/v1preview/logs`
//! (a session streaming the log records whose tags match the query: JSON lines when the
//! client accepts `application/json`, else logfmt, as Kapacitor's).

use super::{error_response, no_content, ApiError, Body, Req, Resp};
use crate::logs::{self, Format, SessionFilter};
use bytes::Bytes;
use hyper::body::Frame;
use serde_json::Value;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

pub fn set_level(r: &Req) -> Result<Resp, ApiError> {
    let v: Value = serde_json::from_slice(&r.body)
        .map_err(|e| ApiError::BadRequest(format!("invalid json: {e}")))?;
    let level = v.get("level").and_then(Value::as_str).unwrap_or("");
    let service = logs::service()
        .ok_or_else(|| ApiError::Internal("the log service is not running".into()))?;
    service
        .set_level(level)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    tracing::info!(service = "http", level, "log level changed");
    Ok(no_content())
}

/// A body fed by a channel: each message is one chunk; the stream ends when the sender does.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|m| m.map(|b| Ok(Frame::data(b))))
    }
}

pub fn stream(r: &Req) -> Result<Resp, ApiError> {
    let filter =
        SessionFilter::from_query(&r.query).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let Some(service) = logs::service() else {
        return Ok(error_response(&ApiError::Internal(
            "the log service is not running".into(),
        )));
    };
    let json = r
        .headers
        .get("Accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let format = if json { Format::Json } else { Format::Logfmt };
    let rx = service.subscribe(filter, format);
    let body: Body = http_body_util::BodyExt::boxed(ChannelBody(rx));
    let mut resp = hyper::Response::new(body);
    resp.headers_mut().insert(
        "Content-Type",
        hyper::header::HeaderValue::from_static(if json {
            "application/json"
        } else {
            "application/logfmt"
        }),
    );
    resp.headers_mut().insert(
        "X-Kapacitor-Version",
        hyper::header::HeaderValue::from_static(super::VERSION),
    );
    Ok(resp)
}
