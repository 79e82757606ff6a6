//! The autoscale nodes against local listeners that answer as the
//! Kubernetes, Docker Swarm and AWS Auto Scaling APIs do and record every
//! request: scale up and down, clamping, cooldown drops, API errors (logged,
//! counted, the node keeps going), and the exact requests each API receives.

use super::harness::Harness;
use crate::config::autoscale::{Ec2Config, KubernetesConfig, SwarmConfig};
use crate::config::Config;
use crate::message::{FieldValue, Point};
use crate::testing::point;
use compiler::catalog::NodeKind;
use std::sync::{Arc, Mutex};
use testkit::recorder::{Recorded, Recorder};

const SEC: i64 = 1_000_000_000;

/// The autoscale node of `script`, built with `config`.
fn harness(script: &str, config: Config) -> Harness {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("script checks: {diags:?}"));
    let node = p
        .nodes
        .iter()
        .find(|n| {
            matches!(
                n.kind,
                NodeKind::K8sAutoscale | NodeKind::SwarmAutoscale | NodeKind::Ec2Autoscale
            )
        })
        .expect("an autoscale node");
    Harness::with_config(&p, node.id, config).unwrap_or_else(|e| panic!("node builds: {e}"))
}

/// A point grouped by `by` as `groupBy(by)` groups it.
fn grouped(by: &str, name: &str, value: i64, secs: i64) -> Point {
    let mut p = point(
        "m",
        &[(by, name)],
        &[("value", FieldValue::Int(value))],
        secs * SEC,
    );
    let dims = Arc::new(crate::point::Dimensions {
        by_name: false,
        tag_names: vec![crate::message::Str::from(by)],
    });
    p.group = crate::group::group_of("m", &p.tags, &dims);
    p
}

/// An emitted event: old, new and the point's tags.
type Event = (i64, i64, Vec<(String, String)>);

/// (old, new) of each emitted point and its tags.
fn events(h: &mut Harness) -> Vec<Event> {
    h.take_points()
        .iter()
        .map(|p| {
            let int = |k| match p.field(k) {
                Some(FieldValue::Int(v)) => *v,
                other => panic!("{k}: {other:?}"),
            };
            let tags = p
                .tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (int("old"), int("new"), tags)
        })
        .collect()
}

fn stat(h: &Harness, name: &str) -> i64 {
    h.stats.get(name).unwrap_or_else(|| panic!("stat {name}"))
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A Kubernetes API with one deployment `app` at 2 replicas; `bad` is forbidden.
fn kubernetes() -> (Recorder, Arc<Mutex<i64>>) {
    let replicas = Arc::new(Mutex::new(2i64));
    let r = replicas.clone();
    let rec = Recorder::start(move |req: &Recorded| {
        if req.target.contains("/bad/") {
            return (
                403,
                r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"deployments \"bad\" is forbidden","reason":"Forbidden","code":403}"#.into(),
            );
        }
        let mut n = r.lock().unwrap();
        if req.method == "PATCH" {
            let patch: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            *n = patch[0]["value"].as_i64().unwrap();
        }
        (
            200,
            format!(
                r#"{{"kind":"Scale","apiVersion":"extensions/v1beta1","metadata":{{"name":"app","namespace":"default","selfLink":"/apis/extensions/v1beta1/namespaces/default/deployments/app/scale"}},"spec":{{"replicas":{n}}},"status":{{"replicas":{n}}}}}"#
            ),
        )
    });
    (rec, replicas)
}

