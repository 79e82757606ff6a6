//! `kapacitord`'s configuration: every section of Kapacitor's config file
//! with Kapacitor's struct defaults, read from TOML over those defaults,
//! overridden by `KAPACITOR_*` variables, validated with Kapacitor's rules,
//! and printed as `kapacitord config` prints it.
//!
//! Order of use (Kapacitor's precedence): `Config::load` (file over
//! defaults, or the home-rooted demo defaults without a file) →
//! `apply_env` → CLI flags set fields directly → `validate`.
//!
//! Files: `sections.rs` (server sections), `handlers.rs` (handler sections
//! the runtime has no handler for; the others are `runtime::config`'s),
//! `decode.rs` (Go decoding semantics), `env.rs`, `validate.rs`,
//! `render.rs` (TOML output), `catalog.rs` (shape facts), `paths.rs`
//! (which file to read), `runtime::config::secrets` (`${NAME}` and
//! `<key>-file` secrets, an addition), `error.rs`.

pub mod catalog;
mod decode;
mod env;
mod error;
mod handlers;
mod paths;
mod render;
mod sections;
mod validate;

pub use error::{ConfigError, SecretProblem};
pub use handlers::*;
pub use paths::{config_path, SYSTEM_CONFIG};
pub use runtime::config::handlers::{
    AlertaConfig, BasicAuth, HttpPostConfig, OpsGenie2Config, OpsGenieConfig, PagerDuty2Config,
    PagerDutyConfig, PushoverConfig, SensuConfig, SlackConfig, SmtpConfig, TelegramConfig,
    VictorOpsConfig,
};
pub use runtime::config::handlers::{
    AlertmanagerConfig, BigPandaConfig, DiscordConfig, HipChatConfig, ServiceNowConfig, TalkConfig,
    TeamsConfig, ZenossConfig, ZenossSeverity, ZenossSeverityMap,
};
pub use runtime::config::{GoDuration, HandlerConfigs};
pub use sections::*;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration. Field order is the order of Kapacitor's
/// `server.Config` struct, which is the order `kapacitord config` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub hostname: String,
    pub data_dir: PathBuf,
    #[serde(rename = "skip-config-overrides")]
    pub skip_config_overrides: bool,
    /// Retention policy given to writes that name none ("" = the
    /// database's default).
    #[serde(rename = "default-retention-policy")]
    pub default_retention_policy: String,

    pub alert: AlertConfig,
    pub auth: AuthConfig,
    pub http: HttpConfig,
    pub replay: ReplayConfig,
    pub storage: StorageConfig,
    pub task: TaskConfig,
    pub fluxtask: FluxTaskConfig,
    pub load: LoadConfig,
    pub influxdb: Vec<InfluxdbConfig>,
    pub logging: LoggingConfig,
    #[serde(rename = "config-override")]
    pub config_override: ConfigOverrideConfig,
    pub tls: TlsConfig,

    // Alert handlers.
    pub alerta: AlertaConfig,
    pub bigpanda: BigPandaConfig,
    pub discord: Vec<DiscordConfig>,
    pub hipchat: HipChatConfig,
    pub kafka: Vec<KafkaConfig>,
    pub mqtt: Vec<MqttConfig>,
    pub opsgenie: OpsGenieConfig,
    pub opsgenie2: OpsGenie2Config,
    pub pagerduty: PagerDutyConfig,
    pub pagerduty2: PagerDuty2Config,
    pub pushover: PushoverConfig,
    pub httppost: Vec<HttpPostConfig>,
    pub smtp: SmtpConfig,
    pub snmptrap: SnmpTrapConfig,
    pub sensu: SensuConfig,
    pub servicenow: ServiceNowConfig,
    pub slack: Vec<SlackConfig>,
    pub talk: TalkConfig,
    pub teams: TeamsConfig,
    pub telegram: TelegramConfig,
    pub victorops: VictorOpsConfig,
    pub zenoss: ZenossConfig,
    /// An addition beyond Kapacitor (`.alertmanager()`).
    pub alertmanager: AlertmanagerConfig,

    pub reporting: ReportingConfig,
    pub stats: StatsConfig,
    pub udf: UdfConfig,
    pub deadman: DeadmanConfig,
    #[serde(rename = "task-limits")]
    pub task_limits: TaskLimitsConfig,
    #[serde(rename = "http-limits")]
    pub http_limits: HttpLimitsConfig,
    /// `[cluster]` (ours): nodes sharing tasks through NATS JetStream.
    pub cluster: crate::cluster::config::ClusterConfig,

    /// Sections Kapacitor has that are not modelled here (input services,
    /// discovery, scrapers, kubernetes, swarm, ...; see
    /// `catalog::PASSTHROUGH_SECTIONS`) and unknown top-level keys: kept as
    /// written so they print back and take env overrides.
    #[serde(flatten)]
    pub passthrough: toml::Table,
}

