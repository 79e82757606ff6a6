//! UDFs end to end in the runtime: real agents speaking Kapacitor's UDF
//! protocol — our Rust agent (`udf-moving-avg`, this crate's binary) and a
//! Python agent with its own hand-written protobuf codec
//! (`tests/udf_agents/moving_avg.py`) — as child processes and over unix
//! sockets. Define time (info, options, edges) goes through
//! `compiler::check_with_udfs` with the agents' own answers; the task runs
//! on `runtime::task::Task`.

use compiler::ir::Pipeline;
use runtime::config::{Config, GoDuration};
use runtime::message::FieldValue;
use runtime::output::VecSink;
use runtime::task::Task;
use runtime::udf::{AgentCatalog, UdfFunction, UdfFunctions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RUST_AGENT: &str = env!("CARGO_BIN_EXE_udf-moving-avg");

fn python_agent() -> (String, Vec<String>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/udf_agents/moving_avg.py");
    let ok = Command::new("python3")
        .arg("-c")
        .arg("pass")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 is needed for the Python UDF agent: apt-get install -y python3"
    );
    (
        "python3".into(),
        vec!["-u".into(), script.display().to_string()],
    )
}

fn process(prog: &str, args: &[String], timeout: Duration) -> UdfFunction {
    UdfFunction {
        prog: prog.into(),
        args: args.to_vec(),
        timeout: GoDuration(timeout.as_nanos() as i64),
        ..Default::default()
    }
}

fn socket(path: &Path, timeout: Duration) -> UdfFunction {
    UdfFunction {
        socket: path.display().to_string(),
        timeout: GoDuration(timeout.as_nanos() as i64),
        ..Default::default()
    }
}

/// A socket agent started for one test, killed at the end.
struct SocketAgent(Child);

impl SocketAgent {
    fn start(prog: &str, args: &[String], path: &Path) -> SocketAgent {
        let mut cmd = Command::new(prog);
        cmd.args(args).arg("--socket").arg(path);
        SocketAgent(
            cmd.spawn()
                .unwrap_or_else(|e| panic!("cannot start {prog}: {e}")),
        )
    }
}

impl Drop for SocketAgent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SCRIPT: &str = "stream\n    |from()\n        .measurement('m')\n    @mavg()\n        .field('value')\n        .size(3)\n        .as('avg')\n    |log()\n";

fn functions(f: UdfFunction) -> UdfFunctions {
    BTreeMap::from([("mavg".to_string(), f)])
}

/// Define time: the agent's info decides the node's options and edges.
fn define(script: &str, udfs: &UdfFunctions) -> Pipeline {
    let (p, diags) =
        compiler::check_with_udfs(script, None, &AgentCatalog::new(Arc::new(udfs.clone())));
    assert!(p.is_some(), "{diags:?}");
    p.unwrap()
}

fn task(script: &str, udfs: UdfFunctions) -> Task {
    let pipeline = define(script, &udfs);
    let config = Config {
        udf: Arc::new(udfs),
        ..Config::default()
    };
    Task::build("t", &pipeline, config).expect("task builds")
}

fn values(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| i as f64 * 1.5 + 0.25 * (i % 3) as f64)
        .collect()
}

fn point(i: usize, v: f64, host: &str) -> Arc<runtime::message::Point> {
    let mut p = runtime::testing::point(
        "m",
        &[("host", host)],
        &[("value", FieldValue::Float(v))],
        (i as i64 + 1) * 1_000_000_000,
    );
    p.database = "db".into();
    Arc::new(p)
}

/// The `avg` of each log line, in order.
fn averages(sink: &VecSink) -> Vec<f64> {
    sink.lines
        .iter()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            let line = v["line"].as_str()?;
            let rest = &line[line.find("field_avg=")? + "field_avg=".len()..];
            rest.split(' ').next()?.parse().ok()
        })
        .collect()
}

/// The moving averages a correct agent answers, computed here from the input.
fn expected(vals: &[f64], size: usize) -> Vec<f64> {
    (size..=vals.len())
        .map(|end| vals[end - size..end].iter().sum::<f64>() / size as f64)
        .collect()
}

