//! The task limits seen from outside: a `kapacitord` with
//! `[task-limits] max-groups` set low gets writes for more hosts than that;
//! the task's stats (`GET /tasks/ID`), `/debug/vars` and the log show the
//! evictions, and the live groups stay at the bound.

mod common;

use common::Server;
use serde_json::json;

#[test]
fn evictions_show_in_task_stats_debug_vars_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[("KAPACITOR_TASK_LIMITS_MAX_GROUPS", "10")],
        &[],
    );
    let (status, v) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({
            "id": "bounded",
            "dbrps": [{"db": "db", "rp": "rp"}],
            "script": "stream\n    |from()\n        .measurement('m')\n        .groupBy('host')\n    |window()\n        .period(1h)\n        .every(1h)\n    |count('value')\n",
            "status": "enabled",
        }),
    );
    assert_eq!(status, 200, "{v}");
    let mut body = String::new();
    for h in 0..50 {
        body.push_str(&format!("m,host=h{h} value=1 {}\n", 1_000 + h));
    }
    let (status, text) = s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(body.as_bytes()),
    );
    assert_eq!(status, 204, "{text}");
    s.wait_for("all 50 points processed", |s| {
        let (_, v) = s.get("/kapacitor/v1/tasks/bounded");
        v["stats"]["node-stats"]["from1"]["collected"] == json!(50)
    });
    let (_, v) = s.get("/kapacitor/v1/tasks/bounded");
    let stats = &v["stats"];
    assert_eq!(stats["task-stats"]["groups_evicted"], json!(40), "{stats}");
    assert_eq!(
        stats["node-stats"]["from1"]["groups_evicted"],
        json!(40),
        "{stats}"
    );
    assert_eq!(
        stats["node-stats"]["window2"]["working_cardinality"],
        json!(10),
        "{stats}"
    );
    // Ten windows of one point each are buffered.
    assert_eq!(stats["task-stats"]["buffered_points"], json!(10), "{stats}");

    let (_, vars) = s.get("/kapacitor/v1/debug/vars");
    let from = vars["kapacitor"]
        .as_object()
        .unwrap()
        .values()
        .find(|e| {
            e["name"] == "nodes" && e["tags"]["task"] == "bounded" && e["tags"]["node"] == "from1"
        })
        .unwrap_or_else(|| panic!("no from1 node stats in {vars}"));
    assert_eq!(from["values"]["groups_evicted"], json!(40), "{from}");

    s.wait_for("the eviction logged", |s| {
        s.log_text().contains("task limits reached (max-groups 10")
    });
    assert_eq!(
        s.log_text().matches("task limits reached").count(),
        1,
        "one log line for the burst"
    );
}
