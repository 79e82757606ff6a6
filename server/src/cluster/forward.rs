//! Reading a running task through any node. Only the node that runs a task
//! has its executing DOT and statistics, so a node asked for a task another
//! live node runs forwards `GET /kapacitor/v1/tasks/<id>` there (with the
//! client's credentials, which the owner checks again) and answers with the
//! owner's answer: `kapacitor show` works against any node. A forwarded
//! request is never forwarded again.

use std::sync::OnceLock;
use std::time::Duration;

/// Marks a request one node forwarded to another.
pub const FORWARDED: &str = "X-Kapacitor-Cluster-Forwarded";

const TIMEOUT: Duration = Duration::from_secs(5);

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build()
            .into()
    })
}

/// The owner's answer to `GET <owner_url><uri>`: (status, content type,
/// body); `None` when the owner cannot be reached (the caller answers itself).
pub async fn get(
    owner_url: &str,
    uri: &str,
    authorization: Option<&str>,
) -> Option<(u16, String, Vec<u8>)> {
    let url = format!("{}{uri}", owner_url.trim_end_matches('/'));
    let authorization = authorization.map(str::to_string);
    let answer = tokio::task::spawn_blocking(move || {
        let mut req = agent().get(&url).header(FORWARDED, "1");
        if let Some(a) = &authorization {
            req = req.header("Authorization", a);
        }
        let mut resp = req
            .call()
            .map_err(|e| tracing::warn!("cluster: cannot ask the owner ({url}): {e}"))
            .ok()?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("Content-Type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json; charset=utf-8")
            .to_string();
        let body = resp.body_mut().read_to_vec().ok()?;
        Some((status, content_type, body))
    })
    .await;
    answer.ok().flatten()
}
