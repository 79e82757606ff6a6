//! `[cluster]`: several kapacitord nodes behaving as one Kapacitor, built on
//! a NATS JetStream cluster (its RAFT keeps the shared state; we invent no
//! consensus). Without `[cluster] enabled = true` nothing here runs.
//!
//! * `definitions.rs` — tasks, templates and topic handlers live in KV buckets,
//!   the cluster's source of truth; every node watches them into its redb store
//!   (and its topics). The API answers a
//!   change only after JetStream acknowledged the put.
//! * `ingest.rs` — a write to any node is published once to the stream
//!   `KAPACITOR_WRITES`, one message per (db, rp, measurement) of the write,
//!   on subject `kapacitor.write.<db>.<rp>.<measurement>` (`subjects.rs`);
//!   `/write` answers after every PubAck.
//! * `membership.rs` — nodes' heartbeats in a KV bucket whose entries expire.
//! * `leases.rs` — each enabled task is owned by one live node (a lease key
//!   written with revision compare-and-set), the owner chosen by rendezvous
//!   hashing over live nodes: a joining node takes a share, a dead node's
//!   tasks move.
//! * `consumer.rs` — the owner feeds a task from its durable consumer and
//!   `checkpoint.rs` records the task's state with the stream sequence it
//!   covers; a new owner restores it and resumes at the next sequence.
//! * `dedup.rs` — alert events pass a KV record per (task, node, alert ID):
//!   an event a replay regenerates is dropped and counted.
//! * `recording.rs` — a stream recording reads the stream, so it holds the
//!   writes to every node.
//! * `forward.rs` — a task read through a node that does not run it is
//!   answered by the node that does.
//! * `status.rs` — `GET /kapacitor/v1/cluster` and the `/debug/vars` figures.

pub mod checkpoint;
pub mod config;
pub mod consumer;
pub mod dedup;
pub mod definitions;
pub mod forward;
pub mod ingest;
pub mod leases;
pub mod membership;
pub mod recording;
pub mod status;
pub mod subjects;

use async_nats::jetstream::{self, kv};
use config::ClusterConfig;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why the cluster cannot be joined or used.
#[derive(Debug)]
pub enum ClusterError {
    Connect(String),
    /// A stream or bucket could not be created or opened.
    Setup {
        what: String,
        message: String,
    },
    /// A publish, put or read that JetStream did not acknowledge.
    Nats(String),
}

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterError::Connect(e) => write!(f, "cannot connect to the NATS cluster: {e}"),
            ClusterError::Setup { what, message } => {
                write!(f, "cannot open the cluster's {what}: {message}")
            }
            ClusterError::Nats(e) => write!(f, "cluster: {e}"),
        }
    }
}

impl std::error::Error for ClusterError {}

/// Shorthand: any NATS error as `ClusterError::Nats`.
pub(crate) fn nats<E: std::fmt::Display>(e: E) -> ClusterError {
    ClusterError::Nats(e.to_string())
}

/// The KV buckets of one cluster.
pub struct Buckets {
    /// Task definitions (`definitions.rs`), key = task ID token.
    pub tasks: kv::Store,
    /// Templates, key = template ID token.
    pub templates: kv::Store,
    /// Topic handlers, key = `<topic token>.<handler ID token>`.
    pub topic_handlers: kv::Store,
    /// Heartbeats (`membership.rs`), key = node ID; entries expire.
    pub nodes: kv::Store,
    /// Task leases (`leases.rs`), key = task ID token.
    pub leases: kv::Store,
    /// Task checkpoints (`checkpoint.rs`), key = task ID token.
    pub checkpoints: kv::Store,
    /// Delivered alert states (`dedup.rs`).
    pub alerts: kv::Store,
}

