//! The autoscale nodes through the real `kapacitord`: `[[kubernetes]]`,
//! `[[swarm]]` and `[[ec2]]` sections in the config file (the EC2 endpoint
//! from `AWS_ENDPOINT_URL_AUTO_SCALING`), one stream task scaling a resource
//! of each kind from written points, against local listeners that answer as
//! the three APIs do. Checks the calls each API received, the event point
//! (through `httpOut`) and the node stats.

mod common;

use common::Server;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::recorder::{Recorded, Recorder};

const DEADLINE: Duration = Duration::from_secs(30);

/// Kubernetes: the scale of deployment `web`, starting at 2.
fn kubernetes() -> Recorder {
    let n = Arc::new(Mutex::new(2i64));
    Recorder::start(move |req: &Recorded| {
        let mut n = n.lock().unwrap();
        if req.method == "PATCH" {
            let patch: Value = serde_json::from_slice(&req.body).unwrap();
            *n = patch[0]["value"].as_i64().unwrap();
        }
        (
            200,
            json!({"kind": "Scale", "metadata": {"name": "web", "namespace": "default"},
                   "spec": {"replicas": *n}})
            .to_string(),
        )
    })
}

/// Docker: service `web` (ID `abc`, version 3) starting at 2.
fn swarm() -> Recorder {
    Recorder::start(move |req: &Recorded| {
        if req.method == "POST" {
            return (200, "{}".into());
        }
        (
            200,
            json!({"ID": "abc", "Version": {"Index": 3},
                   "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}}}})
            .to_string(),
        )
    })
}

/// AWS Auto Scaling: group `web` at 2.
fn auto_scaling() -> Recorder {
    Recorder::start(move |req: &Recorded| {
        if req.body_text().starts_with("Action=SetDesiredCapacity") {
            return (200, "<SetDesiredCapacityResponse/>".into());
        }
        (
            200,
            "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups>\
             <member><AutoScalingGroupName>web</AutoScalingGroupName><DesiredCapacity>2</DesiredCapacity></member>\
             </AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"
                .into(),
        )
    })
}

fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_task_scales_kubernetes_swarm_and_ec2_resources_from_the_config_sections() {
    let k8s = kubernetes();
    let docker = swarm();
    let aws = auto_scaling();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            r#"
[[influxdb]]
  enabled = false
[kubernetes]
  enabled = true
  id = "k"
  api-servers = ["{k8s}"]
  token = "tok"
[[swarm]]
  enabled = true
  id = "s"
  servers = ["{docker}"]
[[ec2]]
  enabled = true
  id = "e"
  region = "eu-west-1"
  access-key = "AKID"
  secret-key = "SECRET"
"#,
            k8s = k8s.url(),
            docker = docker.url()
        ),
    )
    .unwrap();
    let s = Server::start(
        dir.path(),
        &[("AWS_ENDPOINT_URL_AUTO_SCALING", &aws.url())],
        &["-config", conf.to_str().unwrap()],
    );
    let script = "var data = stream|from().measurement('load').groupBy('app')
data|k8sAutoscale().cluster('k').resourceNameTag('app').replicas(lambda: \"want\")|httpOut('k8s')
data|swarmAutoscale().cluster('s').serviceNameTag('app').replicas(lambda: \"want\")
data|ec2Autoscale().cluster('e').groupNameTag('app').replicas(lambda: \"want\").max(4)
";
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "scale", "type": "stream", "dbrps": [{"db": "db", "rp": "autogen"}],
               "script": script, "status": "enabled"}),
    );
    assert_eq!(code, 200, "{body}\n{}", s.log_text());
    let (code, body) = s.call(
        "POST",
        "/kapacitor/v1/write?db=db&rp=autogen",
        Some(b"load,app=web want=5i 1000000000\n"),
    );
    assert_eq!(code, 204, "{body}");

    let k8s_calls = poll("the kubernetes patch", || {
        let c = k8s.calls();
        (c.len() >= 3).then_some(c)
    });
    assert_eq!(
        k8s_calls
            .iter()
            .map(|c| (c.method.as_str(), c.target.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                "GET",
                "/apis/extensions/v1beta1/namespaces/default/deployments/web/scale"
            ),
            (
                "GET",
                "/apis/extensions/v1beta1/namespaces/default/deployments/web/scale"
            ),
            (
                "PATCH",
                "/apis/extensions/v1beta1/namespaces/default/deployments/web/scale"
            ),
        ]
    );
    assert_eq!(k8s_calls[2].header("authorization"), Some("Bearer tok"));
    assert_eq!(
        k8s_calls[2].body_text(),
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":5}]\n"
    );

    let docker_calls = poll("the swarm update", || {
        let c = docker.calls();
        (c.len() >= 3).then_some(c)
    });
    assert_eq!(
        docker_calls[2].target,
        "/v1.30/services/abc/update?version=3"
    );
    assert_eq!(
        docker_calls[2].body_text(),
        "{\"Name\":\"web\",\"Labels\":null,\"Mode\":{\"Replicated\":{\"Replicas\":5}}}\n"
    );

    let aws_calls = poll("the desired capacity", || {
        let c = aws.calls();
        (c.len() >= 2).then_some(c)
    });
    assert_eq!(
        aws_calls[1].body_text(),
        "Action=SetDesiredCapacity&AutoScalingGroupName=web&DesiredCapacity=4&HonorCooldown=false&Version=2011-01-01"
    );
    assert!(aws_calls[1]
        .header("authorization")
        .unwrap()
        .contains("/eu-west-1/autoscaling/aws4_request"));

    // The k8s event point, as httpOut serves it.
    let (_, out) = poll("the event point", || {
        let (code, v) = s.get("/kapacitor/v1/tasks/scale/k8s");
        (code == 200 && v["series"].is_array()).then_some((code, v))
    });
    let series = &out["series"][0];
    assert_eq!(series["name"], "load");
    assert_eq!(
        series["tags"],
        json!({"app": "web", "kind": "deployments", "namespace": "default", "resource": "web"})
    );
    assert_eq!(series["columns"], json!(["time", "new", "old"]));
    assert_eq!(series["values"][0][1], 5);
    assert_eq!(series["values"][0][2], 2);

    let (_, task) = s.get("/kapacitor/v1/tasks/scale");
    let nodes = &task["stats"]["node-stats"];
    let k8s_node = nodes
        .as_object()
        .unwrap()
        .iter()
        .find(|(name, _)| name.starts_with("k8s_autoscale"))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("k8s node stats in {nodes}"));
    assert_eq!(k8s_node["increase_events"], 1, "{k8s_node}");
    assert_eq!(k8s_node["decrease_events"], 0);
    assert_eq!(k8s_node["cooldown_drops"], 0);
    assert_eq!(k8s_node["errors"], 0);
    s.stop();
}

