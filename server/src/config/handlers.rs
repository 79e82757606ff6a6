//! Alert handler sections that the runtime has no handler for yet, with
//! Kapacitor's struct defaults and key order. The sections the runtime
//! uses (`[smtp]`, `[[slack]]`, `[pagerduty]`, `[[discord]]`, ...) are
//! defined once, in `runtime::config::handlers`.

use runtime::config::GoDuration;
use serde::{Deserialize, Serialize};

/// One `[[kafka]]` cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct KafkaConfig {
    pub enabled: bool,
    pub id: String,
    pub brokers: Vec<String>,
    /// Zero means 10s.
    pub timeout: GoDuration,
    /// Zero means 100.
    pub batch_size: i64,
    /// Zero means 1s.
    pub batch_timeout: GoDuration,
    pub use_ssl: bool,
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    pub insecure_skip_verify: bool,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            enabled: false,
            id: "default".into(),
            brokers: Vec::new(),
            timeout: GoDuration::ZERO,
            batch_size: 0,
            batch_timeout: GoDuration::ZERO,
            use_ssl: false,
            ssl_ca: String::new(),
            ssl_cert: String::new(),
            ssl_key: String::new(),
            insecure_skip_verify: false,
        }
    }
}

/// One `[[mqtt]]` broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct MqttConfig {
    pub enabled: bool,
    pub name: String,
    pub default: bool,
    /// `tcp://host:port`, `ws://host:port` or `ssl://host:port`.
    pub url: String,
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    pub insecure_skip_verify: bool,
    /// Defaults to `name` when empty.
    pub client_id: String,
    pub username: String,
    pub password: String,
}

impl Default for MqttConfig {
    fn default() -> Self {
        MqttConfig {
            enabled: false,
            name: "default".into(),
            default: false,
            url: String::new(),
            ssl_ca: String::new(),
            ssl_cert: String::new(),
            ssl_key: String::new(),
            insecure_skip_verify: false,
            client_id: String::new(),
            username: String::new(),
            password: String::new(),
        }
    }
}

/// `[snmptrap]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SnmpTrapConfig {
    pub enabled: bool,
    pub addr: String,
    pub community: String,
    pub retries: i64,
}

impl Default for SnmpTrapConfig {
    fn default() -> Self {
        SnmpTrapConfig {
            enabled: false,
            addr: "localhost:162".into(),
            community: "kapacitor".into(),
            retries: 1,
        }
    }
}
