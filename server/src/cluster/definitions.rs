//! Task definitions in the KV bucket `kapacitor_tasks`, templates in
//! `kapacitor_templates` and topic handlers in `kapacitor_topic_handlers`, the
//! cluster's source of truth: the API of any node writes there first (and answers only once
//! JetStream acknowledged the put), then every node — the writer included —
//! applies what the bucket says to its redb store, which stays the node's
//! cache and image store. Which node runs an enabled task is the lease
//! loop's business (`leases.rs`), woken by each change.
//!
//! The record compared is the definition without its local `error` (a
//! start failure on one node is that node's news, not a change).

use super::subjects::{token, untoken};
use super::{lock, nats, Cluster, ClusterError};
use crate::state::AppState;
use crate::store::{TaskRecord, TemplateRecord, TopicHandlerRecord};
use crate::topics::handler::HandlerSpecError;
use async_nats::jetstream::kv::{self, Operation};
use futures_util::StreamExt;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Store `rec` in the bucket; returns once replicated.
pub async fn put_task(cluster: &Cluster, rec: &TaskRecord) -> Result<(), ClusterError> {
    let mut rec = rec.clone();
    rec.error.clear();
    let body = serde_json::to_vec(&rec).map_err(nats)?;
    cluster
        .buckets
        .tasks
        .put(token(&rec.id), body.into())
        .await
        .map_err(nats)?;
    cluster.wake.notify_one();
    Ok(())
}

/// Delete task `id` from the bucket; returns once replicated.
pub async fn delete_task(cluster: &Cluster, id: &str) -> Result<(), ClusterError> {
    cluster
        .buckets
        .tasks
        .delete(token(id))
        .await
        .map_err(nats)?;
    cluster.wake.notify_one();
    Ok(())
}

/// Store template `t` in the bucket; returns once replicated.
pub async fn put_template(cluster: &Cluster, t: &TemplateRecord) -> Result<(), ClusterError> {
    let body = serde_json::to_vec(t).map_err(nats)?;
    cluster
        .buckets
        .templates
        .put(token(&t.id), body.into())
        .await
        .map_err(nats)?;
    Ok(())
}

/// Delete template `id` from the bucket; returns once replicated.
pub async fn delete_template(cluster: &Cluster, id: &str) -> Result<(), ClusterError> {
    cluster
        .buckets
        .templates
        .delete(token(id))
        .await
        .map_err(nats)?;
    Ok(())
}

fn handler_key(topic: &str, id: &str) -> String {
    format!("{}.{}", token(topic), token(id))
}

/// Store topic handler `h` in the bucket; returns once replicated. With
/// `create`, a handler the bucket already holds (defined through any node) is
/// refused as `Exists`, as one server refuses it.
pub async fn put_topic_handler(
    cluster: &Cluster,
    h: &TopicHandlerRecord,
    create: bool,
) -> Result<(), HandlerSpecError> {
    let body: bytes::Bytes = serde_json::to_vec(h)
        .map_err(|e| HandlerSpecError::Cluster(e.to_string()))?
        .into();
    let bucket = &cluster.buckets.topic_handlers;
    let key = handler_key(&h.topic, &h.id);
    let stored = if create {
        bucket.create(&key, body).await.map_err(|e| match e.kind() {
            kv::CreateErrorKind::AlreadyExists => HandlerSpecError::Exists(h.id.clone()),
            _ => HandlerSpecError::Cluster(e.to_string()),
        })
    } else {
        bucket
            .put(&key, body)
            .await
            .map_err(|e| HandlerSpecError::Cluster(e.to_string()))
    };
    stored.map(|_| ())
}

/// Delete topic handler `id` of `topic` from the bucket; returns once replicated.
pub async fn delete_topic_handler(cluster: &Cluster, topic: &str, id: &str) -> Result<(), String> {
    cluster
        .buckets
        .topic_handlers
        .delete(handler_key(topic, id))
        .await
        .map_err(|e| e.to_string())
}

/// Apply one topic handler entry to the node's topics and store.
fn apply_topic_handler(state: &AppState, key: &str, op: Operation, value: &[u8]) {
    let Some((topic, id)) = key
        .split_once('.')
        .and_then(|(t, i)| Some((untoken(t)?, untoken(i)?)))
    else {
        tracing::warn!(
            key,
            "cluster: ignoring a topic handler key this version does not write"
        );
        return;
    };
    match op {
        Operation::Put => match serde_json::from_slice::<TopicHandlerRecord>(value) {
            Ok(h) => {
                if let Err(e) = state.topics.upsert_handler(&state.store, h) {
                    // As at startup: a handler this node cannot build is logged and skipped.
                    tracing::error!(topic, handler = id, "cluster: cannot load the handler: {e}");
                }
            }
            Err(e) => tracing::error!(topic, handler = id, "cluster: undecodable handler: {e}"),
        },
        Operation::Delete | Operation::Purge => {
            if let Err(e) = state.topics.remove_handler(&state.store, &topic, &id) {
                tracing::error!(
                    topic,
                    handler = id,
                    "cluster: cannot delete the handler: {e}"
                );
            }
        }
    }
}

