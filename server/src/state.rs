//! The server's state and its task service: the store, the engine, and the
//! rules tying them (a task is compiled from its record — or taken from its
//! stored image when the same build wrote it — and started when enabled).

use crate::ids::now_ns;
use crate::settings::ServerOptions;
use crate::store::{Store, StoreError, TaskRecord};
use crate::topics::Topics;
use compiler::diagnostic::render::render_text;
use compiler::ir::{Dbrp, Pipeline};
use compiler::udf::UdfCatalog;
use runtime::engine::{Engine, EngineError, EngineOptions};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Write-endpoint counters (api.md §1.3).
#[derive(Debug, Default)]
pub struct WriteStats {
    pub points_written_ok: AtomicU64,
    pub points_written_fail: AtomicU64,
    /// Requests refused for their credentials (401).
    pub auth_fail: AtomicU64,
}

impl WriteStats {
    pub fn points_ok(&self, n: usize) {
        self.points_written_ok
            .fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn auth_failed(&self) {
        self.auth_fail.fetch_add(1, Ordering::Relaxed);
    }
    pub fn points_failed(&self, n: usize) {
        self.points_written_fail
            .fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// How long a write (InfluxDB forwarding its writes through a
/// subscription, or any `/write`) may wait for a task whose queue is full
/// before the points are dropped for that task. InfluxDB's subscriber gives
/// up on a destination after its `http-timeout` (30s by default) and then
/// loses the write for every task; a bound well below that keeps the other
/// tasks fed. A task only reaches it with 50,000 points already queued.
pub const WRITE_WAIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

pub struct AppState {
    pub opts: ServerOptions,
    pub engine: Engine,
    pub store: Store,
    pub topics: Arc<Topics>,
    /// This build's identity (compiled images of other builds are recompiled).
    pub build: String,
    /// Serializes task changes (define/update/delete): two concurrent
    /// defines of one ID give one success and one "already exists".
    pub task_lock: tokio::sync::Mutex<()>,
    pub stats: WriteStats,
    pub recordings: crate::recording::Recordings,
    pub replays: Mutex<HashMap<String, crate::replay::ReplayEntry>>,
    /// `<data_dir>/cluster.id` and `server.id` (api.md §3.2).
    pub cluster_id: String,
    pub server_id: String,
    /// `[[influxdb]]` clusters: clients and subscriptions.
    pub influxdb: crate::influxdb::InfluxDb,
    /// The effective configuration: the file's with the stored overrides applied
    /// (`crate::overrides`); the lock also serializes override updates.
    pub config: tokio::sync::Mutex<crate::config::Config>,
    /// `[http] auth-enabled` and the `[auth]` users.
    pub auth: crate::auth::Auth,
    /// `[udf.functions]`: the agents' info, asked once per UDF when a task
    /// using it is first checked.
    pub udfs: Arc<runtime::udf::AgentCatalog>,
    /// `[cluster]`: this node's membership (`None` = a single server).
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

/// The `[udf.functions]` the runtime starts agents from.
fn udf_functions(c: &crate::config::Config) -> runtime::udf::UdfFunctions {
    c.udf
        .functions
        .iter()
        .map(|(name, f)| {
            let f = runtime::udf::UdfFunction {
                prog: f.prog.clone(),
                args: f.args.clone(),
                socket: f.socket.clone(),
                timeout: f.timeout,
                env: f.env.clone(),
            };
            (name.clone(), f)
        })
        .collect()
}

/// Read the UUID in `path`, creating it on first start.
fn id_file(path: &std::path::Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            let id = crate::ids::random_uuid();
            if let Err(e) = std::fs::write(path, &id) {
                tracing::warn!("cannot write {}: {e}", path.display());
            }
            id
        }
    }
}

/// Why a script cannot become a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// Diagnostics rendered with file:line:col and carets.
    Invalid(String),
    NoDbrp,
    DbrpTwice,
    /// A task var that does not parse.
    Vars(String),
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Invalid(d) => write!(f, "invalid TICKscript: {d}"),
            CompileError::NoDbrp => f.write_str("must specify dbrp"),
            CompileError::Vars(e) => f.write_str(e),
            CompileError::DbrpTwice => {
                f.write_str("cannot specify dbrp in both implicitly and explicitly")
            }
        }
    }
}

/// Check `rec`'s script and apply its explicit dbrps (never both kinds).
/// `@name()` calls are checked against the server's UDFs (`udfs`).
pub fn compile(rec: &TaskRecord, udfs: &dyn UdfCatalog) -> Result<Pipeline, CompileError> {
    let vars = crate::vars::parse(&rec.vars).map_err(CompileError::Vars)?;
    let (pipeline, diags) = if vars.is_empty() && rec.template_id.is_empty() {
        compiler::check_with_udfs(&rec.script, None, udfs)
    } else {
        compiler::check_with_udfs(&rec.script, Some(&vars), udfs)
    };
    let Some(mut p) = pipeline else {
        let text = render_text(&rec.id, &rec.script, &diags, false);
        return Err(CompileError::Invalid(text.trim_end().to_string()));
    };
    if !rec.dbrps.is_empty() {
        if !p.dbrps.is_empty() {
            return Err(CompileError::DbrpTwice);
        }
        p.dbrps = rec
            .dbrps
            .iter()
            .map(|d| Dbrp {
                db: d.db.clone(),
                rp: d.rp.clone(),
            })
            .collect();
    }
    if p.dbrps.is_empty() {
        return Err(CompileError::NoDbrp);
    }
    Ok(p)
}

