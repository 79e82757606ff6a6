//! End-to-end tests of the `kapacitor` binary against a local HTTP listener that plays
//! Kapacitor's API (api.md §1): each test asserts the exact requests a command sends (method,
//! path, query, body) and the exact stdout/stderr/exit status it produces. Expected texts are
//! derived by hand from Kapacitor's CLI formats (cmd/kapacitor/main.go, api.md §2); the column
//! arithmetic is spelled out next to each table.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// The mock server

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Req {
    /// `METHOD path?query` for compact assertions.
    fn line(&self) -> String {
        if self.query.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {}?{}", self.method, self.path, self.query)
        }
    }
}

struct Reply {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        body: body.to_string(),
        headers: Vec::new(),
    }
}

fn error_reply(status: u16, msg: &str) -> Reply {
    let m = serde_json::to_string(msg).unwrap();
    reply(
        status,
        &format!("{{\n    \"error\": {m},\n    \"message\": {m}\n}}"),
    )
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

struct Mock {
    port: u16,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Mock {
    fn new(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let l2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, handler) = (l2.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &log, &*handler));
            }
        });
        Mock { port, log }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Req::line).collect()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Req>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut start = String::new();
    if reader.read_line(&mut start).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = start.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let mut body = Vec::new();
    if let Some(n) = headers.get("content-length") {
        body.resize(n.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    } else if headers.get("transfer-encoding").map(String::as_str) == Some("chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let req = Req {
        method,
        path,
        query,
        headers,
        body: String::from_utf8(body).unwrap(),
    };
    log.lock().unwrap().push(req.clone());
    let r = handler(&req);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n",
        r.status
    );
    let streaming = r.headers.iter().any(|(k, _)| k == "X-Stream");
    if !streaming {
        head.push_str(&format!("Content-Length: {}\r\n", r.body.len()));
    }
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(r.body.as_bytes());
    let _ = out.flush();
}

// ---------------------------------------------------------------------------------------------
// Running the binary

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kapacitor_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kapacitor"));
    cmd.args(args)
        .env_remove("KAPACITOR_URL")
        .env_remove("KAPACITOR_UNSAFE_SSL")
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `kapacitor -url <mock> args...`
fn kap(mock: &Mock, args: &[&str]) -> Run {
    let url = mock.url();
    let mut all = vec!["-url", url.as_str()];
    all.extend_from_slice(args);
    kapacitor_env(&all, &[])
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stderr, "");
}

fn tmp_file(name: &str, content: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

const TASK_Q: &str = "dot-view=attributes&replay-id=&script-format=formatted";

fn task_json(id: &str, status: &str) -> String {
    format!(
        r#"{{"link":{{"rel":"self","href":"/kapacitor/v1/tasks/{id}"}},"id":"{id}","template-id":"","type":"stream","dbrps":[{{"db":"telegraf","rp":"autogen"}}],"script":"stream\n    |from()\n","vars":{{}},"dot":"digraph {id} {{\n}}","status":"{status}","executing":false,"error":"","stats":{{}},"created":"2016-05-04T17:44:00Z","modified":"2016-05-04T17:44:00Z","last-enabled":"0001-01-01T00:00:00Z"}}"#
    )
}

const SCRIPT: &str = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 70 AND TRUE)\n        .log('/tmp/alerts.log')\n";

/// The script as Go's JSON encoder writes it: `<` → `\u003c`, newlines and quotes escaped.
const SCRIPT_JSON: &str = r#""stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" \u003c 70 AND TRUE)\n        .log('/tmp/alerts.log')\n""#;

// ---------------------------------------------------------------------------------------------
// Global behaviour: usage, exit codes, URL, connection errors

#[test]
fn no_command_prints_usage_and_exits_1() {
    let r = kapacitor_env(&[], &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.starts_with("Error: Must pass a command.\n\nUsage: kapacitor [options] [command] [args]\n\nCommands:\n\n\trecord "));
    assert!(r.stderr.ends_with(
        "Options:\n\n  -skipVerify\n    \tDisable SSL verification (note, this is insecure). Defaults to the KAPACITOR_UNSAFE_SSL environment variable or false if not set.\n  -url string\n    \tThe URL http(s)://host:port of the kapacitord server. Defaults to the KAPACITOR_URL environment variable or http://localhost:9092 if not set.\n"
    ));
}

#[test]
fn unknown_command_exits_1() {
    let r = kapacitor_env(&["push"], &[]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("Unknown command push\n\nUsage: kapacitor"));
}

#[test]
fn main_flag_errors_exit_2_and_help_exits_0() {
    let r = kapacitor_env(&["-bogus", "list", "tasks"], &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("flag provided but not defined: -bogus\nUsage of main:\n  -skipVerify\n"),
        "{}",
        r.stderr
    );
    let r = kapacitor_env(&["-url"], &[]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("flag needs an argument: -url\nUsage of main:\n"));
    let r = kapacitor_env(&["-h"], &[]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.starts_with("Usage of main:\n  -skipVerify\n"));
}

#[test]
fn bad_url_exits_4() {
    let r = kapacitor_env(&["-url", "ftp://host:9092", "list", "tasks"], &[]);
    assert_eq!(r.code, 4);
    assert_eq!(
        r.stderr,
        "Unsupported protocol scheme: ftp, your address must start with http:// or https://\n"
    );
    // The URL is checked before the command: even no command exits 4.
    let r = kapacitor_env(&[], &[("KAPACITOR_URL", "localhost:9092")]);
    assert_eq!(r.code, 4);
    assert_eq!(r.stderr, "Unsupported protocol scheme: localhost, your address must start with http:// or https://\n");
}

#[test]
fn bad_unsafe_ssl_env_exits_1() {
    let r = kapacitor_env(&["version"], &[("KAPACITOR_UNSAFE_SSL", "maybe")]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "strconv.ParseBool: parsing \"maybe\": invalid syntax\n"
    );
}

