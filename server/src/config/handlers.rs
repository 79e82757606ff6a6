//! Alert handler sections that the runtime has no handler for yet, with
//! Kapacitor's struct defaults and key order. The sections the runtime
//! uses (`[smtp]`, `[[slack]]`, `[pagerduty]`, ...) are defined once, in
//! `runtime::config::handlers`.

pub use runtime::config::handlers::{KafkaConfig, MqttConfig, SnmpTrapConfig};
use serde::{Deserialize, Serialize};

/// `[hipchat]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HipChatConfig {
    pub enabled: bool,
    pub url: String,
    pub room: String,
    pub token: String,
    pub global: bool,
    pub state_changes_only: bool,
}

/// `[talk]` (its key `author_name` is spelled with an underscore).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TalkConfig {
    pub enabled: bool,
    pub url: String,
    pub author_name: String,
}

/// `[teams]` (Microsoft Teams).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TeamsConfig {
    pub enabled: bool,
    pub channel_url: String,
    pub global: bool,
    pub state_changes_only: bool,
}

/// One `[[discord]]` workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct DiscordConfig {
    pub enabled: bool,
    pub default: bool,
    pub workspace: String,
    pub url: String,
    pub timestamp: bool,
    pub username: String,
    pub avatar_url: String,
    pub embed_title: String,
    pub global: bool,
    pub state_changes_only: bool,
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    pub insecure_skip_verify: bool,
}

/// `[bigpanda]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BigPandaConfig {
    pub enabled: bool,
    pub global: bool,
    pub app_key: String,
    pub token: String,
    pub state_changes_only: bool,
    pub insecure_skip_verify: bool,
    pub url: String,
}

impl Default for BigPandaConfig {
    fn default() -> Self {
        BigPandaConfig {
            enabled: false,
            global: false,
            app_key: String::new(),
            token: String::new(),
            state_changes_only: false,
            insecure_skip_verify: false,
            url: "https://api.bigpanda.io/data/v2/alerts".into(),
        }
    }
}

/// `[zenoss]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ZenossConfig {
    pub enabled: bool,
    pub url: String,
    pub username: String,
    pub password: String,
    pub action: String,
    pub method: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub tid: i64,
    pub collector: String,
    pub severity_map: ZenossSeverityMap,
    pub global: bool,
    pub state_changes_only: bool,
}

/// Alert level to Zenoss severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZenossSeverityMap {
    pub ok: String,
    pub info: String,
    pub warning: String,
    pub critical: String,
}

impl Default for ZenossSeverityMap {
    fn default() -> Self {
        ZenossSeverityMap {
            ok: "Clear".into(),
            info: "Info".into(),
            warning: "Warning".into(),
            critical: "Critical".into(),
        }
    }
}

impl Default for ZenossConfig {
    fn default() -> Self {
        ZenossConfig {
            enabled: false,
            url: "https://tenant.zenoss.io:8080/zport/dmd/evconsole_router".into(),
            username: String::new(),
            password: String::new(),
            action: "EventsRouter".into(),
            method: "add_event".into(),
            event_type: "rpc".into(),
            tid: 1,
            collector: "Kapacitor".into(),
            severity_map: ZenossSeverityMap::default(),
            global: false,
            state_changes_only: false,
        }
    }
}
