//! The input services besides `/write` and InfluxDB subscriptions (api.md
//! §3.1 "others"; Kapacitor's `services/udp`, and InfluxDB's graphite and
//! opentsdb services that Kapacitor embeds): `[[udp]]` line protocol,
//! `[[graphite]]`, `[opentsdb]`, `[collectd]` and the Prometheus `[[scraper]]` with
//! `[[static-discovery]]` / `[[file-discovery]]`. Each file is one service; every point
//! goes into the engine through the same write path as `/write`
//! (`AppState::ingest`). Their sections are kept as written in the config
//! (`config::catalog::PASSTHROUGH_SECTIONS`) and decoded here.
//!
//! A service that cannot start (bad section, address in use) stops the
//! server at start-up, as a Kapacitor service whose `Open` fails.

pub mod collectd;
pub mod discovery;
pub mod graphite;
pub mod lines;
pub mod opentsdb;
pub mod prom_text;
pub mod scraper;
pub mod udp_input;

use crate::config::Config;
use crate::udp::Ingest;
use runtime::message::{FieldValue, Point, Str};
use std::fmt;

/// A service that could not start.
#[derive(Debug)]
pub enum InputError {
    /// The section does not decode (a key of the wrong type, ...).
    Config {
        section: &'static str,
        message: String,
    },
    /// A setting Kapacitor refuses.
    Invalid {
        section: &'static str,
        message: String,
    },
    /// The listener could not be bound.
    Bind {
        section: &'static str,
        addr: String,
        source: std::io::Error,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Config { section, message } => write!(f, "[{section}]: {message}"),
            InputError::Invalid { section, message } => write!(f, "[{section}]: {message}"),
            InputError::Bind {
                section,
                addr,
                source,
            } => write!(f, "[{section}]: listen {addr}: {source}"),
        }
    }
}

impl std::error::Error for InputError {}

/// The running input services; dropping it stops them.
#[derive(Default)]
pub struct Inputs {
    pub udp: Vec<udp_input::UdpInput>,
    pub graphite: Vec<graphite::Graphite>,
    pub opentsdb: Option<opentsdb::OpenTsdb>,
    pub collectd: Option<collectd::Collectd>,
    pub scrapers: Vec<scraper::Scraper>,
}

/// The section `name` of the config as a list of `T` (a single table is one
/// entry; absent is none).
pub(crate) fn sections<T: serde::de::DeserializeOwned>(
    config: &Config,
    name: &'static str,
) -> Result<Vec<T>, InputError> {
    let bad = |e: toml::de::Error| InputError::Config {
        section: name,
        message: e.to_string(),
    };
    match config.passthrough.get(name) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| T::deserialize(v.clone()).map_err(bad))
            .collect(),
        Some(v) => Ok(vec![T::deserialize(v.clone()).map_err(bad)?]),
    }
}

/// Starts every enabled input service of `config`.
pub fn start(config: &Config, ingest: Ingest) -> Result<Inputs, InputError> {
    let mut inputs = Inputs::default();
    for c in sections::<udp_input::UdpConfig>(config, "udp")? {
        if c.enabled {
            inputs
                .udp
                .push(udp_input::UdpInput::start(&c, ingest.clone())?);
        }
    }
    for c in sections::<graphite::GraphiteConfig>(config, "graphite")? {
        if c.enabled {
            inputs
                .graphite
                .push(graphite::Graphite::start(&c, ingest.clone())?);
        }
    }
    if let Some(c) = sections::<opentsdb::OpenTsdbConfig>(config, "opentsdb")?.pop() {
        if c.enabled {
            inputs.opentsdb = Some(opentsdb::OpenTsdb::start(&c, ingest.clone())?);
        }
    }
    if let Some(c) = sections::<collectd::CollectdConfig>(config, "collectd")?.pop() {
        if c.enabled {
            inputs.collectd = Some(collectd::Collectd::start(&c, ingest.clone())?);
        }
    }
    let statics = sections::<discovery::StaticDiscoveryConfig>(config, "static-discovery")?;
    let files = sections::<discovery::FileDiscoveryConfig>(config, "file-discovery")?;
    for c in sections::<scraper::ScraperConfig>(config, "scraper")? {
        if !c.enabled {
            continue;
        }
        let found = match c.discoverer_service.as_str() {
            "static-discovery" => statics
                .iter()
                .find(|d| d.enabled && d.id == c.discoverer_id)
                .cloned()
                .map(discovery::Discoverer::Static),
            "file-discovery" => files
                .iter()
                .find(|d| d.enabled && d.id == c.discoverer_id)
                .cloned()
                .map(discovery::Discoverer::File),
            _ => None,
        };
        inputs
            .scrapers
            .push(scraper::Scraper::start(c, found, ingest.clone())?);
    }
    Ok(inputs)
}

/// Go's `host:port` with an empty host meaning every interface.
pub(crate) fn socket_addr(bind: &str) -> String {
    if bind.starts_with(':') {
        format!("0.0.0.0{bind}")
    } else {
        bind.to_string()
    }
}

/// A point as the services build them (keys unique and sorted by the maps).
pub(crate) fn point(
    name: &str,
    tags: &std::collections::BTreeMap<String, String>,
    fields: &std::collections::BTreeMap<String, FieldValue>,
    time: i64,
    db: &str,
    rp: &str,
) -> Point {
    Point {
        name: Str::from(name),
        database: Str::from(db),
        retention_policy: Str::from(rp),
        tags: tags
            .iter()
            .map(|(k, v)| (Str::from(k.as_str()), Str::from(v.as_str())))
            .collect(),
        fields: fields
            .iter()
            .map(|(k, v)| (Str::from(k.as_str()), v.clone()))
            .collect(),
        time,
        group: runtime::group::nil_group(),
    }
}