#[test]
fn overriding_the_kubernetes_section_moves_running_tasks_to_the_new_api_server() {
    let k8s = kubernetes();
    let dead = common::free_port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("kapacitor.conf");
    std::fs::write(
        &conf,
        format!(
            "[[influxdb]]\n  enabled = false\n[kubernetes]\n  enabled = true\n  id = \"k\"\n  api-servers = [\"http://127.0.0.1:{dead}\"]\n"
        ),
    )
    .unwrap();
    let s = Server::start(dir.path(), &[], &["-config", conf.to_str().unwrap()]);
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "scale", "type": "stream", "dbrps": [{"db": "db", "rp": "autogen"}],
               "script": "stream|from().measurement('load')|k8sAutoscale().cluster('k').resourceName('web').replicas(lambda: \"want\")",
               "status": "enabled"}),
    );
    assert_eq!(code, 200, "{body}");
    let write = |t: i64| {
        let line = format!("load want=4i {t}000000000\n");
        let (code, body) = s.call(
            "POST",
            "/kapacitor/v1/write?db=db&rp=autogen",
            Some(line.as_bytes()),
        );
        assert_eq!(code, 204, "{body}");
    };
    write(1);
    // The dead server: the initial read fails, logged and counted.
    poll("the failed read counted", || {
        let (_, task) = s.get("/kapacitor/v1/tasks/scale");
        let errors = task["stats"]["node-stats"]
            .as_object()?
            .iter()
            .find(|(n, _)| n.starts_with("k8s_autoscale"))?
            .1["errors"]
            .as_i64()?;
        (errors >= 1).then_some(())
    });
    let (code, body) = s.json(
        "POST",
        "/kapacitor/v1/config/kubernetes/k",
        json!({"set": {"api-servers": [k8s.url()]}}),
    );
    assert_eq!(code, 204, "{body}");
    poll("the task running again", || {
        let (_, task) = s.get("/kapacitor/v1/tasks/scale");
        (task["executing"] == true).then_some(())
    });
    write(2);
    let calls = poll("the patch on the new server", || {
        let c = k8s.calls();
        c.iter().any(|c| c.method == "PATCH").then_some(c)
    });
    assert_eq!(
        calls.last().unwrap().body_text(),
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]\n"
    );
    s.stop();
}
