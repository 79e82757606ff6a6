//! One subscription sync of one cluster, Kapacitor's `linkSubscriptions`
//! (api.md §4.2): list databases and retention policies, read the existing
//! subscriptions, re-name legacy ones, drop ours that changed or are no
//! longer wanted, create the missing ones, revoke stale tokens, close UDP
//! listeners of dropped databases. Subscriptions with other names are never
//! touched.

use super::destination::{advertised, Destination, SUBSCRIPTION_USER};
use super::statements as st;
use super::tokens::{self, SubscriptionTokens};
use crate::udp::{Ingest, UdpListener};
use runtime::influxdb::{Client, InfluxError, Query};
use std::collections::{BTreeMap, BTreeSet};

/// Kapacitor 0.x's subscription name, renamed when found.
const LEGACY_NAME: &str = "kapacitor";

/// What a cluster's subscriptions should look like.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// The `[[influxdb]]` name (tokens are tagged with it).
    pub cluster_name: String,
    /// `kapacitor-<cluster or server id>`.
    pub sub_name: String,
    /// The bare cluster id: a subscription by that name is a legacy one.
    pub cluster_id: String,
    /// `http`, `https` or `udp`.
    pub protocol: String,
    pub host: String,
    pub http_port: u16,
    pub path: String,
    /// `[http] auth-enabled`: http(s) destinations carry a token.
    pub use_tokens: bool,
    /// (db → rps) to subscribe to; empty = everything.
    pub subscriptions: BTreeMap<String, Vec<String>>,
    pub excluded: BTreeMap<String, Vec<String>>,
    pub udp_bind: String,
    pub udp_buffer: usize,
    pub udp_read_buffer: usize,
}

impl LinkSettings {
    fn listed(map: &BTreeMap<String, Vec<String>>, db: &str, rp: &str) -> bool {
        map.get(db).is_some_and(|rps| rps.iter().any(|r| r == rp))
    }

    /// Kapacitor's `shouldSubExist`.
    pub fn wanted(&self, db: &str, rp: &str) -> bool {
        (self.subscriptions.is_empty() || Self::listed(&self.subscriptions, db, rp))
            && !Self::listed(&self.excluded, db, rp)
    }
}

/// What a cluster keeps between syncs.
#[derive(Default)]
pub struct LinkState {
    /// (db, rp) whose subscription points at us and is served.
    pub running: BTreeSet<(String, String)>,
    pub udp: BTreeMap<(String, String), UdpListener>,
    /// Subscriptions of ours after the last sync (`num_subscriptions`).
    pub count: usize,
}

#[derive(Debug)]
pub enum LinkError {
    Influx(InfluxError),
    Create {
        name: String,
        db: String,
        rp: String,
        source: Box<InfluxError>,
    },
    Token(std::io::Error),
    /// `POST /kapacitor/v1/subscriptions`: which cluster failed.
    Cluster {
        name: String,
        source: Box<LinkError>,
    },
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Influx(e) => write!(f, "{e}"),
            LinkError::Create {
                name,
                db,
                rp,
                source,
            } => write!(
                f,
                "creating sub {name} for db {db:?} and rp {rp:?}: {source}"
            ),
            LinkError::Token(e) => write!(f, "generating token: {e}"),
            LinkError::Cluster { name, source } => write!(f, "linking cluster {name}: {source}"),
        }
    }
}

impl std::error::Error for LinkError {}

impl From<InfluxError> for LinkError {
    fn from(e: InfluxError) -> LinkError {
        LinkError::Influx(e)
    }
}

/// An existing subscription's mode and destinations.
#[derive(Debug, Clone)]
struct SubInfo {
    mode: String,
    destinations: Vec<String>,
}

type Key = (String, String);

pub struct Linker<'a> {
    pub client: &'a Client,
    pub settings: &'a LinkSettings,
    pub tokens: &'a SubscriptionTokens,
    pub ingest: &'a Ingest,
}

