//! The load service end to end: kapacitord started with `[load] enabled` over a directory of
//! tasks, templates and template-task files; the API shows what was loaded; after the files
//! change, `kill -HUP` redefines changed tasks and deletes those whose file is gone — never a
//! task defined through the API — and a bad file is logged and skipped.

mod common;

use common::Server;
use serde_json::json;
use std::fs;

const CPU_V1: &str =
    "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('cpu')\n    |httpOut('h')\n";
const CPU_V2: &str =
    "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('mem')\n    |httpOut('h')\n";
const TPL: &str = "var measurement string\nstream\n    |from()\n        .measurement(measurement)\n    |httpOut('h')\n";
/// Line 4 has `><`, which is no operator.
const BAD: &str = "dbrp \"db\".\"rp\"\nstream\n    |from()\n    |where(lambda: \"v\" >< 1)\n";
const TEMPLATE_TASK: &str = "template-id: tpl\ndbrps:\n  - db: db\n    rp: rp\nvars:\n  measurement:\n    type: string\n    value: disk\n";

#[test]
fn load_dir_at_start_and_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let load = dir.path().join("load");
    for d in ["tasks", "templates", "handlers"] {
        fs::create_dir_all(load.join(d)).unwrap();
    }
    fs::write(load.join("tasks/cpu.tick"), CPU_V1).unwrap();
    fs::write(load.join("tasks/bad.tick"), BAD).unwrap();
    fs::write(load.join("tasks/tt.yaml"), TEMPLATE_TASK).unwrap();
    fs::write(load.join("templates/tpl.tick"), TPL).unwrap();
    // YAML that does not parse: logged and skipped like the bad script.
    fs::write(load.join("tasks/broken.yml"), "template-id: [unclosed\n").unwrap();
    // Not one of the load service's extensions: ignored.
    fs::write(load.join("tasks/notes.txt"), "not a task").unwrap();
    let load_dir = load.to_str().unwrap();
    let s = Server::start(
        dir.path(),
        &[
            ("KAPACITOR_LOAD_ENABLED", "true"),
            ("KAPACITOR_LOAD_DIR", load_dir),
        ],
        &[],
    );

    // .tick: ID from the file name, type and dbrps from the script, enabled and running.
    let (st, t) = s.get("/kapacitor/v1/tasks/cpu");
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["type"], "stream");
    assert_eq!(t["status"], "enabled");
    assert_eq!(t["executing"], true);
    assert_eq!(t["dbrps"], json!([{"db": "db", "rp": "rp"}]));
    // Template and template task (YAML vars).
    let (st, tpl) = s.get("/kapacitor/v1/templates/tpl");
    assert_eq!(st, 200, "{tpl}");
    let (st, tt) = s.get("/kapacitor/v1/tasks/tt");
    assert_eq!(st, 200, "{tt}");
    assert_eq!(tt["template-id"], "tpl");
    assert_eq!(tt["status"], "enabled");
    assert_eq!(tt["vars"]["measurement"]["value"], "disk");
    // The bad file is skipped, its error logged with the diagnostic's position (line 4).
    assert_eq!(s.get("/kapacitor/v1/tasks/bad").0, 404);
    assert_eq!(s.get("/kapacitor/v1/tasks/notes").0, 404);
    let log = s.log_text();
    assert!(
        log.contains("bad.tick") && log.contains("invalid TICKscript") && log.contains(":4:"),
        "{log}"
    );
    // Counted in the `load` statistic.
    let (_, vars) = s.get("/kapacitor/v1/debug/vars");
    let load_errors = vars["kapacitor"]
        .as_object()
        .unwrap()
        .values()
        .find(|v| v["name"] == "load")
        .map(|v| v["values"]["errors"].clone());
    assert_eq!(load_errors, Some(json!(2)));
    assert!(log.contains("broken.yml"), "{log}");
    assert_eq!(s.get("/kapacitor/v1/tasks/broken").0, 404);

    // Data reaches the loaded task.
    s.call(
        "POST",
        "/write?db=db&rp=rp&precision=s",
        Some(b"cpu v=1 1\n"),
    );
    s.wait_for("cpu's httpOut", |s| {
        s.call("GET", "/kapacitor/v1/tasks/cpu/h", None).0 == 200
            && s.call("GET", "/kapacitor/v1/tasks/cpu/h", None)
                .1
                .contains("\"cpu\"")
    });

    // A task defined through the API is never the load service's to delete.
    let (st, m) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "manual", "script": CPU_V1}),
    );
    assert_eq!(st, 200, "{m}");

    // Change one task, remove the template task and its template, fix the bad file.
    fs::write(load.join("tasks/cpu.tick"), CPU_V2).unwrap();
    fs::remove_file(load.join("tasks/tt.yaml")).unwrap();
    fs::remove_file(load.join("templates/tpl.tick")).unwrap();
    fs::write(load.join("tasks/bad.tick"), CPU_V1).unwrap();
    s.signal("HUP");
    s.wait_for("the template task to be removed", |s| {
        s.get("/kapacitor/v1/tasks/tt").0 == 404
    });
    s.wait_for("the template to be removed", |s| {
        s.get("/kapacitor/v1/templates/tpl").0 == 404
    });
    s.wait_for("the fixed task", |s| {
        s.get("/kapacitor/v1/tasks/bad").0 == 200
    });
    let (_, t) = s.get("/kapacitor/v1/tasks/cpu?script-format=raw");
    assert_eq!(t["script"], CPU_V2);
    assert_eq!(t["status"], "enabled");
    assert_eq!(t["executing"], true);
    assert_eq!(s.get("/kapacitor/v1/tasks/manual").0, 200);

    // The loaded set survives a restart: removing cpu.tick while the server is down still
    // deletes it at the next start.
    s.stop();
    fs::remove_file(load.join("tasks/cpu.tick")).unwrap();
    let s = Server::start(
        dir.path(),
        &[
            ("KAPACITOR_LOAD_ENABLED", "true"),
            ("KAPACITOR_LOAD_DIR", load_dir),
        ],
        &[],
    );
    assert_eq!(s.get("/kapacitor/v1/tasks/cpu").0, 404);
    assert_eq!(s.get("/kapacitor/v1/tasks/bad").0, 200);
    assert_eq!(s.get("/kapacitor/v1/tasks/manual").0, 200);
}

