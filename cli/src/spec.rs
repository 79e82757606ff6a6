//! Spec cases: the unit of `tickc test` and of `cli/tests/spec_run.rs`.
//!
//! A case is a directory holding `task.tick`, one input (`input.lp`,
//! `input.srpl`, `input.brpl` or `input.jsonl`), an optional `args` file (extra
//! `tickc run` flags, e.g. `--dbrp telegraf.autogen --precision s`) and
//! `expected.jsonl` (the exact stdout of `tickc run`). A directory without
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

/// The stdout of `tickc run` for a case (an error message when the run fails,
/// as a line `error: …`, so failing runs can be expected too).
pub fn case_output(dir: &Path) -> Result<String, String> {
    let args = case_args(dir)?;
    let mut out = Vec::new();
    let mut err = Vec::new();
    if let Err(f) = execute(&args, &mut out, &mut err) {
        out.extend_from_slice(format!("error: {}\n", f.message).as_bytes());
    }
    String::from_utf8(out).map_err(|e| format!("{}: output is not UTF-8: {e}", dir.display()))
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

/// Run one case (or rewrite its expectation when `bless`).
pub fn run_case(dir: &Path, bless: bool) -> Outcome {
    let actual = match case_output(dir) {
        Ok(a) => a,
        Err(e) => return Outcome::Fail(e),
    };
    let path = dir.join("expected.jsonl");
    if bless {
        return match std::fs::write(&path, &actual) {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::Fail(format!("{}: {e}", path.display())),
        };
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(e) => e,
        Err(e) => return Outcome::Fail(format!("{}: {e}", path.display())),
    };
    if expected == actual {
        Outcome::Pass
    } else {
        Outcome::Fail(diff(&expected, &actual))
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
