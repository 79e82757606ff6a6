//! `k8sAutoscale` (Kapacitor's `k8sAutoscaler` in `autoscale.go` and its
//! client `services/k8s/client`): a resource is `namespace/kind/name` (the
//! namespace defaults to `default`, the kind to `deployments`), remembered
//! by its name alone. Its count is the `spec.replicas` of
//! `GET /apis/extensions/v1beta1/namespaces/<ns>/<kind>/<name>/scale`; a new
//! count is a JSON patch `[{"op":"replace","path":"/spec/replicas","value":N}]`
//! (`application/json-patch+json`) sent with `PATCH` to the scale's
//! `metadata.selfLink`, as Kapacitor does, after a fresh `GET`. Every request
//! carries `Authorization: Bearer <token>`. Kubernetes 1.20+ no longer fills
//! `selfLink`; then the patch goes to the path the scale was read from.
//! Emitted points carry the `namespaceTag`, `kindTag` and `resourceTag` tags.

use super::api_client::{escape_path, ApiClient, TlsFiles};
use super::autoscale::{self, name_from, ApiError, AutoscaleError, Autoscaler, ResourceId};
use super::{BuildEnv, BuildError, NodeImpl};
use crate::config::autoscale::KubernetesConfig;
use crate::message::Str;
use compiler::ir;
use serde::Deserialize;
use std::fmt;

const SERVICE: &str = "k8s";
const NAMESPACE_DEFAULT: &str = "default";
/// Where a pod finds its service account (`in-cluster = true`).
const SECRETS_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

pub struct K8sResource {
    namespace: String,
    kind: String,
    name: String,
}

impl ResourceId for K8sResource {
    fn key(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for K8sResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.kind, self.name)
    }
}

/// The parts of a `Scale` the node reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Scale {
    metadata: ScaleMeta,
    spec: ScaleSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ScaleMeta {
    self_link: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScaleSpec {
    replicas: i64,
}

/// A Kubernetes `Status` (an error answer).
#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default)]
    message: String,
}

/// Kapacitor's lightweight Kubernetes client: the scale subresource only.
pub struct K8sClient {
    http: ApiClient,
    token: String,
}

impl K8sClient {
    /// A client for `cfg`, reading the pod's service account if `in-cluster`.
    pub fn new(cfg: &KubernetesConfig) -> Result<K8sClient, ApiError> {
        if cfg.in_cluster {
            let read = |name: &str| {
                let path = format!("{SECRETS_PATH}/{name}");
                std::fs::read_to_string(&path).map_err(|e| ApiError::Setup {
                    reason: format!("could not load {name}: {e}"),
                })
            };
            let token = read("token")?;
            let ca = format!("{SECRETS_PATH}/ca.crt");
            let host = std::env::var("KUBERNETES_SERVICE_HOST")
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "kubernetes".into());
            let http = ApiClient::new(
                SERVICE,
                &[format!("https://{host}")],
                &TlsFiles {
                    ca: &ca,
                    ..TlsFiles::default()
                },
            )?;
            return Ok(K8sClient { http, token });
        }
        let http = ApiClient::new(
            SERVICE,
            &cfg.api_servers,
            &TlsFiles {
                ca: &cfg.ca_path,
                ..TlsFiles::default()
            },
        )?;
        Ok(K8sClient {
            http,
            token: cfg.token.clone(),
        })
    }

    fn scale_path(id: &K8sResource) -> String {
        escape_path(&format!(
            "/apis/extensions/v1beta1/namespaces/{}/{}/{}/scale",
            id.namespace, id.kind, id.name
        ))
    }

    /// Kapacitor's `decodeResponse`: 200 is success, anything else a `Status`.
    fn check(code: u16, body: &[u8]) -> Result<(), ApiError> {
        if code == 200 {
            return Ok(());
        }
        match serde_json::from_slice::<Status>(body) {
            Ok(s) => Err(ApiError::Refused { message: s.message }),
            Err(e) => Err(ApiError::Unintelligible {
                service: SERVICE,
                code,
                reason: e.to_string(),
            }),
        }
    }

    fn get_scale(&self, id: &K8sResource) -> Result<(Scale, String), ApiError> {
        let path = Self::scale_path(id);
        let bearer = format!("Bearer {}", self.token);
        let (code, body) = self
            .http
            .send("GET", &path, &[("Authorization", &bearer)], None)
            .and_then(|(code, body)| Self::check(code, &body).map(|()| (code, body)))
            .map_err(|e| e.context(format!("failed to get scale {id}")))?;
        let scale = serde_json::from_slice::<Scale>(&body).map_err(|e| {
            ApiError::Undecodable {
                service: SERVICE,
                what: "*client.Scale",
                code,
                reason: e.to_string(),
            }
            .context(format!("failed to get scale {id}"))
        })?;
        Ok((scale, path))
    }

    pub fn replicas(&self, id: &K8sResource) -> Result<i64, ApiError> {
        Ok(self.get_scale(id)?.0.spec.replicas)
    }

    pub fn set_replicas(&self, id: &K8sResource, replicas: i64) -> Result<(), ApiError> {
        let (scale, path) = self.get_scale(id)?;
        let target = if scale.metadata.self_link.is_empty() {
            path
        } else {
            scale.metadata.self_link
        };
        // Go's json.Encoder ends the document with a newline.
        let body = format!(
            "{}\n",
            serde_json::json!([{"op": "replace", "path": "/spec/replicas", "value": replicas}])
        );
        let bearer = format!("Bearer {}", self.token);
        self.http
            .send(
                "PATCH",
                &target,
                &[
                    ("Authorization", &bearer),
                    ("Content-Type", "application/json-patch+json"),
                ],
                Some(body.as_bytes()),
            )
            .and_then(|(code, body)| Self::check(code, &body))
            .map_err(|e| e.context(format!("failed to update scale {id}")))
    }
}

