//! End to end: the real `tickc lsp` binary driven over stdio by a scripted
//! LSP client (Content-Length framing, JSON-RPC), asserting exact results.
//!
//! Expected positions are counted by hand on the scripts below (0-based
//! lines, UTF-16 columns); expected texts come from the catalog's one-line
//! docs and the formatter's layout (4-space chain indent, a blank line after
//! `var` declarations).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tickc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tickc lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        self.incoming
            .recv_timeout(TIMEOUT)
            .expect("no message from tickc lsp within the timeout")
    }

    /// Sends a request and returns its response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.recv();
            if msg.get("id") == Some(&json!(id)) {
                return msg;
            }
            self.pending.push(msg);
        }
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let resp = self.request(method, params);
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next notification of `method` (earlier ones of other methods are kept).
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method) {
            return self.pending.remove(i)["params"].clone();
        }
        loop {
            let msg = self.recv();
            if msg["method"] == method {
                return msg["params"].clone();
            }
            self.pending.push(msg);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "tickscript", "version": 1, "text": text}}),
        );
        self.notification("textDocument/publishDiagnostics")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Only if a failed assertion left the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

fn pos(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

const A: &str = "file:///tmp/a.tick";
const A_TEXT: &str =
    "stream\n    |from()\n        .measurment('cpu')\n    |where(lambda: \"host\" == \"a\")\n";
const B: &str = "file:///tmp/b.tick";
const B_TEXT: &str = "var limit = 90\nstream\n  |from()\n  |where(lambda: \"host\" == \"a\")\n  |alert()\n    .crit(lambda: \"usage\" > limit)\n    .log('/tmp/alerts.log')\n";

#[test]
fn scripted_client_session() {
    let mut c = Client::start();
    let init = c.result(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    assert_eq!(caps["textDocumentSync"], json!(1), "full sync");
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentSymbolProvider",
        "documentFormattingProvider",
        "codeActionProvider",
    ] {
        assert_eq!(caps[cap], json!(true), "{cap}");
    }
    c.notify("initialized", json!({}));

    // 1. Diagnostics on open: `.measurment` on line 2, columns 9..19.
    let d = c.open(A, A_TEXT);
    let measurment = range(2, 9, 2, 19);
    assert_eq!(
        d,
        json!({"uri": A, "version": 1, "diagnostics": [{
            "range": measurment,
            "severity": 1,
            "code": "E0302",
            "source": "tickc",
            "message": "no method or property \"measurment\" on from",
            "relatedInformation": [{
                "location": {"uri": A, "range": measurment},
                "message": "unknown property"
            }, {
                "location": {"uri": A, "range": measurment},
                "message": "property `.measurment` does not exist on `from`; did you mean `.measurement`?"
            }]
        }]})
    );

    // Quick fix for it.
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": A}, "range": range(0, 0, 4, 0), "context": {"diagnostics": []}}),
    );
    assert_eq!(actions.as_array().unwrap().len(), 1, "{actions}");
    assert_eq!(actions[0]["title"], "Change to `measurement`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"]["changes"][A],
        json!([{"range": measurment, "newText": "measurement"}])
    );

    // 2. Applying it: the quotes pitfall remains, a warning on `"a"`
    //    (line 3: 4 spaces, `|where(` to column 10, `lambda: ` 11..18,
    //    `"host"` 19..25, `==` 26..28, `"a"` 29..32).
    let fixed = A_TEXT.replace("measurment", "measurement");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": A, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let d = c.notification("textDocument/publishDiagnostics");
    assert_eq!(d["version"], 2);
    let diags = d["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{d}");
    assert_eq!(diags[0]["code"], "W0101");
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(diags[0]["range"], range(3, 29, 3, 32));
    assert_eq!(
        diags[0]["relatedInformation"],
        json!([
            {"location": {"uri": A, "range": range(3, 29, 3, 32)}, "message": "this is a field reference, not a string"},
            {"location": {"uri": A, "range": range(3, 29, 3, 32)}, "message": "to compare with a string, write 'a' (single quotes)"}
        ])
    );
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": A}, "range": range(3, 30, 3, 30), "context": {"diagnostics": []}}),
    );
    assert_eq!(actions[0]["title"], "Use the string 'a'");
    assert_eq!(
        actions[0]["edit"]["changes"][A],
        json!([{"range": range(3, 29, 3, 32), "newText": "'a'"}])
    );

    // 3. Formatting B: 4-space chain indent, a blank line after the var.
    let d = c.open(B, B_TEXT);
    assert_eq!(d["diagnostics"][0]["code"], "W0101");
    let edits = c.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": B}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits,
        json!([{"range": range(0, 0, 7, 0), "newText": "var limit = 90\n\nstream\n    |from()\n    |where(lambda: \"host\" == \"a\")\n    |alert()\n        .crit(lambda: \"usage\" > limit)\n        .log('/tmp/alerts.log')\n"}])
    );

    // 4. Hover: a node from the catalog (line 2 `  |from()`, `from` at 3..7).
    let h = c.result("textDocument/hover", pos(B, 2, 4));
    assert_eq!(
        h,
        json!({"contents": {"kind": "markdown", "value": "```tickscript\n|from()\n```\n\nselects points of a stream by database, retention policy and measurement"},
               "range": range(2, 3, 2, 7)})
    );
    // A var's value (line 5 `    .crit(lambda: "usage" > limit)`, `limit` at 28..33).
    let h = c.result("textDocument/hover", pos(B, 5, 30));
    assert_eq!(h["contents"]["value"], "```tickscript\nvar limit = 90\n```");
    assert_eq!(h["range"], range(5, 28, 5, 33));
    // On the `>` of that lambda: the comparison's inferred type.
    let h = c.result("textDocument/hover", pos(B, 5, 26));
    assert_eq!(
        h["contents"]["value"],
        "```tickscript\n\"usage\" > limit\n```\n\nType: bool"
    );
    assert_eq!(h["range"], range(5, 18, 5, 33));
    // Indentation: nothing to say.
    assert_eq!(c.result("textDocument/hover", pos(B, 3, 1)), Value::Null);

    // 5. Definition, references, rename of `limit` (declared at 0:4..9).
    let def = c.result("textDocument/definition", pos(B, 5, 30));
    assert_eq!(def, json!({"uri": B, "range": range(0, 4, 0, 9)}));
    let mut refs = pos(B, 0, 5);
    refs["context"] = json!({"includeDeclaration": true});
    assert_eq!(
        c.result("textDocument/references", refs),
        json!([{"uri": B, "range": range(0, 4, 0, 9)}, {"uri": B, "range": range(5, 28, 5, 33)}])
    );
    let mut ren = pos(B, 5, 29);
    ren["newName"] = json!("threshold");
    assert_eq!(
        c.result("textDocument/rename", ren),
        json!({"changes": {B: [
            {"range": range(0, 4, 0, 9), "newText": "threshold"},
            {"range": range(5, 28, 5, 33), "newText": "threshold"}
        ]}})
    );
    let mut bad = pos(B, 5, 29);
    bad["newName"] = json!("2x");
    let resp = c.request("textDocument/rename", bad);
    assert_eq!(resp["error"]["message"], "\"2x\" is not a valid var name");

    // 6. Document symbols: the var, then the nodes as Kapacitor names them.
    let syms = c.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": B}}),
    );
    let names: Vec<(&str, &str)> = syms
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("limit", "var"),
            ("stream0", "stream"),
            ("from1", "from"),
            ("where2", "where"),
            ("alert3", "alert")
        ]
    );

    // 7. Completion while typing: after `stream\n    |` only `from` (and
    //    the chain methods every node has); after `.` on a window, its properties.
    const C: &str = "file:///tmp/c.tick";
    c.open(C, "stream\n    |");
    let items = c.result("textDocument/completion", pos(C, 1, 5));
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["from", "stats", "deadman"]);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": C, "version": 2}, "contentChanges": [{"text": "stream\n    |from()\n    |window()\n        ."}]}),
    );
    c.notification("textDocument/publishDiagnostics");
    let items = c.result("textDocument/completion", pos(C, 3, 9));
    let period = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "period")
        .expect("window has .period");
    assert_eq!(period["detail"], ".period(duration)");
    assert_eq!(period["kind"], 10, "property");

    // 8. Shutdown and exit: the process ends with status 0.
    assert_eq!(c.result("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    let status = wait_with_timeout(&mut c.child);
    assert!(status.success(), "{status}");
}

/// The same diagnostics as `tickc check --format json`, on a script with
/// several errors (the LSP is 0-based, `check` 1-based; both in characters
/// of ASCII text here).
#[test]
fn diagnostics_match_tickc_check() {
    let text = "var x = 5m\nstream\n    |from()\n        .measurment('cpu')\n    |alert()\n        .crit(lambda: 'usage' > 1)\n        slack()\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.tick");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tickc"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let records: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(records.len() >= 3, "{records:?}");

    let mut c = Client::start();
    c.result("initialize", json!({"processId": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    let d = c.open("file:///tmp/s.tick", text);
    let diags = d["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), records.len());
    for (lsp, rec) in diags.iter().zip(&records) {
        assert_eq!(lsp["code"], rec["code"]);
        assert_eq!(lsp["message"], rec["message"]);
        let line = |v: &Value| v.as_u64().unwrap() - 1;
        assert_eq!(
            lsp["range"],
            range(
                line(&rec["line"]) as u32,
                line(&rec["column"]) as u32,
                line(&rec["end_line"]) as u32,
                line(&rec["end_column"]) as u32,
            )
        );
    }
    // The forgotten dot before `slack()` (line 6, column 8) has a quick fix.
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": "file:///tmp/s.tick"}, "range": range(6, 8, 6, 8), "context": {"diagnostics": []}}),
    );
    assert_eq!(actions[0]["title"], "Insert `.` before `slack`");
    assert_eq!(
        actions[0]["edit"]["changes"]["file:///tmp/s.tick"],
        json!([{"range": range(6, 8, 6, 8), "newText": "."}])
    );
    c.result("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert!(wait_with_timeout(&mut c.child).success());
}

fn wait_with_timeout(child: &mut Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "tickc lsp did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A real editor: Debian's Neovim, headless, with its built-in LSP client
/// (tests/neovim/session.lua) opening B, reading the diagnostics, hovering,
/// completing, renaming `limit` and formatting. `.ci/test` installs Neovim.
#[test]
fn neovim_headless_session() {
    let found = Command::new("nvim").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "this test needs Neovim: install it with `apt-get install -y neovim` (.ci/test does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.tick");
    std::fs::write(&file, B_TEXT).unwrap();
    let out_file = dir.path().join("out.txt");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/neovim/session.lua");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "-c"])
        .arg(format!("luafile {script}"))
        .env("TICKC", env!("CARGO_BIN_EXE_tickc"))
        .env("TICK_FILE", &file)
        .env("OUT_FILE", &out_file)
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start nvim");
    let status = wait_with_timeout(&mut nvim);
    assert!(status.success(), "nvim: {status}");
    let out = std::fs::read_to_string(&out_file).expect("the session wrote its results");
    let expected = [
        // W0101 on `"a"`, line 3 columns 27..30 (2-space indent).
        "diagnostic 3:27-3:30 W0101 \"host\" == \"a\" compares two fields: double quotes make a field reference",
        "hover ```tickscript\\n|from()\\n```\\n\\nselects points of a stream by database, retention policy and measurement",
        // After the `|` of line 4 (`  |alert()`), the node at hand is `where`:
        // the 49 general chain methods of §4.0 (first `where`) less `trickle`
        // (batch edges only; this is a stream edge), `stats`, `deadman`.
        "completion after | 50 items, first where",
        "buffer 1 var threshold = 90",
        "buffer 2 ",
        "buffer 3 stream",
        "buffer 4     |from()",
        "buffer 5     |where(lambda: \"host\" == \"a\")",
        "buffer 6     |alert()",
        "buffer 7         .crit(lambda: \"usage\" > threshold)",
        "buffer 8         .log('/tmp/alerts.log')",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{out}");
}
