//! The sections the autoscale nodes read (api.md §3.1 "others"): `[[kubernetes]]`
//! (Kapacitor's `services/k8s/config.go`), `[[swarm]]` (`services/swarm/config.go`)
//! and `[[ec2]]` (`services/ec2/config.go`, shared with EC2 discovery). Keys are
//! the TOML keys; defaults are Kapacitor's `NewConfig`/`Init` values. A node finds
//! its section by `.cluster(id)` as Kapacitor's services look clusters up by `id`.

use super::duration::GoDuration;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct KubernetesConfig {
    pub enabled: bool,
    pub id: String,
    /// Read the API server, token, namespace and CA from the pod's service
    /// account (`/var/run/secrets/kubernetes.io/serviceaccount`).
    pub in_cluster: bool,
    pub api_servers: Vec<String>,
    pub token: String,
    pub ca_path: String,
    pub namespace: String,
    /// Discovery role (scraper use only).
    pub resource: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SwarmConfig {
    pub enabled: bool,
    pub id: String,
    pub servers: Vec<String>,
    pub ssl_ca: String,
    pub ssl_cert: String,
    pub ssl_key: String,
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Ec2Config {
    pub enabled: bool,
    pub id: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    pub profile: String,
    pub refresh_interval: GoDuration,
    pub port: i64,
    /// Where the Auto Scaling query API is reached instead of
    /// `https://autoscaling.<region>.amazonaws.com/`. Not a Kapacitor key: the
    /// server fills it from `AWS_ENDPOINT_URL_AUTO_SCALING` (or
    /// `AWS_ENDPOINT_URL`), the AWS SDKs' endpoint override, so tests and
    /// AWS-compatible endpoints can be used.
    #[serde(skip)]
    pub endpoint: Option<String>,
}

impl Default for Ec2Config {
    fn default() -> Self {
        Ec2Config {
            enabled: false,
            id: String::new(),
            region: String::new(),
            access_key: String::new(),
            secret_key: String::new(),
            profile: String::new(),
            refresh_interval: GoDuration::from_secs(60),
            port: 80,
            endpoint: None,
        }
    }
}

/// The AWS SDKs' endpoint override variables, most specific first.
pub const EC2_ENDPOINT_ENV: &[&str] = &["AWS_ENDPOINT_URL_AUTO_SCALING", "AWS_ENDPOINT_URL"];

impl Ec2Config {
    /// Sets `endpoint` from the first non-empty override variable among `vars`.
    pub fn endpoint_from_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        self.endpoint = EC2_ENDPOINT_ENV
            .iter()
            .find_map(|k| get(k).filter(|v| !v.is_empty()));
    }
}

/// A cluster lookup that failed, in Kapacitor's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterError {
    /// No section has this `id`.
    Unknown { service: &'static str, id: String },
    /// The section exists with `enabled = false`.
    NotEnabled,
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::Unknown { service, id } => {
                write!(f, "unknown {service} {id:?}, cannot get client")
            }
            ClusterError::NotEnabled => f.write_str("service is not enabled"),
        }
    }
}

impl std::error::Error for ClusterError {}

/// Every autoscale service section of a config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoscaleConfigs {
    pub kubernetes: Vec<KubernetesConfig>,
    pub swarm: Vec<SwarmConfig>,
    pub ec2: Vec<Ec2Config>,
}

fn find<'a, T>(
    list: &'a [T],
    id: &str,
    service: &'static str,
    id_of: impl Fn(&T) -> &str,
    enabled: impl Fn(&T) -> bool,
) -> Result<&'a T, ClusterError> {
    let c = list
        .iter()
        .find(|c| id_of(c) == id)
        .ok_or_else(|| ClusterError::Unknown {
            service,
            id: id.to_string(),
        })?;
    if enabled(c) {
        Ok(c)
    } else {
        Err(ClusterError::NotEnabled)
    }
}

impl AutoscaleConfigs {
    /// Reads the `[kubernetes]`/`[[kubernetes]]`, `[[swarm]]` and `[[ec2]]`
    /// sections of a Kapacitor TOML config (a single table counts as a list
    /// of one); other sections are ignored.
    pub fn from_toml(src: &str) -> Result<AutoscaleConfigs, String> {
        let v: toml::Table = src.parse().map_err(|e: toml::de::Error| e.to_string())?;
        AutoscaleConfigs::from_sections(|k| v.get(k).cloned())
    }

    /// Decodes the three sections from TOML values found by `section`.
    pub fn from_sections(
        section: impl Fn(&str) -> Option<toml::Value>,
    ) -> Result<AutoscaleConfigs, String> {
        let mut t = toml::Table::new();
        for key in ["kubernetes", "swarm", "ec2"] {
            match section(key) {
                Some(tbl @ toml::Value::Table(_)) => {
                    t.insert(key.into(), toml::Value::Array(vec![tbl]));
                }
                Some(v) => {
                    t.insert(key.into(), v);
                }
                None => {}
            }
        }
        let mut out =
            AutoscaleConfigs::deserialize(toml::Value::Table(t)).map_err(|e| e.to_string())?;
        for ec2 in &mut out.ec2 {
            ec2.endpoint_from_env(|k| std::env::var(k).ok());
        }
        Ok(out)
    }

    pub fn kubernetes(&self, id: &str) -> Result<&KubernetesConfig, ClusterError> {
        find(
            &self.kubernetes,
            id,
            "kubernetes cluster",
            |c| &c.id,
            |c| c.enabled,
        )
    }

    pub fn swarm(&self, id: &str) -> Result<&SwarmConfig, ClusterError> {
        find(&self.swarm, id, "swarm cluster", |c| &c.id, |c| c.enabled)
    }

    pub fn ec2(&self, id: &str) -> Result<&Ec2Config, ClusterError> {
        find(&self.ec2, id, "ec2 region", |c| &c.id, |c| c.enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_decode_over_kapacitor_defaults_and_look_up_by_id() {
        let c = AutoscaleConfigs::from_toml(
            r#"
[kubernetes]
  enabled = true
  api-servers = ["http://127.0.0.1:1"]
  token = "t"
[[swarm]]
  enabled = true
  id = "s1"
  servers = ["http://127.0.0.1:2"]
[[swarm]]
  id = "off"
[[ec2]]
  enabled = true
  id = "east"
  region = "us-east-1"
"#,
        )
        .unwrap();
        let k = c.kubernetes("").unwrap();
        assert_eq!(k.api_servers, ["http://127.0.0.1:1"]);
        assert_eq!(k.token, "t");
        assert_eq!(c.swarm("s1").unwrap().servers, ["http://127.0.0.1:2"]);
        assert_eq!(c.swarm("off"), Err(ClusterError::NotEnabled));
        assert_eq!(
            c.swarm("nope").unwrap_err().to_string(),
            "unknown swarm cluster \"nope\", cannot get client"
        );
        let e = c.ec2("east").unwrap();
        assert_eq!(
            (e.port, e.refresh_interval),
            (80, GoDuration::from_secs(60))
        );
        assert_eq!(
            c.ec2("west").unwrap_err().to_string(),
            "unknown ec2 region \"west\", cannot get client"
        );
    }
}