#[test]
fn k8s_scales_up_and_down_within_limits_and_cooldowns() {
    let (api, replicas) = kubernetes();
    let mut config = Config::default();
    config.autoscale.kubernetes = vec![KubernetesConfig {
        enabled: true,
        api_servers: vec![format!("{}/ignored-prefix", api.url())],
        token: "secret-token".into(),
        ..KubernetesConfig::default()
    }];
    let mut h = harness(
        "stream|from().measurement('m').groupBy('deployment')
           |k8sAutoscale().resourceNameTag('deployment').replicas(lambda: \"value\")
             .max(10).increaseCooldown(1m).decreaseCooldown(2m)",
        config,
    );
    let app = |v, t| grouped("deployment", "app", v, t);
    let expect_tags = tags(&[
        ("deployment", "app"),
        ("kind", "deployments"),
        ("namespace", "default"),
        ("resource", "app"),
    ]);

    h.point(app(4, 0));
    assert_eq!(events(&mut h), [(2, 4, expect_tags.clone())]);
    assert_eq!(*replicas.lock().unwrap(), 4);
    // Within the increase cooldown: dropped, no API call.
    h.point(app(6, 30));
    assert_eq!(events(&mut h), []);
    assert_eq!(stat(&h, "cooldown_drops"), 1);
    h.point(app(6, 61));
    assert_eq!(events(&mut h), [(4, 6, expect_tags.clone())]);
    // Clamped to max 10, then to the default min 1.
    h.point(app(20, 130));
    assert_eq!(events(&mut h), [(6, 10, expect_tags.clone())]);
    h.point(app(0, 140));
    assert_eq!(events(&mut h), [(10, 1, expect_tags.clone())]);
    // Cooldowns are per direction: an increase 15s after the last one is hot
    // even though a decrease happened since; once cool it applies.
    h.point(app(3, 145));
    assert_eq!(events(&mut h), []);
    h.point(app(3, 200));
    assert_eq!(events(&mut h), [(1, 3, expect_tags.clone())]);
    // A decrease within 2m of the last decrease is hot.
    h.point(app(2, 210));
    assert_eq!(events(&mut h), []);
    assert_eq!(stat(&h, "cooldown_drops"), 3);
    // No change: nothing.
    h.point(app(3, 400));
    assert_eq!(events(&mut h), []);
    assert_eq!(
        (stat(&h, "increase_events"), stat(&h, "decrease_events")),
        (4, 1)
    );
    assert_eq!(h.stats.errors, 0);

    let calls = api.calls();
    // One initial read, then a read and a patch per applied event.
    assert_eq!(calls.len(), 1 + 2 * 5, "{calls:#?}");
    let get = &calls[0];
    assert_eq!(get.method, "GET");
    assert_eq!(
        get.target,
        "/apis/extensions/v1beta1/namespaces/default/deployments/app/scale"
    );
    assert_eq!(get.header("authorization"), Some("Bearer secret-token"));
    let patch = &calls[2];
    assert_eq!(patch.method, "PATCH");
    assert_eq!(
        patch.target,
        "/apis/extensions/v1beta1/namespaces/default/deployments/app/scale"
    );
    assert_eq!(
        patch.header("content-type"),
        Some("application/json-patch+json")
    );
    assert_eq!(patch.header("authorization"), Some("Bearer secret-token"));
    assert_eq!(
        patch.body_text(),
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]\n"
    );
}

