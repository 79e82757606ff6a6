//! Kapacitor's `Config.Validate()` rules, each error naming the key it is
//! about. Messages are Kapacitor's where its source gives them.

use super::error::ConfigError;
use super::Config;
use runtime::config::GoDuration;
use std::collections::HashSet;
use std::path::Path;

type Check = Result<(), ConfigError>;

fn fail(key: impl Into<String>, message: impl Into<String>) -> Check {
    Err(ConfigError::invalid(key, message))
}

pub fn validate(c: &Config) -> Check {
    if c.hostname.is_empty() {
        return fail("hostname", "must configure valid hostname");
    }
    if c.data_dir.as_os_str().is_empty() {
        return fail("data_dir", "must configure valid data dir");
    }
    if c.replay.dir.is_empty() {
        return fail("replay.dir", "must specify dir");
    }
    if c.storage.boltdb.is_empty() {
        return fail("storage.boltdb", "must specify storage 'boltdb' path");
    }
    bind_address("http.bind-address", &c.http.bind_address)?;
    if c.load.enabled && !Path::new(&c.load.dir).is_absolute() {
        return fail("load.dir", "dir must be an absolute path");
    }
    influxdb(c)?;
    handlers(c)?;
    auth(c)?;
    crate::auth::tls::validate(&c.tls, c.http.https_enabled)?;
    if let Err(e) = c.cluster.validate() {
        return fail("cluster", e);
    }
    for (key, v) in [
        ("task-limits.max-groups", c.task_limits.max_groups),
        (
            "task-limits.max-buffered-points",
            c.task_limits.max_buffered_points,
        ),
    ] {
        if v < 0 {
            return fail(key, format!("must be 0 (unbounded) or more, got {v}"));
        }
    }
    if c.http_limits.max_body_size <= 0 {
        return fail(
            "http-limits.max-body-size",
            format!(
                "must be a positive number of bytes, got {}",
                c.http_limits.max_body_size
            ),
        );
    }
    for (key, d) in [
        (
            "http-limits.read-header-timeout",
            c.http_limits.read_header_timeout,
        ),
        (
            "http-limits.read-body-timeout",
            c.http_limits.read_body_timeout,
        ),
    ] {
        if d <= GoDuration(0) {
            return fail(key, format!("must be a positive duration, got {d}"));
        }
    }
    autoscale(c)?;
    for (name, f) in &c.udf.functions {
        if f.timeout <= GoDuration(1_000_000) {
            return fail(
                format!("udf.functions.{name}.timeout"),
                format!("timeout for {name} is too small: {}", f.timeout),
            );
        }
    }
    Ok(())
}

/// `[auth]` (Kapacitor's `auth.Config.Validate`): bcrypt needs a cost of at least 4.
fn auth(c: &Config) -> Check {
    if c.auth.enabled && c.auth.bcrypt_cost < 4 {
        return fail(
            "auth.bcrypt-cost",
            format!(
                "must provide a bcrypt cost >= 4, got {}",
                c.auth.bcrypt_cost
            ),
        );
    }
    if c.auth.enabled && c.auth.bcrypt_cost > 31 {
        return fail(
            "auth.bcrypt-cost",
            format!("bcrypt cost must be at most 31, got {}", c.auth.bcrypt_cost),
        );
    }
    Ok(())
}

/// `host:port` with a numeric port, as `net.SplitHostPort` + `ParseInt`.
fn bind_address(key: &str, addr: &str) -> Check {
    let Some((host, port)) = addr.rsplit_once(':') else {
        return fail(
            key,
            format!("invalid http bind address {addr}: address {addr}: missing port in address"),
        );
    };
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return fail(
            key,
            format!("invalid http bind address {addr}: address {addr}: too many colons in address"),
        );
    }
    if port.parse::<i64>().is_err() {
        return fail(key, format!("invalid http bind address port {port}"));
    }
    Ok(())
}

