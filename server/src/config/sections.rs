//! The server's own config sections with Kapacitor's struct defaults
//! (`NewConfig()` of each service), fields in the order of Kapacitor's
//! structs so `kapacitord config` prints keys in the same order.
//! Handler sections live in `runtime::config::handlers` (those the runtime
//! uses) and in `handlers.rs` (the rest).

use runtime::config::GoDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[alert]`: the alert topic store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct AlertConfig {
    pub persist_topics: bool,
    pub topic_buffer_length: i64,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            persist_topics: true,
            topic_buffer_length: 5000,
        }
    }
}

/// `[auth]`: user authentication (the `meta-*` keys reach an Enterprise
/// meta node). Struct defaults are zero values, as `kapacitord config`
/// prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct AuthConfig {
    pub enabled: bool,
    pub cache_expiration: GoDuration,
    pub bcrypt_cost: i64,
    pub meta_addr: String,
    pub meta_username: String,
    pub meta_password: String,
    pub meta_internal_shared_secret: String,
    pub meta_use_tls: bool,
    pub meta_ca: String,
    pub meta_cert: String,
    pub meta_key: String,
    pub meta_insecure_skip_verify: bool,
}

/// `[http]`: the API server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HttpConfig {
    pub bind_address: String,
    pub auth_enabled: bool,
    pub log_enabled: bool,
    pub write_tracing: bool,
    pub pprof_enabled: bool,
    pub https_enabled: bool,
    pub https_certificate: String,
    pub https_private_key: String,
    pub shutdown_timeout: GoDuration,
    pub shared_secret: String,
    /// Largest request body the server accepts, in bytes (0 = the server's
    /// built-in limit). Not a key of Kapacitor's file, so it is neither read
    /// from TOML nor printed; the server sets it.
    #[serde(skip)]
    pub max_body_size: i64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            bind_address: ":9092".into(),
            auth_enabled: false,
            log_enabled: true,
            write_tracing: false,
            pprof_enabled: false,
            https_enabled: false,
            https_certificate: "/etc/ssl/kapacitor.pem".into(),
            https_private_key: String::new(),
            shutdown_timeout: GoDuration::from_secs(10),
            shared_secret: String::new(),
            max_body_size: 0,
        }
    }
}

/// `[replay]`: where recordings are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplayConfig {
    pub dir: String,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            dir: "./replay".into(),
        }
    }
}

/// `[storage]`: the database file (Kapacitor's BoltDB path; ours is redb).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageConfig {
    pub boltdb: String,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            boltdb: "./kapacitor.db".into(),
        }
    }
}

/// `[task]` (legacy task store location, and the snapshot interval).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TaskConfig {
    pub dir: String,
    pub snapshot_interval: GoDuration,
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            dir: "./tasks".into(),
            snapshot_interval: GoDuration::from_mins(1),
        }
    }
}

/// `[fluxtask]`: Flux tasks (not run by this implementation; kept so
/// files written for Kapacitor 1.6+ load and print unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct FluxTaskConfig {
    pub enabled: bool,
    pub task_run_influxdb: String,
    pub task_run_bucket: String,
    pub task_run_org: String,
    pub task_run_orgid: String,
    pub task_run_measurement: String,
}

impl Default for FluxTaskConfig {
    fn default() -> Self {
        FluxTaskConfig {
            enabled: false,
            task_run_influxdb: String::new(),
            task_run_bucket: "kapacitor_fluxtask_logs".into(),
            task_run_org: String::new(),
            task_run_orgid: String::new(),
            task_run_measurement: "runs".into(),
        }
    }
}

/// `[load]`: tasks, templates and handlers defined as files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadConfig {
    pub enabled: bool,
    pub dir: String,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            enabled: false,
            dir: "./load".into(),
        }
    }
}

/// `subscription-mode` of an `[[influxdb]]` entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionMode {
    /// One set of subscriptions per cluster.
    #[default]
    Cluster,
    /// One set of subscriptions per server.
    Server,
}

/// Retention policies per database, for `subscriptions` and
/// `excluded-subscriptions`.
pub type DbRps = BTreeMap<String, Vec<String>>;

/// One `[[influxdb]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct InfluxdbConfig {
    pub enabled: bool,
    pub name: String,
    pub default: bool,
    pub urls: Vec<String>,
    pub username: String,
    pub password: String,
    pub token: String,
    pub http_shared_secret: bool,
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    pub insecure_skip_verify: bool,
    /// Query/write timeout; zero means none.
    pub timeout: GoDuration,
    pub disable_subscriptions: bool,
    pub subscription_protocol: String,
    pub subscription_mode: SubscriptionMode,
    pub subscription_path: String,
    /// Databases and retention policies to subscribe to; empty = all.
    pub subscriptions: DbRps,
    pub excluded_subscriptions: DbRps,
    pub kapacitor_hostname: String,
    pub http_port: i64,
    pub udp_bind: String,
    pub udp_buffer: i64,
    pub udp_read_buffer: i64,
    pub startup_timeout: GoDuration,
    pub subscriptions_sync_interval: GoDuration,
    pub compression: String,
}

impl InfluxdbConfig {
    pub const DEFAULT_UDP_BUFFER: i64 = 1000;
    pub const DEFAULT_STARTUP_TIMEOUT: GoDuration = GoDuration::from_mins(5);
    pub const DEFAULT_SUBSCRIPTION_PROTOCOL: &'static str = "http";
    pub const DEFAULT_SUBSCRIPTIONS_SYNC_INTERVAL: GoDuration = GoDuration::from_mins(1);
    pub const DEFAULT_COMPRESSION: &'static str = "gzip";

    /// Kapacitor's `ApplyConditionalDefaults`: zero values that mean
    /// "unset" take their defaults (entries of a multi-entry
    /// `[[influxdb]]` list start from zero values).
    pub fn apply_conditional_defaults(&mut self) {
        if self.udp_buffer == 0 {
            self.udp_buffer = Self::DEFAULT_UDP_BUFFER;
        }
        if self.startup_timeout == GoDuration::ZERO {
            self.startup_timeout = Self::DEFAULT_STARTUP_TIMEOUT;
        }
        if self.subscription_protocol.is_empty() {
            self.subscription_protocol = Self::DEFAULT_SUBSCRIPTION_PROTOCOL.into();
        }
        if self.subscriptions_sync_interval == GoDuration::ZERO {
            self.subscriptions_sync_interval = Self::DEFAULT_SUBSCRIPTIONS_SYNC_INTERVAL;
        }
        if self.compression.is_empty() {
            self.compression = Self::DEFAULT_COMPRESSION.into();
        }
    }
}

impl Default for InfluxdbConfig {
    fn default() -> Self {
        InfluxdbConfig {
            enabled: true,
            name: "default".into(),
            default: false,
            urls: vec!["http://localhost:8086".into()],
            username: String::new(),
            password: String::new(),
            token: String::new(),
            http_shared_secret: false,
            ssl_ca: String::new(),
            ssl_cert: String::new(),
            ssl_key: String::new(),
            insecure_skip_verify: false,
            timeout: GoDuration::ZERO,
            disable_subscriptions: false,
            subscription_protocol: Self::DEFAULT_SUBSCRIPTION_PROTOCOL.into(),
            subscription_mode: SubscriptionMode::Cluster,
            subscription_path: String::new(),
            subscriptions: DbRps::new(),
            // Kapacitor's own stats database is never subscribed to.
            excluded_subscriptions: DbRps::from([(
                StatsConfig::DEFAULT_DATABASE.to_string(),
                vec![StatsConfig::DEFAULT_RETENTION_POLICY.to_string()],
            )]),
            kapacitor_hostname: String::new(),
            http_port: 0,
            udp_bind: String::new(),
            udp_buffer: Self::DEFAULT_UDP_BUFFER,
            udp_read_buffer: 0,
            startup_timeout: Self::DEFAULT_STARTUP_TIMEOUT,
            subscriptions_sync_interval: Self::DEFAULT_SUBSCRIPTIONS_SYNC_INTERVAL,
            compression: Self::DEFAULT_COMPRESSION.into(),
        }
    }
}

/// `[logging]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// A path, or `STDERR` / `STDOUT`.
    pub file: String,
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            file: "STDERR".into(),
            level: "DEBUG".into(),
        }
    }
}