impl AppState {
    pub fn open(opts: ServerOptions) -> Result<Arc<AppState>, StoreError> {
        Self::open_in_cluster(opts, None)
    }

    /// Open the server as a node of `cluster`: alert events pass its
    /// deduplication, alert levels are restored from it, and tasks start
    /// only where the cluster's leases say (`crate::cluster`).
    pub fn open_in_cluster(
        opts: ServerOptions,
        cluster: Option<Arc<crate::cluster::Cluster>>,
    ) -> Result<Arc<AppState>, StoreError> {
        let _ = std::fs::create_dir_all(&opts.data_dir);
        let _ = std::fs::create_dir_all(&opts.replay_dir);
        if let Some(parent) = opts.db_path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let store = Store::open(&opts.db_path)?;
        let cluster_id = id_file(&opts.data_dir.join("cluster.id"));
        let server_id = id_file(&opts.data_dir.join("server.id"));
        let effective = crate::overrides::effective_at_start(&opts, &store);
        let mut engine_opts = EngineOptions::default();
        engine_opts.config.handlers_enabled = true;
        engine_opts.write_wait_limit = Some(WRITE_WAIT_LIMIT);
        engine_opts.config.cluster_id = cluster_id.clone();
        engine_opts.config.server_id = server_id.clone();
        engine_opts.config.handler_configs = effective.handler_configs();
        engine_opts.config.handler_configs.hostname = Some(opts.hostname.clone());
        // Validated at start-up (`config::validate`), so decoding succeeds here.
        engine_opts.config.autoscale = effective.autoscale_configs().unwrap_or_default();
        let influxdb = crate::influxdb::InfluxDb::new(&opts);
        engine_opts.config.influxdb = influxdb.registry();
        engine_opts.config.handler_buffer = opts.topic_buffer_length;
        engine_opts.config.task_limits = opts.task_limits;
        let udf_functions = Arc::new(udf_functions(&opts.config));
        engine_opts.config.udf = udf_functions.clone();
        // Alert nodes and topic handlers share the config's one handler pool.
        let topics = Arc::new(Topics::new(engine_opts.config.clone(), opts.persist_topics));
        topics.restore(&store)?;
        // Alert nodes restore a group's level from the topics (Kapacitor's
        // restoreEventState).
        engine_opts.config.event_states = Some(topics.clone());
        if let Some(c) = &cluster {
            engine_opts.config.event_states =
                Some(Arc::new(crate::cluster::dedup::ClusterEventStates {
                    cluster: c.clone(),
                    fallback: topics.clone(),
                }));
            engine_opts.config.alert_gate = Some(Arc::new(crate::cluster::dedup::Dedup {
                cluster: c.clone(),
                topics: topics.clone(),
            }));
        }
        let engine = Engine::new(engine_opts, topics.clone());
        if let Some(list) = &opts.disable_handlers {
            // Validated by main; a bad entry here disables nothing rather than failing open.
            engine.set_disabled_handlers(
                crate::settings::disabled_handler_kinds(list).unwrap_or_default(),
            );
        }
        let auth = crate::auth::Auth::new(&opts.config, influxdb.tokens.clone());
        let state = Arc::new(AppState {
            auth,
            recordings: crate::recording::Recordings::default(),
            opts,
            engine,
            store,
            topics,
            build: crate::store::build_id(),
            task_lock: tokio::sync::Mutex::new(()),
            stats: WriteStats::default(),
            replays: Mutex::new(HashMap::new()),
            cluster_id,
            server_id,
            influxdb,
            config: tokio::sync::Mutex::new(effective),
            udfs: Arc::new(runtime::udf::AgentCatalog::new(udf_functions)),
            cluster,
        });
        crate::topics::persist::spawn_flusher(&state, |s: &AppState| (&*s.topics, &s.store));
        state.recordings.fail_interrupted(&state.store)?;
        *state.replays.lock().unwrap_or_else(|e| e.into_inner()) =
            crate::replay::restore(&state.store)?;
        crate::recording::register_dropped(&state.store, &state.opts.replay_dir)?;
        state.resume_tasks()?;
        Ok(state)
    }

    /// The pipeline of a stored task: its image when this build wrote it,
    /// else compiled from the script (and the image rewritten).
    pub fn pipeline(&self, rec: &TaskRecord) -> Result<Pipeline, CompileError> {
        if let Ok(Some(p)) = self.store.task_image(&rec.id, &self.build) {
            return Ok(p);
        }
        let p = compile(rec, &*self.udfs)?;
        if let Err(e) = self.store.put_task(rec, Some(&p), &self.build) {
            tracing::warn!(task = rec.id, "cannot store the compiled image: {e}");
        }
        Ok(p)
    }

