//! `ec2Autoscale` (Kapacitor's `ec2Autoscaler` in `autoscale.go` and its client
//! `services/ec2/client`, aws-sdk-go's Auto Scaling API 2011-01-01): a group is
//! named by `groupName` or the `groupNameTag` tag; its count is the
//! `DesiredCapacity` from `DescribeAutoScalingGroups`; a new count is
//! `SetDesiredCapacity` with `HonorCooldown=false` (the node keeps its own
//! cooldowns). Both are SigV4-signed form POSTs of the AWS query protocol to
//! `https://autoscaling.<region>.amazonaws.com/`, or to the `[[ec2]]` section's
//! endpoint override (the server takes it from `AWS_ENDPOINT_URL_AUTO_SCALING`
//! or `AWS_ENDPOINT_URL`). Emitted points carry the group name in
//! `outputGroupNameTag` (default: `groupNameTag`). A group the API does not
//! list is an error here (Kapacitor reads it as 0 and fails on the update).

use super::autoscale::{self, ApiError, ByName, NameProps, NamedApi, ResourceId};
use super::{BuildEnv, BuildError, NodeImpl};
use crate::config::autoscale::Ec2Config;
use crate::sigv4;
use compiler::golang::{query_escape, quote};
use compiler::ir;
use std::fmt;

const SERVICE: &str = "autoscaling";
const API_VERSION: &str = "2011-01-01";

pub struct Ec2Group(String);

impl ResourceId for Ec2Group {
    fn key(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ec2Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Ec2Client {
    http: super::api_client::ApiClient,
    /// `host[:port]` of the endpoint, as signed.
    host: String,
    access_key: String,
    secret_key: String,
    region: String,
}

/// The text of the first element named `name` under `node`.
fn text_of<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.descendants()
        .find(|n| n.has_tag_name(name))
        .and_then(|n| n.text())
}

impl Ec2Client {
    pub fn new(cfg: &Ec2Config) -> Result<Ec2Client, ApiError> {
        let endpoint = cfg
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://{SERVICE}.{}.amazonaws.com", cfg.region));
        let host = endpoint
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
            .unwrap_or_default();
        let http = super::api_client::ApiClient::new(
            "ec2",
            std::slice::from_ref(&endpoint),
            &super::api_client::TlsFiles::default(),
        )?;
        Ok(Ec2Client {
            http,
            host,
            access_key: cfg.access_key.clone(),
            secret_key: cfg.secret_key.clone(),
            region: cfg.region.clone(),
        })
    }

    /// One query-protocol call: `params` (with `Action`) plus `Version`,
    /// sorted and form-encoded as aws-sdk-go's `url.Values.Encode` does.
    fn call(&self, params: &[(&str, &str)]) -> Result<String, ApiError> {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        all.push(("Version", API_VERSION));
        all.sort_by(|a, b| a.0.cmp(b.0));
        let body = all
            .iter()
            .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let amz_date = sigv4::amz_date(now);
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let authorization = sigv4::authorization(
            &sigv4::Credentials {
                access_key: &self.access_key,
                secret_key: &self.secret_key,
                region: &self.region,
                service: SERVICE,
            },
            &sigv4::Request {
                method: "POST",
                path: "/",
                query: "",
                headers: &[
                    ("content-type", content_type),
                    ("host", &self.host),
                    ("x-amz-date", &amz_date),
                ],
                body: body.as_bytes(),
                amz_date: &amz_date,
            },
        );
        let (code, answer) = self.http.send(
            "POST",
            "/",
            &[
                ("Content-Type", content_type),
                ("X-Amz-Date", &amz_date),
                ("Authorization", &authorization),
            ],
            Some(body.as_bytes()),
        )?;
        let text = String::from_utf8_lossy(&answer).into_owned();
        if code == 200 {
            return Ok(text);
        }
        // An AWS query error: <ErrorResponse><Error><Code/><Message/></Error>.
        let doc = roxmltree::Document::parse(&text).map_err(|e| ApiError::Unintelligible {
            service: "ec2",
            code,
            reason: e.to_string(),
        })?;
        let root = doc.root_element();
        let code_text = text_of(root, "Code").unwrap_or("UnknownError");
        let message = text_of(root, "Message").unwrap_or("");
        Err(ApiError::Refused {
            message: format!("{code_text}: {message}"),
        })
    }

    pub fn replicas(&self, id: &Ec2Group) -> Result<i64, ApiError> {
        let context = || format!("failed to get ec2 autoscaleGroup for {}", quote(&id.0));
        let text = self
            .call(&[
                ("Action", "DescribeAutoScalingGroups"),
                ("AutoScalingGroupNames.member.1", &id.0),
            ])
            .map_err(|e| e.context(context()))?;
        let undecodable = |reason: String| {
            ApiError::Undecodable {
                service: "ec2",
                what: "DescribeAutoScalingGroupsOutput",
                code: 200,
                reason,
            }
            .context(context())
        };
        let doc = roxmltree::Document::parse(&text).map_err(|e| undecodable(e.to_string()))?;
        // Kapacitor keeps the last group's capacity.
        let last = doc
            .descendants()
            .filter(|n| n.has_tag_name("DesiredCapacity"))
            .filter_map(|n| n.text())
            .next_back();
        match last {
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|e| undecodable(format!("DesiredCapacity {v:?}: {e}"))),
            None => Err(ApiError::Refused {
                message: "no such autoscaling group".into(),
            }
            .context(context())),
        }
    }

    pub fn set_replicas(&self, id: &Ec2Group, replicas: i64) -> Result<(), ApiError> {
        let capacity = replicas.to_string();
        self.call(&[
            ("Action", "SetDesiredCapacity"),
            ("AutoScalingGroupName", &id.0),
            ("DesiredCapacity", &capacity),
            ("HonorCooldown", "false"),
        ])
        .map(|_| ())
        .map_err(|e| e.context("Failed to set desired capacity"))
    }
}

impl NamedApi for Ec2Client {
    type Id = Ec2Group;

    fn id(name: &str) -> Ec2Group {
        Ec2Group(name.to_string())
    }

    fn replicas(&self, id: &Ec2Group) -> Result<i64, ApiError> {
        Ec2Client::replicas(self, id)
    }

    fn set_replicas(&self, id: &Ec2Group, replicas: i64) -> Result<(), ApiError> {
        Ec2Client::set_replicas(self, id, replicas)
    }
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let client = env
        .config
        .autoscale
        .ec2(node.string("cluster").unwrap_or(""))
        .map_err(|e| e.to_string())
        .and_then(|cfg| Ec2Client::new(cfg).map_err(|e| e.to_string()))
        .map_err(|e| {
            BuildError::new(
                node,
                format!("cannot use the EC2Autoscale node, could not create ec2 client: {e}"),
            )
        })?;
    let props = NameProps {
        name: "groupName",
        tag: "groupNameTag",
        output_tag: "outputGroupNameTag",
        go: ("GroupName", "GroupNameTag"),
    };
    autoscale::build(node, ByName::new(node, client, &props))
}
