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

/// An expression starting with `-` is the expression, not a flag, wherever
/// it sits among the options. `-"v" < -1.5`: v = 2 gives -2 < -1.5, true;
/// v = 1 gives -1 < -1.5, false.
#[test]
fn an_expression_may_start_with_a_minus() {
    let (code, out, err) = tickc(
        &[
            "eval",
            "-\"v\" < -1.5",
            "--point",
            "m v=2 1",
            "--point",
            "m v=1 2",
            "--engine",
            "both",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "true\nfalse\n");
    let (code, out, err) = tickc(
        &[
            "eval",
            "--point",
            "m v=3i 1",
            "-\"v\" * 2",
            "--engine",
            "both",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "-6\n");
}

/// `eval` reads points with `tickc run`'s line-protocol parser: unsigned
/// integers and non-finite floats are InfluxDB errors with its wording, and
/// a point without a timestamp takes the previous point's time (here 7).
#[test]
fn points_are_read_like_tickc_run() {
    let (code, _, err) = tickc(&["eval", "1 + 1", "--point", "m a=5u 1"], None);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: bad point: line 1: unable to parse 'm a=5u 1': invalid number\n"
    );
    let (code, _, err) = tickc(&["eval", "1 + 1", "--point", "m,t= a=1 1"], None);
    assert_eq!(code, 2);
    assert!(err.contains("missing tag value"), "{err}");
    let (code, out, err) = tickc(
        &[
            "eval",
            "unixNano(\"time\")",
            "--point",
            "m a=1 7",
            "--point",
            "m a=2",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "7\n7\n");
}

/// Duration arithmetic that overflows is an evaluation error on both
/// engines (and they agree: exit 0, not 3). 3h * 1000 = 3000h = 125d (the
/// InfluxQL literal takes the largest exact unit); 3000h * 1000 = 3000000h
/// is past the largest duration 2562047h47m16.854775807s (2^63 - 1 ns).
#[test]
fn duration_overflow_is_an_error_line() {
    let (code, out, err) = tickc(
        &[
            "eval",
            "duration(\"n\", 1h) * 1000",
            "--point",
            "m n=3i 1",
            "--point",
            "m n=3000i 2",
            "--engine",
            "both",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "\"125d\"\n{\"error\":\"duration overflow: 3000h0m0s * 1000 is outside the range of a duration (±2562047h47m16.854775807s)\"}\n"
    );
}
