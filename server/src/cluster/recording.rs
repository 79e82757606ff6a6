//! Stream recordings in a cluster. A write reaches only the node it was sent
//! to, so a recording tapping that node's writes would miss the others'. The
//! recording reads the stream instead: an ordered consumer, created before the
//! API answers (so every write after the answer is in it), filtered as the
//! task's own consumer is, feeding the same recorder a local tap would.

use super::ingest::decode;
use super::subjects::task_filter;
use super::{nats, Cluster, ClusterError};
use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use futures_util::StreamExt;
use runtime::engine::{Subscription, Tap};
use std::sync::Arc;

/// Feed `tap` every write the stream receives from now on for a task
/// subscribed as `sub`; sending on (or dropping) the returned sender stops it.
pub async fn tap(
    cluster: &Cluster,
    sub: &Subscription,
    tap: Arc<dyn Tap>,
) -> Result<tokio::sync::oneshot::Sender<()>, ClusterError> {
    let consumer = cluster
        .stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: task_filter(sub),
            deliver_policy: DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(nats)?;
    let mut messages = consumer.messages().await.map_err(nats)?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => return,
                m = messages.next() => match m {
                    Some(Ok(msg)) => {
                        if let Some(batch) = decode(msg.headers.as_ref(), &msg.payload) {
                            let batch = Arc::new(batch);
                            tokio::task::block_in_place(|| tap.write(&batch));
                        }
                    }
                    Some(Err(e)) => tracing::warn!("cluster: recording consumer: {e}"),
                    None => return,
                },
            }
        }
    });
    Ok(stop)
}