/// Load every topic handler the bucket holds now (before the node takes tasks;
/// the watch follows the changes after).
pub async fn sync_topic_handlers(cluster: &Cluster, state: &AppState) {
    let bucket = &cluster.buckets.topic_handlers;
    let keys: Vec<String> = match bucket.keys().await {
        Ok(k) => k.filter_map(|k| async move { k.ok() }).collect().await,
        Err(e) => {
            tracing::warn!("cluster: cannot list the topic handlers: {e}");
            return;
        }
    };
    for key in keys {
        match bucket.entry(key.as_str()).await {
            Ok(Some(e)) => apply_topic_handler(state, &e.key, e.operation, &e.value),
            Ok(None) => {}
            Err(e) => tracing::warn!(key, "cluster: cannot read a topic handler: {e}"),
        }
    }
}

/// Apply one template entry to the local store (the tasks a template change
/// rebuilds arrive as task entries of their own).
fn apply_template(state: &AppState, key: &str, op: Operation, value: &[u8]) {
    let Some(id) = untoken(key) else { return };
    let result = match op {
        Operation::Put => match serde_json::from_slice::<TemplateRecord>(value) {
            Ok(t) if state.store.template(&id).ok().flatten().as_ref() == Some(&t) => Ok(()),
            Ok(t) => state.store.put_template(&t),
            Err(e) => {
                tracing::error!(template = id, "cluster: undecodable template: {e}");
                Ok(())
            }
        },
        Operation::Delete | Operation::Purge => state.store.delete_template(&id).map(|_| ()),
    };
    if let Err(e) = result {
        tracing::error!(template = id, "cluster: cannot store the template: {e}");
    }
}

fn same_definition(a: &TaskRecord, b: &TaskRecord) -> bool {
    TaskRecord {
        error: String::new(),
        ..a.clone()
    } == TaskRecord {
        error: String::new(),
        ..b.clone()
    }
}

/// Apply one bucket entry to the local store and engine.
async fn apply(
    cluster: &Arc<Cluster>,
    state: &Arc<AppState>,
    key: &str,
    op: Operation,
    value: &[u8],
) {
    let Some(id) = untoken(key) else {
        tracing::warn!(
            key,
            "cluster: ignoring a task key this version does not write"
        );
        return;
    };
    match op {
        Operation::Put => {
            let rec: TaskRecord = match serde_json::from_slice(value) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(task = id, "cluster: undecodable task definition: {e}");
                    return;
                }
            };
            let local = state.store.task(&id).ok().flatten();
            if local.as_ref().is_some_and(|l| same_definition(l, &rec)) {
                return;
            }
            if let Err(e) = state.store.put_task(&rec, None, &state.build) {
                tracing::error!(task = id, "cluster: cannot store the task definition: {e}");
                return;
            }
            // A changed definition restarts the task where it runs (same
            // lease, the new script; its checkpoint carries over).
            if lock(&cluster.owned).contains_key(&id) {
                super::leases::stop_local(cluster, state, &id).await;
            }
        }
        Operation::Delete | Operation::Purge => {
            if lock(&cluster.owned).contains_key(&id) {
                super::leases::release(cluster, state, &id).await;
            }
            let _ = state.store.delete_task(&id);
            let _ = cluster.buckets.checkpoints.delete(token(&id)).await;
        }
    }
    cluster.wake.notify_one();
}

/// The buckets `watch` follows.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Tasks,
    Templates,
    TopicHandlers,
}

/// Follow one bucket for as long as the node runs (reconnecting the watch
/// when it ends): first every current entry, then each change.
pub async fn watch(cluster: Arc<Cluster>, state: Weak<AppState>, kind: Kind) {
    loop {
        let bucket = match kind {
            Kind::Tasks => &cluster.buckets.tasks,
            Kind::Templates => &cluster.buckets.templates,
            Kind::TopicHandlers => &cluster.buckets.topic_handlers,
        };
        match bucket.watch_with_history(">").await {
            Ok(mut w) => {
                while let Some(entry) = w.next().await {
                    let Some(state) = state.upgrade() else { return };
                    match (entry, kind) {
                        (Ok(e), Kind::Tasks) => {
                            apply(&cluster, &state, &e.key, e.operation, &e.value).await
                        }
                        (Ok(e), Kind::Templates) => {
                            apply_template(&state, &e.key, e.operation, &e.value)
                        }
                        (Ok(e), Kind::TopicHandlers) => {
                            apply_topic_handler(&state, &e.key, e.operation, &e.value)
                        }
                        (Err(e), _) => {
                            tracing::warn!("cluster: {kind:?} watch: {e}");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!("cluster: cannot watch the {kind:?} bucket: {e}"),
        }
        if state.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
