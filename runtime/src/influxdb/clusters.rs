//! The `[[influxdb]]` clusters a server talks to, by name, with the default
//! one: what `influxDBOut().cluster('x')` and a batch `query`'s
//! `.cluster('x')` resolve against (an empty name = the default cluster).
//! Offline runs (`tickc run`) have none. Cheap to clone: the map is shared.

use super::client::Client;
use super::error::InfluxError;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Clusters {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_name: BTreeMap<String, Arc<Client>>,
    default: Option<String>,
    /// A server's registry (even with no cluster enabled), as opposed to an
    /// offline run's empty default.
    live: bool,
}

impl Clusters {
    /// `clusters` = (name, client) of each enabled cluster; `default` names
    /// the default one (Kapacitor: the one with `default = true`, or the only
    /// enabled one).
    pub fn new(clusters: Vec<(String, Arc<Client>)>, default: Option<String>) -> Clusters {
        Clusters {
            inner: Arc::new(Inner {
                by_name: clusters.into_iter().collect(),
                default,
                live: true,
            }),
        }
    }

    /// The named cluster's client; empty name = the default cluster.
    pub fn get(&self, name: &str) -> Result<Arc<Client>, InfluxError> {
        let key = if name.is_empty() {
            self.inner.default.as_deref().unwrap_or("")
        } else {
            name
        };
        self.inner
            .by_name
            .get(key)
            .cloned()
            .ok_or_else(|| InfluxError::UnknownCluster(name.to_string()))
    }

    pub fn default_name(&self) -> Option<&str> {
        self.inner.default.as_deref()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.inner.by_name.keys().map(String::as_str)
    }

    /// Nodes talk to InfluxDB (a server) rather than output what they would
    /// send (`tickc run`).
    pub fn is_live(&self) -> bool {
        self.inner.live
    }

    pub fn is_empty(&self) -> bool {
        self.inner.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::influxdb::ClientConfig;

    #[test]
    fn empty_name_is_the_default_and_unknown_names_are_errors() {
        let c = Arc::new(Client::new(ClientConfig::default()).expect("client"));
        let cl = Clusters::new(vec![("local".into(), c)], Some("local".into()));
        assert!(cl.get("").is_ok());
        assert!(cl.get("local").is_ok());
        assert_eq!(
            cl.get("other").expect_err("unknown").to_string(),
            "no such InfluxDB config other"
        );
        assert_eq!(
            Clusters::default().get("").expect_err("none").to_string(),
            "no default InfluxDB cluster configured"
        );
    }
}
