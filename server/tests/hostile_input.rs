//! Hostile input on every endpoint of the real `kapacitord`: malformed JSON,
//! wrong types, missing and unknown fields, unknown IDs, IDs that try to
//! leave the data directory, invalid UTF-8, oversized bodies, slow clients,
//! huge line-protocol batches and huge scripts. Each case is one row of
//! `cases()`: the raw request, the status and a piece of the message that
//! names the problem. After the table (and after each slow-client case) the
//! server must still answer `/ping` and run a task.
//!
//! Requests go over a raw TCP socket so that bytes no HTTP client would send
//! (invalid UTF-8 in the request target, NUL) reach the server as written.

mod common;

use common::Server;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Small limits so the oversized and slow cases are quick.
const MAX_BODY: usize = 256 * 1024;

fn start(dir: &std::path::Path) -> Server {
    Server::start(
        dir,
        &[
            ("KAPACITOR_HTTP_LIMITS_MAX_BODY_SIZE", "262144"),
            ("KAPACITOR_HTTP_LIMITS_READ_HEADER_TIMEOUT", "1s"),
            ("KAPACITOR_HTTP_LIMITS_READ_BODY_TIMEOUT", "1s"),
        ],
        &[],
    )
}

fn addr(s: &Server) -> String {
    s.url().trim_start_matches("http://").to_string()
}

/// One request as raw bytes (target as given, body with its length).
fn request(method: &str, target: &[u8], body: &[u8]) -> Vec<u8> {
    request_with(method, target, "", body)
}

/// `headers`: extra header lines, each ending in CRLF.
fn request_with(method: &str, target: &[u8], headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(method.as_bytes());
    r.push(b' ');
    r.extend_from_slice(target);
    r.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    r.extend_from_slice(headers.as_bytes());
    r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    r.extend_from_slice(body);
    r
}

/// Sends `bytes`, reads the answer to the end: (status, body). A
/// connection closed without an answer is status 0.
fn send(addr: &str, bytes: &[u8]) -> (u16, String) {
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server may answer (413) and close before taking the whole body.
    let _ = c.write_all(bytes);
    read_response(&mut c)
}