#[test]
fn load_disabled_ignores_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let load = dir.path().join("load");
    fs::create_dir_all(load.join("tasks")).unwrap();
    fs::write(load.join("tasks/cpu.tick"), CPU_V1).unwrap();
    let s = Server::start(
        dir.path(),
        &[("KAPACITOR_LOAD_DIR", load.to_str().unwrap())],
        &[],
    );
    assert_eq!(s.get("/kapacitor/v1/tasks/cpu").0, 404);
}

/// `sideload()` sources are read when a task starts; `POST /sideload/reload` and SIGHUP
/// re-read them for the running tasks.
#[test]
fn sideload_sources_reload_on_request_and_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let side = dir.path().join("side");
    fs::create_dir_all(&side).unwrap();
    fs::write(side.join("default.yml"), "threshold: 1\n").unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    let script = format!(
        "dbrp \"db\".\"rp\"\nstream\n    |from()\n        .measurement('m')\n    |sideload()\n        .source('file://{}')\n        .order('default.yml')\n        .field('threshold', 0)\n    |httpOut('h')\n",
        side.display()
    );
    let (st, t) = s.json(
        "POST",
        "/kapacitor/v1/tasks",
        json!({"id": "side", "script": script, "status": "enabled"}),
    );
    assert_eq!(st, 200, "{t}");
    let threshold = |s: &Server, ts: i64| -> i64 {
        s.call(
            "POST",
            "/write?db=db&rp=rp&precision=s",
            Some(format!("m v=1 {ts}\n").as_bytes()),
        );
        let mut last = -1;
        s.wait_for("the point at httpOut", |s| {
            let (_, v) = s.get("/kapacitor/v1/tasks/side/h");
            let row = &v["series"][0];
            let cols = row["columns"].as_array().cloned().unwrap_or_default();
            let i = cols.iter().position(|c| c == "threshold");
            let t = row["values"][0][0].as_str().unwrap_or("");
            match i {
                Some(i) if t.ends_with(&format!(":{:02}Z", ts % 60)) => {
                    last = row["values"][0][i].as_i64().unwrap_or(-1);
                    true
                }
                _ => false,
            }
        });
        last
    };
    assert_eq!(threshold(&s, 1), 1);
    fs::write(side.join("default.yml"), "threshold: 2\n").unwrap();
    assert_eq!(threshold(&s, 2), 1, "not re-read until asked");
    assert_eq!(s.call("POST", "/kapacitor/v1/sideload/reload", None).0, 204);
    assert_eq!(threshold(&s, 3), 2);
    fs::write(side.join("default.yml"), "threshold: 3\n").unwrap();
    s.signal("HUP");
    // The second reload in the log is SIGHUP's (the first was the POST's).
    s.wait_for("the reload after SIGHUP", |s| {
        s.log_text().matches("sideload sources reloaded").count() == 2
    });
    assert_eq!(threshold(&s, 4), 3);
}
