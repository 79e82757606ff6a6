//! Runtime configuration read by nodes at build time.
//!
//! Owned by RT-alert for the handler sections (Kapacitor's `[slack]`,
//! `[pagerduty]`, ... config sections, see `handlers.rs`); RT-core only
//! threads it through `BuildEnv`. Extend additively.

pub mod autoscale;
pub mod duration;
pub mod handlers;
pub mod secrets;

use crate::alert::inhibit::InhibitRegistry;
use std::sync::Arc;

pub use duration::GoDuration;
pub use handlers::HandlerConfigs;

/// The configuration a task is built with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Call alert handlers (`tickc run --handlers`); otherwise only events are output.
    pub handlers_enabled: bool,
    /// Handler sections (from `--config kapacitor.conf`).
    pub handler_configs: HandlerConfigs,
    /// `.ServerInfo.ClusterID` / `.ServerID` of alert templates (empty offline).
    pub cluster_id: String,
    pub server_id: String,
    /// Alert categories seen by inhibitors, shared by every alert node of a run.
    pub inhibit_registry: Arc<InhibitRegistry>,
    /// The server's `[[influxdb]]` clusters (none offline).
    pub influxdb: crate::influxdb::Clusters,
    /// The one pool running every alert handler of a run or a server.
    pub handler_pool: crate::alert::handlers::HandlerPool,
    /// Where alert nodes restore a group's level from when it first appears
    /// (the server's topic store; `None` offline and in replays).
    pub event_states: Option<Arc<dyn crate::alert::restore::EventStates>>,
    /// Decides per alert event whether it is delivered (a cluster's
    /// deduplication, `crate::engine::AlertGate`); `None` delivers all.
    pub alert_gate: Option<Arc<dyn crate::engine::AlertGate>>,
    /// Events queued per handler before dropping (`[alert] topic-buffer-length`;
    /// 0 = Kapacitor's default, 5000).
    pub handler_buffer: usize,
    /// Bounds on a task's live groups and buffered points (`[task-limits]`,
    /// see `crate::limits`).
    pub task_limits: crate::limits::TaskLimits,
    /// `[[kubernetes]]`, `[[swarm]]` and `[[ec2]]`: the autoscale nodes' APIs.
    pub autoscale: autoscale::AutoscaleConfigs,
    /// `[udf.functions.<name>]`: the UDF agents `@name()` nodes start.
    pub udf: Arc<crate::udf::UdfFunctions>,
}

impl Config {
    /// Reads a Kapacitor config file's handler sections.
    pub fn from_toml(src: &str) -> Result<Config, String> {
        Ok(Config {
            handler_configs: HandlerConfigs::from_toml(src)?,
            autoscale: autoscale::AutoscaleConfigs::from_toml(src)?,
            udf: Arc::new(crate::udf::config::from_toml(src)?),
            ..Config::default()
        })
    }

    /// The per-handler queue length in effect.
    pub fn handler_queue(&self) -> usize {
        if self.handler_buffer == 0 {
            crate::alert::handlers::QUEUE
        } else {
            self.handler_buffer
        }
    }

    /// `.ServerInfo.Hostname`: the config's `hostname`, default `localhost`.
    pub fn hostname(&self) -> &str {
        self.handler_configs
            .hostname
            .as_deref()
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost")
    }
}