impl Default for Config {
    /// Kapacitor's `NewConfig()`.
    fn default() -> Self {
        Config {
            hostname: "localhost".into(),
            data_dir: PathBuf::new(),
            skip_config_overrides: false,
            default_retention_policy: String::new(),
            alert: AlertConfig::default(),
            auth: AuthConfig::default(),
            http: HttpConfig::default(),
            replay: ReplayConfig::default(),
            storage: StorageConfig::default(),
            task: TaskConfig::default(),
            fluxtask: FluxTaskConfig::default(),
            load: LoadConfig::default(),
            influxdb: vec![InfluxdbConfig::default()],
            logging: LoggingConfig::default(),
            config_override: ConfigOverrideConfig::default(),
            tls: TlsConfig::default(),
            alerta: AlertaConfig::default(),
            bigpanda: BigPandaConfig::default(),
            discord: vec![DiscordConfig {
                default: true,
                ..DiscordConfig::default()
            }],
            hipchat: HipChatConfig::default(),
            kafka: vec![KafkaConfig::default()],
            mqtt: vec![MqttConfig::default()],
            opsgenie: OpsGenieConfig::default(),
            opsgenie2: OpsGenie2Config::default(),
            pagerduty: PagerDutyConfig::default(),
            pagerduty2: PagerDuty2Config::default(),
            pushover: PushoverConfig::default(),
            httppost: vec![HttpPostConfig {
                endpoint: "example".into(),
                url: "http://example.com".into(),
                ..HttpPostConfig::default()
            }],
            smtp: SmtpConfig::default(),
            snmptrap: SnmpTrapConfig::default(),
            sensu: SensuConfig::default(),
            servicenow: ServiceNowConfig::default(),
            slack: vec![SlackConfig::default()],
            talk: TalkConfig::default(),
            teams: TeamsConfig::default(),
            telegram: TelegramConfig::default(),
            victorops: VictorOpsConfig::default(),
            zenoss: ZenossConfig::default(),
            alertmanager: AlertmanagerConfig::default(),
            reporting: ReportingConfig::default(),
            stats: StatsConfig::default(),
            udf: UdfConfig::default(),
            deadman: DeadmanConfig::default(),
            task_limits: TaskLimitsConfig::default(),
            http_limits: HttpLimitsConfig::default(),
            cluster: crate::cluster::config::ClusterConfig::default(),
            passthrough: toml::Table::new(),
        }
    }
}

/// What `kapacitord config` appends to a validation error.
pub const REGENERATE_HINT: &str =
    "To generate a valid configuration file run `kapacitord config > kapacitor.generated.conf`.";

/// A decoded config and what the file held that it does not use.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: Config,
    /// Dotted paths of keys that were ignored (unknown to Kapacitor's
    /// structs); worth a warning in the log, not an error.
    pub unknown_keys: Vec<String>,
    /// Top-level sections Kapacitor knows but this server does not act on.
    pub not_modelled: Vec<String>,
}

impl Config {
    /// Kapacitor's "demo" config used when no file is given: the defaults
    /// with relative directories rooted in `<home>/.kapacitor`.
    pub fn demo(home: &Path) -> Config {
        let root = home.join(".kapacitor");
        let mut c = Config::default();
        // Go's filepath.Join cleans the "./" of the relative defaults.
        let under = |p: &str| {
            root.join(p.trim_start_matches("./"))
                .to_string_lossy()
                .into_owned()
        };
        c.replay.dir = under(&c.replay.dir);
        c.task.dir = under(&c.task.dir);
        c.storage.boltdb = under(&c.storage.boltdb);
        c.load.dir = under(&c.load.dir);
        c.data_dir = root;
        c
    }

    /// The file's settings over the defaults (unknown keys are dropped;
    /// use `decode` to see them).
    pub fn from_toml_str(src: &str) -> Result<Config, ConfigError> {
        Ok(Config::decode(src, &Config::default(), None)?.config)
    }

    /// Decodes `src` over `base` as Kapacitor decodes a file over its
    /// defaults.
    pub fn decode(src: &str, base: &Config, path: Option<&Path>) -> Result<Loaded, ConfigError> {
        Config::decode_with_env(src, base, path, &|name| std::env::var(name).ok())
    }