#[test]
fn url_from_env_and_flag_precedence() {
    let mock = Mock::new(|_| reply(200, r#"{"tasks":[]}"#));
    let r = kapacitor_env(
        &["-skipVerify", "list", "tasks"],
        &[("KAPACITOR_URL", &mock.url())],
    );
    ok(&r);
    assert_eq!(
        r.stdout,
        "ID Type      Status    Executing Databases and Retention Policies\n"
    );
    assert_eq!(mock.requests().len(), 1);
    // -url wins over the environment.
    let r = kapacitor_env(
        &["-url", &mock.url(), "list", "tasks"],
        &[("KAPACITOR_URL", "http://127.0.0.1:1")],
    );
    ok(&r);
    assert_eq!(mock.requests().len(), 2);
    let req = &mock.requests()[0];
    assert_eq!(req.headers["user-agent"], "KapacitorClient");
}

#[test]
fn connection_refused_is_a_clear_error_exit_3() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let r = kapacitor_env(&["-url", &url, "list", "tasks"], &[]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        format!("Get \"{url}/kapacitor/v1/tasks?dot-view=attributes&fields=type&fields=status&fields=executing&fields=dbrps&limit=100&offset=0&pattern=&replay-id=&script-format=formatted\": dial tcp 127.0.0.1:{port}: connect: connection refused\n")
    );
    let r = kapacitor_env(&["-url", &url, "vars"], &[]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr, format!("Get \"{url}/kapacitor/v1/debug/vars\": dial tcp 127.0.0.1:{port}: connect: connection refused\n"));
}

#[test]
fn server_errors_print_the_error_text_or_the_raw_response() {
    let mock = Mock::new(|r| match r.path.as_str() {
        "/kapacitor/v1/tasks/gone" => error_reply(404, "no task exists"),
        _ => reply(502, "Bad Gateway"),
    });
    let r = kap(&mock, &["show", "gone"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (3, "", "no task exists\n")
    );
    let r = kap(&mock, &["show", "other"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr, "invalid response: code 502: body: Bad Gateway\n");
}

#[test]
fn help_pages() {
    let r = kapacitor_env(&["help", "define"], &[]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.starts_with(
        "Usage: kapacitor define <task ID> [options]\n\n\tCreate or update a task.\n"
    ));
    // The define flags, sorted, with Go's type words.
    assert!(r.stderr.ends_with(
        "Options:\n\n\n  -dbrp value\n    \tA database and retention policy pair of the form \"db\".\"rp\" the quotes are optional. The flag can be specified multiple times.\n  -file string\n    \tOptional path to a YAML or JSON template task file. If id is given in the task file, it must match the Task id given on the command line.\n  -no-reload\n    \tDo not reload the task even if it is enabled\n  -template string\n    \tOptional template ID\n  -tick string\n    \tPath to the TICKscript\n  -type string\n    \tThe task type (stream|batch)\n  -vars string\n    \tOptional path to a JSON vars file\n"
    ), "{}", r.stderr);
    let r = kapacitor_env(&["help", "level"], &[]);
    assert_eq!((r.code, r.stderr.as_str()), (0, "Usage: kapacitor level (debug|info|error)\n\n\tSets the logging level on the kapacitord server.\n\n"));
    let r = kapacitor_env(&["help"], &[]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("Usage: kapacitor help [command]\n\n\nUsage: kapacitor [options]"));
    let r = kapacitor_env(&["help", "nope"], &[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("Unknown command nope\n"));
}

#[test]
fn version() {
    let r = kapacitor_env(&["version"], &[]);
    ok(&r);
    assert!(r.stdout.starts_with(&format!(
        "Kapacitor OSS {} (git: ",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(r.stdout.ends_with(")\n"));
}

// ---------------------------------------------------------------------------------------------
// define

#[test]
fn define_creates_a_missing_task() {
    let mock = Mock::new(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", _) => error_reply(404, "no task exists"),
        ("POST", "/kapacitor/v1/tasks") => reply(200, &task_json("cpu_alert", "disabled")),
        _ => reply(500, "unexpected"),
    });
    let (_d, tick) = tmp_file("cpu_alert.tick", SCRIPT);
    let r = kap(
        &mock,
        &[
            "define",
            "cpu_alert",
            "-type",
            "stream",
            "-tick",
            &tick,
            "-dbrp",
            "telegraf.autogen",
        ],
    );
    ok(&r);
    assert_eq!(r.stdout, "");
    let reqs = mock.requests();
    assert_eq!(
        mock.lines(),
        [
            format!("GET /kapacitor/v1/tasks/cpu_alert?{TASK_Q}"),
            "POST /kapacitor/v1/tasks".to_string()
        ]
    );
    assert_eq!(
        reqs[1].body,
        format!("{{\"id\":\"cpu_alert\",\"type\":\"stream\",\"dbrps\":[{{\"db\":\"telegraf\",\"rp\":\"autogen\"}}],\"script\":{SCRIPT_JSON},\"status\":\"disabled\"}}\n")
    );
    assert_eq!(reqs[1].headers["content-type"], "application/json");
    assert_eq!(reqs[1].headers["user-agent"], "KapacitorClient");
}

#[test]
fn define_updates_an_enabled_task_and_reloads_it() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "GET" => reply(200, &task_json("cpu_alert", "enabled")),
        "PATCH" => reply(200, &task_json("cpu_alert", "enabled")),
        _ => reply(500, "unexpected"),
    });
    let (_d, tick) = tmp_file("t.tick", "stream|from()");
    // Quoted and unquoted dbrps, repeated; --flag=value forms.
    let tick_flag = format!("--tick={tick}");
    let r = kap(
        &mock,
        &[
            "define",
            "cpu_alert",
            &tick_flag,
            "-dbrp=\"tele.graf\".\"auto gen\"",
            "-dbrp",
            "b.c",
        ],
    );
    ok(&r);
    let reqs = mock.requests();
    let lines: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body.trim_end()))
        .collect();
    assert_eq!(
        lines,
        [
            format!("GET /kapacitor/v1/tasks/cpu_alert?{TASK_Q} "),
            "PATCH /kapacitor/v1/tasks/cpu_alert {\"dbrps\":[{\"db\":\"tele.graf\",\"rp\":\"auto gen\"},{\"db\":\"b\",\"rp\":\"c\"}],\"script\":\"stream|from()\"}".to_string(),
            "PATCH /kapacitor/v1/tasks/cpu_alert {\"status\":\"disabled\"}".to_string(),
            "PATCH /kapacitor/v1/tasks/cpu_alert {\"status\":\"enabled\"}".to_string(),
        ]
    );
}

#[test]
fn define_no_reload_and_the_even_argument_quirk() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "GET" | "PATCH" => reply(200, &task_json("cpu_alert", "enabled")),
        _ => reply(500, "unexpected"),
    });
    let (_d, tick) = tmp_file("t.tick", "stream|from()");
    // Kapacitor counts arguments: an ID plus flag/value pairs is odd, so a bool flag (one
    // argument) makes the count even and is refused before anything is sent...
    for no_reload in [&["-no-reload"][..], &["-no-reload=true"]] {
        let mut args = vec!["define", "cpu_alert", "-tick", tick.as_str()];
        args.extend_from_slice(no_reload);
        let r = kap(&mock, &args);
        assert_eq!(r.code, 2);
        assert!(r
            .stderr
            .starts_with("Must provide a task ID.\nUsage: kapacitor define <task ID> [options]\n"));
    }
    let r = kap(&mock, &["define"]);
    assert_eq!(r.code, 2);
    assert!(mock.requests().is_empty());
    // ...unless another argument restores an odd count; Go's flag parsing stops at it.
    let r = kap(
        &mock,
        &["define", "cpu_alert", "-tick", &tick, "-no-reload", "true"],
    );
    ok(&r);
    assert_eq!(mock.lines().len(), 2, "{:?}", mock.lines());
    assert_eq!(mock.requests()[1].method, "PATCH");
}

#[test]
fn define_with_template_and_vars_files() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "GET" => error_reply(404, "no task exists"),
        _ => reply(200, &task_json("t1", "disabled")),
    });
    let (_d1, json_vars) = tmp_file(
        "vars.json",
        r#"{"measurement": {"type": "string", "value": "cpu"}, "window": {"type": "duration", "value": "5m"}, "crit": {"type": "float", "value": 80.0}, "groups": {"type": "list", "value": [{"type": "string", "value": "host"}]}}"#,
    );
    let r = kap(
        &mock,
        &[
            "define",
            "t1",
            "-template",
            "generic",
            "-vars",
            &json_vars,
            "-dbrp",
            "telegraf.autogen",
        ],
    );
    ok(&r);
    // Vars are re-encoded as Kapacitor's client does: sorted, durations in ns, every var with a
    // description, list items as typed vars.
    assert_eq!(
        mock.requests()[1].body,
        "{\"id\":\"t1\",\"template-id\":\"generic\",\"dbrps\":[{\"db\":\"telegraf\",\"rp\":\"autogen\"}],\"status\":\"disabled\",\"vars\":{\"crit\":{\"type\":\"float\",\"value\":80,\"description\":\"\"},\"groups\":{\"type\":\"list\",\"value\":[{\"type\":\"string\",\"value\":\"host\",\"description\":\"\"}],\"description\":\"\"},\"measurement\":{\"type\":\"string\",\"value\":\"cpu\",\"description\":\"\"},\"window\":{\"type\":\"duration\",\"value\":300000000000,\"description\":\"\"}}}\n"
    );
    // The same vars as YAML, inside a task-file shaped document.
    let (_d2, yaml_vars) = tmp_file(
        "vars.yaml",
        "vars:\n  measurement:\n    type: string\n    value: mem\n",
    );
    let r = kap(
        &mock,
        &["define", "t2", "-template", "generic", "-vars", &yaml_vars],
    );
    ok(&r);
    assert_eq!(
        mock.requests()[3].body,
        "{\"id\":\"t2\",\"template-id\":\"generic\",\"status\":\"disabled\",\"vars\":{\"measurement\":{\"type\":\"string\",\"value\":\"mem\",\"description\":\"\"}}}\n"
    );
    // Bad vars: the client's own error, nothing sent.
    let (_d3, bad) = tmp_file("bad.json", r#"{"x": {"type": "int", "value": "three"}}"#);
    let before = mock.requests().len();
    let r = kap(&mock, &["define", "t3", "-vars", &bad]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        format!("invalid JSON in file {bad}: invalid var x: expected int value\n")
    );
    assert_eq!(mock.requests().len(), before);
}

