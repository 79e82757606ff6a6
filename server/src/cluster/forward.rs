//! Reading the cluster through any node. Only the node that runs a task has
//! its executing DOT and statistics, and the topics its alerts went to, so:
//!
//! * a node asked for a task another live node runs forwards
//!   `GET /kapacitor/v1/tasks/<id>` there and answers with the owner's answer
//!   (`kapacitor show` works against any node);
//! * the topic endpoints ask every other live node for its own part and merge
//!   (`http/topics.rs`).
//!
//! Requests carry the client's credentials, which the other node checks
//! again, and a marker: a forwarded request is answered from the node's own
//! state, never forwarded again.

use super::{lock, Cluster};
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

/// One node's answer: status, content type, body.
pub type Answer = (u16, String, Vec<u8>);

/// `<method> <node_url><uri>` on another node; `None` when it cannot be
/// reached (logged).
pub async fn call(
    method: &'static str,
    node_url: &str,
    uri: &str,
    authorization: Option<&str>,
) -> Option<Answer> {
    let url = format!("{}{uri}", node_url.trim_end_matches('/'));
    let authorization = authorization.map(str::to_string);
    let answer = tokio::task::spawn_blocking(move || {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header(FORWARDED, "1");
        if let Some(a) = &authorization {
            req = req.header("Authorization", a);
        }
        let req = req.body(()).ok()?;
        let mut resp = agent()
            .run(req)
            .map_err(|e| tracing::warn!("cluster: cannot ask {url}: {e}"))
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

/// The answers of every other live node to `<method> <uri>` (the unreachable
/// left out).
pub async fn peers(
    cluster: &Cluster,
    method: &'static str,
    uri: &str,
    authorization: Option<&str>,
) -> Vec<Answer> {
    // Read now, not the lease pass's copy: a restarted node has a new address.
    let listed = tokio::time::timeout(TIMEOUT, super::membership::live_nodes(cluster)).await;
    let live = match listed {
        Ok(Ok(l)) => l,
        Ok(Err(e)) => {
            tracing::warn!("cluster: cannot list the live nodes: {e}");
            lock(&cluster.live).clone()
        }
        Err(_) => {
            tracing::warn!("cluster: the live nodes not listed within {TIMEOUT:?}");
            lock(&cluster.live).clone()
        }
    };
    let urls: Vec<String> = live
        .into_iter()
        .filter(|n| n.id != cluster.node_id)
        .map(|n| n.url)
        .collect();
    let calls = urls.iter().map(|u| call(method, u, uri, authorization));
    futures_util::future::join_all(calls)
        .await
        .into_iter()
        .flatten()
        .collect()
}