/// Counters shown by `/kapacitor/v1/cluster` and `/debug/vars`.
#[derive(Debug, Default)]
pub struct ClusterStats {
    pub writes_published: AtomicU64,
    pub points_published: AtomicU64,
    pub publish_errors: AtomicU64,
    pub points_consumed: AtomicU64,
    /// Tasks this node took over from a node that was no longer live.
    pub failovers: AtomicU64,
    /// Tasks this node handed to another live node (rebalancing).
    pub handoffs: AtomicU64,
    pub checkpoints: AtomicU64,
    pub checkpoint_errors: AtomicU64,
    pub alerts_delivered: AtomicU64,
    /// Alert events dropped because another owner had already delivered them.
    pub alerts_deduplicated: AtomicU64,
    pub dedup_errors: AtomicU64,
}

impl ClusterStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// One node's membership of the cluster.
pub struct Cluster {
    pub config: ClusterConfig,
    pub node_id: String,
    /// Filled in once the API listens (`start`).
    pub advertise_url: Mutex<String>,
    pub js: jetstream::Context,
    pub stream: jetstream::stream::Stream,
    pub buckets: Buckets,
    pub stats: ClusterStats,
    /// The runtime the NATS client lives on (engine threads block on it).
    pub handle: tokio::runtime::Handle,
    /// The tasks this node runs, with their consumers.
    pub(crate) owned: Mutex<HashMap<String, consumer::Owned>>,
    /// Wakes the lease loop early (a definition changed).
    pub(crate) wake: tokio::sync::Notify,
    /// The live nodes as last seen (`membership.rs`).
    pub(crate) live: Mutex<Vec<membership::NodeInfo>>,
    /// Each enabled task's lease holder as the last lease pass saw it.
    pub(crate) owners: Mutex<HashMap<String, String>>,
    /// Set by `leave`: the heartbeat and lease loops stop.
    pub(crate) leaving: std::sync::atomic::AtomicBool,
}

/// Open KV bucket `name`, creating its stream when missing. The stream is
/// configured here as async-nats' `create_key_value` would, because that
/// call first reads the account info in a form nats-server 2.9 does not
/// answer.
async fn bucket(
    js: &jetstream::Context,
    name: &str,
    replicas: usize,
    max_age: Duration,
) -> Result<kv::Store, ClusterError> {
    let setup = |message: String| ClusterError::Setup {
        what: format!("bucket {name}"),
        message,
    };
    if let Ok(kv) = js.get_key_value(name).await {
        return Ok(kv);
    }
    let config = jetstream::stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_bytes: -1,
        max_messages: -1,
        max_message_size: -1,
        max_age,
        storage: jetstream::stream::StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        num_replicas: replicas,
        discard: jetstream::stream::DiscardPolicy::New,
        ..Default::default()
    };
    js.get_or_create_stream(config)
        .await
        .map_err(|e| setup(e.to_string()))?;
    js.get_key_value(name)
        .await
        .map_err(|e| setup(e.to_string()))
}

