//! End-to-end tests of `tickc eval`, driving the built binary.

use std::io::Write;
use std::process::{Command, Stdio};

fn tickc(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tickc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tickc runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("tickc finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_where_predicate_over_points() {
    let (code, out, err) = tickc(
        &[
            "eval",
            "lambda: \"host\" == 'a' AND \"usage_idle\" < 70",
            "--point",
            "cpu,host=a usage_idle=50 1",
            "--point",
            "cpu,host=b usage_idle=50 2",
            "--point",
            "cpu,host=a usage_idle=75i 3",
            "--engine",
            "both",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "true\nfalse\nfalse\n");
}

#[test]
fn points_from_stdin_and_state_across_points() {
    let input = "# comment\ncpu v=1 1\n\ncpu v=2 2\ncpu v=3 3\ncpu v=100 4\n";
    let (code, out, err) = tickc(
        &["eval", "spread(\"v\")", "--points", "-", "--engine", "vm"],
        Some(input),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "0.0\n1.0\n2.0\n99.0\n");
    let (code, out, _) = tickc(
        &["eval", "count()", "--points", "-", "--engine", "both"],
        Some(input),
    );
    assert_eq!(code, 0);
    assert_eq!(out, "1\n2\n3\n4\n");
}

#[test]
fn evaluation_errors_are_json_lines() {
    let (code, out, _) = tickc(
        &[
            "eval",
            "\"a\" / \"b\"",
            "--point",
            "m a=1i,b=0i 1",
            "--point",
            "m a=1i,b=2.0 1",
            "--point",
            "m,a=x a=1i 1",
        ],
        None,
    );
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"error":"runtime error: integer divide by zero"}"#
    );
    assert_eq!(
        lines[1],
        r#"{"error":"mismatched type to binary operator. got int / float. see bool(), int(), float(), string(), duration()"}"#
    );
    assert_eq!(
        lines[2],
        r#"{"error":"cannot have field and tags with same name \"a\""}"#
    );
}

#[test]
fn compile_errors_exit_1_with_a_caret() {
    let (code, out, err) = tickc(&["eval", "abs(1)"], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty());
    assert!(err.contains("error") && err.contains('^'), "{err}");
}

#[test]
fn bad_point_exits_2() {
    let (code, _, err) = tickc(&["eval", "1 + 1", "--point", "garbage"], None);
    assert_eq!(code, 2);
    assert!(err.contains("bad point"), "{err}");
}

#[test]
fn no_point_evaluates_once() {
    let (code, out, _) = tickc(&["eval", "strToUpper('abc') + string(1.5)"], None);
    assert_eq!(code, 0);
    assert_eq!(out, "\"ABC1.5\"\n");
}