#[test]
fn k8s_api_errors_are_logged_and_counted_and_the_node_keeps_going() {
    let (api, _) = kubernetes();
    let mut config = Config::default();
    config.autoscale.kubernetes = vec![KubernetesConfig {
        enabled: true,
        id: "prod".into(),
        api_servers: vec![api.url()],
        ..KubernetesConfig::default()
    }];
    let mut h = harness(
        "stream|from().measurement('m').groupBy('deployment')
           |k8sAutoscale().cluster('prod').namespace('web').resourceNameTag('deployment')
             .currentField('current').replicas(lambda: \"current\" + 1)",
        config,
    );
    h.point(grouped("deployment", "bad", 0, 0));
    h.point(grouped("other", "x", 0, 1));
    h.point(grouped("deployment", "app", 0, 2));
    assert_eq!(h.stats.errors, 2);
    assert_eq!(
        h.sink.diagnostics,
        [
            format!(
                "{}: error handling point: could not determine initial scale for \"web/deployments/bad\": \
                 failed to get scale web/deployments/bad: deployments \"bad\" is forbidden",
                h.name
            ),
            format!(
                "{}: error handling point: could not determine the name of the resource",
                h.name
            ),
        ]
    );
    // currentField binds the remembered count: 2 + 1.
    let ev = events(&mut h);
    assert_eq!((ev[0].0, ev[0].1), (2, 3));
    assert!(ev[0].2.contains(&("namespace".into(), "web".into())));
    // The header is sent even without a token (the recorder trims the value).
    assert_eq!(api.calls()[0].header("authorization"), Some("Bearer"));
}

#[test]
fn k8s_without_a_configured_cluster_does_not_build() {
    let (p, _) =
        compiler::check("stream|from()|k8sAutoscale().resourceName('a').replicas(lambda: 1)");
    let p = p.unwrap();
    let err = Harness::from_pipeline(&p, 2).err().expect("a build error");
    assert!(
        err.message.ends_with(
            "could not create kubernetes client: unknown kubernetes cluster \"\", cannot get client"
        ),
        "{err}"
    );
}

/// A Docker Engine with service `web` (ID `svc1`, version 7) at 2 replicas.
fn swarm() -> Recorder {
    let replicas = Arc::new(Mutex::new(2i64));
    Recorder::start(move |req: &Recorded| {
        if req.target.contains("/missing") {
            return (404, r#"{"message":"service missing not found"}"#.into());
        }
        let mut n = replicas.lock().unwrap();
        if req.method == "POST" {
            let spec: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            *n = spec["Mode"]["Replicated"]["Replicas"].as_i64().unwrap();
            return (200, "{}".into());
        }
        (
            200,
            format!(
                r#"{{"ID":"svc1","Version":{{"Index":7}},"Spec":{{"Name":"web","Labels":{{"a":"b"}},"TaskTemplate":{{"ContainerSpec":{{"Image":"nginx"}}}},"Mode":{{"Replicated":{{"Replicas":{n}}}}}}}}}"#
            ),
        )
    })
}

#[test]
fn swarm_updates_the_service_spec_and_counts_api_errors() {
    let api = swarm();
    let mut config = Config::default();
    config.autoscale.swarm = vec![SwarmConfig {
        enabled: true,
        servers: vec![api.url()],
        ..SwarmConfig::default()
    }];
    let mut h = harness(
        "stream|from().measurement('m').groupBy('service')
           |swarmAutoscale().serviceNameTag('service').outputServiceNameTag('svc')
             .replicas(lambda: \"value\").max(5)",
        config,
    );
    h.point(grouped("service", "web", 9, 0));
    assert_eq!(
        events(&mut h),
        [(2, 5, tags(&[("service", "web"), ("svc", "web")]))]
    );
    h.point(grouped("service", "missing", 3, 1));
    assert_eq!(h.stats.errors, 1);
    assert!(
        h.sink.diagnostics[0].ends_with(
            "could not determine initial scale for \"missing\": failed to get swarm service for \"missing\": service missing not found"
        ),
        "{:?}",
        h.sink.diagnostics
    );
    h.point(grouped("service", "web", 1, 2));
    assert_eq!(events(&mut h)[0].1, 1);
    assert_eq!(stat(&h, "decrease_events"), 1);

    let calls = api.calls();
    assert_eq!(calls[0].method, "GET");
    assert_eq!(calls[0].target, "/v1.30/services/web");
    let update = &calls[2];
    assert_eq!(update.method, "POST");
    assert_eq!(update.target, "/v1.30/services/svc1/update?version=7");
    assert_eq!(
        update.body_text(),
        "{\"Name\":\"web\",\"Labels\":{\"a\":\"b\"},\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"nginx\"}},\"Mode\":{\"Replicated\":{\"Replicas\":5}}}\n"
    );
}

const DESCRIBE: &str = r#"<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult><AutoScalingGroups><member>
    <AutoScalingGroupName>asg</AutoScalingGroupName><MinSize>1</MinSize><MaxSize>9</MaxSize>
    <DesiredCapacity>{n}</DesiredCapacity>
  </member></AutoScalingGroups></DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>"#;

/// An AWS Auto Scaling endpoint with group `asg` at 2; `busy` refuses updates.
fn auto_scaling() -> Recorder {
    let capacity = Arc::new(Mutex::new(2i64));
    Recorder::start(move |req: &Recorded| {
        let body = req.body_text();
        let mut n = capacity.lock().unwrap();
        if body.starts_with("Action=SetDesiredCapacity") {
            if body.contains("AutoScalingGroupName=busy") {
                return (
                    400,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>ScalingActivityInProgress</Code>\
                     <Message>Scaling activity is in progress</Message></Error><RequestId>r2</RequestId></ErrorResponse>"
                        .into(),
                );
            }
            let v = body.split("DesiredCapacity=").nth(1).unwrap();
            *n = v.split('&').next().unwrap().parse().unwrap();
            return (200, "<SetDesiredCapacityResponse><ResponseMetadata><RequestId>r3</RequestId></ResponseMetadata></SetDesiredCapacityResponse>".into());
        }
        (200, DESCRIBE.replace("{n}", &n.to_string()))
    })
}

#[test]
fn ec2_sets_the_desired_capacity_with_signed_query_calls() {
    let api = auto_scaling();
    let mut config = Config::default();
    config.autoscale.ec2 = vec![Ec2Config {
        enabled: true,
        id: "east".into(),
        region: "us-east-1".into(),
        access_key: "AKIDTEST".into(),
        secret_key: "secret".into(),
        endpoint: Some(api.url()),
        ..Ec2Config::default()
    }];
    let mut h = harness(
        "stream|from().measurement('m').groupBy('group')
           |ec2Autoscale().cluster('east').groupNameTag('group').replicas(lambda: \"value\")",
        config,
    );
    h.point(grouped("group", "asg", 3, 0));
    assert_eq!(events(&mut h), [(2, 3, tags(&[("group", "asg")]))]);
    h.point(grouped("group", "busy", 5, 1));
    assert_eq!(h.stats.errors, 1);
    assert!(
        h.sink.diagnostics[0].ends_with(
            "failed to apply scaling event: failed to set new replica count for \"busy\": \
             Failed to set desired capacity: ScalingActivityInProgress: Scaling activity is in progress"
        ),
        "{:?}",
        h.sink.diagnostics
    );

    let calls = api.calls();
    assert_eq!(
        calls[0].body_text(),
        "Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1=asg&Version=2011-01-01"
    );
    let set = &calls[1];
    assert_eq!((set.method.as_str(), set.target.as_str()), ("POST", "/"));
    assert_eq!(
        set.body_text(),
        "Action=SetDesiredCapacity&AutoScalingGroupName=asg&DesiredCapacity=3&HonorCooldown=false&Version=2011-01-01"
    );
    assert_eq!(
        set.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    // The signature covers exactly the headers that were sent.
    let date = set.header("x-amz-date").expect("x-amz-date");
    let host = set.header("host").expect("host");
    let expected = crate::sigv4::authorization(
        &crate::sigv4::Credentials {
            access_key: "AKIDTEST",
            secret_key: "secret",
            region: "us-east-1",
            service: "autoscaling",
        },
        &crate::sigv4::Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &[
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
                ("host", host),
                ("x-amz-date", date),
            ],
            body: &set.body,
            amz_date: date,
        },
    );
    assert_eq!(set.header("authorization"), Some(expected.as_str()));
    assert!(expected.starts_with(&format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/{}/us-east-1/autoscaling/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=",
        &date[..8]
    )));
}