    /// `decode` with `${NAME}` references looked up through `env` (see
    /// `runtime::config::secrets`; `-file` paths are relative to `path`'s directory).
    pub fn decode_with_env(
        src: &str,
        base: &Config,
        path: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Loaded, ConfigError> {
        let mut user: toml::Table =
            src.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.map(Path::to_path_buf),
                    message: e.to_string(),
                })?;
        runtime::config::secrets::resolve(&mut user, env, path.and_then(Path::parent))?;
        decode::normalize_lists(&mut user);
        let base_tree = toml::Value::Table(base.to_tree());
        let merged = match decode::merge(&base_tree, &toml::Value::Table(user.clone()), "") {
            toml::Value::Table(t) => t,
            _ => unreachable!("merging two tables gives a table"),
        };
        let mut config: Config = decode::typed(&merged)?;
        for db in &mut config.influxdb {
            db.apply_conditional_defaults();
        }
        let mut unknown_keys = Vec::new();
        decode::unknown_keys(&user, &config.to_tree(), "", &mut unknown_keys);
        let mut not_modelled = Vec::new();
        for key in config.passthrough.keys() {
            if catalog::PASSTHROUGH_SECTIONS.contains(&key.as_str()) {
                not_modelled.push(key.clone());
            } else {
                unknown_keys.push(key.clone());
            }
        }
        Ok(Loaded {
            config,
            unknown_keys,
            not_modelled,
        })
    }

    /// Reads the config file at `path` over the defaults; without a path
    /// (or with `/dev/null`, Kapacitor's "no config") the demo config
    /// rooted in `$HOME`.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Ok(Config::load_reporting(path)?.config)
    }

    /// `load`, also returning the ignored keys for the log.
    pub fn load_reporting(path: Option<&Path>) -> Result<Loaded, ConfigError> {
        match path.filter(|p| *p != Path::new("/dev/null")) {
            Some(p) => {
                let src = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_path_buf(),
                    source,
                })?;
                Config::decode(&src, &Config::default(), Some(p))
            }
            None => {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default();
                Ok(Loaded {
                    config: Config::demo(&home),
                    unknown_keys: Vec::new(),
                    not_modelled: Vec::new(),
                })
            }
        }
    }

    /// Applies the `KAPACITOR_*` variables among `vars` (pass
    /// `std::env::vars()`), with Kapacitor's naming rules (see `env.rs`).
    pub fn apply_env(
        &mut self,
        vars: impl Iterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        let mut tree = self.to_tree();
        env::apply(&mut tree, vars, |t| decode::typed::<Config>(t).map(|_| ()))?;
        let max_body_size = self.http.max_body_size;
        *self = decode::typed(&tree)?;
        self.http.max_body_size = max_body_size;
        Ok(())
    }

    /// Kapacitor's validation rules; the error names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }

    /// The TOML `kapacitord config` prints (without its trailing blank
    /// line).
    pub fn to_toml(&self) -> String {
        render::render_like_go(&self.to_tree(), &Config::default().to_tree())
    }

    /// The handler sections in the shape the runtime's alert handlers read.
    pub fn handler_configs(&self) -> HandlerConfigs {
        HandlerConfigs {
            hostname: Some(self.hostname.clone()),
            http: runtime::config::handlers::HttpConfig {
                bind_address: self.http.bind_address.clone(),
                https_enabled: self.http.https_enabled,
            },
            smtp: self.smtp.clone(),
            slack: self.slack.clone(),
            pagerduty: self.pagerduty.clone(),
            pagerduty2: self.pagerduty2.clone(),
            victorops: self.victorops.clone(),
            opsgenie: self.opsgenie.clone(),
            opsgenie2: self.opsgenie2.clone(),
            telegram: self.telegram.clone(),
            sensu: self.sensu.clone(),
            alerta: self.alerta.clone(),
            pushover: self.pushover.clone(),
            httppost: self.httppost.clone(),
            hipchat: self.hipchat.clone(),
            talk: self.talk.clone(),
            teams: self.teams.clone(),
            discord: self.discord.clone(),
            bigpanda: self.bigpanda.clone(),
            servicenow: self.servicenow.clone(),
            zenoss: self.zenoss.clone(),
            alertmanager: self.alertmanager.clone(),
            mqtt: self.mqtt.clone(),
            snmptrap: self.snmptrap.clone(),
            kafka: self.kafka.clone(),
        }
    }

    /// The `[[kubernetes]]`, `[[swarm]]` and `[[ec2]]` sections the autoscale
    /// nodes read (kept as passthrough tables here), with the EC2 endpoint
    /// override from the environment.
    pub fn autoscale_configs(
        &self,
    ) -> Result<runtime::config::autoscale::AutoscaleConfigs, String> {
        runtime::config::autoscale::AutoscaleConfigs::from_sections(|k| {
            self.passthrough.get(k).cloned()
        })
    }

    /// The config as a TOML tree, keys in struct order.
    fn to_tree(&self) -> toml::Table {
        match toml::Value::try_from(self) {
            Ok(toml::Value::Table(t)) => t,
            // Every field serializes to TOML: strings, numbers, bools,
            // arrays and tables only.
            other => unreachable!("config serializes to a table: {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_roots_relative_dirs_in_home() {
        let c = Config::demo(Path::new("/home/k"));
        assert_eq!(c.data_dir, Path::new("/home/k/.kapacitor"));
        assert_eq!(c.replay.dir, "/home/k/.kapacitor/replay");
        assert_eq!(c.storage.boltdb, "/home/k/.kapacitor/kapacitor.db");
        assert_eq!(c.task.dir, "/home/k/.kapacitor/tasks");
        assert_eq!(c.load.dir, "/home/k/.kapacitor/load");
    }
}