fn read_response(c: &mut TcpStream) -> (u16, String) {
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

struct Case {
    name: &'static str,
    method: &'static str,
    target: Vec<u8>,
    body: Vec<u8>,
    /// Extra header lines, each ending in CRLF.
    headers: &'static str,
    status: u16,
    /// A piece of the answer's body that names the problem.
    message: &'static str,
}

impl Case {
    fn header(mut self, h: &'static str) -> Case {
        self.headers = h;
        self
    }
}

fn case(
    name: &'static str,
    method: &'static str,
    target: impl AsRef<[u8]>,
    body: impl AsRef<[u8]>,
    status: u16,
    message: &'static str,
) -> Case {
    Case {
        name,
        method,
        target: target.as_ref().to_vec(),
        body: body.as_ref().to_vec(),
        headers: "",
        status,
        message,
    }
}

const TASKS: &str = "/kapacitor/v1/tasks";
const TEMPLATES: &str = "/kapacitor/v1/templates";
const RECORDINGS: &str = "/kapacitor/v1/recordings";
const REPLAYS: &str = "/kapacitor/v1/replays";
const TOPICS: &str = "/kapacitor/v1/alerts/topics";

fn task_body(id: &str) -> String {
    serde_json::json!({
        "id": id,
        "type": "stream",
        "dbrps": [{"db": "db", "rp": "rp"}],
        "script": "stream\n    |from()\n        .measurement('m')\n",
    })
    .to_string()
}

/// A script of `n` chained nodes.
fn long_chain(n: usize) -> String {
    let mut s = String::from("stream\n    |from()\n        .measurement('m')\n");
    for _ in 0..n {
        s.push_str("    |default()\n        .field('x', 1)\n");
    }
    s
}

/// A script of `n` nodes side by side, one branch each off `from`.
fn branches(n: usize) -> String {
    let mut s = String::from("var f = stream\n    |from()\n        .measurement('m')\n");
    for i in 0..n {
        s.push_str(&format!("f|default().field('x{i}', 1)\n"));
    }
    s
}

/// A lambda nested `n` parentheses deep.
fn deep_lambda(n: usize) -> String {
    format!(
        "stream\n    |from()\n        .measurement('m')\n    |where(lambda: {}\"x\" > 1{})\n",
        "(".repeat(n),
        ")".repeat(n)
    )
}

fn script_task(id: &str, script: &str) -> String {
    serde_json::json!({
        "id": id,
        "type": "stream",
        "dbrps": [{"db": "db", "rp": "rp"}],
        "script": script,
    })
    .to_string()
}

fn cases() -> Vec<Case> {
    let mut invalid_utf8_body = br#"{"id":"t"#.to_vec();
    invalid_utf8_body.extend_from_slice(&[0xff, 0xfe]);
    invalid_utf8_body.extend_from_slice(br#"","type":"stream"}"#);
    let oversized = vec![b'x'; MAX_BODY + 1];
    let line = "m,host=a value=1 1\n";
    let mut huge_lines = String::new();
    while huge_lines.len() <= MAX_BODY {
        huge_lines.push_str(line);
    }
    let fitting_lines = line.repeat(MAX_BODY / line.len());
    vec![
        // Malformed JSON, wrong types, missing fields.
        case(
            "task: truncated JSON",
            "POST",
            TASKS,
            "{\"id\":",
            400,
            "invalid JSON: EOF while parsing",
        ),
        case(
            "task: not an object",
            "POST",
            TASKS,
            "[1,2]",
            400,
            "invalid JSON: expected an object",
        ),
        case(
            "task: id of the wrong type",
            "POST",
            TASKS,
            r#"{"id":5,"type":"stream"}"#,
            400,
            "invalid JSON: id must be a string",
        ),
        case(
            "task: dbrps of the wrong type",
            "POST",
            TASKS,
            r#"{"id":"t1","dbrps":"db.rp","script":"stream|from()"}"#,
            400,
            "invalid JSON: invalid type",
        ),
        case(
            "task: unknown type",
            "POST",
            TASKS,
            r#"{"id":"t1","type":"flow","dbrps":[{"db":"d","rp":"r"}],"script":"stream|from()"}"#,
            400,
            "invalid JSON: unknown TaskType flow",
        ),
        case(
            "task: unknown status",
            "POST",
            TASKS,
            r#"{"id":"t1","status":"on","script":"stream|from()"}"#,
            400,
            "invalid task status",
        ),
        case(
            "task: missing script",
            "POST",
            TASKS,
            r#"{"id":"t1","type":"stream","dbrps":[{"db":"d","rp":"r"}]}"#,
            400,
            "must provide TICKscript",
        ),
        case(
            "task: missing dbrps",
            "POST",
            TASKS,
            r#"{"id":"t1","type":"stream","script":"stream|from()"}"#,
            400,
            "must specify dbrp",
        ),
        case(
            "task: invalid UTF-8 body",
            "POST",
            TASKS,
            invalid_utf8_body.clone(),
            400,
            "invalid JSON",
        ),
        case(
            "task: empty body",
            "POST",
            TASKS,
            "",
            400,
            "invalid JSON: EOF while parsing",
        ),
        case(
            "task: PATCH with malformed JSON",
            "PATCH",
            format!("{TASKS}/nosuch"),
            "{",
            400,
            "invalid JSON",
        ),
        case(
            "task: vars of the wrong shape",
            "POST",
            TASKS,
            r#"{"id":"t1","dbrps":[{"db":"d","rp":"r"}],"script":"var x = 1\nstream|from()","vars":{"x":{"type":"int","value":"one"}}}"#,
            400,
            "x",
        ),
        case(
            "template: malformed JSON",
            "POST",
            TEMPLATES,
            "{\"id\"",
            400,
            "invalid JSON",
        ),
        case(
            "recording: malformed JSON",
            "POST",
            format!("{RECORDINGS}/stream"),
            "{",
            400,
            "EOF while parsing",
        ),
        case(
            "recording: missing task",
            "POST",
            format!("{RECORDINGS}/stream"),
            r#"{"stop":"2030-01-01T00:00:00Z"}"#,
            404,
            "no task exists",
        ),
        case(
            "recording: bad stop time",
            "POST",
            format!("{RECORDINGS}/stream"),
            r#"{"task":"t","stop":"tomorrow"}"#,
            400,
            "invalid stop time",
        ),
        case(
            "replay: malformed JSON",
            "POST",
            REPLAYS,
            "[",
            400,
            "EOF while parsing",
        ),
        case(
            "topic handler: malformed JSON",
            "POST",
            format!("{TOPICS}/t/handlers"),
            "{",
            400,
            "EOF while parsing",
        ),
        case(
            "config: malformed JSON",
            "POST",
            "/kapacitor/v1/config/slack",
            "{",
            400,
            "EOF while parsing",
        ),
        case(
            "config: wrong type",
            "POST",
            "/kapacitor/v1/config/smtp/",
            r#"{"set":{"port":"abc"}}"#,
            400,
            "invalid type: string \"abc\", expected u16",
        ),
        case(
            "loglevel: unknown level",
            "POST",
            "/kapacitor/v1/loglevel",
            r#"{"level":"LOUD"}"#,
            400,
            "invalid log level",
        ),
        case(
            "loglevel: malformed JSON",
            "POST",
            "/kapacitor/v1/loglevel",
            "{",
            400,
            "EOF while parsing",
        ),
        case(
            "service test: malformed JSON",
            "POST",
            "/kapacitor/v1/service-tests/slack",
            "{",
            400,
            "EOF while parsing",
        ),
        // Unknown fields: ignored, as Kapacitor's Go decoder ignores them.
        case(
            "task: unknown field ignored",
            "POST",
            TASKS,
            r#"{"id":"extra","dbrps":[{"db":"d","rp":"r"}],"script":"stream|from()","bogus":{"a":1}}"#,
            200,
            "\"id\": \"extra\"",
        ),
        // Unknown IDs (wording from the reference: recordings answer 500).
        case(
            "task: unknown id",
            "GET",
            format!("{TASKS}/nosuch"),
            "",
            404,
            "no task exists",
        ),
        case(
            "task: PATCH unknown id",
            "PATCH",
            format!("{TASKS}/nosuch"),
            "{}",
            404,
            "task does not exist",
        ),
        case(
            "task: delete unknown id",
            "DELETE",
            format!("{TASKS}/nosuch"),
            "",
            204,
            "",
        ),
        case(
            "task: unknown httpOut endpoint",
            "GET",
            format!("{TASKS}/nosuch/out"),
            "",
            404,
            "",
        ),
        case(
            "template: unknown id",
            "GET",
            format!("{TEMPLATES}/nosuch"),
            "",
            404,
            "no template exists",
        ),
        case(
            "recording: unknown id",
            "GET",
            format!("{RECORDINGS}/nosuch"),
            "",
            500,
            "error finding recording: no recording exists",
        ),
        case(
            "replay: unknown id",
            "GET",
            format!("{REPLAYS}/nosuch"),
            "",
            404,
            "no replay exists",
        ),
        case(
            "replay: unknown task",
            "POST",
            REPLAYS,
            r#"{"task":"nosuch","recording":"nosuch"}"#,
            404,
            "no task exists",
        ),
        case(
            "topic: unknown id",
            "GET",
            format!("{TOPICS}/nosuch"),
            "",
            404,
            "nosuch",
        ),
        case(
            "topic: unknown event",
            "GET",
            format!("{TOPICS}/nosuch/events/e"),
            "",
            404,
            "",
        ),
        case(
            "topic handler: unknown id",
            "GET",
            format!("{TOPICS}/nosuch/handlers/h"),
            "",
            404,
            "unknown handler",
        ),
        case(
            "service test: unknown service",
            "POST",
            "/kapacitor/v1/service-tests/nosuch",
            "{}",
            404,
            "nosuch",
        ),
        case(
            "config: unknown section",
            "GET",
            "/kapacitor/v1/config/..%2F..",
            "",
            404,
            "",
        ),
        case(
            "storage: unknown store",
            "POST",
            "/kapacitor/v1/storage/stores/..%2Ftasks",
            r#"{"action":"rebuild"}"#,
            404,
            "unknown storage",
        ),
        // IDs that try to leave the data directory.
        case(
            "task: id with ../",
            "POST",
            TASKS,
            task_body("../../etc/x"),
            400,
            "task ID must contain only letters",
        ),
        case(
            "task: absolute id",
            "POST",
            TASKS,
            task_body("/etc/passwd"),
            400,
            "task ID must contain only letters",
        ),
        case(
            "task: id with NUL",
            "POST",
            TASKS,
            task_body("a\u{0}b"),
            400,
            "task ID must contain only letters",
        ),
        case(
            "task: rename to ../",
            "PATCH",
            format!("{TASKS}/extra"),
            r#"{"id":"../extra"}"#,
            400,
            "task ID must contain only letters",
        ),
        case(
            "task: encoded ../ in the path",
            "GET",
            format!("{TASKS}/..%2F..%2Fetc%2Fpasswd"),
            "",
            404,
            "no task exists",
        ),
        case(
            "task: NUL in the path",
            "GET",
            format!("{TASKS}/a%00b"),
            "",
            404,
            "no task exists",
        ),
        case(
            "template: id with ../",
            "POST",
            TEMPLATES,
            r#"{"id":"../t","type":"stream","script":"stream|from()"}"#,
            400,
            "template ID must contain only letters",
        ),
        case(
            "template: absolute id",
            "POST",
            TEMPLATES,
            r#"{"id":"/t","type":"stream","script":"stream|from()"}"#,
            400,
            "template ID must contain only letters",
        ),
        case(
            "recording: id with ../",
            "POST",
            format!("{RECORDINGS}/stream"),
            r#"{"id":"../../r","task":"t","stop":"2030-01-01T00:00:00Z"}"#,
            400,
            "recording ID must contain only letters",
        ),
        case(
            "recording: absolute id",
            "POST",
            format!("{RECORDINGS}/stream"),
            r#"{"id":"/tmp/r","task":"t","stop":"2030-01-01T00:00:00Z"}"#,
            400,
            "recording ID must contain only letters",
        ),
        case(
            "recording: query id with ../",
            "POST",
            format!("{RECORDINGS}/query"),
            r#"{"id":"../q","type":"stream","query":"SELECT * FROM \"d\".\"r\".\"m\""}"#,
            400,
            "recording ID must contain only letters",
        ),
        case(
            "recording: delete encoded ../",
            "DELETE",
            format!("{RECORDINGS}/..%2F..%2Fkapacitor.db"),
            "",
            204,
            "",
        ),
        case(
            "replay: id with ../",
            "POST",
            REPLAYS,
            r#"{"id":"../p","task":"t","recording":"r"}"#,
            400,
            "replay ID must contain only letters",
        ),
        case(
            "replay: recording id with ../",
            "POST",
            REPLAYS,
            r#"{"id":"p","task":"extra","recording":"../../kapacitor"}"#,
            404,
            "recording",
        ),
        case(
            "topic handler: id with ../",
            "POST",
            format!("{TOPICS}/t/handlers"),
            r#"{"id":"../h","kind":"log","options":{"path":"/tmp/x"}}"#,
            400,
            "ID",
        ),
        // Invalid UTF-8 and junk in the request target.
        case(
            "tasks: invalid UTF-8 in a query parameter",
            "GET",
            format!("{TASKS}?pattern=%FF%FE"),
            "",
            400,
            "invalid query: parameter \"pattern\" is not valid UTF-8",
        ),
        case(
            "write: invalid UTF-8 in db",
            "POST",
            "/write?db=%FF&rp=rp",
            "m value=1 1\n",
            400,
            "not valid UTF-8",
        ),
        case(
            "tasks: raw invalid UTF-8 in the target",
            "GET",
            [TASKS.as_bytes(), b"?pattern=\xff"].concat(),
            "",
            400,
            "",
        ),
        case(
            "tasks: wrong type in query",
            "GET",
            format!("{TASKS}?limit=abc"),
            "",
            400,
            "limit",
        ),
        // Sizes and line protocol.
        case(
            "task: oversized body",
            "POST",
            TASKS,
            oversized,
            413,
            "request body larger than 262144 bytes (http-limits.max-body-size)",
        ),
        case(
            "write: oversized line-protocol batch",
            "POST",
            "/write?db=db&rp=rp",
            huge_lines,
            413,
            "request body larger than 262144 bytes",
        ),
        case(
            "write: batch just under the limit",
            "POST",
            "/write?db=db&rp=rp",
            fitting_lines,
            204,
            "",
        ),
        case(
            "write: bad line",
            "POST",
            "/write?db=db&rp=rp",
            "m,host=a value=\n",
            400,
            "unable to parse 'm,host=a value=': missing fields",
        ),
        case(
            "write: invalid UTF-8",
            "POST",
            "/write?db=db&rp=rp",
            b"m,host=\xff value=1 1\n",
            400,
            "body is not UTF-8",
        ),
        case(
            "write: gzip that is not gzip",
            "POST",
            "/write?db=db&rp=rp",
            "not gzip",
            400,
            "unable to decode gzip body",
        )
        .header("Content-Encoding: gzip\r\n"),
        // Unknown precision: nanoseconds, as the reference says (§write).
        case(
            "write: unknown precision",
            "POST",
            "/write?db=db&rp=rp&precision=weeks",
            "m value=1 1\n",
            204,
            "",
        ),
        case(
            "write: one 200 KB tag value",
            "POST",
            "/write?db=db&rp=rp",
            format!("m,host={} value=1 1\n", "a".repeat(200_000)),
            400,
            "max key length exceeded",
        ),
        case(
            "pprof: a profile path with ../",
            "GET",
            "/kapacitor/v1/debug/pprof/..%2F..%2Fetc%2Fpasswd",
            "",
            404,
            "is not available",
        ),
        case(
            "task: JSON nested 100,000 deep",
            "POST",
            TASKS,
            format!("{{\"id\":\"n\",\"vars\":{}", "[".repeat(100_000)),
            400,
            "recursion limit exceeded",
        ),
        case(
            "topic handler: JSON nested 100,000 deep",
            "POST",
            format!("{TOPICS}/t/handlers"),
            "{\"options\":".to_string() + &"{\"a\":".repeat(50_000),
            400,
            "recursion limit exceeded",
        ),
        // Huge scripts: answered, never a hang or a stack overflow.
        case(
            "task: a chain of 5,000 nodes",
            "POST",
            TASKS,
            script_task("chain", &long_chain(5_000)),
            400,
            "expression nested more than 256 levels deep",
        ),
        case(
            "task: 3,000 nodes in branches",
            "POST",
            TASKS,
            script_task("branches", &branches(3_000)),
            200,
            "\"id\": \"branches\"",
        ),
        case(
            "task: lambda nested 100,000 deep",
            "POST",
            TASKS,
            script_task("deep", &deep_lambda(100_000)),
            400,
            "expression nested more than 256 levels deep",
        ),
        case(
            "task: 200 KB of '('",
            "POST",
            TASKS,
            script_task("parens", &"(".repeat(200_000)),
            400,
            "invalid TICKscript",
        ),
    ]
}

#[test]
fn every_hostile_request_gets_a_4xx_that_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let a = addr(&s);
    let mut failures = Vec::new();
    for c in cases() {
        let (status, body) = send(&a, &request_with(c.method, &c.target, c.headers, &c.body));
        // One line: the JSON error's message, or the plain text.
        let shown = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .filter(|_| status >= 400)
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| body.trim().to_string());
        let matches = shown.contains(c.message);
        let shown: String = shown.chars().take(160).collect();
        eprintln!("| {} | {} | {status} | {shown} |", c.name, c.method);
        if status != c.status || !matches {
            failures.push(format!(
                "{}: want {} with {:?}, got {status}: {shown}",
                c.name, c.status, c.message
            ));
        }
        assert_eq!(
            send(&a, &request("GET", b"/kapacitor/v1/ping", b"")).0,
            204,
            "server stopped answering after {}",
            c.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    still_serving(&s);
}

/// `/ping` answers and a task still defines, runs and counts a write.
fn still_serving(s: &Server) {
    let a = addr(s);
    assert_eq!(send(&a, &request("GET", b"/kapacitor/v1/ping", b"")).0, 204);
    let body = serde_json::json!({
        "id": "alive",
        "type": "stream",
        "dbrps": [{"db": "db", "rp": "rp"}],
        "script": "stream\n    |from()\n        .measurement('alive')\n",
        "status": "enabled",
    })
    .to_string();
    let (status, text) = send(&a, &request("POST", TASKS.as_bytes(), body.as_bytes()));
    assert!(status == 200, "define after hostile input: {status} {text}");
    let (status, text) = send(
        &a,
        &request("POST", b"/write?db=db&rp=rp", b"alive value=1 1\n"),
    );
    assert_eq!(status, 204, "{text}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, v) = s.get("/kapacitor/v1/tasks/alive");
        let n = v["stats"]["node-stats"]["from1"]["collected"].as_i64();
        if n == Some(1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the task never saw the write: {v}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _) = send(&a, &request("DELETE", b"/kapacitor/v1/tasks/alive", b""));
    assert_eq!(status, 204);
}

#[test]
fn slow_clients_are_cut_off_and_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let a = addr(&s);

    // Headers dribbled: half a request line, then nothing. The server
    // closes the connection (read-header-timeout 1s) instead of waiting.
    let mut slow = TcpStream::connect(&a).unwrap();
    slow.write_all(b"GET /kapacitor/v1/ping HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // Meanwhile other clients are served.
    assert_eq!(send(&a, &request("GET", b"/kapacitor/v1/ping", b"")).0, 204);
    // The server must close it: a read that times out (30s) instead of
    // reaching the end of the stream fails here.
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut rest = Vec::new();
    let end = slow.read_to_end(&mut rest);
    assert!(
        end.is_ok(),
        "a client that never finishes its headers must be disconnected: {end:?}"
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "nothing but a 408 for a half-sent request: {text}"
    );

    // A body promised and never sent: 408 naming the limit.
    let mut slow = TcpStream::connect(&a).unwrap();
    slow.write_all(
        b"POST /kapacitor/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"id\":",
    )
    .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let (status, body) = read_response(&mut slow);
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("read-body-timeout"), "{body}");
    still_serving(&s);
}