pub struct K8sAutoscaler {
    client: K8sClient,
    resource_name: String,
    resource_name_tag: String,
    namespace: String,
    kind: String,
    namespace_tag: String,
    kind_tag: String,
    resource_tag: String,
}

impl Autoscaler for K8sAutoscaler {
    type Id = K8sResource;

    fn resource_key<'a>(&'a self, tags: &'a [(Str, Str)]) -> Result<&'a str, AutoscaleError> {
        name_from(
            &self.resource_name,
            &self.resource_name_tag,
            tags,
            ("ResourceName", "ResourceNameTag"),
        )
    }

    fn resource_id(&self, key: &str) -> K8sResource {
        let namespace = if self.namespace.is_empty() {
            NAMESPACE_DEFAULT
        } else {
            &self.namespace
        };
        K8sResource {
            namespace: namespace.to_string(),
            kind: self.kind.clone(),
            name: key.to_string(),
        }
    }

    fn replicas(&self, id: &K8sResource) -> Result<i64, ApiError> {
        self.client.replicas(id)
    }

    fn set_replicas(&self, id: &K8sResource, replicas: i64) -> Result<(), ApiError> {
        self.client.set_replicas(id, replicas)
    }

    fn tag_resource(&self, id: &K8sResource, tags: &mut Vec<(Str, Str)>) {
        for (tag, value) in [
            (&self.namespace_tag, &id.namespace),
            (&self.kind_tag, &id.kind),
            (&self.resource_tag, &id.name),
        ] {
            if !tag.is_empty() {
                super::edit::set(tags, &Str::from(tag.as_str()), Str::from(value.as_str()));
            }
        }
    }
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let s = |name: &str, default: &str| node.string(name).unwrap_or(default).to_string();
    let client = env
        .config
        .autoscale
        .kubernetes(node.string("cluster").unwrap_or(""))
        .map_err(|e| e.to_string())
        .and_then(|cfg| K8sClient::new(cfg).map_err(|e| e.to_string()))
        .map_err(|e| {
            BuildError::new(
                node,
                format!(
                    "cannot use the k8sAutoscale node, could not create kubernetes client: {e}"
                ),
            )
        })?;
    let scaler = K8sAutoscaler {
        client,
        resource_name: s("resourceName", ""),
        resource_name_tag: s("resourceNameTag", ""),
        namespace: s("namespace", ""),
        kind: s("kind", "deployments"),
        namespace_tag: s("namespaceTag", "namespace"),
        kind_tag: s("kindTag", "kind"),
        resource_tag: s("resourceTag", "resource"),
    };
    autoscale::build(node, scaler)
}
