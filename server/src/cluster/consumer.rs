//! Running a task this node owns. A stream task is started fed only from
//! its own durable consumer (`Engine::start_task_fed_directly`), so it sees
//! the stream's order whichever node received a write; a batch task runs
//! its queries as on one server. Either way the loop checkpoints the task
//! every `checkpoint-interval` and once more when it stops:
//!
//! 1. delivery pauses (the loop takes no message while it checkpoints);
//! 2. it waits until the task ran everything it was fed (`task_idle`);
//! 3. it snapshots the task and stores the snapshot with the sequence of the
//!    last message fed (`checkpoint.rs`).
//!
//! Where a task starts reading: after its checkpoint's sequence; with no
//! checkpoint — or one older than the task's last enabling — at the time it
//! was last enabled, as a single Kapacitor sees the writes after enabling.

use super::checkpoint::{self, Checkpoint};
use super::ingest::decode;
use super::subjects::{consumer_name, task_filter};
use super::{nats, Cluster, ClusterError, ClusterStats};
use crate::state::AppState;
use crate::store::TaskRecord;
use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use futures_util::StreamExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A task this node runs.
pub(crate) struct Owned {
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
    /// The consumer's filter subject ("" for a batch task).
    pub filter: String,
    /// When this node took it (RFC 3339).
    pub since: String,
    /// The last stream sequence fed to the task.
    pub last_seq: Arc<AtomicU64>,
    /// While set, the task may regenerate events its previous owner delivered
    /// (`dedup.rs`): a stream task replaying the messages the stream held when
    /// this node took it, a batch task always (its queries may cover a period
    /// the previous owner already queried).
    pub replaying: Arc<AtomicBool>,
}

impl Owned {
    /// Stop the loop (it checkpoints and stops the task) and wait for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

/// How long a checkpoint waits for the task to run what it was fed.
const IDLE_WAIT: Duration = Duration::from_secs(30);

/// Wait until task `id` ran everything it was fed (false: still busy after
/// `IDLE_WAIT`).
async fn wait_idle(state: &AppState, id: &str) -> bool {
    let deadline = Instant::now() + IDLE_WAIT;
    while state.engine.task_idle(id) == Some(false) {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    true
}

/// Wait until task `id` is idle, then checkpoint it at `seq`.
async fn take(cluster: &Cluster, state: &AppState, id: &str, seq: u64) -> Result<(), ClusterError> {
    if !wait_idle(state, id).await {
        return Err(ClusterError::Nats(format!(
            "task {id} stayed busy for {IDLE_WAIT:?}; checkpoint skipped"
        )));
    }
    let states = match state.engine.task_state(id) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            return Err(ClusterError::Nats(format!(
                "cannot snapshot task {id}: {e}"
            )))
        }
        None => return Ok(()),
    };
    checkpoint::save(
        cluster,
        id,
        &Checkpoint::new(seq, &cluster.node_id, &states),
    )
    .await?;
    ClusterStats::add(&cluster.stats.checkpoints, 1);
    Ok(())
}

async fn checkpoint_logged(cluster: &Cluster, state: &AppState, id: &str, seq: u64) -> bool {
    match take(cluster, state, id, seq).await {
        Ok(()) => true,
        Err(e) => {
            ClusterStats::add(&cluster.stats.checkpoint_errors, 1);
            tracing::error!(task = id, "cluster: {e}");
            false
        }
    }
}

fn ns_to_datetime(ns: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(ns as i128).ok()
}