    /// Start every enabled task (at boot).
    fn resume_tasks(&self) -> Result<(), StoreError> {
        if self.cluster.is_some() {
            // The cluster's leases decide where each task runs.
            return Ok(());
        }
        for mut rec in self.store.tasks()? {
            if !rec.enabled {
                continue;
            }
            match self.start(&rec) {
                Ok(()) => tracing::info!(task = rec.id, "started task"),
                Err(e) => {
                    tracing::error!(task = rec.id, "cannot start task: {e}");
                    rec.error = e;
                    self.store.put_task(&rec, None, &self.build)?;
                }
            }
        }
        Ok(())
    }

    /// Start `rec` in the engine (stopping a running instance first), its
    /// nodes' states restored from the store.
    pub fn start(&self, rec: &TaskRecord) -> Result<(), String> {
        let p = self.pipeline(rec).map_err(|e| e.to_string())?;
        self.stop_task(&rec.id);
        self.start_with_stored_state(&rec.id, &p)
            .map_err(|e| e.to_string())
    }

    /// Start task `id` from `pipeline` with its stored state restored. A
    /// stored state that does not fit — of another version of the script (a
    /// task update), or unreadable — is left out with a warning: the task
    /// starts fresh, as a new task, rather than not at all.
    pub fn start_with_stored_state(
        &self,
        id: &str,
        pipeline: &compiler::ir::Pipeline,
    ) -> Result<(), EngineError> {
        match self
            .engine
            .start_task_with_state(id, pipeline, &self.stored_task_state(id))
        {
            Err(EngineError::Restore { message, .. }) => {
                tracing::warn!(task = id, "starting without the stored state: {message}");
                self.engine.start_task(id, pipeline)
            }
            other => other,
        }
    }

    /// Stop task `id` if it runs, storing its nodes' states first (Kapacitor
    /// snapshots a task when it stops), so the next start resumes them.
    pub fn stop_task(&self, id: &str) -> bool {
        self.save_task_state(id);
        self.engine.stop_task(id)
    }

    /// Store the node states of running task `id` (UDF agents' snapshots).
    pub fn save_task_state(&self, id: &str) {
        match self.engine.task_state(id) {
            Some(Ok(nodes)) if !nodes.is_empty() => {
                let rec = crate::store::TaskSnapshotRecord::from_nodes(&nodes);
                if let Err(e) = self.store.put_task_snapshot(id, &rec) {
                    tracing::error!(task = id, "cannot store the task's snapshot: {e}");
                }
            }
            Some(Err(e)) => tracing::error!(task = id, "cannot snapshot the task: {e}"),
            _ => {}
        }
    }

    /// Store every running task's node states (at shutdown).
    pub fn save_all_task_states(&self) {
        for id in self.engine.task_ids() {
            self.save_task_state(&id);
        }
    }

    /// The node states stored for task `id` (empty when none).
    pub fn stored_task_state(&self, id: &str) -> std::collections::BTreeMap<String, Vec<u8>> {
        match self.store.task_snapshot(id) {
            Ok(Some(rec)) => rec.to_nodes(),
            Ok(None) => Default::default(),
            Err(e) => {
                tracing::error!(task = id, "cannot read the task's snapshot: {e}");
                Default::default()
            }
        }
    }

    /// Start the InfluxDB subscription syncs; InfluxDB's forwarded writes
    /// (HTTP to `/write`, or UDP) reach the engine like any other write.
    /// `http_port` is the port our API listens on.
    pub fn start_influxdb(self: &Arc<Self>, http_port: u16) {
        let ingest = self.ingest();
        self.influxdb.start(
            &self.opts,
            (&self.cluster_id, &self.server_id),
            http_port,
            ingest,
        );
    }

    /// The write path as a function, for listeners that are not HTTP (UDP).
    pub fn ingest(self: &Arc<Self>) -> crate::udp::Ingest {
        let weak = Arc::downgrade(self);
        Arc::new(move |mut batch: runtime::engine::WriteBatch| {
            if let Some(state) = weak.upgrade() {
                let default_rp = &state.opts.config.default_retention_policy;
                if batch.retention_policy.is_empty() && !default_rp.is_empty() {
                    // Kapacitor's TaskMaster.WritePoints: an empty rp is the configured
                    // default (the points carry it too).
                    let rp: runtime::point::Str = default_rp.as_str().into();
                    for p in &mut batch.points {
                        Arc::make_mut(p).retention_policy = rp.clone();
                    }
                    batch.retention_policy = rp;
                }
                state.stats.points_ok(batch.points.len());
                if let Some(c) = &state.cluster {
                    let published = crate::cluster::ingest::wait(
                        &c.handle,
                        crate::cluster::ingest::publish(c, &batch),
                    );
                    if let Err(e) = published {
                        tracing::error!("cannot publish a write to the cluster: {e}");
                        return;
                    }
                }
                state.engine.write(batch);
            }
        })
    }

    pub fn now() -> i64 {
        now_ns()
    }
}