/// `[config-override]`: changing config sections through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigOverrideConfig {
    pub enabled: bool,
}

impl Default for ConfigOverrideConfig {
    fn default() -> Self {
        ConfigOverrideConfig { enabled: true }
    }
}

/// `[tls]`: cipher suites and protocol versions of the HTTPS server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TlsConfig {
    pub ciphers: Vec<String>,
    pub min_version: String,
    pub max_version: String,
}

/// `[reporting]`: anonymous usage reports to InfluxData.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportingConfig {
    pub enabled: bool,
    pub url: String,
}

impl Default for ReportingConfig {
    fn default() -> Self {
        ReportingConfig {
            enabled: true,
            url: "https://usage.influxdata.com".into(),
        }
    }
}

/// `[stats]`: Kapacitor's own statistics written to its own stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct StatsConfig {
    pub enabled: bool,
    pub stats_interval: GoDuration,
    pub database: String,
    pub retention_policy: String,
    pub timing_sample_rate: f64,
    pub timing_movavg_size: i64,
}

impl StatsConfig {
    pub const DEFAULT_DATABASE: &'static str = "_kapacitor";
    pub const DEFAULT_RETENTION_POLICY: &'static str = "autogen";
}

impl Default for StatsConfig {
    fn default() -> Self {
        StatsConfig {
            enabled: true,
            stats_interval: GoDuration::from_secs(10),
            database: Self::DEFAULT_DATABASE.into(),
            retention_policy: Self::DEFAULT_RETENTION_POLICY.into(),
            timing_sample_rate: 0.10,
            timing_movavg_size: 1000,
        }
    }
}