/// Start task `rec` here from its checkpoint; the returned handle stops it.
pub(crate) async fn start(
    cluster: &Arc<Cluster>,
    state: &Arc<AppState>,
    rec: &TaskRecord,
) -> Result<Owned, String> {
    let id = rec.id.clone();
    let pipeline = state.pipeline(rec).map_err(|e| e.to_string())?;
    let cp = checkpoint::load(cluster, &id)
        .await
        .map_err(|e| e.to_string())?;
    let cp = cp.filter(|c| c.taken >= rec.last_enabled);
    let states = cp.as_ref().map(|c| c.node_states()).unwrap_or_default();
    let start_seq = cp.as_ref().map_or(0, |c| c.seq);
    state.engine.stop_task(&id);
    let last_seq = Arc::new(AtomicU64::new(start_seq));
    let replaying = Arc::new(AtomicBool::new(true));
    let (stop, stop_rx) = tokio::sync::oneshot::channel();
    let since = crate::ids::go_time(crate::ids::now_ns());
    let Some(sub) = runtime::engine::Subscription::of(&pipeline) else {
        // A batch task: its queries feed it; only its state is checkpointed.
        state
            .engine
            .start_task_with_state(&id, &pipeline, &states)
            .map_err(|e| e.to_string())?;
        let done = tokio::spawn(batch_loop(cluster.clone(), state.clone(), id, stop_rx));
        return Ok(Owned {
            stop,
            done,
            filter: String::new(),
            since,
            last_seq,
            replaying,
        });
    };
    let filter = task_filter(&sub);
    let name = consumer_name(&id);
    let _ = cluster.stream.delete_consumer(&name).await;
    let deliver_policy = match (&cp, ns_to_datetime(rec.last_enabled)) {
        (Some(c), _) if c.seq > 0 => DeliverPolicy::ByStartSequence {
            start_sequence: c.seq + 1,
        },
        (_, Some(t)) if rec.last_enabled > 0 => DeliverPolicy::ByStartTime { start_time: t },
        _ => DeliverPolicy::New,
    };
    let consumer: async_nats::jetstream::consumer::PullConsumer = cluster
        .stream
        .create_consumer(pull::Config {
            durable_name: Some(name),
            filter_subject: filter.clone(),
            deliver_policy,
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot create the task's consumer: {e}"))?;
    // The messages the stream holds for the task now: what a previous owner may
    // have fed it already (it may have died before its first checkpoint, so a
    // task without one counts too).
    let replay = consumer.cached_info().num_pending;
    replaying.store(replay > 0, Ordering::Relaxed);
    state
        .engine
        .start_task_fed_directly(&id, &pipeline, &states)
        .map_err(|e| e.to_string())?;
    let done = tokio::spawn(feed_loop(
        cluster.clone(),
        state.clone(),
        id,
        consumer,
        last_seq.clone(),
        Replay {
            left: replay,
            flag: replaying.clone(),
        },
        stop_rx,
    ));
    Ok(Owned {
        stop,
        done,
        filter,
        since,
        last_seq,
        replaying,
    })
}

async fn batch_loop(
    cluster: Arc<Cluster>,
    state: Arc<AppState>,
    id: String,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut tick = tokio::time::interval(cluster.config.checkpoint_interval.to_std());
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => { checkpoint_logged(&cluster, &state, &id, 0).await; }
        }
    }
    checkpoint_logged(&cluster, &state, &id, 0).await;
    state.engine.stop_task(&id);
}

/// The replay a stream task starts with: messages still to feed before the
/// task is past what its previous owner may have seen.
struct Replay {
    left: u64,
    flag: Arc<AtomicBool>,
}

impl Replay {
    /// One message fed; the last one of the replay clears the flag once the
    /// task ran it (its events are then the last ones checked as replays).
    async fn fed(&mut self, state: &AppState, id: &str) {
        if self.left == 0 {
            return;
        }
        self.left -= 1;
        if self.left == 0 {
            if !wait_idle(state, id).await {
                tracing::warn!(task = id, "cluster: task busy after its replay");
            }
            self.flag.store(false, Ordering::Relaxed);
        }
    }
}

async fn feed_loop(
    cluster: Arc<Cluster>,
    state: Arc<AppState>,
    id: String,
    consumer: async_nats::jetstream::consumer::PullConsumer,
    last_seq: Arc<AtomicU64>,
    mut replay: Replay,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut saved = last_seq.load(Ordering::Relaxed);
    let mut tick = tokio::time::interval(cluster.config.checkpoint_interval.to_std());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    'outer: loop {
        let mut messages = match consumer.messages().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(task = id, "cluster: cannot read the task's consumer: {e}");
                tokio::select! {
                    _ = &mut stop => break 'outer,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue 'outer,
                }
            }
        };
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => break 'outer,
                _ = tick.tick() => {
                    let seq = last_seq.load(Ordering::Relaxed);
                    if seq != saved && checkpoint_logged(&cluster, &state, &id, seq).await {
                        saved = seq;
                    }
                }
                m = messages.next() => match m {
                    Some(Ok(msg)) => {
                        let Ok(seq) = msg.info().map(|i| i.stream_sequence) else { continue };
                        if let Some(batch) = decode(msg.headers.as_ref(), &msg.payload) {
                            let n = batch.points.len() as u64;
                            let engine = state.engine.clone();
                            let task = id.clone();
                            let running = tokio::task::block_in_place(|| engine.write_task(&task, batch));
                            if !running {
                                // Failed or stopped: nothing more to feed.
                                break 'outer;
                            }
                            ClusterStats::add(&cluster.stats.points_consumed, n);
                        }
                        last_seq.store(seq, Ordering::Relaxed);
                        replay.fed(&state, &id).await;
                    }
                    Some(Err(e)) => {
                        tracing::warn!(task = id, "cluster: consumer: {e}");
                    }
                    None => continue 'outer,
                },
            }
        }
    }
    let seq = last_seq.load(Ordering::Relaxed);
    if seq != saved || seq == 0 {
        checkpoint_logged(&cluster, &state, &id, seq).await;
    }
    state.engine.stop_task(&id);
}

/// The number of messages task `id`'s consumer has yet to deliver.
pub async fn lag(cluster: &Cluster, id: &str) -> Result<u64, ClusterError> {
    let mut c: async_nats::jetstream::consumer::PullConsumer = cluster
        .stream
        .get_consumer(&consumer_name(id))
        .await
        .map_err(nats)?;
    Ok(c.info().await.map_err(nats)?.num_pending)
}