#[test]
fn define_from_a_task_file() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "GET" => error_reply(404, "no task exists"),
        _ => reply(200, &task_json("cpu_vars", "disabled")),
    });
    let (_d, file) = tmp_file(
        "cpu_vars.yaml",
        "id: cpu_vars\ntemplate-id: generic_mean_alert\ndbrps:\n  - db: telegraf\n    rp: autogen\nvars:\n  crit:\n    type: lambda\n    value: '\"mean\" > 90'\n",
    );
    let r = kap(&mock, &["define", "cpu_vars", "-file", &file]);
    ok(&r);
    assert_eq!(
        mock.requests()[1].body,
        "{\"id\":\"cpu_vars\",\"template-id\":\"generic_mean_alert\",\"dbrps\":[{\"db\":\"telegraf\",\"rp\":\"autogen\"}],\"status\":\"disabled\",\"vars\":{\"crit\":{\"type\":\"lambda\",\"value\":\"\\\"mean\\\" \\u003e 90\",\"description\":\"\"}}}\n"
    );
    let r = kap(&mock, &["define", "other_id", "-file", &file]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        format!("Task id given on command line does not match id in {file}\n")
    );
    let (_d2, txt) = tmp_file("task.txt", "id: x\n");
    let r = kap(&mock, &["define", "x", "-file", &txt]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "bad file extension. Must be YAML or JSON\n")
    );
}

#[test]
fn define_reports_the_tickscript_diagnostic() {
    let diag = "invalid TICKscript: error[E0102]: unknown property `critt` on alert\n --> cpu_alert:5:10\n  |\n5 |         .critt(lambda: \"usage_idle\" < 70)\n  |          ^^^^^ did you mean `crit`?";
    let d = diag.to_string();
    let mock = Mock::new(move |r| match r.method.as_str() {
        "GET" => error_reply(404, "no task exists"),
        _ => error_reply(400, &d),
    });
    let (_d, tick) = tmp_file("t.tick", SCRIPT);
    let r = kap(
        &mock,
        &[
            "define",
            "cpu_alert",
            "-tick",
            &tick,
            "-dbrp",
            "telegraf.autogen",
        ],
    );
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, format!("{diag}\n"));
}

#[test]
fn define_argument_errors() {
    let mock = Mock::new(|_| error_reply(404, "no task exists"));
    let r = kap(&mock, &["define", "t", "-tick", "/nonexistent/t.tick"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "open /nonexistent/t.tick: no such file or directory\n")
    );
    let r = kap(&mock, &["define", "t", "-dbrp", "nodot"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("invalid value \"nodot\" for flag -dbrp: does not contain a '.', it must be in the form \"dbname\".\"rpname\" where the quotes are optional.\nUsage: kapacitor define"), "{}", r.stderr);
    let r = kap(&mock, &["define", "t", "-bogus", "x"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("flag provided but not defined: -bogus\nUsage: kapacitor define"));
    let r = kap(&mock, &["define", "t", "-h", "x"]);
    assert_eq!(r.code, 0);
    assert!(mock.requests().is_empty());
}

#[test]
fn define_template_creates_then_updates() {
    let exists = Arc::new(AtomicUsize::new(0));
    let e2 = exists.clone();
    let mock = Mock::new(move |r| match r.method.as_str() {
        "GET" if e2.load(Ordering::SeqCst) == 0 => error_reply(404, "no template exists"),
        "GET" => reply(
            200,
            r#"{"id":"tmpl","type":"stream","script":"","vars":{}}"#,
        ),
        _ => {
            e2.store(1, Ordering::SeqCst);
            reply(200, r#"{"id":"tmpl","type":"stream","script":""}"#)
        }
    });
    let (_d, tick) = tmp_file("t.tick", "var x = 5m\nstream|from()");
    ok(&kap(
        &mock,
        &["define-template", "tmpl", "-tick", &tick, "-type", "stream"],
    ));
    ok(&kap(&mock, &["define-template", "tmpl", "-type", "batch"]));
    let lines: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body.trim_end()))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /kapacitor/v1/templates/tmpl?script-format=formatted ",
            "POST /kapacitor/v1/templates {\"id\":\"tmpl\",\"type\":\"stream\",\"script\":\"var x = 5m\\nstream|from()\"}",
            "GET /kapacitor/v1/templates/tmpl?script-format=formatted ",
            "PATCH /kapacitor/v1/templates/tmpl {\"type\":\"batch\"}",
        ]
    );
    let r = kap(&mock, &["define-template"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Must provide a template ID.\nUsage: kapacitor define-template"));
}

#[test]
fn define_topic_handler_posts_new_and_puts_existing() {
    let mock = Mock::new(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/kapacitor/v1/alerts/topics/cpu/handlers/slack") => {
            error_reply(404, "unknown handler: \"slack\"")
        }
        ("GET", _) => reply(200, r#"{"id":"log","kind":"log","options":{}}"#),
        _ => reply(200, r#"{"id":"x","kind":"x","options":{}}"#),
    });
    let (_d, y) = tmp_file(
        "slack.yaml",
        "topic: cpu\nid: slack\nkind: slack\nmatch: changed() == TRUE\noptions:\n  channel: '#alerts'\n  url: http://h/?a=1&b=2\n",
    );
    ok(&kap(&mock, &["define-topic-handler", &y]));
    let (_d2, j) = tmp_file(
        "log.json",
        r#"{"topic":"cpu","id":"log","kind":"log","options":{"path":"/tmp/a.log","mode":420}}"#,
    );
    ok(&kap(&mock, &["define-topic-handler", &j]));
    let lines: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body.trim_end()))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /kapacitor/v1/alerts/topics/cpu/handlers/slack ",
            "POST /kapacitor/v1/alerts/topics/cpu/handlers {\"topic\":\"cpu\",\"id\":\"slack\",\"kind\":\"slack\",\"options\":{\"channel\":\"#alerts\",\"url\":\"http://h/?a=1\\u0026b=2\"},\"match\":\"changed() == TRUE\"}",
            "GET /kapacitor/v1/alerts/topics/cpu/handlers/log ",
            "PUT /kapacitor/v1/alerts/topics/cpu/handlers/log {\"topic\":\"cpu\",\"id\":\"log\",\"kind\":\"log\",\"options\":{\"mode\":420,\"path\":\"/tmp/a.log\"},\"match\":\"\"}",
        ]
    );
    let r = kap(&mock, &["define-topic-handler", "/nonexistent.yaml"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr, "failed to open handler spec file \"/nonexistent.yaml\": open /nonexistent.yaml: no such file or directory\n");
    let r = kap(&mock, &["define-topic-handler"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with(
        "Must provide a path to a handler file.\nUsage: kapacitor define-topic-handler"
    ));
}

// ---------------------------------------------------------------------------------------------
// enable / disable / reload / delete

fn links_page(kind: &str, ids: &[&str]) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(r#"{{"link":{{"rel":"self","href":"/kapacitor/v1/{kind}/{id}"}},"id":"{id}"}}"#)
        })
        .collect();
    format!(r#"{{"{kind}":[{}]}}"#, items.join(","))
}

#[test]
fn enable_disable_reload_patch_every_match() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "GET" if r.query.contains("pattern=%2A_alert") => {
            reply(200, &links_page("tasks", &["cpu_alert", "mem_alert"]))
        }
        "GET" => reply(200, &links_page("tasks", &["solo"])),
        _ => reply(200, &task_json("x", "enabled")),
    });
    ok(&kap(&mock, &["enable", "*_alert", "solo"]));
    let lines: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body.trim_end()))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /kapacitor/v1/tasks?dot-view=attributes&fields=link&limit=100&offset=0&pattern=%2A_alert&replay-id=&script-format=formatted ",
            "PATCH /kapacitor/v1/tasks/cpu_alert {\"status\":\"enabled\"}",
            "PATCH /kapacitor/v1/tasks/mem_alert {\"status\":\"enabled\"}",
            "GET /kapacitor/v1/tasks?dot-view=attributes&fields=link&limit=100&offset=0&pattern=solo&replay-id=&script-format=formatted ",
            "PATCH /kapacitor/v1/tasks/solo {\"status\":\"enabled\"}",
        ]
    );
    ok(&kap(&mock, &["reload", "solo"]));
    let bodies: Vec<String> = mock.requests()[5..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.body.trim_end()))
        .collect();
    assert_eq!(
        bodies,
        [
            "GET ",
            "PATCH {\"status\":\"disabled\"}",
            "GET ",
            "PATCH {\"status\":\"enabled\"}",
        ]
    );
    ok(&kap(&mock, &["disable", "solo"]));
    assert_eq!(
        mock.requests().last().unwrap().body,
        "{\"status\":\"disabled\"}\n"
    );
    let r = kap(&mock, &["enable"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Must pass at least one task ID\nUsage: kapacitor enable [task ID...]\n"));
}

#[test]
fn enable_errors_are_wrapped() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "GET" if r.query.contains("pattern=bad") => error_reply(
            400,
            "failed to list tasks with pattern \"[\": syntax error in pattern",
        ),
        "GET" => reply(200, &links_page("tasks", &["t1"])),
        _ => error_reply(500, "failed to start task: boom"),
    });
    let r = kap(&mock, &["enable", "t1"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "enabling task t1: failed to start task: boom\n")
    );
    let r = kap(&mock, &["disable", "bad"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            3,
            "listing tasks: failed to list tasks with pattern \"[\": syntax error in pattern\n"
        )
    );
}