fn run_moving_average(udfs: UdfFunctions) {
    let mut t = task(SCRIPT, udfs);
    let mut sink = VecSink::default();
    let vals = values(12);
    for (i, v) in vals.iter().enumerate() {
        t.push_point(point(i, *v, "a"), &mut sink)
            .expect("point accepted");
    }
    t.finish(&mut sink).expect("finish");
    assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
    assert_eq!(averages(&sink), expected(&vals, 3), "{:#?}", sink.lines);
}

fn temp_socket(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("agent.sock")
}

#[test]
fn rust_agent_as_a_child_process_computes_the_moving_average() {
    run_moving_average(functions(process(RUST_AGENT, &[], Duration::from_secs(10))));
}

#[test]
fn rust_agent_over_a_unix_socket_computes_the_moving_average() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_socket(&dir);
    let _agent = SocketAgent::start(RUST_AGENT, &[], &path);
    run_moving_average(functions(socket(&path, Duration::from_secs(10))));
}

#[test]
fn python_agent_as_a_child_process_computes_the_moving_average() {
    let (prog, args) = python_agent();
    run_moving_average(functions(process(&prog, &args, Duration::from_secs(10))));
}

#[test]
fn python_agent_over_a_unix_socket_computes_the_moving_average() {
    let (prog, args) = python_agent();
    let dir = tempfile::tempdir().unwrap();
    let path = temp_socket(&dir);
    let _agent = SocketAgent::start(&prog, &args, &path);
    run_moving_average(functions(socket(&path, Duration::from_secs(10))));
}

#[test]
fn groups_keep_separate_windows() {
    let mut t = task(
        &SCRIPT.replace(
            "|from()\n        .measurement('m')",
            "|from()\n        .measurement('m')\n        .groupBy('host')",
        ),
        functions(process(RUST_AGENT, &[], Duration::from_secs(10))),
    );
    let mut sink = VecSink::default();
    let vals = values(8);
    for (i, v) in vals.iter().enumerate() {
        t.push_point(point(i, *v, if i % 2 == 0 { "a" } else { "b" }), &mut sink)
            .unwrap();
    }
    t.finish(&mut sink).unwrap();
    let a: Vec<f64> = vals.iter().step_by(2).copied().collect();
    let b: Vec<f64> = vals.iter().skip(1).step_by(2).copied().collect();
    let mut want: Vec<f64> = Vec::new();
    // Answers come in input order: a's k-th average follows b's (k-1)-th.
    let (ea, eb) = (expected(&a, 3), expected(&b, 3));
    for k in 0..ea.len().max(eb.len()) {
        want.extend(ea.get(k));
        want.extend(eb.get(k));
    }
    assert_eq!(averages(&sink), want, "{:#?}", sink.lines);
    assert!(
        sink.lines.iter().any(|l| l.contains("host=a"))
            && sink.lines.iter().any(|l| l.contains("host=b"))
    );
}