/// `[udf]`: user defined functions, by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UdfConfig {
    pub functions: BTreeMap<String, UdfFunctionConfig>,
}

/// `[udf.functions.<name>]`: a process (`prog`, `args`, `env`) or a
/// `socket`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UdfFunctionConfig {
    pub prog: String,
    pub args: Vec<String>,
    pub socket: String,
    pub timeout: GoDuration,
    pub env: BTreeMap<String, String>,
}

/// `[deadman]`: the global deadman switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadmanConfig {
    pub interval: GoDuration,
    pub threshold: f64,
    pub id: String,
    pub message: String,
    pub global: bool,
}

impl Default for DeadmanConfig {
    fn default() -> Self {
        DeadmanConfig {
            interval: GoDuration::from_secs(10),
            threshold: 0.0,
            id: "node 'NODE_NAME' in task '{{ .TaskName }}'".into(),
            message: "{{ .ID }} is {{ if eq .Level \"OK\" }}alive{{ else }}dead{{ end }}: \
                      {{ index .Fields \"emitted\" | printf \"%0.3f\" }} points/INTERVAL."
                .into(),
            global: false,
        }
    }
}

/// `[task-limits]` (ours, beyond Kapacitor): bounded memory per task, see
/// `runtime::limits`. 0 means unbounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TaskLimitsConfig {
    /// Live groups per node that sets groups (from, groupBy, query, join);
    /// past it the least recently seen group's state is evicted.
    pub max_groups: i64,
    /// Points buffered (windows) across one task.
    pub max_buffered_points: i64,
}

impl Default for TaskLimitsConfig {
    fn default() -> Self {
        TaskLimitsConfig {
            max_groups: runtime::limits::DEFAULT_MAX_GROUPS as i64,
            max_buffered_points: runtime::limits::DEFAULT_MAX_BUFFERED_POINTS as i64,
        }
    }
}

/// `[http-limits]` (ours, beyond Kapacitor, whose `[http]` has no such keys):
/// what the API accepts from a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HttpLimitsConfig {
    /// Largest request body in bytes; a larger one is answered 413.
    pub max_body_size: i64,
    /// Time a client has to send a request's headers.
    pub read_header_timeout: GoDuration,
    /// Time a client has to send a request's body once its headers are in.
    pub read_body_timeout: GoDuration,
}

impl Default for HttpLimitsConfig {
    fn default() -> Self {
        HttpLimitsConfig {
            max_body_size: 25 * 1024 * 1024,
            read_header_timeout: GoDuration::from_secs(10),
            read_body_timeout: GoDuration::from_secs(60),
        }
    }
}