#[test]
fn delete_every_kind() {
    let mock = Mock::new(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/kapacitor/v1/tasks") => reply(200, &links_page("tasks", &["t1", "t2"])),
        ("GET", "/kapacitor/v1/templates") => reply(200, &links_page("templates", &["tm"])),
        ("GET", "/kapacitor/v1/recordings") => reply(200, &links_page("recordings", &["r1"])),
        ("GET", "/kapacitor/v1/replays") => reply(200, &links_page("replays", &["p1"])),
        ("GET", "/kapacitor/v1/alerts/topics") => reply(
            200,
            r#"{"topics":[{"link":{"rel":"self","href":"/kapacitor/v1/alerts/topics/main:cpu:alert2"},"id":"main:cpu:alert2"}]}"#,
        ),
        ("GET", "/kapacitor/v1/alerts/topics/cpu/handlers") => reply(
            200,
            r#"{"handlers":[{"link":{"rel":"self","href":"/kapacitor/v1/alerts/topics/cpu/handlers/slack"},"id":"slack","kind":"slack"}]}"#,
        ),
        ("DELETE", _) => reply(204, ""),
        _ => reply(500, "unexpected"),
    });
    for args in [
        &["delete", "tasks", "t*"][..],
        &["delete", "templates", "tm"],
        &["delete", "recordings", "r1"],
        &["delete", "replays", "p1"],
        &["delete", "topics", "main:*"],
        &["delete", "topic-handlers", "cpu", "sl*"],
    ] {
        ok(&kap(&mock, args));
    }
    assert_eq!(
        mock.lines(),
        [
            "GET /kapacitor/v1/tasks?dot-view=attributes&fields=link&limit=100&offset=0&pattern=t%2A&replay-id=&script-format=formatted",
            "DELETE /kapacitor/v1/tasks/t1",
            "DELETE /kapacitor/v1/tasks/t2",
            "GET /kapacitor/v1/templates?fields=link&limit=100&offset=0&pattern=tm&script-format=formatted",
            "DELETE /kapacitor/v1/templates/tm",
            "GET /kapacitor/v1/recordings?fields=link&limit=100&offset=0&pattern=r1",
            "DELETE /kapacitor/v1/recordings/r1",
            "GET /kapacitor/v1/replays?fields=link&limit=100&offset=0&pattern=p1",
            "DELETE /kapacitor/v1/replays/p1",
            "GET /kapacitor/v1/alerts/topics?min-level=OK&pattern=main%3A%2A",
            "DELETE /kapacitor/v1/alerts/topics/main:cpu:alert2",
            "GET /kapacitor/v1/alerts/topics/cpu/handlers?pattern=sl%2A",
            "DELETE /kapacitor/v1/alerts/topics/cpu/handlers/slack",
        ]
    );
    let r = kap(&mock, &["delete", "widgets", "x"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr, "cannot delete 'widgets' did you mean 'tasks', 'templates', 'recordings', 'replays', 'topics' or 'topic-handlers'?\n");
    let r = kap(&mock, &["delete", "tasks"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Must pass at least one ID\nUsage: kapacitor delete"));
}

// ---------------------------------------------------------------------------------------------
// list

#[test]
fn list_tasks_table_sorted_with_id_width() {
    let mock = Mock::new(|_| {
        reply(
            200,
            r#"{"tasks":[
            {"link":{"rel":"self","href":"/kapacitor/v1/tasks/cpu_alert"},"id":"cpu_alert","type":"stream","dbrps":[{"db":"telegraf","rp":"autogen"}],"status":"enabled","executing":true},
            {"link":{"rel":"self","href":"/kapacitor/v1/tasks/a"},"id":"a","type":"batch","dbrps":[{"db":"db","rp":"rp"},{"db":"x","rp":"y"}],"status":"disabled","executing":false}]}"#,
        )
    });
    let r = kap(&mock, &["list", "tasks"]);
    ok(&r);
    // ID column = len("cpu_alert") 9 + 1 = 10; Type/Status/Executing 10 each.
    assert_eq!(
        r.stdout,
        "ID        Type      Status    Executing Databases and Retention Policies\n\
         a         batch     disabled  false     [\"db\".\"rp\" \"x\".\"y\"]\n\
         cpu_alert stream    enabled   true      [\"telegraf\".\"autogen\"]\n"
    );
    assert_eq!(
        mock.lines(),
        ["GET /kapacitor/v1/tasks?dot-view=attributes&fields=type&fields=status&fields=executing&fields=dbrps&limit=100&offset=0&pattern=&replay-id=&script-format=formatted"]
    );
}

#[test]
fn list_tasks_pages_through_full_pages() {
    let mock = Mock::new(|r| {
        let ids: Vec<String> = if r.query.contains("offset=0") {
            (0..100).map(|i| format!("t{i:03}")).collect()
        } else {
            vec!["z".to_string()]
        };
        let items: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"id":"{id}","type":"stream","status":"disabled","executing":false,"dbrps":[]}}"#))
            .collect();
        reply(200, &format!(r#"{{"tasks":[{}]}}"#, items.join(",")))
    });
    let r = kap(&mock, &["list", "tasks", "t*"]);
    ok(&r);
    assert_eq!(r.stdout.lines().count(), 102);
    // ID width: len("t000") 4 + 1 = 5.
    assert_eq!(
        r.stdout.lines().nth(1).unwrap(),
        "t000 stream    disabled  false     []"
    );
    let offsets: Vec<bool> = mock
        .requests()
        .iter()
        .map(|q| q.query.contains("offset=100"))
        .collect();
    assert_eq!(offsets, [false, true]);
}

#[test]
fn list_templates_recordings_replays() {
    let mock = Mock::new(|r| match r.path.as_str() {
        "/kapacitor/v1/templates" => reply(
            200,
            r#"{"templates":[{"id":"tmpl","type":"stream","vars":{"b":{"type":"int","value":1},"a":{"type":"string","value":null}}}]}"#,
        ),
        "/kapacitor/v1/recordings" => reply(
            200,
            r#"{"recordings":[
            {"id":"rec-b","type":"stream","size":1234,"date":"2016-05-04T17:44:00Z","status":"finished"},
            {"id":"r1","type":"batch","size":5,"date":"2016-05-04T11:44:41.5-06:00","status":"running"}]}"#,
        ),
        "/kapacitor/v1/replays" => reply(
            200,
            r#"{"replays":[{"id":"rp1","task":"cpu_alert","recording":"rec-b","clock":"fast","date":"2016-05-04T17:44:00Z","status":"finished"}]}"#,
        ),
        _ => reply(500, "unexpected"),
    });
    let r = kap(&mock, &["list", "templates"]);
    ok(&r);
    // ID 4+1 = 5, Type 10, Vars padded to 40 (trailing spaces kept).
    assert_eq!(
        r.stdout,
        format!(
            "ID   Type      Vars{}\ntmpl stream    a,b{}\n",
            " ".repeat(36),
            " ".repeat(37)
        )
    );
    let r = kap(&mock, &["list", "recordings"]);
    ok(&r);
    // ID 5+1 = 6, Type 8, Status 10, Size 10, Date 23; sizes by humanize.Bytes; dates in the
    // local zone (TZ=UTC): 11:44:41-06:00 is 17:44 UTC.
    let date = "04 May 16 17:44 UTC    ";
    assert_eq!(
        r.stdout,
        format!(
            "ID    Type    Status    Size      Date{}\nrec-b stream  finished  1.2 kB    {date}\nr1    batch   running   5 B       {date}\n",
            " ".repeat(19)
        )
    );
    let r = kap(&mock, &["list", "replays"]);
    ok(&r);
    // ID max(2,3)+1 = 4, Task max(4,9)+1 = 10, Recording max(9,5)+1 = 10, Status 9, Clock 8.
    assert_eq!(
        r.stdout,
        format!(
            "ID  Task      Recording Status   Clock   Date{}\nrp1 cpu_alert rec-b     finished fast    {date}\n",
            " ".repeat(19)
        )
    );
    assert_eq!(
        mock.lines(),
        [
            "GET /kapacitor/v1/templates?fields=type&fields=vars&limit=100&offset=0&pattern=&script-format=formatted",
            "GET /kapacitor/v1/recordings?fields=type&fields=size&fields=date&fields=status&limit=100&offset=0&pattern=",
            "GET /kapacitor/v1/replays?fields=task&fields=recording&fields=status&fields=clock&fields=date&limit=100&offset=0&pattern=",
        ]
    );
}

