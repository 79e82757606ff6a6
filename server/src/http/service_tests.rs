//! `/kapacitor/v1/service-tests` (api.md §1.10): list (with `pattern`), one
//! service's default options, and running a test — always a 200 with
//! `{"success","message"}`, a failed test included. Bodies are compact JSON
//! plus a newline, as Kapacitor's service-test endpoints write them.

use super::{raw_json, ApiError, Req, Resp};
use crate::ids::glob_match;
use crate::service_tests::{find, Options, SERVICE_TESTS};
use crate::state::AppState;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

const BASE: &str = "/kapacitor/v1/service-tests";

#[derive(Serialize)]
struct Link {
    rel: &'static str,
    href: String,
}

#[derive(Serialize)]
struct ServiceJson {
    link: Link,
    name: &'static str,
    options: Options,
}

fn compact<T: Serialize>(v: &T) -> Result<Resp, ApiError> {
    let mut text = serde_json::to_string(v)
        .map_err(|e| ApiError::Internal(format!("cannot encode the response: {e}")))?;
    text.push('\n');
    Ok(raw_json(200, text))
}

fn service_json(name: &'static str, options: Options) -> ServiceJson {
    ServiceJson {
        link: Link {
            rel: "self",
            href: format!("{BASE}/{name}"),
        },
        name,
        options,
    }
}

pub fn list(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    let pattern = r.param("pattern").unwrap_or("");
    glob_match(pattern, "").map_err(|e| ApiError::BadRequest(format!("invalid pattern: {e}")))?;
    let cfg = &state.opts.handler_configs;
    let services: Vec<ServiceJson> = SERVICE_TESTS
        .iter()
        .filter(|t| glob_match(pattern, t.name).unwrap_or(false))
        .map(|t| service_json(t.name, t.defaults(cfg)))
        .collect();
    #[derive(Serialize)]
    struct ListJson {
        link: Link,
        services: Vec<ServiceJson>,
    }
    compact(&ListJson {
        link: Link {
            rel: "self",
            href: BASE.to_string(),
        },
        services,
    })
}

fn unknown(name: &str) -> ApiError {
    ApiError::NotFound(format!("service test {name:?} not found"))
}

pub fn get(state: &Arc<AppState>, name: &str) -> Result<Resp, ApiError> {
    let t = find(name).ok_or_else(|| unknown(name))?;
    compact(&service_json(
        t.name,
        t.defaults(&state.opts.handler_configs),
    ))
}

pub async fn run(state: &Arc<AppState>, r: &Req, name: &str) -> Result<Resp, ApiError> {
    let t = find(name).ok_or_else(|| unknown(name))?;
    let mut options = t.defaults(&state.opts.handler_configs);
    if !r.body.iter().all(u8::is_ascii_whitespace) {
        let body: Value = serde_json::from_slice(&r.body)
            .map_err(|e| ApiError::BadRequest(format!("failed to decode JSON body: {e}")))?;
        match body {
            Value::Null => {}
            Value::Object(m) => options.overlay(&m),
            _ => {
                return Err(ApiError::BadRequest(
                    "failed to decode JSON body: options must be an object".into(),
                ))
            }
        }
    }
    let config = state.topics.config().clone();
    let result = tokio::task::spawn_blocking(move || t.run(&options, &config))
        .await
        .map_err(|e| ApiError::Internal(format!("service test stopped: {e}")))?;
    #[derive(Serialize)]
    struct ResultJson {
        success: bool,
        message: String,
    }
    compact(&ResultJson {
        success: result.is_ok(),
        message: result.err().unwrap_or_default(),
    })
}