#[test]
fn define_time_checks_options_against_the_agents_info() {
    let udfs = functions(process(RUST_AGENT, &[], Duration::from_secs(10)));
    let catalog = AgentCatalog::new(Arc::new(udfs));
    let cases = [
        (
            ".size('3')",
            "E0305",
            "unexpected arg to size, got STRING expected INT",
        ),
        (
            ".size(3.0)",
            "E0305",
            "unexpected arg to size, got DOUBLE expected INT",
        ),
        (
            ".size(3, 4)",
            "E0304",
            "unexpected number of args to size, got 2 expected 1",
        ),
        (".sise(3)", "E0302", "no property \"sise\" on @mavg"),
    ];
    for (prop, code, message) in cases {
        let script = SCRIPT.replace(".size(3)", prop);
        let (p, diags) = compiler::check_with_udfs(&script, None, &catalog);
        assert!(p.is_none(), "{prop}");
        assert!(
            diags
                .iter()
                .any(|d| d.code.as_str() == code && d.message == message),
            "{prop}: {diags:#?}"
        );
    }
    // The agent wants a stream: a window's batches do not fit.
    let script = SCRIPT.replace(
        "    @mavg()",
        "    |window()\n        .period(1m)\n        .every(1m)\n    @mavg()",
    );
    let (p, diags) = compiler::check_with_udfs(&script, None, &catalog);
    assert!(p.is_none());
    assert!(
        diags.iter().any(|d| d.code.as_str() == "E0501"),
        "{diags:#?}"
    );
    // Unknown and unavailable UDFs.
    let (_, diags) = compiler::check_with_udfs(&SCRIPT.replace("@mavg", "@mavj"), None, &catalog);
    assert!(
        diags
            .iter()
            .any(|d| d.code.as_str() == "E0310" && d.notes.iter().any(|n| n.contains("@mavg()"))),
        "{diags:#?}"
    );
    let broken = functions(process("/nonexistent/agent", &[], Duration::from_secs(1)));
    let (_, diags) = compiler::check_with_udfs(SCRIPT, None, &AgentCatalog::new(Arc::new(broken)));
    assert!(
        diags.iter().any(|d| d.code.as_str() == "E0311"
            && d.message
                .contains("failed to load process info for \"mavg\"")),
        "{diags:#?}"
    );
}

#[test]
fn an_agent_refusing_its_options_fails_the_task_start() {
    let udfs = functions(process(RUST_AGENT, &[], Duration::from_secs(10)));
    let pipeline = define(&SCRIPT.replace(".size(3)", ".size(0)"), &udfs);
    let config = Config {
        udf: Arc::new(udfs),
        ..Config::default()
    };
    let err = Task::build("t", &pipeline, config)
        .err()
        .expect("init refused");
    assert!(
        err.to_string()
            .contains("failed to initialize processes field and size > 0 are required"),
        "{err}"
    );
}

#[test]
fn a_missing_udf_is_a_clear_build_error() {
    let udfs = functions(process(RUST_AGENT, &[], Duration::from_secs(10)));
    let pipeline = define(SCRIPT, &udfs);
    let err = Task::build("t", &pipeline, Config::default())
        .err()
        .expect("no udf configured");
    assert!(err.to_string().contains("no such UDF mavg"), "{err}");
}

fn stat(t: &Task, name: &str) -> i64 {
    let (_, s, _, _) = t
        .node_names()
        .find(|(n, ..)| *n == "mavg2")
        .expect("udf node");
    s.get(name).unwrap_or(0)
}

fn errors(t: &Task) -> u64 {
    let (_, s, _, _) = t
        .node_names()
        .find(|(n, ..)| *n == "mavg2")
        .expect("udf node");
    s.errors
}

