//! `[cluster]` (ours; Kapacitor's open-source server has no cluster): how
//! this node joins the others through a NATS JetStream cluster. Disabled by
//! default, and then nothing of `crate::cluster` runs.
//!
//! `KAPACITOR_CLUSTER_ENABLED`, `_NODE_ID`, `_NATS_URLS_0`, `_REPLICAS` and
//! `_ADVERTISE_URL` override it through the generic env machinery
//! (`crate::config::env`); an element of `nats-urls` may itself hold several
//! URLs separated by commas, so one variable can name the whole JetStream
//! cluster.

use runtime::config::GoDuration;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ClusterConfig {
    pub enabled: bool,
    /// This node's name among the others ("" = the `hostname`); unique.
    pub node_id: String,
    /// The JetStream cluster's client URLs.
    pub nats_urls: Vec<String>,
    /// Replicas of the stream and buckets this cluster creates (1..=5; at
    /// most the number of NATS servers).
    pub replicas: i64,
    /// How peers and clients reach this node's API ("" = `http://<hostname>:<port>`).
    pub advertise_url: String,
    /// How often this node renews its heartbeat; a node silent for three
    /// of these is taken for dead and its tasks move.
    pub heartbeat_interval: GoDuration,
    /// How often an owner checkpoints each task it runs (state and the
    /// stream sequence it covers).
    pub checkpoint_interval: GoDuration,
    /// How long written points stay in the stream (a task can be replayed
    /// from its checkpoint as long as the points after it are kept).
    pub retention: GoDuration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            enabled: false,
            node_id: String::new(),
            nats_urls: vec!["nats://127.0.0.1:4222".into()],
            replicas: 1,
            advertise_url: String::new(),
            heartbeat_interval: GoDuration::from_secs(1),
            checkpoint_interval: GoDuration::from_secs(1),
            retention: GoDuration::from_mins(24 * 60),
        }
    }
}

impl ClusterConfig {
    /// Every URL, the comma-separated elements split.
    pub fn urls(&self) -> Vec<String> {
        self.nats_urls
            .iter()
            .flat_map(|u| u.split(','))
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect()
    }

    /// Why this section cannot run, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if self.urls().is_empty() {
            return Err("cluster.nats-urls must name at least one NATS server".into());
        }
        if !(1..=5).contains(&self.replicas) {
            return Err(format!(
                "cluster.replicas must be between 1 and 5, got {}",
                self.replicas
            ));
        }
        if self.heartbeat_interval.to_std().is_zero() {
            return Err("cluster.heartbeat-interval must be positive".into());
        }
        if self.checkpoint_interval.to_std().is_zero() {
            return Err("cluster.checkpoint-interval must be positive".into());
        }
        if !self.node_id.is_empty() && !super::subjects::is_plain_token(&self.node_id) {
            return Err(format!(
                "cluster.node-id {:?} may hold only letters, digits, '-' and '_'",
                self.node_id
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_needs_nothing_and_enabled_is_checked() {
        let mut c = ClusterConfig::default();
        assert_eq!(c.validate(), Ok(()));
        c.enabled = true;
        assert_eq!(c.validate(), Ok(()));
        c.nats_urls = vec!["nats://a:1, nats://b:2".into(), "".into()];
        assert_eq!(c.urls(), ["nats://a:1", "nats://b:2"]);
        c.replicas = 7;
        assert!(c.validate().unwrap_err().contains("replicas"));
        c.replicas = 3;
        c.node_id = "a.b".into();
        assert!(c.validate().unwrap_err().contains("node-id"));
        c.node_id = "k1".into();
        c.nats_urls.clear();
        assert!(c.validate().unwrap_err().contains("nats-urls"));
    }
}