/// The errors Go's `url.Parse` gives for the URLs a config can hold.
pub fn check_url(key: &str, url: &str) -> Check {
    if url.chars().any(|c| c.is_control()) {
        return fail(
            key,
            format!("parse {url:?}: net/url: invalid control character in URL"),
        );
    }
    if url.starts_with(':') {
        return fail(key, format!("parse {url:?}: missing protocol scheme"));
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let scheme_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !scheme_ok {
            return fail(
                key,
                format!("parse {url:?}: first path segment in URL cannot contain colon"),
            );
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host_port.starts_with('[') {
            let Some(end) = host_port.find(']') else {
                return fail(key, format!("parse {url:?}: missing ']' in host"));
            };
            let after = &host_port[end + 1..];
            if !after.is_empty() && !valid_port(after) {
                return fail(
                    key,
                    format!("parse {url:?}: invalid port {after:?} after host"),
                );
            }
        } else if let Some(i) = host_port.rfind(':') {
            let port = &host_port[i..];
            if !valid_port(port) {
                return fail(
                    key,
                    format!("parse {url:?}: invalid port {port:?} after host"),
                );
            }
        }
    }
    Ok(())
}

fn valid_port(colon_port: &str) -> bool {
    colon_port
        .strip_prefix(':')
        .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn influxdb(c: &Config) -> Check {
    let name_pattern =
        regex::Regex::new(r"^[-\._\p{L}0-9]+$").expect("influxdb name pattern is valid");
    let mut names = HashSet::new();
    let mut default: Option<&str> = None;
    let mut enabled = 0;
    for (i, db) in c.influxdb.iter().enumerate() {
        let key = |k: &str| format!("influxdb[{i}].{k}");
        if !names.insert(db.name.as_str()) {
            return fail(
                key("name"),
                format!("duplicate name {:?} for influxdb configs", db.name),
            );
        }
        if db.name.is_empty() {
            return fail(key("name"), "influxdb cluster must be given a name");
        }
        if !name_pattern.is_match(&db.name) {
            return fail(
                key("name"),
                "influxdb cluster name must contain only numbers, letters or '.', '-', and '_' characters",
            );
        }
        if db.urls.is_empty() {
            return fail(key("urls"), "must specify at least one InfluxDB URL");
        }
        for (j, u) in db.urls.iter().enumerate() {
            check_url(&format!("influxdb[{i}].urls[{j}]"), u)?;
        }
        if !matches!(db.subscription_protocol.as_str(), "http" | "https" | "udp") {
            return fail(
                key("subscription-protocol"),
                format!(
                    "invalid subscription protocol, must be one of 'udp', 'http' or 'https', got {:?}",
                    db.subscription_protocol
                ),
            );
        }
        if !matches!(db.compression.as_str(), "gzip" | "none") {
            return fail(
                key("compression"),
                format!(
                    "invalid compression, must be one of 'gzip' or 'none', got {:?}",
                    db.compression
                ),
            );
        }
        if db.enabled && db.default {
            if let Some(other) = default {
                return fail(
                    key("default"),
                    format!(
                        "More than one InfluxDB default was specified: {} {other}",
                        db.name
                    ),
                );
            }
            default = Some(&db.name);
        }
        if db.enabled {
            enabled += 1;
        }
    }
    if enabled > 1 && default.is_none() {
        return fail(
            "influxdb",
            "at least one of the enabled InfluxDB clusters must be marked as default.",
        );
    }
    Ok(())
}

fn handlers(c: &Config) -> Check {
    let smtp = &c.smtp;
    if smtp.host.is_empty() {
        return fail("smtp.host", "host cannot be empty");
    }
    if smtp.port == 0 {
        return fail("smtp.port", format!("invalid port {}", smtp.port));
    }
    if smtp.idle_timeout < GoDuration::ZERO {
        return fail("smtp.idle-timeout", "idle timeout must be positive");
    }
    if smtp.enabled && smtp.from.is_empty() {
        return fail("smtp.from", "must provide a 'from' address");
    }
    if !smtp.from.is_empty() && !smtp.from.contains('@') {
        return fail(
            "smtp.from",
            format!("invalid from email address: {:?}", smtp.from),
        );
    }
    for (i, to) in smtp.to.iter().enumerate() {
        if !to.contains('@') {
            return fail(
                format!("smtp.to[{i}]"),
                format!("invalid to email address: {to:?}"),
            );
        }
    }
    for (i, s) in c.slack.iter().enumerate() {
        if s.enabled && s.url.is_empty() {
            return fail(format!("slack[{i}].url"), "must specify url");
        }
        check_url(&format!("slack[{i}].url"), &s.url)?;
    }
    for (i, h) in c.httppost.iter().enumerate() {
        let key = |k: &str| format!("httppost[{i}].{k}");
        if h.endpoint.is_empty() {
            return fail(key("endpoint"), "must specify endpoint name");
        }
        if h.url.is_empty() {
            return fail(key("url"), "must specify url");
        }
        check_url(&key("url"), &h.url)?;
        for (what, inline, file) in [
            ("alert", &h.alert_template, &h.alert_template_file),
            ("row", &h.row_template, &h.row_template_file),
        ] {
            if !inline.is_empty() && !file.is_empty() {
                return fail(
                    key(&format!("{what}-template")),
                    format!("must specify only one of {what}-template and {what}-template-file"),
                );
            }
            if !file.is_empty() && !Path::new(file).is_absolute() {
                return fail(
                    key(&format!("{what}-template-file")),
                    format!("must use an absolute path for {what}-template-file"),
                );
            }
        }
        if let Some(auth) = &h.basic_auth {
            if auth.username.is_empty() || auth.password.is_empty() {
                return fail(
                    key("basic-auth"),
                    "basic-auth must set both \"username\" and \"password\" parameters",
                );
            }
        }
    }
    for (i, k) in c.kafka.iter().enumerate().filter(|(_, k)| k.enabled) {
        if k.id.is_empty() {
            return fail(format!("kafka[{i}].id"), "id must not be empty");
        }
        if k.brokers.is_empty() {
            return fail(
                format!("kafka[{i}].brokers"),
                "no brokers specified, must provide at least one broker URL",
            );
        }
    }
    for (i, m) in c.mqtt.iter().enumerate() {
        if m.name.is_empty() {
            return fail(
                format!("mqtt[{i}].name"),
                "must specify a name for the mqtt broker",
            );
        }
        if m.enabled && m.url.is_empty() {
            return fail(
                format!("mqtt[{i}].url"),
                "must specify a url for mqtt service",
            );
        }
    }
    // Kapacitor's mqtt `Configs.Validate`: one default among several brokers.
    match c.mqtt.iter().filter(|m| m.default).count() {
        0 if c.mqtt.len() > 1 => {
            return fail("mqtt", "no configuration is marked as the default");
        }
        0 | 1 => {}
        _ => {
            return fail(
                "mqtt",
                "more than one configuration is marked as the default",
            );
        }
    }
    if c.alerta.enabled && c.alerta.url.is_empty() {
        return fail("alerta.url", "must specify url");
    }
    if c.teams.enabled && c.teams.channel_url.is_empty() {
        return fail(
            "teams.channel-url",
            "must specify Teams channel webhook URL",
        );
    }
    if c.bigpanda.enabled && c.bigpanda.app_key.is_empty() {
        return fail("bigpanda.app-key", "must specify BigPanda app-key");
    }
    check_url("bigpanda.url", &c.bigpanda.url)?;
    if c.zenoss.enabled && c.zenoss.url.is_empty() {
        return fail("zenoss.url", "must specify events URL");
    }
    if c.servicenow.enabled && c.servicenow.url.is_empty() {
        return fail("servicenow.url", "must specify Alerts URL");
    }
    discord(c)?;
    if c.alertmanager.enabled && c.alertmanager.url.is_empty() {
        return fail("alertmanager.url", "must specify the Alertmanager URL");
    }
    check_url("alertmanager.url", &c.alertmanager.url)?;
    for (key, url) in [
        ("pagerduty.url", &c.pagerduty.url),
        ("pagerduty2.url", &c.pagerduty2.url),
        ("victorops.url", &c.victorops.url),
        ("opsgenie.url", &c.opsgenie.url),
        ("opsgenie2.url", &c.opsgenie2.url),
        ("telegram.url", &c.telegram.url),
        ("pushover.url", &c.pushover.url),
        ("alerta.url", &c.alerta.url),
    ] {
        check_url(key, url)?;
    }
    Ok(())
}

/// Kapacitor's `discord.Configs.Validate()`.
fn discord(c: &Config) -> Check {
    let n = c.discord.len();
    let mut has_default = n == 1;
    for (i, d) in c.discord.iter().enumerate() {
        let key = |k: &str| format!("discord[{i}].{k}");
        if d.enabled && d.url.is_empty() {
            return fail(key("url"), "Must specify the Discord channel webhook URL");
        }
        if n > 1 && d.workspace.is_empty() {
            return fail(key("workspace"), "id must not be empty");
        }
        has_default |= d.default;
        if d.global && !d.default {
            return fail(
                key("global"),
                "only the default config may be assigned as global",
            );
        }
        if d.state_changes_only && (!d.default || !d.global) {
            return fail(
                key("state-changes-only"),
                "stateChangesOnly may only be assigned when the config is both default and global",
            );
        }
    }
    if n > 0 && !has_default {
        return fail(
            "discord",
            "at least one Discord config must be set as default",
        );
    }
    Ok(())
}

/// `[[kubernetes]]`, `[[swarm]]` and `[[ec2]]` (Kapacitor's `services/k8s`,
/// `services/swarm`, `services/ec2` `Validate`).
fn autoscale(c: &Config) -> Check {
    let a = c.autoscale_configs().map_err(|e| ConfigError::Value {
        key: "kubernetes/swarm/ec2".into(),
        message: e,
    })?;
    let many = a.kubernetes.len() > 1;
    for k in &a.kubernetes {
        if k.enabled {
            if k.in_cluster {
                for (set, key) in [
                    (!k.api_servers.is_empty(), "api-servers"),
                    (!k.token.is_empty(), "token"),
                    (!k.ca_path.is_empty(), "ca-path"),
                    (!k.namespace.is_empty(), "namespace"),
                ] {
                    if set {
                        return fail(
                            format!("kubernetes.{key}"),
                            format!("in-cluster specified, cannot also specify {key}"),
                        );
                    }
                }
            } else if k.api_servers.is_empty() {
                return fail(
                    "kubernetes.api-servers",
                    "no api-servers specified, must provide at least one server URL",
                );
            }
        }
        if many && k.id.is_empty() {
            return fail("kubernetes.id", "id must not be empty");
        }
    }
    for s in &a.swarm {
        if s.enabled && s.servers.is_empty() {
            return fail(
                "swarm.servers",
                "no api-servers specified, must provide at least one server URL",
            );
        }
    }
    for e in &a.ec2 {
        if e.id.is_empty() {
            return fail("ec2.id", "ec2 discovery must be given a ID");
        }
        if e.region.is_empty() {
            return fail(
                "ec2.region",
                format!("ec2 discovery, {}, requires a region", e.id),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_rejected_as_go_rejects_them() {
        assert!(check_url("k", "http://localhost:8086").is_ok());
        assert!(check_url("k", "http://[::1]:8086/x").is_ok());
        assert!(check_url("k", "").is_ok());
        for bad in [
            "http://host:port",
            "http://[::1",
            ":8086",
            "http://a\nb",
            "1http://x",
        ] {
            let e = check_url("influxdb[0].urls[0]", bad).unwrap_err();
            assert_eq!(e.key(), Some("influxdb[0].urls[0]"), "{bad}");
        }
    }

    #[test]
    fn mqtt_brokers_need_one_default_among_several() {
        use crate::config::{Config, MqttConfig};
        let broker = |name: &str, default: bool| MqttConfig {
            name: name.into(),
            default,
            ..MqttConfig::default()
        };
        let mut c = Config::demo(std::path::Path::new("/home/k"));
        c.mqtt = vec![broker("a", false)];
        assert!(validate(&c).is_ok(), "a single broker is the default");
        c.mqtt = vec![broker("a", false), broker("b", false)];
        let e = validate(&c).unwrap_err().to_string();
        assert!(
            e.contains("no configuration is marked as the default"),
            "{e}"
        );
        c.mqtt = vec![broker("a", true), broker("b", true)];
        let e = validate(&c).unwrap_err().to_string();
        assert!(e.contains("more than one configuration"), "{e}");
        c.mqtt = vec![broker("a", true), broker("b", false)];
        assert!(validate(&c).is_ok());
    }

    #[test]
    fn bind_addresses() {
        assert!(bind_address("k", ":9092").is_ok());
        assert!(bind_address("k", "127.0.0.1:9092").is_ok());
        assert!(bind_address("k", "[::1]:9092").is_ok());
        assert!(bind_address("k", "localhost").is_err());
        assert!(bind_address("k", ":http").is_err());
    }
}
