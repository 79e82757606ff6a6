//! Alert node tests: the §4.4 level sequence, emission rules, event JSON,
//! batch handling, per-group state, data additions and inhibition. Scripts
//! go through the real front end (`compiler::check`).

use super::level::Level;
use super::state::AlertState;
use crate::config::Config;
use crate::group::group_of;
use crate::message::{Batch, BatchPoint, Dimensions, FieldValue, Message, Point, Str};
use crate::node::{BuildEnv, NodeCx, NodeImpl, Target};
use crate::output::VecSink;
use crate::stats::NodeStats;
use crate::testing::{point, secs};
use std::sync::Arc;

struct Run {
    node: Box<dyn NodeImpl>,
    name: String,
    stats: NodeStats,
    sink: VecSink,
    config: Config,
    out: Vec<(Target, Message)>,
}

impl Run {
    fn new(script: &str) -> Run {
        Run::with_config(script, Config::default())
    }

    fn with_config(script: &str, config: Config) -> Run {
        let (p, diags) = compiler::check(script);
        let p = p.unwrap_or_else(|| panic!("script checks: {diags:?}"));
        let node = p
            .nodes
            .iter()
            .find(|n| n.kind == compiler::catalog::NodeKind::Alert)
            .expect("an alert node");
        let env = BuildEnv {
            task_name: "test",
            task_type: p.task_type,
            config: &config,
        };
        let imp = super::build(node, &env).unwrap_or_else(|e| panic!("alert builds: {e}"));
        Run {
            node: imp,
            name: node.name.clone(),
            stats: NodeStats::default(),
            sink: VecSink::default(),
            config,
            out: Vec::new(),
        }
    }

    fn send(&mut self, msg: Message) {
        let mut cx = NodeCx::new(
            "test",
            &self.name,
            2,
            0,
            &mut self.stats,
            &mut self.sink,
            &self.config,
            false,
            &mut self.out,
        );
        self.node.process(0, msg, &mut cx).expect("process ok");
    }

    fn finish(&mut self) {
        let mut cx = NodeCx::new(
            "test",
            &self.name,
            2,
            0,
            &mut self.stats,
            &mut self.sink,
            &self.config,
            false,
            &mut self.out,
        );
        self.node.finish(&mut cx).expect("finish ok");
    }

    fn value(&mut self, v: f64, t: i64) {
        self.send(Message::Point(Arc::new(point(
            "cpu",
            &[("host", "a")],
            &[("value", FieldValue::Float(v))],
            secs(t),
        ))));
    }

    /// The event JSONs output so far (drained).
    fn events(&mut self) -> Vec<String> {
        self.sink
            .lines
            .drain(..)
            .map(|l| {
                let prefix = format!("{{\"kind\":\"alert\",\"node\":\"{}\",\"event\":", self.name);
                let rest = l
                    .strip_prefix(&prefix)
                    .unwrap_or_else(|| panic!("alert line: {l}"));
                rest.trim_end()
                    .strip_suffix('}')
                    .expect("closing brace")
                    .to_string()
            })
            .collect()
    }

    fn levels(&mut self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| {
                let v: serde_json::Value = serde_json::from_str(e).expect("event json");
                v["level"].as_str().expect("level").to_string()
            })
            .collect()
    }

    fn forwarded(&mut self) -> Vec<Message> {
        self.out.drain(..).map(|(_, m)| m).collect()
    }
}

