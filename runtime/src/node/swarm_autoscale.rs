//! `swarmAutoscale` (Kapacitor's `swarmAutoscaler` in `autoscale.go` and its
//! client `services/swarm/client`, Docker Engine API v1.30): a service is
//! named by `serviceName` or the `serviceNameTag` tag; its count is
//! `Spec.Mode.Replicated.Replicas` of `GET /v1.30/services/<name>`; a new count
//! is a fresh `GET` followed by `POST /v1.30/services/<ID>/update?version=<Version.Index>`
//! whose body is the service's `Spec` with the new count (the top-level keys in
//! Go's `ServiceSpec` order, `Labels` always present). Emitted points carry the
//! service name in `outputServiceNameTag` (default: `serviceNameTag`).

use super::api_client::{escape_path, ApiClient, TlsFiles};
use super::autoscale::{self, ApiError, ByName, NameProps, NamedApi, ResourceId};
use super::{BuildEnv, BuildError, NodeImpl};
use crate::config::autoscale::SwarmConfig;
use compiler::golang::quote;
use compiler::ir;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

const SERVICE: &str = "swarm";
/// The Docker Engine API version Kapacitor's client pins.
const API_VERSION: &str = "v1.30";
/// `swarm.ServiceSpec`'s JSON keys in struct order.
const SPEC_KEYS: &[&str] = &[
    "Name",
    "Labels",
    "TaskTemplate",
    "Mode",
    "UpdateConfig",
    "RollbackConfig",
    "Networks",
    "EndpointSpec",
];

pub struct SwarmService(String);

impl ResourceId for SwarmService {
    fn key(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SwarmService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Service {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "Version")]
    version: Version,
    #[serde(rename = "Spec")]
    spec: Map<String, Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Version {
    #[serde(rename = "Index")]
    index: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ErrorResponse {
    message: String,
}

impl Service {
    fn replicas(&self) -> Option<i64> {
        self.spec
            .get("Mode")?
            .get("Replicated")?
            .get("Replicas")?
            .as_i64()
    }

    /// The spec as Go re-encodes it, with `replicas`.
    fn spec_with(&self, replicas: i64) -> String {
        let mut out = String::from("{");
        let mut first = true;
        for key in SPEC_KEYS {
            let value = match (*key, self.spec.get(*key)) {
                ("Mode", Some(mode)) => {
                    let mut mode = mode.clone();
                    mode["Replicated"]["Replicas"] = Value::from(replicas);
                    mode
                }
                // `Labels` has no omitempty: a missing map is `null`.
                ("Labels", None) => Value::Null,
                (_, Some(v)) if !v.is_null() => v.clone(),
                _ => continue,
            };
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&format!("{}:{}", Value::from(*key), value));
        }
        out.push_str("}\n");
        out
    }
}

pub struct SwarmClient {
    http: ApiClient,
}

impl SwarmClient {
    pub fn new(cfg: &SwarmConfig) -> Result<SwarmClient, ApiError> {
        let http = ApiClient::new(
            SERVICE,
            &cfg.servers,
            &TlsFiles {
                ca: &cfg.ssl_ca,
                cert: &cfg.ssl_cert,
                key: &cfg.ssl_key,
                insecure_skip_verify: cfg.insecure_skip_verify,
            },
        )?;
        Ok(SwarmClient { http })
    }

    /// Kapacitor's `decodeResponse`: 200 is success, anything else an `ErrorResponse`.
    fn check(code: u16, body: &[u8]) -> Result<(), ApiError> {
        if code == 200 {
            return Ok(());
        }
        match serde_json::from_slice::<ErrorResponse>(body) {
            Ok(e) if !e.message.is_empty() => Err(ApiError::Refused { message: e.message }),
            Ok(_) => Err(ApiError::Refused {
                message: format!("failed to understand swarm server error response: Code: {code}"),
            }),
            Err(e) => Err(ApiError::Unintelligible {
                service: SERVICE,
                code,
                reason: e.to_string(),
            }),
        }
    }

    fn service(&self, name: &str) -> Result<Service, ApiError> {
        let path = escape_path(&format!("/{API_VERSION}/services/{name}"));
        let (code, body) = self.http.send("GET", &path, &[], None)?;
        Self::check(code, &body)?;
        serde_json::from_slice(&body).map_err(|e| ApiError::Undecodable {
            service: SERVICE,
            what: "*swarm.Service",
            code,
            reason: e.to_string(),
        })
    }

    fn replicated(&self, id: &SwarmService) -> Result<(Service, i64), ApiError> {
        let context = || format!("failed to get swarm service for {}", quote(&id.0));
        let service = self.service(&id.0).map_err(|e| e.context(context()))?;
        match service.replicas() {
            Some(n) => Ok((service, n)),
            None => Err(ApiError::Refused {
                message: "service is not in replicated mode".into(),
            }
            .context(context())),
        }
    }

    pub fn replicas(&self, id: &SwarmService) -> Result<i64, ApiError> {
        Ok(self.replicated(id)?.1)
    }

    pub fn set_replicas(&self, id: &SwarmService, replicas: i64) -> Result<(), ApiError> {
        let (service, _) = self.replicated(id)?;
        let path = format!(
            "{}?version={}",
            escape_path(&format!("/{API_VERSION}/services/{}/update", service.id)),
            service.version.index
        );
        let body = service.spec_with(replicas);
        let (code, answer) = self
            .http
            .send("POST", &path, &[], Some(body.as_bytes()))
            .map_err(|e| {
                e.context(format!(
                    "update service request failed for {}",
                    quote(&service.id)
                ))
            })?;
        Self::check(code, &answer)
    }
}

impl NamedApi for SwarmClient {
    type Id = SwarmService;

    fn id(name: &str) -> SwarmService {
        SwarmService(name.to_string())
    }

    fn replicas(&self, id: &SwarmService) -> Result<i64, ApiError> {
        SwarmClient::replicas(self, id)
    }

    fn set_replicas(&self, id: &SwarmService, replicas: i64) -> Result<(), ApiError> {
        SwarmClient::set_replicas(self, id, replicas)
    }
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let client = env
        .config
        .autoscale
        .swarm(node.string("cluster").unwrap_or(""))
        .map_err(|e| e.to_string())
        .and_then(|cfg| SwarmClient::new(cfg).map_err(|e| e.to_string()))
        .map_err(|e| {
            BuildError::new(
                node,
                format!("cannot use the swarmAutoscale node, could not create swarm client: {e}"),
            )
        })?;
    let props = NameProps {
        name: "serviceName",
        tag: "serviceNameTag",
        output_tag: "outputServiceNameTag",
        go: ("ServiceName", "ServiceNameTag"),
    };
    autoscale::build(node, ByName::new(node, client, &props))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_is_sent_back_in_go_order_with_the_new_count() {
        let s: Service = serde_json::from_str(
            r#"{"ID":"x1","Version":{"Index":7},"Spec":{"TaskTemplate":{"ContainerSpec":{"Image":"nginx"}},
                "Name":"web","Mode":{"Replicated":{"Replicas":2}},"Extra":1}}"#,
        )
        .unwrap();
        assert_eq!(s.replicas(), Some(2));
        assert_eq!(
            s.spec_with(5),
            "{\"Name\":\"web\",\"Labels\":null,\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"nginx\"}},\"Mode\":{\"Replicated\":{\"Replicas\":5}}}\n"
        );
    }
}