#[test]
fn list_topics_handlers_and_service_tests() {
    let mock = Mock::new(|r| match r.path.as_str() {
        "/kapacitor/v1/alerts/topics" => reply(
            200,
            r#"{"link":{"rel":"self","href":"/kapacitor/v1/alerts/topics"},"topics":[
            {"id":"main:cpu_alert:alert2","level":"CRITICAL","collected":5,"handlers-link":{"rel":"handlers","href":"/kapacitor/v1/alerts/topics/main:cpu_alert:alert2/handlers"}},
            {"id":"t","level":"OK","collected":12345678901,"handlers-link":{"rel":"handlers","href":"/kapacitor/v1/alerts/topics/t/handlers"}}]}"#,
        ),
        "/kapacitor/v1/alerts/topics/t/handlers" => reply(
            200,
            r#"{"topic":"t","handlers":[{"id":"a-very-long-handler-id","kind":"log"},{"id":"s","kind":"slack"}]}"#,
        ),
        "/kapacitor/v1/alerts/topics/main:cpu_alert:alert2/handlers" => {
            reply(200, r#"{"handlers":[]}"#)
        }
        "/kapacitor/v1/service-tests" => {
            reply(200, r#"{"services":[{"name":"slack"},{"name":"smtp"}]}"#)
        }
        _ => reply(500, "unexpected"),
    });
    let r = kap(&mock, &["list", "topics"]);
    ok(&r);
    // ID 21+1 = 22, Level max(8, 8)+1 = 9, Collected right-aligned in 10.
    assert_eq!(
        r.stdout,
        "ID                    Level     Collected\nmain:cpu_alert:alert2 CRITICAL          5\nt                     OK       12345678901\n"
    );
    let r = kap(&mock, &["list", "topic-handlers"]);
    ok(&r);
    // Only topic t has handlers. Topic max(10, 1)+1 = 11, ID max(10, 22)+1 = 23, Kind 10+1 = 11.
    assert_eq!(
        r.stdout,
        format!(
            "Topic      ID                     Kind       \nt          a-very-long-handler-id log        \nt          s                      slack      \n"
        )
    );
    let r = kap(&mock, &["list", "service-tests"]);
    ok(&r);
    assert_eq!(r.stdout, "Service Name\nslack\nsmtp\n");
    let r = kap(&mock, &["list", "service-tests", "sl*"]);
    ok(&r);
    assert_eq!(
        mock.lines(),
        [
            "GET /kapacitor/v1/alerts/topics?min-level=OK&pattern=",
            "GET /kapacitor/v1/alerts/topics?min-level=OK&pattern=",
            "GET /kapacitor/v1/alerts/topics/main:cpu_alert:alert2/handlers?pattern=",
            "GET /kapacitor/v1/alerts/topics/t/handlers?pattern=",
            "GET /kapacitor/v1/service-tests?pattern=%2A",
            "GET /kapacitor/v1/service-tests?pattern=sl%2A",
        ]
    );
    let r = kap(&mock, &["list", "widgets"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stderr, "cannot list 'widgets' did you mean 'tasks', 'recordings', 'replays', 'topics', 'topic-handlers' or 'service-tests'?\n");
    let r = kap(&mock, &["list"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("Must specify 'tasks', 'recordings', 'replays', 'topics', or 'topic-handlers'\nUsage: kapacitor list"));
}

// ---------------------------------------------------------------------------------------------
// show

const SHOWN_TASK: &str = r#"{"link":{"rel":"self","href":"/kapacitor/v1/tasks/cpu_alert"},"id":"cpu_alert","template-id":"","type":"stream",
 "dbrps":[{"db":"telegraf","rp":"autogen"}],"script":"stream\n    |from()\n        .measurement('cpu')\n",
 "vars":{"window":{"type":"duration","value":300000000000,"description":""},"crit":{"type":"float","value":80,"description":""},
         "groups":{"type":"list","value":[{"type":"string","value":"host"},{"type":"star","value":null}],"description":""}},
 "dot":"digraph cpu_alert {\ngraph [throughput=\"0.00 points/s\"];\n\nstream0 [avg_exec_time_ns=\"0s\" errors=\"0\" working_cardinality=\"0\" ];\nstream0 -> from1 [processed=\"12\"];\n}",
 "status":"enabled","executing":true,"error":"",
 "stats":{"task-stats":{"throughput":0},"node-stats":{}},
 "created":"2016-05-04T11:44:41.382945-06:00","modified":"2016-05-04T17:44:00Z","last-enabled":"0001-01-01T00:00:00Z"}"#;

#[test]
fn show_prints_the_task_vars_and_dot() {
    let mock = Mock::new(|_| reply(200, SHOWN_TASK));
    let r = kap(&mock, &["show", "cpu_alert"]);
    ok(&r);
    // Created keeps its -06:00 offset (not the local zone) so it prints as -0600; `Z` prints UTC.
    // Vars rows: %-30s%-10v%-40v, sorted by name, durations as Go durations, lists as [a, *].
    let expected = format!(
        "ID: cpu_alert\nError: \nTemplate: \nType: stream\nStatus: enabled\nExecuting: true\n\
         Created: 04 May 16 11:44 -0600\nModified: 04 May 16 17:44 UTC\nLastEnabled: 01 Jan 01 00:00 UTC\n\
         Databases Retention Policies: [\"telegraf\".\"autogen\"]\n\
         TICKscript:\nstream\n    |from()\n        .measurement('cpu')\n\n\
         Vars:\n\
         Name{n26}Type      Value{v35}\n\
         crit{n26}float     80{v38}\n\
         groups{n24}list      [host, *]{v31}\n\
         window{n24}duration  5m0s{v36}\n\
         DOT:\ndigraph cpu_alert {{\ngraph [throughput=\"0.00 points/s\"];\n\nstream0 [avg_exec_time_ns=\"0s\" errors=\"0\" working_cardinality=\"0\" ];\nstream0 -> from1 [processed=\"12\"];\n}}\n",
        n26 = " ".repeat(26),
        n24 = " ".repeat(24),
        v35 = " ".repeat(35),
        v38 = " ".repeat(38),
        v31 = " ".repeat(31),
        v36 = " ".repeat(36),
    );
    assert_eq!(r.stdout, expected);
    assert_eq!(
        mock.lines(),
        [format!("GET /kapacitor/v1/tasks/cpu_alert?{TASK_Q}")]
    );
}

#[test]
fn show_in_a_replay_and_argument_errors() {
    let mock = Mock::new(|_| reply(200, &task_json("cpu_alert", "enabled")));
    let r = kap(&mock, &["show", "-replay", "rp1", "cpu_alert"]);
    ok(&r);
    assert!(!r.stdout.contains("\nVars:") && r.stdout.starts_with("ID: cpu_alert\n"));
    assert_eq!(
        mock.lines(),
        ["GET /kapacitor/v1/tasks/cpu_alert?dot-view=attributes&replay-id=rp1&script-format=formatted"]
    );
    // Flags must come before the task ID (Go stops at the first argument).
    let r = kap(&mock, &["show", "cpu_alert", "-replay", "rp1"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Must specify one task ID\nUsage: kapacitor show [-replay] [task ID]\n"));
    for cmd in ["show-template", "show-topic"] {
        let r = kap(&mock, &[cmd]);
        assert_eq!(r.code, 2, "{cmd}");
    }
    let r = kap(&mock, &["show-topic-handler", "only-topic"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Must specify both topic and handler IDs\n"));
}

#[test]
fn show_template() {
    let mock = Mock::new(|_| {
        reply(
            200,
            r#"{"id":"generic","type":"batch","script":"var field string\nbatch","error":"",
            "vars":{"field":{"type":"string","value":null,"description":"the field"},"every":{"type":"duration","value":60000000000,"description":""}},
            "dot":"digraph generic {\n}","created":"2016-05-04T17:44:00Z","modified":"2016-05-04T17:44:00Z"}"#,
        )
    });
    let r = kap(&mock, &["show-template", "generic"]);
    ok(&r);
    // %-30s%-10v%-40v%-40s; a var without a default shows <required>.
    let row = |a: &str, b: &str, c: &str, d: &str| format!("{a:<30}{b:<10}{c:<40}{d:<40}\n");
    let expected = format!(
        "ID: generic\nError: \nType: batch\nCreated: 04 May 16 17:44 UTC\nModified: 04 May 16 17:44 UTC\nTICKscript:\nvar field string\nbatch\nVars:\n{}{}{}DOT:\ndigraph generic {{\n}}\n",
        row("Name", "Type", "Default Value", "Description"),
        row("every", "duration", "1m0s", ""),
        row("field", "string", "<required>", "the field"),
    );
    assert_eq!(r.stdout, expected);
    assert_eq!(
        mock.lines(),
        ["GET /kapacitor/v1/templates/generic?script-format=formatted"]
    );
}

#[test]
fn show_topic_and_handler() {
    let mock = Mock::new(|r| match r.path.as_str() {
        "/kapacitor/v1/alerts/topics/cpu" => reply(
            200,
            r#"{"id":"cpu","level":"CRITICAL","collected":3,
            "events-link":{"rel":"events","href":"/kapacitor/v1/alerts/topics/cpu/events"},
            "handlers-link":{"rel":"handlers","href":"/kapacitor/v1/alerts/topics/cpu/handlers"}}"#,
        ),
        "/kapacitor/v1/alerts/topics/cpu/events" => reply(
            200,
            r#"{"topic":"cpu","events":[
            {"id":"cpu:host=b","state":{"message":"b is high","details":"","time":"2016-05-04T17:45:00Z","duration":"1m0s","level":"CRITICAL"}},
            {"id":"cpu:host=a","state":{"message":"a is very high","details":"","time":"2016-05-04T17:44:00Z","duration":"0s","level":"WARNING"}}]}"#,
        ),
        "/kapacitor/v1/alerts/topics/cpu/handlers" => reply(
            200,
            r#"{"handlers":[{"id":"log","kind":"log"},{"id":"slack","kind":"slack"}]}"#,
        ),
        "/kapacitor/v1/alerts/topics/cpu/handlers/slack" => reply(
            200,
            r##"{"id":"slack","kind":"slack","options":{"url":"http://x/?a=1&b=2","channel":"#alerts","n":1.5},"match":"level() == CRITICAL"}"##,
        ),
        _ => reply(500, "unexpected"),
    });
    let r = kap(&mock, &["show-topic", "cpu"]);
    ok(&r);
    // Events sorted by time; Event max(5,10)+1 = 11, Level 9, Message max(7,14)+1 = 15, Date 23.
    assert_eq!(
        r.stdout,
        "ID: cpu\nLevel: CRITICAL\nCollected: 3\nHandlers: [log, slack]\nEvents:\n\
         Event      Level    Message        Date                   \n\
         cpu:host=a WARNING  a is very high 04 May 16 17:44 UTC    \n\
         cpu:host=b CRITICAL b is high      04 May 16 17:45 UTC    \n"
    );
    let r = kap(&mock, &["show-topic-handler", "cpu", "slack"]);
    ok(&r);
    assert_eq!(
        r.stdout,
        "ID: slack\nTopic: cpu\nKind: slack\nMatch: level() == CRITICAL\nOptions: {\"channel\":\"#alerts\",\"n\":1.5,\"url\":\"http://x/?a=1\\u0026b=2\"}\n"
    );
    assert_eq!(
        mock.lines(),
        [
            "GET /kapacitor/v1/alerts/topics/cpu",
            "GET /kapacitor/v1/alerts/topics/cpu/events?min-level=OK",
            "GET /kapacitor/v1/alerts/topics/cpu/handlers?pattern=",
            "GET /kapacitor/v1/alerts/topics/cpu/handlers/slack",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// record / replay

fn recording(status: &str, error: &str) -> String {
    format!(
        r#"{{"link":{{"rel":"self","href":"/kapacitor/v1/recordings/rec1"}},"id":"rec1","type":"stream","size":0,"date":"2016-05-04T17:44:00Z","error":"{error}","status":"{status}","progress":0}}"#
    )
}

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128
}

/// Parses the `stop` of a request body as nanoseconds (the body is RFC3339Nano UTC here).
fn body_time_ns(body: &str, key: &str) -> i128 {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let s = v[key].as_str().unwrap();
    let ts: jiff::Timestamp = s.parse().unwrap();
    ts.as_nanosecond()
}

#[test]
fn record_stream_waits_then_prints_the_id() {
    let polls = Arc::new(AtomicUsize::new(0));
    let p2 = polls.clone();
    let mock = Mock::new(move |r| match r.method.as_str() {
        "POST" => reply(201, &recording("running", "")),
        _ => {
            if p2.fetch_add(1, Ordering::SeqCst) == 0 {
                reply(202, &recording("running", ""))
            } else {
                reply(200, &recording("finished", ""))
            }
        }
    });
    let before = now_ns();
    let r = kap(
        &mock,
        &["record", "stream", "-task", "cpu_alert", "-duration", "1m"],
    );
    let after = now_ns();
    ok(&r);
    assert_eq!(r.stdout, "rec1\n");
    assert_eq!(
        mock.lines(),
        [
            "POST /kapacitor/v1/recordings/stream",
            "GET /kapacitor/v1/recordings/rec1",
            "GET /kapacitor/v1/recordings/rec1",
        ]
    );
    let body = &mock.requests()[0].body;
    assert!(
        body.starts_with("{\"task\":\"cpu_alert\",\"stop\":\""),
        "{body}"
    );
    // stop = now + 1m (TZ=UTC, so the time ends in Z).
    let stop = body_time_ns(body, "stop");
    assert!(stop >= before + 60_000_000_000 && stop <= after + 60_000_000_000);
    assert!(body.ends_with("Z\"}\n"));
}

#[test]
fn record_stream_failure_and_no_wait() {
    let mock = Mock::new(|r| match r.method.as_str() {
        "POST" if r.body.contains("\"id\":\"mine\"") => reply(201, &recording("running", "")),
        "POST" => reply(201, &recording("failed", "")),
        _ => reply(200, &recording("failed", "stream ended unexpectedly")),
    });
    let r = kap(
        &mock,
        &["record", "stream", "-task", "t", "-duration", "10s"],
    );
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "rec1\n");
    assert_eq!(r.stderr, "recording failed: unknown reason\n");
    // -no-wait prints the ID at once; --flag=value and -flag=value forms.
    let r = kap(
        &mock,
        &[
            "record",
            "stream",
            "--task=t",
            "-duration=10s",
            "-recording-id",
            "mine",
            "-no-wait",
        ],
    );
    ok(&r);
    assert_eq!(r.stdout, "rec1\n");
    assert_eq!(mock.requests().len(), 2);
    assert!(mock.requests()[1]
        .body
        .starts_with("{\"id\":\"mine\",\"task\":\"t\",\"stop\":"));
}

#[test]
fn record_batch_and_query_bodies() {
    let mock = Mock::new(|_| reply(201, &recording("finished", "")));
    ok(&kap(
        &mock,
        &[
            "record",
            "batch",
            "-task",
            "cpu_idle",
            "-start",
            "2015-09-01T00:00:00Z",
            "-stop",
            "2015-09-02T00:00:00.5+02:00",
        ],
    ));
    // -past counts back from -stop (zone kept).
    ok(&kap(
        &mock,
        &[
            "record",
            "batch",
            "-task",
            "cpu_idle",
            "-past",
            "10h",
            "-stop",
            "2015-09-02T00:00:00Z",
            "-recording-id",
            "b1",
        ],
    ));
    ok(&kap(
        &mock,
        &[
            "record",
            "query",
            "-query",
            "SELECT value FROM \"telegraf\".\"autogen\".\"cpu\" WHERE time > now() - 1h",
            "-type",
            "stream",
            "-cluster",
            "c1",
        ],
    ));
    let bodies: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body))
        .collect();
    assert_eq!(
        bodies,
        [
            "POST /kapacitor/v1/recordings/batch {\"task\":\"cpu_idle\",\"start\":\"2015-09-01T00:00:00Z\",\"stop\":\"2015-09-02T00:00:00.5+02:00\"}\n",
            "POST /kapacitor/v1/recordings/batch {\"id\":\"b1\",\"task\":\"cpu_idle\",\"start\":\"2015-09-01T14:00:00Z\",\"stop\":\"2015-09-02T00:00:00Z\"}\n",
            "POST /kapacitor/v1/recordings/query {\"query\":\"SELECT value FROM \\\"telegraf\\\".\\\"autogen\\\".\\\"cpu\\\" WHERE time \\u003e now() - 1h\",\"type\":\"stream\",\"cluster\":\"c1\"}\n",
        ]
    );
}