/// Feeds points (and wall-clock ticks) until `done`, for at most 30 s; every
/// call must return promptly and without error: the task survives.
fn feed_until(t: &mut Task, sink: &mut VecSink, done: impl Fn(&Task) -> bool) {
    t.set_live_clock(true);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut i = 0;
    while !done(t) {
        assert!(
            Instant::now() < deadline,
            "condition not reached; errors: {:?}",
            sink.diagnostics
        );
        t.push_point(point(i, i as f64, "a"), sink)
            .expect("the task keeps running");
        t.tick_clock(0, sink).expect("the task keeps running");
        i += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn survives_a_crash(f: UdfFunction) {
    let mut t = task(&SCRIPT.replace(".size(3)", ".size(2)"), functions(f));
    let mut sink = VecSink::default();
    // The agent crashes on its 4th point; each restarted agent too.
    feed_until(&mut t, &mut sink, |t| stat(t, "udf_restarts") >= 1);
    let before = averages(&sink).len();
    assert!(before >= 2, "the first agent answered before crashing");
    feed_until(&mut t, &mut sink, |t| stat(t, "udf_restarts") >= 2);
    assert!(averages(&sink).len() > before, "a restarted agent answers");
    assert!(stat(&t, "udf_failures") >= 2);
    assert!(errors(&t) >= 2);
    assert!(
        sink.diagnostics
            .iter()
            .any(|d| d.contains("UDF mavg failed, restarting it")),
        "{:?}",
        sink.diagnostics
    );
}

#[test]
fn a_crashing_child_process_is_restarted_and_the_task_survives() {
    survives_a_crash(process(
        RUST_AGENT,
        &["--crash-after".into(), "4".into()],
        Duration::from_secs(5),
    ));
}

#[test]
fn a_crashing_python_agent_is_restarted_and_the_task_survives() {
    let (prog, mut args) = python_agent();
    args.extend(["--crash-after".into(), "4".into()]);
    survives_a_crash(process(&prog, &args, Duration::from_secs(5)));
}

#[test]
fn a_dropped_socket_connection_is_reopened_and_the_task_survives() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_socket(&dir);
    let _agent = SocketAgent::start(RUST_AGENT, &["--crash-after".into(), "4".into()], &path);
    survives_a_crash(socket(&path, Duration::from_secs(5)));
}

fn survives_a_hang(f: UdfFunction) {
    let mut t = task(&SCRIPT.replace(".size(3)", ".size(2)"), functions(f));
    let mut sink = VecSink::default();
    // From its 3rd point on the agent neither reads nor answers: the
    // keepalive (or the full input queue) times out, the agent is replaced.
    feed_until(&mut t, &mut sink, |t| stat(t, "udf_restarts") >= 1);
    assert!(stat(&t, "udf_failures") >= 1);
    assert!(
        sink.diagnostics
            .iter()
            .any(|d| d.contains("timed out after")),
        "{:?}",
        sink.diagnostics
    );
    t.finish(&mut sink).expect("finish");
}

#[test]
fn a_hanging_child_process_is_replaced_and_the_task_survives() {
    survives_a_hang(process(
        RUST_AGENT,
        &["--hang-after".into(), "3".into()],
        Duration::from_millis(500),
    ));
}

#[test]
fn a_hanging_socket_agent_is_replaced_and_the_task_survives() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_socket(&dir);
    let _agent = SocketAgent::start(RUST_AGENT, &["--hang-after".into(), "3".into()], &path);
    survives_a_hang(socket(&path, Duration::from_millis(500)));
}

#[test]
fn a_hanging_python_agent_is_replaced_and_the_task_survives() {
    let (prog, mut args) = python_agent();
    args.extend(["--hang-after".into(), "3".into()]);
    // Python starts slowly: a timeout it meets at start, still short enough to wait for.
    survives_a_hang(process(&prog, &args, Duration::from_secs(2)));
}

#[test]
fn a_snapshot_restores_the_agents_state_in_a_new_task() {
    for udfs in [
        functions(process(RUST_AGENT, &[], Duration::from_secs(10))),
        {
            let (prog, args) = python_agent();
            functions(process(&prog, &args, Duration::from_secs(10)))
        },
    ] {
        let vals = values(3);
        let mut first = task(SCRIPT, udfs.clone());
        let mut sink = VecSink::default();
        first.push_point(point(0, vals[0], "a"), &mut sink).unwrap();
        first.push_point(point(1, vals[1], "a"), &mut sink).unwrap();
        let snap = first.snapshot().expect("snapshot");
        assert!(snap.contains_key("mavg2"), "{snap:?}");
        drop(first);
        let mut second = task(SCRIPT, udfs);
        second.restore(&snap).expect("restore");
        second
            .push_point(point(2, vals[2], "a"), &mut sink)
            .unwrap();
        second.finish(&mut sink).unwrap();
        assert_eq!(averages(&sink), expected(&vals, 3), "{:#?}", sink.lines);
    }
}

// ---- the exact bytes we send ----------------------------------------------

/// Protobuf by hand, from the wire format's rules (independent of prost).
fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

fn field_varint(num: u64, v: u64) -> Vec<u8> {
    let mut out = varint(num << 3);
    out.extend(varint(v));
    out
}

fn field_bytes(num: u64, data: &[u8]) -> Vec<u8> {
    let mut out = varint(num << 3 | 2);
    out.extend(varint(data.len() as u64));
    out.extend_from_slice(data);
    out
}

fn field_double(num: u64, v: f64) -> Vec<u8> {
    let mut out = varint(num << 3 | 1);
    out.extend(v.to_le_bytes());
    out
}

