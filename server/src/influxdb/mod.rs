//! The InfluxDB service (api.md §4, Kapacitor's services/influxdb): the
//! `[[influxdb]]` clusters — one client each, named, one default — handed
//! to the engine as `runtime::influxdb::Clusters` for influxDBOut and batch
//! queries, and each enabled cluster's subscription sync (`cluster.rs`,
//! `link.rs`) so that InfluxDB forwards its writes to our `/write` (or to a
//! UDP listener per db/rp, `crate::udp`).
//!
//! Map: `statements` (the InfluxQL sent), `destination` (our advertised
//! URL and parsing theirs), `tokens` (`~subscriber` tokens).

mod cluster;
pub mod destination;
pub mod link;
pub mod statements;
pub mod tokens;

use crate::config::{InfluxdbConfig, SubscriptionMode};
use crate::settings::ServerOptions;
use crate::udp::Ingest;
use cluster::Cluster;
use link::{LinkError, LinkSettings};
use runtime::influxdb::{Client, ClientConfig, Clusters};
use std::sync::Arc;
pub use tokens::SubscriptionTokens;

pub struct InfluxDb {
    clusters: Vec<Arc<Cluster>>,
    registry: Clusters,
    configs: Vec<InfluxdbConfig>,
    pub tokens: Arc<SubscriptionTokens>,
}

/// The client settings of one `[[influxdb]]` entry.
/// `shared_secret` = `[http] shared-secret`, used when the entry sets
/// `http-shared-secret`.
pub fn client_config(c: &InfluxdbConfig, shared_secret: &str) -> ClientConfig {
    ClientConfig {
        urls: c.urls.clone(),
        username: c.username.clone(),
        password: c.password.clone(),
        token: c.token.clone(),
        shared_secret: if c.http_shared_secret {
            shared_secret.to_string()
        } else {
            String::new()
        },
        timeout: c.timeout.to_std(),
        user_agent: String::new(),
        insecure_skip_verify: c.insecure_skip_verify,
        ssl_ca: c.ssl_ca.clone(),
        ssl_cert: c.ssl_cert.clone(),
        ssl_key: c.ssl_key.clone(),
        gzip_writes: c.compression != "none",
    }
}

impl InfluxDb {
    /// Clients for the enabled clusters. A cluster whose client cannot be
    /// made (a URL that is not http/https) is left out with an error line;
    /// config validation normally refuses such a file first.
    pub fn new(opts: &ServerOptions) -> InfluxDb {
        let mut clusters = Vec::new();
        let mut entries = Vec::new();
        let mut configs = Vec::new();
        for c in opts.influxdb.iter().filter(|c| c.enabled) {
            if c.insecure_skip_verify {
                tracing::warn!(
                    "Using InsecureSkipVerify when connecting to InfluxDB @ {:?} this is insecure!",
                    c.urls
                );
            }
            match Client::new(client_config(c, &opts.http_shared_secret)) {
                Ok(client) => {
                    let client = Arc::new(client);
                    entries.push((c.name.clone(), client.clone()));
                    clusters.push(Arc::new(Cluster::new(
                        c.name.clone(),
                        client,
                        c.disable_subscriptions,
                        c.subscriptions_sync_interval.to_std(),
                        c.startup_timeout.to_std(),
                    )));
                    configs.push(c.clone());
                }
                Err(e) => tracing::error!(cluster = c.name, "InfluxDB cluster left out: {e}"),
            }
        }
        // Kapacitor: the entry marked default, else the only enabled one.
        let default = configs
            .iter()
            .find(|c| c.default)
            .or(if configs.len() == 1 {
                configs.first()
            } else {
                None
            })
            .map(|c| c.name.clone());
        InfluxDb {
            registry: Clusters::new(entries, default),
            clusters,
            configs,
            tokens: Arc::default(),
        }
    }

    /// What nodes resolve `.cluster()` against.
    pub fn registry(&self) -> Clusters {
        self.registry.clone()
    }

    /// Start each cluster's subscription sync. `http_port` is the port our
    /// HTTP server listens on (used when a cluster sets no `http-port`).
    pub fn start(&self, opts: &ServerOptions, ids: (&str, &str), http_port: u16, ingest: Ingest) {
        let (cluster_id, server_id) = ids;
        for (cluster, c) in self.clusters.iter().zip(&self.configs) {
            let id = match c.subscription_mode {
                SubscriptionMode::Cluster => cluster_id,
                SubscriptionMode::Server => server_id,
            };
            let protocol = c.subscription_protocol.clone();
            let host = if c.kapacitor_hostname.is_empty() {
                opts.hostname.clone()
            } else {
                c.kapacitor_hostname.clone()
            };
            let settings = LinkSettings {
                cluster_name: c.name.clone(),
                sub_name: format!("kapacitor-{id}"),
                cluster_id: cluster_id.to_string(),
                use_tokens: opts.http_auth_enabled && protocol != "udp",
                protocol,
                host,
                http_port: u16::try_from(c.http_port)
                    .ok()
                    .filter(|p| *p != 0)
                    .unwrap_or(http_port),
                path: c.subscription_path.clone(),
                subscriptions: c.subscriptions.clone(),
                excluded: c.excluded_subscriptions.clone(),
                udp_bind: c.udp_bind.clone(),
                udp_buffer: usize::try_from(c.udp_buffer).unwrap_or(1000).max(1),
                udp_read_buffer: usize::try_from(c.udp_read_buffer).unwrap_or(0),
            };
            let _ = cluster.settings.set(settings);
            cluster.spawn(self.tokens.clone(), ingest.clone());
        }
    }

    /// `POST /kapacitor/v1/subscriptions`: sync every cluster now.
    pub fn sync_now(&self, ingest: &Ingest) -> Result<(), LinkError> {
        for c in &self.clusters {
            c.link(&self.tokens, ingest)
                .map_err(|source| LinkError::Cluster {
                    name: c.name.clone(),
                    source: Box::new(source),
                })?;
        }
        Ok(())
    }

    /// `num_subscriptions` of `/debug/vars`.
    pub fn subscription_count(&self) -> usize {
        self.clusters.iter().map(|c| c.subscription_count()).sum()
    }
}
