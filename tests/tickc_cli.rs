//! End to end: the built `tickc` binary for check (exit codes 0/1/2, json),
//! ir, dot and fmt (`--check`, stdin `-`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn tickc() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        // Always (re)build: cargo makes this a no-op when it is up to date,
        // and a stale binary would test old code.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "cli", "--bin", "tickc"])
            .current_dir(root)
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building tickc failed");
        let bin = target
            .join("debug")
            .join(format!("tickc{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.exists(), "{} missing", bin.display());
        bin
    })
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(tickc());
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn tickc");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tickc_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

const CLEAN: &str = "spec/check/getting-started/cpu_alert.tick";
const WARN: &str = "spec/check/getting-started/filter_server1_double_quotes.tick";
const BAD: &str = "spec/check/semantic/misspelled_node.tick";

#[test]
fn check_exit_codes() {
    let out = run(&["check", CLEAN], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());

    let out = run(&["check", WARN], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("warning[W0101]"));

    let out = run(&["check", CLEAN, BAD], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error[E0301]"), "{err}");
    assert!(err.contains("did you mean `from`?"), "{err}");

    let out = run(&["check", "spec/does/not/exist.tick", BAD], None);
    assert_eq!(out.status.code(), Some(2));

    let out = run(&["check"], None);
    assert_eq!(out.status.code(), Some(2), "usage error");
}

#[test]
fn check_json_and_stdin() {
    let out = run(&["check", "--format", "json", BAD], None);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_str(text(&out.stdout).trim()).expect("valid JSON");
    assert!(text(&out.stdout).contains("E0301"), "{json}");

    // Several files: one JSON array with the records of all of them.
    let out = run(&["check", "--format", "json", BAD, CLEAN, WARN], None);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    let records = json.as_array().expect("an array");
    assert_eq!(records.len(), 2, "{json}");
    assert_eq!(records[0]["code"], "E0301");
    assert_eq!(records[1]["code"], "W0101");
    assert_eq!(records[1]["severity"], "warning");

    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(BAD)).unwrap();
    let out = run(&["check", "-"], Some(&src));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("<stdin>"));
}

#[test]
fn ir_and_dot() {
    let out = run(&["ir", CLEAN], None);
    assert_eq!(out.status.code(), Some(0));
    let ir = text(&out.stdout);
    assert!(
        ir.contains("alert2: alert (stream -> stream) parents=[from1]"),
        "{ir}"
    );
    assert!(
        ir.contains("(\"usage_idle\":dynamic < 70:int):bool"),
        "{ir}"
    );

    let out = run(&["dot", CLEAN], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "digraph cpu_alert {\nstream0 -> from1;\nfrom1 -> alert2;\n}"
    );

    let src = "stream|from().measurement('m')|httpOut('x')";
    let out = run(&["dot", "-"], Some(src));
    assert_eq!(
        text(&out.stdout),
        "digraph stdin {\nstream0 -> from1;\nfrom1 -> http_out2;\n}"
    );

    let out = run(&["ir", BAD], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fmt_check_stdin_and_in_place() {
    let messy = "stream|from().measurement('cpu')|httpOut('x')\n";
    let out = run(&["fmt", "-"], Some(messy));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let formatted = text(&out.stdout);
    assert_ne!(formatted, messy);

    let f = temp_file("messy.tick", messy);
    let path = f.to_str().unwrap();
    let out = run(&["fmt", "--check", path], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("messy.tick"));

    let out = run(&["fmt", path], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), formatted);

    let out = run(&["fmt", "--check", path], None);
    assert_eq!(out.status.code(), Some(0));
    let _ = std::fs::remove_file(&f);
}