impl Cluster {
    /// Connect to the NATS servers and open (creating when missing) the
    /// stream and buckets.
    pub async fn connect(config: &ClusterConfig, hostname: &str) -> Result<Cluster, ClusterError> {
        let node_id = if config.node_id.is_empty() {
            subjects::token(hostname)
        } else {
            config.node_id.clone()
        };
        let client = async_nats::ConnectOptions::new()
            .name(format!("kapacitord-{node_id}"))
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .connect(config.urls())
            .await
            .map_err(|e| ClusterError::Connect(e.to_string()))?;
        let js = jetstream::new(client);
        let replicas = config.replicas.clamp(1, 5) as usize;
        let stream_config = jetstream::stream::Config {
            name: subjects::STREAM.to_string(),
            subjects: vec![format!("{}.>", subjects::WRITE_PREFIX)],
            max_age: config.retention.to_std(),
            num_replicas: replicas,
            storage: jetstream::stream::StorageType::File,
            ..Default::default()
        };
        let stream = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match js.get_or_create_stream(stream_config.clone()).await {
                    Ok(s) => return Ok(s),
                    // A JetStream cluster just started has no meta leader for a moment.
                    Err(e) if e.to_string().contains("unavailable") => {
                        tokio::time::sleep(Duration::from_millis(200)).await
                    }
                    Err(e) => return Err(e),
                }
            }
        })
        .await
        .map_err(|_| ClusterError::Setup {
            what: "stream".into(),
            message: "JetStream unavailable for 30s".into(),
        })?
        .map_err(|e| ClusterError::Setup {
            what: format!("stream {}", subjects::STREAM),
            message: e.to_string(),
        })?;
        let hb = config.heartbeat_interval.to_std();
        let buckets = Buckets {
            tasks: bucket(&js, "kapacitor_tasks", replicas, Duration::ZERO).await?,
            templates: bucket(&js, "kapacitor_templates", replicas, Duration::ZERO).await?,
            topic_handlers: bucket(&js, "kapacitor_topic_handlers", replicas, Duration::ZERO)
                .await?,
            nodes: bucket(&js, "kapacitor_nodes", replicas, hb * 3).await?,
            leases: bucket(&js, "kapacitor_leases", replicas, Duration::ZERO).await?,
            checkpoints: bucket(&js, "kapacitor_checkpoints", replicas, Duration::ZERO).await?,
            alerts: bucket(&js, "kapacitor_alerts", replicas, config.retention.to_std()).await?,
        };
        Ok(Cluster {
            config: config.clone(),
            node_id,
            advertise_url: Mutex::new(config.advertise_url.clone()),
            js,
            stream,
            buckets,
            stats: ClusterStats::default(),
            handle: tokio::runtime::Handle::current(),
            owned: Mutex::new(HashMap::new()),
            wake: tokio::sync::Notify::new(),
            live: Mutex::new(Vec::new()),
            owners: Mutex::new(HashMap::new()),
            leaving: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Start the node's loops once the API listens on `http_port`:
    /// heartbeats, the definitions watch and the lease loop.
    pub fn start(self: &Arc<Self>, state: &Arc<crate::state::AppState>, http_port: u16) {
        {
            let mut url = lock(&self.advertise_url);
            if url.is_empty() {
                *url = format!("http://{}:{http_port}", state.opts.hostname);
            }
        }
        tokio::spawn(membership::run(self.clone()));
        tokio::spawn(definitions::watch(
            self.clone(),
            Arc::downgrade(state),
            definitions::Kind::Templates,
        ));
        tokio::spawn(definitions::watch(
            self.clone(),
            Arc::downgrade(state),
            definitions::Kind::TopicHandlers,
        ));
        tokio::spawn(definitions::watch(
            self.clone(),
            Arc::downgrade(state),
            definitions::Kind::Tasks,
        ));
        tokio::spawn(leases::run(self.clone(), Arc::downgrade(state)));
    }

    /// Whether task `id`'s events may repeat ones its previous owner delivered
    /// (`consumer::Owned::replaying`); true for a task not (yet) known here.
    pub fn replaying(&self, id: &str) -> bool {
        lock(&self.owned)
            .get(id)
            .is_none_or(|o| o.replaying.load(Ordering::Relaxed))
    }

    /// The API URL of the other live node running task `id`, as the last
    /// lease pass saw it (`None`: this node, nobody, or a dead node).
    pub fn runs_elsewhere(&self, id: &str) -> Option<String> {
        let owner = lock(&self.owners).get(id).cloned()?;
        if owner == self.node_id {
            return None;
        }
        lock(&self.live)
            .iter()
            .find(|n| n.id == owner)
            .map(|n| n.url.clone())
    }

    /// Leave the cluster cleanly: every owned task checkpointed, stopped and
    /// its lease released, the heartbeat removed, so the others take over
    /// at once rather than after the heartbeat expires.
    pub async fn leave(self: &Arc<Self>, state: &Arc<crate::state::AppState>) {
        self.leaving.store(true, Ordering::Relaxed);
        let ids: Vec<String> = lock(&self.owned).keys().cloned().collect();
        for id in ids {
            leases::release(self, state, &id).await;
        }
        let _ = self.buckets.nodes.delete(&self.node_id).await;
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