#[test]
fn record_argument_errors() {
    let mock = Mock::new(|_| reply(500, "unexpected"));
    let r = kap(&mock, &["record"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Usage: kapacitor record [batch|stream|query] [options]\n"));
    let r = kap(&mock, &["record", "stream", "-task", "t"]);
    assert_eq!(r.code, 3);
    assert!(r
        .stderr
        .starts_with("Usage: kapacitor record stream [options]\n"));
    assert!(r.stderr.ends_with("both task and duration are required\n"));
    let r = kap(
        &mock,
        &["record", "stream", "-task", "t", "-duration", "1x"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (3, "invalid duration\n"));
    let r = kap(&mock, &["record", "batch", "-task", "t"]);
    assert!(r.stderr.ends_with("must set one of start or past flags.\n"));
    let r = kap(
        &mock,
        &[
            "record",
            "batch",
            "-task",
            "t",
            "-start",
            "2015-09-01T00:00:00Z",
            "-past",
            "1h",
        ],
    );
    assert!(r
        .stderr
        .ends_with("cannot set both start and past flags.\n"));
    let r = kap(
        &mock,
        &["record", "batch", "-task", "t", "-start", "yesterday"],
    );
    assert_eq!(r.code, 3);
    assert!(r
        .stderr
        .starts_with("parsing time \"yesterday\" as \"2006-01-02T15:04:05.999999999Z07:00\""));
    let r = kap(
        &mock,
        &["record", "query", "-query", "SELECT 1", "-type", "table"],
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            3,
            "json: error calling MarshalText for type client.TaskType: unknown TaskType 0\n"
        )
    );
    let r = kap(&mock, &["record", "tape"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            3,
            "Unknown record type \"tape\", expected 'stream', 'batch' or 'query'\n"
        )
    );
    let r = kap(&mock, &["record", "stream", "-no-wait=perhaps"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("invalid boolean value \"perhaps\" for -no-wait: parse error\nUsage: kapacitor record stream"));
    assert!(mock.requests().is_empty());
}

fn replay_json(status: &str) -> String {
    format!(
        r#"{{"link":{{"rel":"self","href":"/kapacitor/v1/replays/rp1"}},"id":"rp1","task":"cpu_alert","recording":"rec1","recording-time":false,"clock":"fast","date":"2016-05-04T17:44:00Z","error":"","status":"{status}","progress":0,"stats":{{}}}}"#
    )
}

#[test]
fn replay_waits_and_prints_the_id() {
    let polls = Arc::new(AtomicUsize::new(0));
    let p2 = polls.clone();
    let mock = Mock::new(move |r| match r.method.as_str() {
        "POST" => reply(201, &replay_json("running")),
        _ if p2.fetch_add(1, Ordering::SeqCst) == 0 => reply(202, &replay_json("running")),
        _ => reply(200, &replay_json("finished")),
    });
    let r = kap(
        &mock,
        &[
            "replay",
            "-task",
            "cpu_alert",
            "-recording",
            "rec1",
            "-rec-time",
            "-real-clock",
        ],
    );
    ok(&r);
    assert_eq!(r.stdout, "rp1\n");
    let reqs = mock.requests();
    assert_eq!(
        mock.lines(),
        [
            "POST /kapacitor/v1/replays",
            "GET /kapacitor/v1/replays/rp1",
            "GET /kapacitor/v1/replays/rp1"
        ]
    );
    assert_eq!(
        reqs[0].body,
        "{\"id\":\"\",\"recording\":\"rec1\",\"task\":\"cpu_alert\",\"recording-time\":true,\"clock\":\"real\"}\n"
    );
    let r = kap(&mock, &["replay", "-task", "cpu_alert"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.starts_with("Usage: kapacitor replay [options]\n"));
    assert!(r.stderr.ends_with("must pass recording ID\n"));
    let r = kap(&mock, &["replay", "-recording", "rec1"]);
    assert!(r.stderr.ends_with("must pass task ID\n"));
}

#[test]
fn replay_failure_and_replay_live() {
    let mock = Mock::new(|r| match r.path.as_str() {
        "/kapacitor/v1/replays" => reply(
            201,
            &replay_json("failed")
                .replace("\"error\":\"\"", "\"error\":\"task load: no task exists\""),
        ),
        _ => reply(201, &replay_json("running")),
    });
    let r = kap(
        &mock,
        &[
            "replay",
            "-task",
            "x",
            "-recording",
            "r",
            "-replay-id",
            "mine",
        ],
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (3, "rp1\n", "task load: no task exists\n")
    );
    ok(&kap(
        &mock,
        &[
            "replay-live",
            "batch",
            "-task",
            "b",
            "-start",
            "2015-09-01T00:00:00Z",
            "-stop",
            "2015-09-02T00:00:00Z",
            "-no-wait",
        ],
    ));
    ok(&kap(
        &mock,
        &[
            "replay-live",
            "query",
            "-task",
            "b",
            "-query",
            "SELECT 1",
            "-cluster",
            "c",
            "-rec-time",
            "-no-wait",
            "-replay-id",
            "q1",
        ],
    ));
    let bodies: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body))
        .collect();
    assert_eq!(
        bodies[1..],
        [
            "POST /kapacitor/v1/replays/batch {\"task\":\"b\",\"start\":\"2015-09-01T00:00:00Z\",\"stop\":\"2015-09-02T00:00:00Z\",\"recording-time\":false,\"clock\":\"fast\"}\n",
            "POST /kapacitor/v1/replays/query {\"id\":\"q1\",\"task\":\"b\",\"query\":\"SELECT 1\",\"cluster\":\"c\",\"recording-time\":true,\"clock\":\"fast\"}\n",
        ]
    );
    let r = kap(&mock, &["replay-live"]);
    assert_eq!(r.code, 2);
    let r = kap(&mock, &["replay-live", "stream"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            3,
            "Unknown replay-live type \"stream\", expected 'batch' or 'query'\n"
        )
    );
    let r = kap(&mock, &["replay-live", "query", "-task", "b"]);
    assert!(r.stderr.ends_with("both query and task are required\n"));
}

// ---------------------------------------------------------------------------------------------
// level, stats, vars, service-tests, backup, watch, logs

#[test]
fn level() {
    let mock = Mock::new(|r| {
        if r.body.contains("debug") {
            reply(204, "")
        } else {
            error_reply(400, "invalid log level")
        }
    });
    ok(&kap(&mock, &["level", "debug"]));
    let r = kap(&mock, &["level", "loud"]);
    assert_eq!((r.code, r.stderr.as_str()), (3, "invalid log level\n"));
    assert_eq!(
        mock.lines(),
        ["POST /kapacitor/v1/loglevel", "POST /kapacitor/v1/loglevel"]
    );
    assert_eq!(mock.requests()[0].body, "{\"level\":\"debug\"}\n");
    let r = kap(&mock, &["level"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("Must pass a log level\nUsage: kapacitor level"));
}

const DEBUG_VARS: &str = r#"{
"cluster_id": "c-id",
"cmdline": ["kapacitord"],
"host": "localhost",
"kapacitor": {
  "k1": {"name": "ingress", "tags": {"task_master": "main", "database": "telegraf", "retention_policy": "autogen", "measurement": "cpu", "host": "localhost"}, "values": {"points_received": 12}},
  "k2": {"name": "ingress", "tags": {"task_master": "main", "database": "db2", "retention_policy": "autogen", "measurement": "a_very_long_measurement_name"}, "values": {"points_received": 7}},
  "k3": {"name": "ingress", "tags": {"task_master": "rp1", "database": "telegraf", "retention_policy": "autogen", "measurement": "cpu"}, "values": {"points_received": 99}},
  "k4": {"name": "nodes", "tags": {"task": "cpu_alert"}, "values": {"errors": 0}},
  "k5": {"name": "cluster", "tags": {"node": "k1"}, "values": {"failovers": 2, "alerts_deduplicated": 3}}
},
"num_enabled_tasks": 1,
"num_subscriptions": 0,
"num_tasks": 2,
"platform": "OSS",
"product": "kapacitor",
"server_id": "s-id",
"version": "1.8.0"
}
"#;

#[test]
fn stats_and_vars() {
    let mock = Mock::new(|_| reply(200, DEBUG_VARS));
    let r = kap(&mock, &["stats", "general"]);
    ok(&r);
    let row = |k: &str, v: &str| format!("{k:<30}{v:<30}\n");
    let expected: String = [
        row("ClusterID:", "c-id"),
        row("ServerID:", "s-id"),
        row("Host:", "localhost"),
        row("Tasks:", "2"),
        row("Enabled Tasks:", "1"),
        row("Subscriptions:", "0"),
        row("Platform:", "OSS"),
        row("Version:", "1.8.0"),
    ]
    .concat();
    assert_eq!(r.stdout, expected);
    let r = kap(&mock, &["stats", "ingress"]);
    ok(&r);
    // Only task_master=main; widths Database max(8,8)+1 = 9, RP 16+1 = 17, Measurement 28+1 = 29;
    // sorted by database; counts right-aligned in 15.
    assert_eq!(
        r.stdout,
        format!(
            "{:<9}{:<17}{:<29}Points Received\n{:<9}{:<17}{:<29}{:>15}\n{:<9}{:<17}{:<29}{:>15}\n",
            "Database",
            "Retention Policy",
            "Measurement",
            "db2",
            "autogen",
            "a_very_long_measurement_name",
            7,
            "telegraf",
            "autogen",
            "cpu",
            12
        )
    );
    // Ours: `[cluster]` counters, sorted by name.
    let r = kap(&mock, &["stats", "cluster"]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "{:<30}k1\n{:<30}3\n{:<30}2\n",
            "Node:", "alerts_deduplicated:", "failovers:"
        )
    );
    let r = kap(&mock, &["stats", "other"]);
    ok(&r);
    assert_eq!(r.stdout, "");
    let r = kap(&mock, &["stats"]);
    assert_eq!(r.code, 3);
    assert!(r
        .stderr
        .starts_with("Usage: kapacitor stats <general|ingress>\n"));
    assert!(r.stderr.ends_with("must provide a stats category\n"));
    let r = kap(&mock, &["vars"]);
    ok(&r);
    assert_eq!(r.stdout, DEBUG_VARS);
    assert_eq!(
        mock.requests().last().unwrap().line(),
        "GET /kapacitor/v1/debug/vars"
    );
}

#[test]
fn service_tests() {
    let mock = Mock::new(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", _) if r.query == "pattern=sl%2A" => reply(
            200,
            r#"{"services":[{"link":{"rel":"self","href":"/kapacitor/v1/service-tests/slack"},"name":"slack","options":{}}]}"#,
        ),
        ("GET", _) => reply(
            200,
            r#"{"services":[{"link":{"rel":"self","href":"/kapacitor/v1/service-tests/smtp"},"name":"smtp","options":{}}]}"#,
        ),
        ("POST", "/kapacitor/v1/service-tests/slack") => {
            reply(200, r#"{"success":true,"message":""}"#)
        }
        _ => reply(
            200,
            r#"{"success":false,"message":"service is not enabled"}"#,
        ),
    });
    let r = kap(&mock, &["service-tests", "sl*", "smtp"]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "{:<20}{:<10}Message\n{:<20}{:<10}\n{:<20}{:<10}service is not enabled\n",
            "Service", "Success", "slack", "true", "smtp", "false"
        )
    );
    let lines: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.line(), r.body))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /kapacitor/v1/service-tests?pattern=sl%2A ",
            "GET /kapacitor/v1/service-tests?pattern=smtp ",
            "POST /kapacitor/v1/service-tests/slack null\n",
            "POST /kapacitor/v1/service-tests/smtp null\n",
        ]
    );
    let r = kap(&mock, &["service-tests"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "must provide at least one service name or pattern.\n")
    );
}

