//! Spec cases: the unit of `tickc test` and of `cli/tests/spec_run.rs`.
//!
//! A case is a directory holding `task.tick`, one input (`input.lp`,
//! `input.srpl`, `input.brpl` or `input.jsonl`), an optional `args` file (extra
//! `tickc run` flags, e.g. `--dbrp telegraf.autogen --precision s`) and
//! `expected.jsonl` (the exact stdout of `tickc run`). What the task logs on
//! stderr (node errors `E! node: …`, warnings `W! node: …`) is observable
//! behaviour too: it must equal `expected.stderr`, and a case without that
//! file expects no log line, so a node that fails on every input cannot pass
//! with an empty expected output. The checker's diagnostics, also on stderr,
//! are left out (they are the business of `spec/check`). A directory without
//! `task.tick` is searched recursively for cases. A run that fails outputs a
//! last line `error: …`, so failures can be expected too.

use crate::offline::{execute, RunArgs};
use std::path::{Path, PathBuf};

const INPUTS: [&str; 4] = ["input.lp", "input.srpl", "input.brpl", "input.jsonl"];

/// One case's outcome.
#[derive(Debug)]
pub enum Outcome {
    Pass,
    /// The diff (or the error) to show.
    Fail(String),
}

/// Every case directory under `dir` (itself if it is one), sorted.
pub fn find_cases(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if dir.join("task.tick").is_file() {
        out.push(dir.to_path_buf());
        return out;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut subs: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subs.sort();
    for s in subs {
        out.extend(find_cases(&s));
    }
    out
}

/// Split an `args` file into words (whitespace separated, `#` comments).
fn split_args(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split_whitespace())
        .map(str::to_string)
        .collect()
}

/// Build the run arguments of a case.
pub fn case_args(dir: &Path) -> Result<RunArgs, String> {
    let data = INPUTS
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{}: no input file ({})", dir.display(), INPUTS.join(", ")))?;
    let mut args = RunArgs {
        script: dir.join("task.tick").to_string_lossy().into_owned(),
        data: data.to_string_lossy().into_owned(),
        ..RunArgs::default()
    };
    let extra = match std::fs::read_to_string(dir.join("args")) {
        Ok(t) => split_args(&t),
        Err(_) => Vec::new(),
    };
    let mut it = extra.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{}: args: {name} needs a value", dir.display()))
        };
        match a.as_str() {
            "--dbrp" => args.dbrp = Some(value("--dbrp")?),
            "--precision" => args.precision = Some(value("--precision")?),
            "--config" => {
                let c = value("--config")?;
                args.config = Some(dir.join(c).to_string_lossy().into_owned());
            }
            "--strict" => args.strict = true,
            "--handlers" => args.handlers = true,
            "--stats" => args.stats = true,
            other => return Err(format!("{}: args: unknown flag {other}", dir.display())),
        }
    }
    Ok(args)
}

/// What a case's run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutput {
    /// The stdout of `tickc run` (plus a last line `error: …` when the run
    /// fails, so failing runs can be expected too).
    pub stdout: String,
    /// The task's log on the stderr of `tickc run`: its `E! ` and `W! ` lines.
    pub stderr: String,
}

/// Run a case as `tickc run` would.
pub fn case_output(dir: &Path) -> Result<CaseOutput, String> {
    let args = case_args(dir)?;
    let mut out = Vec::new();
    let mut err = Vec::new();
    if let Err(f) = execute(&args, &mut out, &mut err) {
        out.extend_from_slice(format!("error: {}\n", f.message).as_bytes());
    }
    let text = |bytes: Vec<u8>, what: &str| {
        String::from_utf8(bytes).map_err(|e| format!("{}: {what} is not UTF-8: {e}", dir.display()))
    };
    let log: String = text(err, "stderr")?
        .lines()
        .filter(|l| l.starts_with("E! ") || l.starts_with("W! "))
        .flat_map(|l| [l, "\n"])
        .collect();
    Ok(CaseOutput {
        stdout: text(out, "stdout")?,
        stderr: log,
    })
}

/// A minimal line diff: `-expected` / `+actual` for the lines that differ.
pub fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table (cases are small).
    let mut lcs = vec![vec![0u32; a.len() + 1]; e.len() + 1];
    for i in (0..e.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < e.len() || j < a.len() {
        if i < e.len() && j < a.len() && e[i] == a[j] {
            out.push_str(&format!(" {}\n", e[i]));
            i += 1;
            j += 1;
        } else if i < e.len() && (j == a.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("-{}\n", e[i]));
            i += 1;
        } else {
            out.push_str(&format!("+{}\n", a[j]));
            j += 1;
        }
    }
    out
}

/// Run one case (or rewrite its expectations when `bless`: `expected.jsonl`,
/// and `expected.stderr` only when the run logs something).
pub fn run_case(dir: &Path, bless: bool) -> Outcome {
    let actual = match case_output(dir) {
        Ok(a) => a,
        Err(e) => return Outcome::Fail(e),
    };
    let out_path = dir.join("expected.jsonl");
    let err_path = dir.join("expected.stderr");
    if bless {
        let written = std::fs::write(&out_path, &actual.stdout)
            .map_err(|e| format!("{}: {e}", out_path.display()))
            .and_then(|()| {
                if actual.stderr.is_empty() {
                    match std::fs::remove_file(&err_path) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            Err(format!("{}: {e}", err_path.display()))
                        }
                        _ => Ok(()),
                    }
                } else {
                    std::fs::write(&err_path, &actual.stderr)
                        .map_err(|e| format!("{}: {e}", err_path.display()))
                }
            });
        return match written {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::Fail(e),
        };
    }
    let expected_out = match std::fs::read_to_string(&out_path) {
        Ok(e) => e,
        Err(e) => return Outcome::Fail(format!("{}: {e}", out_path.display())),
    };
    // No expected.stderr: the run must log nothing.
    let expected_err = match std::fs::read_to_string(&err_path) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Outcome::Fail(format!("{}: {e}", err_path.display())),
    };
    let mut report = String::new();
    if expected_out != actual.stdout {
        report.push_str("stdout (expected.jsonl):\n");
        report.push_str(&diff(&expected_out, &actual.stdout));
    }
    if expected_err != actual.stderr {
        report.push_str("stderr (expected.stderr):\n");
        report.push_str(&diff(&expected_err, &actual.stderr));
    }
    if report.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_lines() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), " a\n-b\n+x\n c\n");
        assert_eq!(diff("", "a\n"), "+a\n");
    }

    #[test]
    fn args_files_allow_comments() {
        assert_eq!(
            split_args("--dbrp telegraf.autogen # the db\n--precision s\n"),
            ["--dbrp", "telegraf.autogen", "--precision", "s"]
        );
    }
}
