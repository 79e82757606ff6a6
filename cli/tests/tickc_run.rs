//! End-to-end tests of `tickc run` and `tickc test`, driving the built binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn tickc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tickc"))
        .args(args)
        .output()
        .expect("tickc runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

const SCRIPT: &str = "dbrp \"telegraf\".\"autogen\"\n\nstream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |window()\n        .period(10s)\n        .every(10s)\n    |httpOut('w')\n";

const DATA: &str =
    "cpu,host=a v=1 1\ncpu,host=b v=2 2\nnot a point\ncpu,host=a v=3 11\ncpu,host=b v=4 12\n";

const EXPECTED: &str = "{\"kind\":\"httpOut\",\"node\":\"http_out3\",\"endpoint\":\"w\",\"result\":{\"series\":[{\"name\":\"cpu\",\"tags\":{\"host\":\"a\"},\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:01Z\",1]]},{\"name\":\"cpu\",\"tags\":{\"host\":\"b\"},\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:02Z\",2]]}]}}\n";

#[test]
fn run_reports_bad_lines_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "cpu.tick", SCRIPT);
    let data = write(dir.path(), "data.lp", DATA);
    let a = tickc(&["run", &script, "--data", &data, "--precision", "s"]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&a.stdout), EXPECTED);
    let err = String::from_utf8_lossy(&a.stderr);
    assert!(
        err.contains("line 3: unable to parse 'not a point'"),
        "{err}"
    );
    let b = tickc(&["run", &script, "--data", &data, "--precision", "s"]);
    assert_eq!(a.stdout, b.stdout, "same input, same output");
    let c = tickc(&[
        "run",
        &script,
        "--data",
        &data,
        "--precision",
        "s",
        "--stats",
    ]);
    assert_eq!(a.stdout, c.stdout, "--stats writes to stderr only");
    let err = String::from_utf8_lossy(&c.stderr);
    assert!(err.contains("stream0 -> from1 [processed=\"4\"];"), "{err}");
    assert!(
        err.contains("window2 -> http_out3 [processed=\"2\"];"),
        "{err}"
    );
    assert!(err.contains("window2 [avg_exec_time_ns="), "{err}");
}

#[test]
fn strict_stops_at_the_first_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "cpu.tick", SCRIPT);
    let data = write(dir.path(), "data.lp", DATA);
    let o = tickc(&[
        "run",
        &script,
        "--data",
        &data,
        "--precision",
        "s",
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "no httpOut result after a strict stop");
    assert!(String::from_utf8_lossy(&o.stderr).contains("error: line 3: "));
}

#[test]
fn reads_a_stream_recording_with_its_own_dbrp() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "cpu.tick", SCRIPT);
    let path = dir.path().join("rec.srpl");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    // Timestamps in a recording are nanoseconds; the mem point and the point
    // of another database are not read by the task.
    gz.write_all(
        b"telegraf\nautogen\ncpu,host=a v=1 1000000000\nother\nautogen\ncpu,host=b v=9 2000000000\ntelegraf\nautogen\ncpu,host=a v=3 11000000000\n",
    )
    .unwrap();
    gz.finish().unwrap();
    let o = tickc(&["run", &script, "--data", path.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "{\"kind\":\"httpOut\",\"node\":\"http_out3\",\"endpoint\":\"w\",\"result\":{\"series\":[{\"name\":\"cpu\",\"tags\":{\"host\":\"a\"},\"columns\":[\"time\",\"v\"],\"values\":[[\"1970-01-01T00:00:01Z\",1]]}]}}\n"
    );
}

#[test]
fn usage_and_script_errors_have_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "cpu.tick", SCRIPT);
    let data = write(dir.path(), "data.lp", DATA);
    let o = tickc(&["run", &script, "--data", &data, "--precision", "fortnights"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--precision"));
    let bad = write(
        dir.path(),
        "bad.tick",
        "stream\n    |from()\n    |nosuch()\n",
    );
    let o = tickc(&["run", &bad, "--data", &data]);
    assert_eq!(o.status.code(), Some(1));
    let batches = write(
        dir.path(),
        "b.jsonl",
        "{\"name\":\"cpu\",\"tmax\":\"2020-01-01T00:00:00Z\",\"points\":[{\"fields\":{\"v\":1},\"time\":\"2020-01-01T00:00:00Z\"}]}\n",
    );
    let o = tickc(&["run", &script, "--data", &batches]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a stream task needs line protocol"));
}

#[test]
fn test_command_passes_and_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("cases/window");
    std::fs::create_dir_all(&case).unwrap();
    write(&case, "task.tick", SCRIPT);
    write(&case, "input.lp", DATA);
    write(&case, "args", "--precision s\n");
    write(&case, "expected.jsonl", EXPECTED);
    // The bad input line is logged: the case must expect it.
    let log = "E! input: line 3: unable to parse 'not a point': missing fields\n";
    write(&case, "expected.stderr", log);
    let root = dir.path().join("cases");
    let o = tickc(&["test", root.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("1 passed, 0 failed\n"));

    // Without expected.stderr the same run fails on its log line.
    std::fs::remove_file(case.join("expected.stderr")).unwrap();
    let o = tickc(&["test", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("stderr (expected.stderr):\n+{log}")),
        "{out}"
    );
    write(&case, "expected.stderr", log);

    write(
        &case,
        "expected.jsonl",
        &EXPECTED.replace("\"v\"],", "\"x\"],"),
    );
    let o = tickc(&["test", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("FAIL "), "{out}");
    assert!(
        out.contains("-{\"kind\":\"httpOut\"") && out.contains("+{\"kind\":\"httpOut\""),
        "{out}"
    );
    assert!(out.ends_with("0 passed, 1 failed\n"));
}