const SEQ_SCRIPT: &str = "stream|from().measurement('cpu')|alert()
    .info(lambda: \"value\" > 60).infoReset(lambda: \"value\" < 50)
    .warn(lambda: \"value\" > 70).warnReset(lambda: \"value\" < 60)
    .crit(lambda: \"value\" > 80).critReset(lambda: \"value\" < 70)";

const SEQ: [f64; 7] = [61.0, 73.0, 64.0, 85.0, 62.0, 56.0, 47.0];

#[test]
fn reference_level_sequence() {
    let mut r = Run::new(SEQ_SCRIPT);
    for (i, v) in SEQ.iter().enumerate() {
        r.value(*v, i as i64 + 1);
    }
    assert_eq!(
        r.levels(),
        ["INFO", "WARNING", "WARNING", "CRITICAL", "INFO", "INFO", "OK"]
    );
    // Every triggering point is forwarded.
    assert_eq!(r.forwarded().len(), 7);
    assert_eq!(r.stats.get("alerts_triggered"), Some(7));
    assert_eq!(r.stats.get("infos_triggered"), Some(3));
    assert_eq!(r.stats.get("warns_triggered"), Some(2));
    assert_eq!(r.stats.get("crits_triggered"), Some(1));
    assert_eq!(r.stats.get("oks_triggered"), Some(1));
    assert_eq!(r.stats.get("alerts_inhibited"), Some(0));
}

#[test]
fn event_json_is_exact() {
    let mut r = Run::new(SEQ_SCRIPT);
    r.value(61.0, 1);
    r.value(73.0, 2);
    let ev = r.events();
    let details = "{\\u0026#34;Name\\u0026#34;:\\u0026#34;cpu\\u0026#34;,\\u0026#34;TaskName\\u0026#34;:\\u0026#34;test\\u0026#34;,\
\\u0026#34;Group\\u0026#34;:\\u0026#34;nil\\u0026#34;,\\u0026#34;Tags\\u0026#34;:{\\u0026#34;host\\u0026#34;:\\u0026#34;a\\u0026#34;},\
\\u0026#34;ServerInfo\\u0026#34;:{\\u0026#34;Hostname\\u0026#34;:\\u0026#34;localhost\\u0026#34;,\\u0026#34;ClusterID\\u0026#34;:\\u0026#34;\\u0026#34;,\
\\u0026#34;ServerID\\u0026#34;:\\u0026#34;\\u0026#34;},\\u0026#34;ID\\u0026#34;:\\u0026#34;cpu:nil\\u0026#34;,\\u0026#34;Fields\\u0026#34;:{\\u0026#34;value\\u0026#34;:73},\
\\u0026#34;Level\\u0026#34;:\\u0026#34;WARNING\\u0026#34;,\\u0026#34;Time\\u0026#34;:\\u0026#34;1970-01-01T00:00:02Z\\u0026#34;,\\u0026#34;Duration\\u0026#34;:1000000000,\
\\u0026#34;Message\\u0026#34;:\\u0026#34;cpu:nil is WARNING\\u0026#34;}\\n";
    let expected = format!(
        "{{\"id\":\"cpu:nil\",\"message\":\"cpu:nil is WARNING\",\"details\":\"{details}\",\"time\":\"1970-01-01T00:00:02Z\",\
\"duration\":1000000000,\"level\":\"WARNING\",\"data\":{{\"series\":[{{\"name\":\"cpu\",\"tags\":{{\"host\":\"a\"}},\
\"columns\":[\"time\",\"value\"],\"values\":[[\"1970-01-01T00:00:02Z\",73]]}}]}},\"previousLevel\":\"INFO\",\"recoverable\":true}}"
    );
    assert_eq!(ev[1], expected);
}

#[test]
fn duration_and_previous_level_follow_the_history() {
    let mut r = Run::new(SEQ_SCRIPT);
    for (i, v) in SEQ.iter().enumerate() {
        r.value(*v, i as i64 + 1);
    }
    let evs: Vec<serde_json::Value> = r
        .events()
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let durations: Vec<i64> = evs
        .iter()
        .map(|e| e["duration"].as_i64().unwrap() / 1_000_000_000)
        .collect();
    assert_eq!(durations, [0, 1, 2, 3, 4, 5, 6]);
    let prev: Vec<&str> = evs
        .iter()
        .map(|e| e["previousLevel"].as_str().unwrap())
        .collect();
    assert_eq!(
        prev,
        ["OK", "INFO", "WARNING", "WARNING", "CRITICAL", "INFO", "INFO"]
    );
}

#[test]
fn state_changes_only_and_max_interval() {
    let mut r = Run::new(&format!("{SEQ_SCRIPT}.stateChangesOnly()"));
    for (i, v) in SEQ.iter().enumerate() {
        r.value(*v, i as i64 + 1);
    }
    assert_eq!(r.levels(), ["INFO", "WARNING", "CRITICAL", "INFO", "OK"]);

    // With a max interval, an unchanged level is re-sent once maxInterval has
    // passed since the last sent event.
    let mut r = Run::new("stream|from().measurement('cpu')|alert().crit(lambda: \"value\" > 80).stateChangesOnly(10s)");
    for t in [0, 5, 9, 10, 15, 21] {
        r.value(90.0, t);
    }
    let times: Vec<String> = r
        .events()
        .iter()
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(e).unwrap()["time"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        times,
        [
            "1970-01-01T00:00:00Z",
            "1970-01-01T00:00:10Z",
            "1970-01-01T00:00:21Z"
        ]
    );
}

#[test]
fn no_recoveries_suppresses_ok() {
    let mut r = Run::new(&format!("{SEQ_SCRIPT}.noRecoveries()"));
    for (i, v) in SEQ.iter().enumerate() {
        r.value(*v, i as i64 + 1);
    }
    let evs = r.events();
    assert_eq!(evs.len(), 6);
    assert!(evs.iter().all(|e| e.ends_with("\"recoverable\":false}")));
    // The OK point is not forwarded either.
    assert_eq!(r.forwarded().len(), 6);
}

#[test]
fn ok_points_that_change_nothing_are_dropped() {
    let mut r = Run::new("stream|from().measurement('cpu')|alert().crit(lambda: \"value\" > 80)");
    r.value(10.0, 1);
    r.value(20.0, 2);
    assert!(r.events().is_empty());
    assert!(r.forwarded().is_empty());
}

#[test]
fn flapping_weights() {
    // history 4: ring starts [OK OK OK OK]. Weights for 3 pairs: 0.8, 0.9333, 1.0667.
    let mut s = AlertState::new(4);
    s.add_event(Level::Critical, 1, 0);
    // idx=1: pairs (1,0) changed w0.8; (2,1) changed w0.9333; (3,2) same.
    assert!((s.percent_change() - (0.8 + 0.8 + 0.4 / 3.0) / 3.0).abs() < 1e-12);
    s.add_event(Level::Ok, 2, 0);
    // ring [OK CRIT OK OK], idx=2: (2,1) changed 0.8; (3,2) same; (0,3) same.
    assert!((s.percent_change() - 0.8 / 3.0).abs() < 1e-12);
    s.update_flapping(0.2, 0.25);
    assert!(s.flapping);
    s.add_event(Level::Ok, 3, 0);
    // ring [OK CRIT OK OK], idx=3: (3,2) same; (0,3) same; (1,0) changed 1.0667.
    assert!((s.percent_change() - (0.8 + 0.8 / 3.0) / 3.0).abs() < 1e-12);
    s.update_flapping(0.2, 0.25);
    assert!(s.flapping, "stays flapping above low");
    s.add_event(Level::Ok, 4, 0);
    // idx=0, CRIT still in slot 1: (1,0) changed 0.9333; (2,1) changed 1.0667.
    assert!((s.percent_change() - 2.0 / 3.0).abs() < 1e-12);
    s.add_event(Level::Ok, 5, 0);
    // The CRIT entry is overwritten: no change left.
    assert_eq!(s.percent_change(), 0.0);
    s.update_flapping(0.2, 0.25);
    assert!(!s.flapping);
}

#[test]
fn flapping_alert_sends_nothing_while_flapping() {
    // history 4, flapping(0.2, 0.6); p per point (see AlertState::percent_change):
    // t1 CRIT 0.578 (sent), t2 OK 0.267 (sent), t3 CRIT 0.933 (flapping),
    // t4 OK 0.933, t5 OK 0.356 (still above low), t6 OK 0.667, t7 OK 0 (leaves
    // flapping; OK unchanged: nothing), t8 CRIT 0.578 (sent).
    let mut r = Run::new("stream|from().measurement('cpu')|alert().crit(lambda: \"value\" > 80).history(4).flapping(0.2, 0.6)");
    for (t, v) in [90.0, 10.0, 90.0, 10.0, 10.0, 10.0, 10.0, 90.0]
        .into_iter()
        .enumerate()
    {
        r.value(v, t as i64 + 1);
    }
    let times: Vec<String> = r
        .events()
        .iter()
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(e).unwrap()["time"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        times,
        [
            "1970-01-01T00:00:01Z",
            "1970-01-01T00:00:02Z",
            "1970-01-01T00:00:08Z"
        ]
    );
}

#[test]
fn per_group_state_and_delete_group() {
    let mut r = Run::new("stream|from().measurement('cpu').groupBy('host')|alert().crit(lambda: \"value\" > 80).stateChangesOnly()");
    let dims = Arc::new(Dimensions {
        by_name: false,
        tag_names: vec![Str::from("host")],
    });
    let mk = |host: &str, v: f64, t: i64| {
        let mut p: Point = point(
            "cpu",
            &[("host", host)],
            &[("value", FieldValue::Float(v))],
            secs(t),
        );
        p.group = group_of("cpu", &p.tags, &dims);
        p
    };
    r.send(Message::Point(Arc::new(mk("a", 90.0, 1))));
    r.send(Message::Point(Arc::new(mk("b", 90.0, 1))));
    r.send(Message::Point(Arc::new(mk("a", 95.0, 2))));
    let ids: Vec<String> = r
        .events()
        .iter()
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(e).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["cpu:host=a", "cpu:host=b"]);
    assert_eq!(r.stats.working_cardinality, 2);
    let g = mk("a", 0.0, 0).group;
    r.send(Message::DeleteGroup(g));
    assert_eq!(r.stats.working_cardinality, 1);
    // State for a starts over: CRITICAL is a change again.
    r.send(Message::Point(Arc::new(mk("a", 95.0, 3))));
    assert_eq!(r.levels(), ["CRITICAL"]);
}

fn bp(v: f64, t: i64) -> BatchPoint {
    BatchPoint {
        tags: vec![(Str::from("host"), Str::from("a"))],
        fields: vec![(Str::from("value"), FieldValue::Float(v))],
        time: secs(t),
    }
}

fn batch(points: Vec<BatchPoint>, tmax: i64) -> Message {
    Message::Batch(Arc::new(Batch {
        name: Str::from("cpu"),
        group: crate::group::nil_group(),
        tags: vec![],
        by_name: false,
        tmax: secs(tmax),
        points,
    }))
}

#[test]
fn batch_highest_level_and_all() {
    let script = "batch|query('SELECT mean(value) AS value FROM db.rp.cpu').period(1m).every(1m)|alert().warn(lambda: \"value\" > 50).crit(lambda: \"value\" > 80)";
    let mut r = Run::new(script);
    r.send(batch(vec![bp(60.0, 1), bp(90.0, 2), bp(95.0, 3)], 10));
    let evs = r.events();
    let e: serde_json::Value = serde_json::from_str(&evs[0]).unwrap();
    assert_eq!(e["level"], "CRITICAL");
    // Time = the first point with the highest level; the data holds the whole batch.
    assert_eq!(e["time"], "1970-01-01T00:00:02Z");
    assert_eq!(
        e["data"]["series"][0]["values"].as_array().unwrap().len(),
        3
    );
    assert!(e["details"]
        .as_str()
        .unwrap()
        .contains("&#34;Fields&#34;:{&#34;value&#34;:90}"));
    assert!(matches!(&r.forwarded()[..], [Message::Batch(b)] if b.points.len() == 3));
    // Empty batches do nothing.
    r.send(batch(vec![], 20));
    assert!(r.events().is_empty());

    let mut r = Run::new(&format!("{script}.all()"));
    r.send(batch(vec![bp(60.0, 1), bp(90.0, 2)], 10));
    // all(): the lowest level (WARNING), stamped with the batch time.
    let e: serde_json::Value = serde_json::from_str(&r.events()[0]).unwrap();
    assert_eq!(e["level"], "WARNING");
    assert_eq!(e["time"], "1970-01-01T00:00:10Z");
    r.send(batch(vec![bp(10.0, 11), bp(90.0, 12)], 20));
    let e: serde_json::Value = serde_json::from_str(&r.events()[0]).unwrap();
    assert_eq!(e["level"], "OK");
    assert_eq!(e["time"], "1970-01-01T00:00:20Z");
}

#[test]
fn additions_on_forwarded_points() {
    let mut r = Run::new(
        "stream|from().measurement('cpu')|alert().crit(lambda: \"value\" > 80)
            .levelTag('level').levelField('lvl').idTag('aid').idField('alertID').messageField('msg').durationField('dur')",
    );
    r.value(90.0, 1);
    r.value(95.0, 3);
    let out = r.forwarded();
    let Message::Point(p) = &out[1] else {
        panic!("a point")
    };
    let tags: Vec<(&str, &str)> = p
        .tags
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    assert_eq!(
        tags,
        [("aid", "cpu:nil"), ("host", "a"), ("level", "CRITICAL")]
    );
    assert_eq!(
        p.field("lvl"),
        Some(&FieldValue::String(Str::from("CRITICAL")))
    );
    assert_eq!(
        p.field("alertID"),
        Some(&FieldValue::String(Str::from("cpu:nil")))
    );
    assert_eq!(
        p.field("msg"),
        Some(&FieldValue::String(Str::from("cpu:nil is CRITICAL")))
    );
    assert_eq!(p.field("dur"), Some(&FieldValue::Int(secs(2))));
}

#[test]
fn custom_templates() {
    let mut r = Run::new(
        "stream|from().measurement('cpu')|alert()
            .id('{{ index .Tags \"host\" }}/{{ .TaskName }}')
            .message('{{ .ID }} {{ .Level }} {{ printf \"%.1f\" .Fields.value }} at {{ .Time }} for {{ .Duration }}')
            .details('<b>{{ .Message }}</b>')
            .crit(lambda: \"value\" > 80)",
    );
    r.value(90.0, 60);
    r.value(91.0, 150);
    let e: serde_json::Value = serde_json::from_str(&r.events()[1]).unwrap();
    assert_eq!(e["id"], "a/test");
    assert_eq!(
        e["message"],
        "a/test CRITICAL 91.0 at 1970-01-01 00:02:30 +0000 UTC for 1m30s"
    );
    assert_eq!(
        e["details"],
        "<b>a/test CRITICAL 91.0 at 1970-01-01 00:02:30 &#43;0000 UTC for 1m30s</b>"
    );
}

#[test]
fn json_in_message_is_a_build_error() {
    // The front end already rejects it; the runtime must too when handed such
    // IR directly (e.g. from a stored task image).
    let (p, _) = compiler::check(
        "stream|from().measurement('cpu')|alert().message('{{ .ID }}').crit(lambda: TRUE)",
    );
    let mut p = p.expect("checks");
    let node = p
        .nodes
        .iter_mut()
        .find(|n| n.kind == compiler::catalog::NodeKind::Alert)
        .unwrap();
    for prop in node.props.iter_mut().filter(|p| p.name == "message") {
        prop.args = vec![compiler::ir::Arg::String("{{ json . }}".into())];
    }
    let node = p
        .nodes
        .iter()
        .find(|n| n.kind == compiler::catalog::NodeKind::Alert)
        .unwrap();
    let config = Config::default();
    let env = BuildEnv {
        task_name: "t",
        task_type: p.task_type,
        config: &config,
    };
    let err = super::build(node, &env).err().expect("fails");
    assert!(
        err.message.contains("function \"json\" not defined"),
        "{}",
        err.message
    );
}

#[test]
fn predicate_errors_count_as_false() {
    let mut r = Run::new("stream|from().measurement('cpu')|alert().warn(lambda: \"missing\" > 1).crit(lambda: \"value\" > 80)");
    r.value(90.0, 1);
    assert_eq!(r.levels(), ["CRITICAL"]);
    r.value(10.0, 2);
    assert_eq!(r.levels(), ["OK"]);
    assert!(r.stats.errors >= 1);
}

#[test]
fn inhibited_events_are_dropped() {
    let config = Config::default();
    let mut parent = Run::with_config(
        "stream|from().measurement('cpu')|alert().category('system').crit(lambda: \"value\" > 80)",
        config.clone(),
    );
    let mut child = Run::with_config(
        "stream|from().measurement('cpu')|alert().inhibit('system', 'host').crit(lambda: \"value\" > 50)",
        config,
    );
    child.value(60.0, 1);
    assert_eq!(child.levels(), ["CRITICAL"]);
    parent.value(90.0, 2);
    assert_eq!(parent.levels(), ["CRITICAL"]);
    child.value(60.0, 3);
    assert!(child.levels().is_empty());
    assert_eq!(child.stats.get("alerts_inhibited"), Some(1));
    parent.value(10.0, 4);
    child.value(61.0, 5);
    assert_eq!(child.levels(), ["CRITICAL"]);
    child.finish();
}

#[test]
fn handlers_run_only_when_enabled_and_finish_waits_for_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.log");
    let script = format!(
        "stream|from().measurement('cpu')|alert().crit(lambda: \"value\" > 80).details('').log('{}')",
        path.display()
    );
    // Disabled: events are output, the file is never written.
    let mut r = Run::new(&script);
    r.value(90.0, 1);
    r.finish();
    assert_eq!(r.events().len(), 1);
    assert!(!path.exists());

    // Enabled: every event is appended, and finish() returns only after delivery.
    let config = Config {
        handlers_enabled: true,
        ..Config::default()
    };
    let mut r = Run::with_config(&script, config);
    for t in 1..=50 {
        r.value(if t % 2 == 0 { 90.0 } else { 10.0 }, t);
    }
    let events = r.events();
    r.finish();
    let logged = std::fs::read_to_string(&path).unwrap();
    let expected: String = events.iter().map(|e| format!("{e}\n")).collect();
    // t=1 is an OK that changes nothing; every later point flips the level.
    assert_eq!(events.len(), 49);
    assert_eq!(logged, expected);
    assert_eq!(r.stats.errors, 0);
}

#[test]
fn global_handler_sections_apply_state_changes_only() {
    let cfg = crate::config::Config::from_toml(
        "[slack]\nenabled = true\nglobal = true\nstate-changes-only = true\nurl = \"http://127.0.0.1:1/x\"\n",
    )
    .unwrap();
    let mut r = Run::with_config(
        "stream|from().measurement('cpu')|alert().crit(lambda: \"value\" > 80)",
        cfg,
    );
    r.value(90.0, 1);
    r.value(95.0, 2);
    assert_eq!(r.levels(), ["CRITICAL"]);
}

#[test]
fn batch_recovery_is_sent_while_flapping() {
    // Same p values as flapping_alert_sends_nothing_while_flapping: t3 enters
    // flapping; at t4 the level returns to OK: a batch alert still sends that
    // recovery (a stream alert would not).
    let script = "batch|query('SELECT value FROM db.rp.cpu').period(1m).every(1m)|alert()
        .crit(lambda: \"value\" > 80).history(4).flapping(0.2, 0.6)";
    let mut r = Run::new(script);
    for (t, v) in [(1, 90.0), (2, 10.0), (3, 90.0), (4, 10.0)] {
        r.send(batch(vec![bp(v, t)], t));
    }
    let got: Vec<(String, String)> = r
        .events()
        .iter()
        .map(|e| {
            let v: serde_json::Value = serde_json::from_str(e).unwrap();
            (
                v["level"].as_str().unwrap().into(),
                v["time"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("CRITICAL", "1970-01-01T00:00:01Z"),
        ("OK", "1970-01-01T00:00:02Z"),
        ("OK", "1970-01-01T00:00:04Z"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
}
