//! The small HTTP POST used by every HTTP handler.

use super::error::HandlerError;
use std::time::Duration;

pub struct Response {
    pub status: u16,
    pub body: String,
}

/// POSTs `body` with `headers`; non-2xx is an error naming the status and body.
pub fn post(
    url: &str,
    headers: &[(&str, String)],
    body: &[u8],
    timeout: Option<Duration>,
) -> Result<Response, HandlerError> {
    // Through the outbound policy (`-blacklist-cidrs`).
    let agent = crate::net_policy::agent(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout.unwrap_or(Duration::from_secs(30))))
            .build(),
    );
    let mut req = agent.post(url);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let mut resp = req.send(body).map_err(|e| HandlerError::Transport {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(HandlerError::Status {
            url: url.to_string(),
            status,
            body,
        });
    }
    Ok(Response { status, body })
}

pub fn post_json(
    url: &str,
    extra: &[(&str, String)],
    body: &str,
) -> Result<Response, HandlerError> {
    let mut h = vec![("Content-Type", "application/json".to_string())];
    h.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    post(url, &h, body.as_bytes(), None)
}