#[test]
fn backup_writes_the_database_file() {
    let mock = Mock::new(|r| match r.path.as_str() {
        "/kapacitor/v1/storage/backup" => Reply {
            status: 200,
            body: "BOLTDB-BYTES".to_string(),
            headers: vec![(
                "Content-Disposition".into(),
                "attachment; filename=\"kapacitor.db\"".into(),
            )],
        },
        _ => reply(500, "unexpected"),
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    let p = path.to_string_lossy().into_owned();
    ok(&kap(&mock, &["backup", &p]));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "BOLTDB-BYTES");
    assert_eq!(mock.lines(), ["GET /kapacitor/v1/storage/backup"]);
    assert_eq!(mock.requests()[0].headers["accept-encoding"], "identity");
    let r = kap(&mock, &["backup", "/nonexistent-dir/x.db"]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stderr,
        "failed to create backup file: open /nonexistent-dir/x.db: no such file or directory\n"
    );
    let r = kap(&mock, &["backup"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "must provide file path for backup.\n")
    );
    let failing = Mock::new(|_| error_reply(500, "storage unavailable"));
    let r = kap(&failing, &["backup", &p]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "failed to perform backup: storage unavailable\n")
    );
}

#[test]
fn watch_and_logs_stream_the_log_endpoint() {
    let body = "ts=2016-05-04T17:44:00Z lvl=info msg=\"point\" task=cpu_alert node=log5\nts=2016-05-04T17:44:01Z lvl=info msg=\"point\" task=cpu_alert node=log5\n";
    let b = body.to_string();
    let mock = Mock::new(move |_| Reply {
        status: 200,
        body: b.clone(),
        headers: vec![("X-Stream".into(), "1".into())],
    });
    let r = kap(&mock, &["watch", "cpu_alert", "node=log5"]);
    ok(&r);
    assert_eq!(r.stdout, body);
    let r = kap(&mock, &["logs", "service=http", "lvl=info+"]);
    ok(&r);
    assert_eq!(
        mock.lines(),
        [
            "GET /kapacitor/v1preview/logs?node=log5&task=cpu_alert",
            "GET /kapacitor/v1preview/logs?lvl=info%2B&service=http",
        ]
    );
    let r = kap(&mock, &["logs", "service"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "bad keyvalue pair: 'service'\n")
    );
    let r = kap(&mock, &["watch"]);
    assert_eq!((r.code, r.stderr.as_str()), (3, "must provide task ID.\n"));
    let failing = Mock::new(|_| error_reply(400, "duplicate key \"task\""));
    let r = kap(&failing, &["logs"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "failed to retrieve logs: duplicate key \"task\"\n")
    );
}

#[test]
fn logs_ends_quietly_on_interrupt() {
    // A log stream that never ends: the user stops it with Ctrl-C and the command succeeds.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/logfmt\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nline1\n\r\n");
            let _ = s.flush();
            std::thread::sleep(Duration::from_secs(30));
        }
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_kapacitor"))
        .args(["-url", &format!("http://127.0.0.1:{port}"), "logs"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"line1\n");
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