impl Linker<'_> {
    fn exec(&self, q: &str) -> Result<runtime::influxdb::Response, InfluxError> {
        tracing::debug!(statement = q, "InfluxDB");
        self.client.query(&Query::new(q))
    }

    fn create(&self, name: &str, db: &str, rp: &str, si: &SubInfo) -> Result<(), LinkError> {
        let q = st::create_subscription(name, db, rp, &si.mode, &si.destinations);
        self.exec(&q).map_err(|source| LinkError::Create {
            name: name.to_string(),
            db: db.to_string(),
            rp: rp.to_string(),
            source: Box::new(source),
        })?;
        tracing::info!(
            cluster = self.settings.cluster_name,
            db,
            rp,
            "created subscription {name}"
        );
        Ok(())
    }

    fn drop_sub(&self, name: &str, db: &str, rp: &str) {
        // Kapacitor ignores a failed drop (the sub may already be gone).
        if let Err(e) = self.exec(&st::drop_subscription(name, db, rp)) {
            tracing::warn!(db, rp, "dropping subscription {name}: {e}");
        } else {
            tracing::info!(db, rp, "dropped subscription {name}");
        }
    }

    /// The first column of the single series of a `SHOW` answer.
    fn first_column(&self, q: &str) -> Result<Vec<String>, InfluxError> {
        let r = self.exec(q)?;
        let mut out = Vec::new();
        if let [res] = &r.results[..] {
            if let [series] = &res.series[..] {
                for v in &series.values {
                    if let Some(s) = v.first().and_then(|x| x.as_str()) {
                        out.push(s.to_string());
                    }
                }
            }
        }
        Ok(out)
    }

    pub fn link(&self, state: &mut LinkState) -> Result<(), LinkError> {
        let s = self.settings;
        let mut all: Vec<Key> = Vec::new();
        for db in self.first_column(st::SHOW_DATABASES)? {
            for rp in self.first_column(&st::show_retention_policies(&db))? {
                all.push((db.clone(), rp));
            }
        }

        let mut existing: BTreeMap<Key, SubInfo> = BTreeMap::new();
        let subs = self.exec(st::SHOW_SUBSCRIPTIONS)?;
        for res in &subs.results {
            for series in &res.series {
                for v in &series.values {
                    let col = |name: &str| series.columns.iter().position(|c| c == name);
                    let text = |name: &str| {
                        col(name)
                            .and_then(|i| v.get(i))
                            .and_then(|x| x.as_str())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let key = (series.name.clone(), text("retention_policy"));
                    let name = text("name");
                    let si = SubInfo {
                        mode: text("mode"),
                        destinations: col("destinations")
                            .and_then(|i| v.get(i))
                            .and_then(|x| x.as_array())
                            .into_iter()
                            .flatten()
                            .filter_map(|d| d.as_str().map(str::to_string))
                            .collect(),
                    };
                    if name == LEGACY_NAME || name == s.cluster_id {
                        // An old-style name: re-create under ours, same target.
                        self.exec(&st::drop_subscription(&name, &key.0, &key.1))?;
                        self.create(&s.sub_name, &key.0, &key.1, &si)?;
                        existing.insert(key, si);
                    } else if name == s.sub_name {
                        if self.changed_or_invalid(&si) {
                            self.drop_sub(&name, &key.0, &key.1);
                            close(state, &key);
                        } else {
                            existing.insert(key, si);
                        }
                    }
                }
            }
        }

        // Serve the ones already pointing at us; drop the unwanted.
        let keys: Vec<Key> = existing.keys().cloned().collect();
        for key in keys {
            let wanted = s.wanted(&key.0, &key.1);
            if wanted && !state.running.contains(&key) {
                let si = &existing[&key];
                for d in si.destinations.iter().filter_map(|d| Destination::parse(d)) {
                    if d.host != s.host {
                        continue;
                    }
                    if d.scheme == "udp" {
                        match d.port.parse::<u16>() {
                            Ok(port) => {
                                if let Err(e) = self.start_udp(state, &key, port) {
                                    tracing::error!("failed to start UDP listener: {e}");
                                }
                            }
                            Err(_) => tracing::error!("invalid port in subscription {:?}", d.port),
                        }
                    }
                    state.running.insert(key.clone());
                    break;
                }
            } else if !wanted {
                self.drop_sub(&s.sub_name, &key.0, &key.1);
                existing.remove(&key);
            }
        }

        // Create the missing ones.
        for key in &all {
            let exists = existing.contains_key(key);
            if !s.wanted(&key.0, &key.1) || (state.running.contains(key) && exists) {
                continue;
            }
            let destination = match s.protocol.as_str() {
                "udp" => {
                    let port = match self.start_udp(state, key, 0) {
                        Ok(p) => p,
                        Err(e) => {
                            tracing::error!("failed to start UDP listener: {e}");
                            0
                        }
                    };
                    advertised("udp", &s.host, port, "", None)
                }
                proto => {
                    let token = if s.use_tokens {
                        let t = tokens::generate(&s.cluster_name).map_err(LinkError::Token)?;
                        self.tokens.grant(&t, &key.0, &key.1);
                        Some(t)
                    } else {
                        None
                    };
                    advertised(proto, &s.host, s.http_port, &s.path, token.as_deref())
                }
            };
            let si = SubInfo {
                mode: "ANY".into(),
                destinations: vec![destination],
            };
            self.create(&s.sub_name, &key.0, &key.1, &si)?;
            state.running.insert(key.clone());
            existing.insert(key.clone(), si);
        }

        // Revoke our tokens no subscription carries any more.
        let mut live = BTreeSet::new();
        if s.use_tokens {
            for si in existing.values() {
                if let Some(Destination {
                    user: Some((_, Some(t))),
                    ..
                }) = si.destinations.first().and_then(|d| Destination::parse(d))
                {
                    live.insert(t);
                }
            }
        }
        for t in self.tokens.list() {
            if tokens::cluster_of(&t).as_deref() == Some(s.cluster_name.as_str())
                && !live.contains(&t)
            {
                self.tokens.revoke(&t);
            }
        }

        // Close what serves databases that are gone.
        let gone: Vec<Key> = state
            .running
            .iter()
            .filter(|k| !existing.contains_key(*k))
            .cloned()
            .collect();
        for k in gone {
            close(state, &k);
        }
        state.count = existing.len();
        Ok(())
    }

    /// Kapacitor's `changedOrInvalid`, plus: a token we no longer hold (ours
    /// are not persisted) counts as changed.
    fn changed_or_invalid(&self, si: &SubInfo) -> bool {
        let s = self.settings;
        let Some(d) = si.destinations.first().and_then(|d| Destination::parse(d)) else {
            return true;
        };
        if d.scheme != s.protocol || d.host != s.host {
            return true;
        }
        if d.scheme == "http" || d.scheme == "https" {
            if d.port.parse::<u16>().ok() != Some(s.http_port) {
                return true;
            }
            match (&d.user, s.use_tokens) {
                (Some(_), false) => return true,
                (None, true) => return true,
                (Some((user, password)), true) => {
                    let Some(t) = password else { return true };
                    if user != SUBSCRIPTION_USER
                        || tokens::cluster_of(t).as_deref() != Some(s.cluster_name.as_str())
                        || !self.tokens.holds(t)
                    {
                        return true;
                    }
                }
                (None, false) => {}
            }
        }
        false
    }

    fn start_udp(
        &self,
        state: &mut LinkState,
        key: &Key,
        port: u16,
    ) -> Result<u16, crate::udp::UdpError> {
        let s = self.settings;
        let l = UdpListener::start(
            &s.udp_bind,
            port,
            &key.0,
            &key.1,
            s.udp_buffer,
            s.udp_read_buffer,
            self.ingest.clone(),
        )?;
        let port = l.port();
        tracing::info!(
            db = key.0,
            rp = key.1,
            "UDP subscription listener on port {port}"
        );
        state.udp.insert(key.clone(), l);
        Ok(port)
    }
}

/// Stop serving (db, rp): forget it and close its UDP listener.
pub fn close(state: &mut LinkState, key: &Key) {
    state.running.remove(key);
    state.udp.remove(key);
}