fn map_entry(num: u64, key: &str, value: Vec<u8>) -> Vec<u8> {
    let mut e = field_bytes(1, key.as_bytes());
    e.extend(value);
    field_bytes(num, &e)
}

/// A unix-socket agent that records every frame it reads (length prefix
/// checked, payload kept) and answers info and init.
fn recording_agent(path: &Path) -> std::sync::mpsc::Receiver<Vec<u8>> {
    use runtime::udf::framing::write_message;
    use runtime::udf::proto::{self, response};
    use std::io::Read;
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut out = conn.try_clone().unwrap();
                loop {
                    let mut len = 0u64;
                    let mut shift = 0;
                    loop {
                        let mut b = [0u8];
                        if conn.read_exact(&mut b).is_err() {
                            return;
                        }
                        len |= u64::from(b[0] & 0x7f) << shift;
                        shift += 7;
                        if b[0] < 0x80 {
                            break;
                        }
                    }
                    let mut frame = vec![0u8; len as usize];
                    conn.read_exact(&mut frame).unwrap();
                    let answer = match frame.first() {
                        Some(0x0a) => Some(response::Message::Info(proto::InfoResponse {
                            wants: 0,
                            provides: 0,
                            options: BTreeMap::from([
                                (
                                    "field".into(),
                                    proto::OptionInfo {
                                        value_types: vec![3],
                                    },
                                ),
                                (
                                    "size".into(),
                                    proto::OptionInfo {
                                        value_types: vec![1],
                                    },
                                ),
                            ]),
                        })),
                        Some(0x12) => Some(response::Message::Init(proto::InitResponse {
                            success: true,
                            error: String::new(),
                        })),
                        _ => None,
                    };
                    if frame.first() != Some(&0x1a) {
                        let _ = tx.send(frame);
                    }
                    if let Some(a) = answer {
                        write_message(&proto::Response { message: Some(a) }, &mut out).unwrap();
                    }
                }
            });
        }
    });
    rx
}

#[test]
fn requests_are_kapacitors_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_socket(&dir);
    let frames = recording_agent(&path);
    let script = "stream\n    |from()\n        .measurement('m')\n    @rec()\n        .field('value')\n        .size(3)\n    |log()\n";
    let udfs: UdfFunctions =
        BTreeMap::from([("rec".to_string(), socket(&path, Duration::from_secs(10)))]);
    let mut t = task(script, udfs);
    let mut sink = VecSink::default();
    t.push_point(point(0, 1.5, "a"), &mut sink).unwrap();
    let next = || {
        frames
            .recv_timeout(Duration::from_secs(30))
            .expect("a request")
    };
    // Define time, then the task's agent: Request{info: InfoRequest{}} twice.
    assert_eq!(next(), field_bytes(1, &[]));
    assert_eq!(next(), field_bytes(1, &[]));
    // Request{init: {options: [field 'value', size 3], taskID 't', nodeID 'rec2'}}.
    let option = |name: &str, value: Vec<u8>| {
        let mut o = field_bytes(1, name.as_bytes());
        o.extend(field_bytes(2, &value));
        field_bytes(1, &o)
    };
    let mut init = option(
        "field",
        [field_varint(1, 3), field_bytes(5, b"value")].concat(),
    );
    init.extend(option(
        "size",
        [field_varint(1, 1), field_varint(3, 3)].concat(),
    ));
    init.extend(field_bytes(2, b"t"));
    init.extend(field_bytes(3, b"rec2"));
    assert_eq!(next(), field_bytes(2, &init));
    // Request{point: {time, name, database, retentionPolicy, tags, fieldsDouble}}.
    let mut p = field_varint(1, 1_000_000_000);
    p.extend(field_bytes(2, b"m"));
    p.extend(field_bytes(3, b"db"));
    p.extend(field_bytes(4, b"autogen"));
    p.extend(map_entry(7, "host", field_bytes(2, b"a")));
    p.extend(map_entry(8, "value", field_double(2, 1.5)));
    assert_eq!(next(), field_bytes(17, &p));
}
