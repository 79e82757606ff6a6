//! Handler configuration sections, mirroring Kapacitor's config file
//! (api.md §3.1): `[smtp]`, `[[slack]]`, `[pagerduty]`, `[pagerduty2]`,
//! `[victorops]`, `[opsgenie]`, `[opsgenie2]`, `[telegram]`, `[sensu]`,
//! `[alerta]`, `[pushover]`, `[[httppost]]`, `[[mqtt]]`, `[snmptrap]`,
//! `[[kafka]]`. Field names are the TOML keys
//! (kebab-case); defaults are Kapacitor's struct defaults.

use super::duration::GoDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SmtpConfig {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub no_verify: bool,
    pub global: bool,
    pub state_changes_only: bool,
    pub from: String,
    pub to: Vec<String>,
    /// Close the SMTP connection after this long idle.
    pub idle_timeout: GoDuration,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            enabled: false,
            host: "localhost".into(),
            port: 25,
            username: String::new(),
            password: String::new(),
            no_verify: false,
            from: String::new(),
            to: Vec::new(),
            global: false,
            state_changes_only: false,
            idle_timeout: GoDuration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SlackConfig {
    pub enabled: bool,
    pub default: bool,
    pub workspace: String,
    pub url: String,
    pub token: String,
    pub channel: String,
    pub username: String,
    pub icon_emoji: String,
    pub global: bool,
    pub state_changes_only: bool,
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    pub insecure_skip_verify: bool,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            enabled: false,
            default: true,
            workspace: String::new(),
            url: String::new(),
            token: String::new(),
            channel: String::new(),
            username: "kapacitor".into(),
            icon_emoji: String::new(),
            global: false,
            state_changes_only: false,
            ssl_ca: String::new(),
            ssl_cert: String::new(),
            ssl_key: String::new(),
            insecure_skip_verify: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct PagerDutyConfig {
    pub enabled: bool,
    pub service_key: String,
    pub url: String,
    pub global: bool,
}

impl Default for PagerDutyConfig {
    fn default() -> Self {
        PagerDutyConfig {
            enabled: false,
            service_key: String::new(),
            url: "https://events.pagerduty.com/generic/2010-04-15/create_event.json".into(),
            global: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct PagerDuty2Config {
    pub enabled: bool,
    pub routing_key: String,
    pub url: String,
    pub global: bool,
}

impl Default for PagerDuty2Config {
    fn default() -> Self {
        PagerDuty2Config {
            enabled: false,
            routing_key: String::new(),
            url: "https://events.pagerduty.com/v2/enqueue".into(),
            global: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct VictorOpsConfig {
    pub enabled: bool,
    pub api_key: String,
    pub routing_key: String,
    pub url: String,
    pub global: bool,
    pub json_data: bool,
}

impl Default for VictorOpsConfig {
    fn default() -> Self {
        VictorOpsConfig {
            enabled: false,
            api_key: String::new(),
            routing_key: String::new(),
            url: "https://alert.victorops.com/integrations/generic/20131114/alert".into(),
            global: false,
            json_data: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct OpsGenieConfig {
    pub enabled: bool,
    pub api_key: String,
    pub teams: Vec<String>,
    pub recipients: Vec<String>,
    pub url: String,
    #[serde(rename = "recovery_url", alias = "recovery-url")]
    pub recovery_url: String,
    pub global: bool,
}

impl Default for OpsGenieConfig {
    fn default() -> Self {
        OpsGenieConfig {
            enabled: false,
            api_key: String::new(),
            teams: Vec::new(),
            recipients: Vec::new(),
            url: "https://api.opsgenie.com/v1/json/alert".into(),
            recovery_url: "https://api.opsgenie.com/v1/json/alert/note".into(),
            global: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct OpsGenie2Config {
    pub enabled: bool,
    pub api_key: String,
    pub teams: Vec<String>,
    pub recipients: Vec<String>,
    pub url: String,
    #[serde(rename = "recovery_action", alias = "recovery-action")]
    pub recovery_action: String,
    pub details: bool,
    pub global: bool,
}

impl Default for OpsGenie2Config {
    fn default() -> Self {
        OpsGenie2Config {
            enabled: false,
            api_key: String::new(),
            teams: Vec::new(),
            recipients: Vec::new(),
            url: "https://api.opsgenie.com/v2/alerts".into(),
            recovery_action: "notes".into(),
            details: false,
            global: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TelegramConfig {
    pub enabled: bool,
    pub url: String,
    pub token: String,
    pub chat_id: String,
    pub parse_mode: String,
    pub disable_web_page_preview: bool,
    pub disable_notification: bool,
    pub global: bool,
    pub state_changes_only: bool,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            enabled: false,
            url: "https://api.telegram.org/bot".into(),
            token: String::new(),
            chat_id: String::new(),
            parse_mode: String::new(),
            disable_web_page_preview: false,
            disable_notification: false,
            global: false,
            state_changes_only: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SensuConfig {
    pub enabled: bool,
    pub addr: String,
    pub source: String,
    pub handlers: Vec<String>,
}

impl Default for SensuConfig {
    fn default() -> Self {
        SensuConfig {
            enabled: false,
            addr: String::new(),
            source: "Kapacitor".into(),
            handlers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct AlertaConfig {
    pub enabled: bool,
    pub url: String,
    pub insecure_skip_verify: bool,
    pub token: String,
    pub token_prefix: String,
    pub environment: String,
    pub origin: String,
    /// Request timeout; zero means none.
    pub timeout: GoDuration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct PushoverConfig {
    pub enabled: bool,
    pub token: String,
    pub user_key: String,
    pub url: String,
}

impl Default for PushoverConfig {
    fn default() -> Self {
        PushoverConfig {
            enabled: false,
            token: String::new(),
            user_key: String::new(),
            url: "https://api.pushover.net/1/messages.json".into(),
        }
    }
}

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

/// `[servicenow]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ServiceNowConfig {
    pub enabled: bool,
    pub url: String,
    pub source: String,
    pub username: String,
    pub password: String,
    pub global: bool,
    pub state_changes_only: bool,
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

/// A Zenoss severity: Kapacitor's `interface{}` takes a name or a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ZenossSeverity {
    Number(i64),
    Name(String),
}

/// Alert level to Zenoss severity (Kapacitor's TOML keys are capitalised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZenossSeverityMap {
    #[serde(rename = "OK", alias = "ok")]
    pub ok: ZenossSeverity,
    #[serde(rename = "Info", alias = "info")]
    pub info: ZenossSeverity,
    #[serde(rename = "Warning", alias = "warning")]
    pub warning: ZenossSeverity,
    #[serde(rename = "Critical", alias = "critical")]
    pub critical: ZenossSeverity,
}

impl Default for ZenossSeverityMap {
    fn default() -> Self {
        let name = |s: &str| ZenossSeverity::Name(s.into());
        ZenossSeverityMap {
            ok: name("Clear"),
            info: name("Info"),
            warning: name("Warning"),
            critical: name("Critical"),
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

/// `[alertmanager]` (an addition beyond Kapacitor): alerts become
/// Prometheus Alertmanager v2 alerts (`POST <url>/api/v2/alerts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct AlertmanagerConfig {
    pub enabled: bool,
    /// The Alertmanager base URL (`http://localhost:9093`).
    pub url: String,
    /// Request timeout; zero means the handlers' default (30s).
    pub timeout: GoDuration,
    /// Labels added to every alert (an alert's own tags win).
    pub labels: BTreeMap<String, String>,
    /// Annotations added to every alert (the handler's own win).
    pub annotations: BTreeMap<String, String>,
    pub global: bool,
}

impl Default for AlertmanagerConfig {
    fn default() -> Self {
        AlertmanagerConfig {
            enabled: false,
            url: "http://localhost:9093".into(),
            timeout: GoDuration::ZERO,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            global: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BasicAuth {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HttpPostConfig {
    pub endpoint: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub basic_auth: Option<BasicAuth>,
    pub alert_template: String,
    pub alert_template_file: String,
    pub row_template: String,
    pub row_template_file: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HttpConfig {
    pub bind_address: String,
    pub https_enabled: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            bind_address: ":9092".into(),
            https_enabled: false,
        }
    }
}

/// The handler-related sections of a Kapacitor config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HandlerConfigs {
    pub hostname: Option<String>,
    pub http: HttpConfig,
    pub smtp: SmtpConfig,
    pub slack: Vec<SlackConfig>,
    pub pagerduty: PagerDutyConfig,
    pub pagerduty2: PagerDuty2Config,
    pub victorops: VictorOpsConfig,
    pub opsgenie: OpsGenieConfig,
    pub opsgenie2: OpsGenie2Config,
    pub telegram: TelegramConfig,
    pub sensu: SensuConfig,
    pub alerta: AlertaConfig,
    pub pushover: PushoverConfig,
    pub httppost: Vec<HttpPostConfig>,
    pub hipchat: HipChatConfig,
    pub talk: TalkConfig,
    pub teams: TeamsConfig,
    pub discord: Vec<DiscordConfig>,
    pub bigpanda: BigPandaConfig,
    pub servicenow: ServiceNowConfig,
    pub zenoss: ZenossConfig,
    pub alertmanager: AlertmanagerConfig,
    pub mqtt: Vec<MqttConfig>,
    pub snmptrap: SnmpTrapConfig,
    pub kafka: Vec<KafkaConfig>,
}

impl HandlerConfigs {
    /// Parses the handler sections of a Kapacitor TOML config; other sections
    /// are ignored. `[slack]` may be a single table or an array of tables.
    pub fn from_toml(src: &str) -> Result<HandlerConfigs, String> {
        let mut v: toml::Table = src.parse().map_err(|e: toml::de::Error| e.to_string())?;
        // `${NAME}` and `<key>-file` secrets, as kapacitord reads them
        // (a relative secret file is relative to the working directory).
        super::secrets::resolve(&mut v, &|n| std::env::var(n).ok(), None)
            .map_err(|e| e.to_string())?;
        for key in ["slack", "httppost", "discord", "mqtt", "kafka"] {
            if let Some(t @ toml::Value::Table(_)) = v.get(key).cloned() {
                v.insert(key.into(), toml::Value::Array(vec![t]));
            }
        }
        HandlerConfigs::deserialize(toml::Value::Table(v)).map_err(|e| e.to_string())
    }

    /// `http://<bind addr>/kapacitor/v1` (https when enabled); an empty host
    /// is `localhost`.
    pub fn client_url(&self) -> String {
        let addr = &self.http.bind_address;
        let addr = if addr.starts_with(':') {
            format!("localhost{addr}")
        } else {
            addr.clone()
        };
        let scheme = if self.http.https_enabled {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{addr}/kapacitor/v1")
    }

    /// The slack section for `workspace` ("" = the default one).
    pub fn slack(&self, workspace: &str) -> SlackConfig {
        let found = if workspace.is_empty() {
            self.slack.iter().find(|s| s.default).or(self.slack.first())
        } else {
            self.slack.iter().find(|s| s.workspace == workspace)
        };
        found.cloned().unwrap_or_default()
    }

    /// The discord section for `workspace` ("" = the default one; a lone
    /// section is the default, as Kapacitor makes it).
    pub fn discord(&self, workspace: &str) -> Option<&DiscordConfig> {
        if workspace.is_empty() {
            if self.discord.len() == 1 {
                return self.discord.first();
            }
            self.discord.iter().find(|d| d.default)
        } else {
            self.discord.iter().find(|d| d.workspace == workspace)
        }
    }

    pub fn httppost(&self, endpoint: &str) -> Option<&HttpPostConfig> {
        self.httppost.iter().find(|h| h.endpoint == endpoint)
    }
}

/// One `[[mqtt]]` broker (Kapacitor's `services/mqtt` Config).
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

/// One `[[kafka]]` cluster (Kapacitor's `services/kafka` Config with its
/// embedded `SASLAuth`, keys in that order).
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
    pub sasl_username: String,
    pub sasl_password: String,
    /// Spelled with underscores in Kapacitor's struct tag.
    #[serde(rename = "sasl_extensions")]
    pub sasl_extensions: BTreeMap<String, String>,
    pub sasl_mechanism: String,
    /// 0 or 1; unset picks the handshake version from the Kafka version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sasl_version: Option<i64>,
    pub sasl_gssapi_service_name: String,
    pub sasl_gssapi_auth_type: String,
    pub sasl_gssapi_disable_pafxfast: bool,
    pub sasl_gssapi_kerberos_config_path: String,
    pub sasl_gssapi_key_tab_path: String,
    pub sasl_gssapi_realm: String,
    pub sasl_oauth_service: String,
    pub sasl_oauth_client_id: String,
    pub sasl_oauth_client_secret: String,
    pub sasl_oauth_token_url: String,
    pub sasl_oauth_scopes: Vec<String>,
    pub sasl_oauth_parameters: BTreeMap<String, String>,
    pub sasl_oauth_token_expiry_margin: GoDuration,
    pub sasl_access_token: String,
    pub sasl_oauth_tenant_id: String,
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
            sasl_username: String::new(),
            sasl_password: String::new(),
            sasl_extensions: BTreeMap::new(),
            sasl_mechanism: String::new(),
            sasl_version: None,
            sasl_gssapi_service_name: String::new(),
            sasl_gssapi_auth_type: String::new(),
            sasl_gssapi_disable_pafxfast: false,
            sasl_gssapi_kerberos_config_path: String::new(),
            sasl_gssapi_key_tab_path: String::new(),
            sasl_gssapi_realm: String::new(),
            sasl_oauth_service: String::new(),
            sasl_oauth_client_id: String::new(),
            sasl_oauth_client_secret: String::new(),
            sasl_oauth_token_url: String::new(),
            sasl_oauth_scopes: Vec::new(),
            sasl_oauth_parameters: BTreeMap::new(),
            sasl_oauth_token_expiry_margin: GoDuration::from_secs(1),
            sasl_access_token: String::new(),
            sasl_oauth_tenant_id: String::new(),
        }
    }
}

impl HandlerConfigs {
    /// The `[[mqtt]]` broker named `name`; "" is the default broker (the
    /// one marked `default`, or the only one), as Kapacitor picks it.
    pub fn mqtt(&self, name: &str) -> Option<&MqttConfig> {
        if name.is_empty() {
            if self.mqtt.len() == 1 {
                return self.mqtt.first();
            }
            return self.mqtt.iter().find(|m| m.default);
        }
        self.mqtt.iter().find(|m| m.name == name)
    }

    /// The enabled `[[kafka]]` cluster with `id`.
    pub fn kafka(&self, id: &str) -> Option<&KafkaConfig> {
        self.kafka.iter().find(|k| k.id == id && k.enabled)
    }
}
