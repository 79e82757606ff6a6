//! The checkpoint property over every `spec/run` case: running the input's
//! first part, taking `Task::snapshot`, sending it through a bincode round
//! trip, restoring it into a task freshly built from the same script (with
//! a fresh config, so nothing is shared through the inhibition registry) and
//! running the rest gives exactly what one run over the whole input gives:
//! the same outputs (alerts, points, logs, httpOut results) in the same
//! order, the same node log, the same end (or error), and the same node and
//! edge stats (all but the sampled execution times).
//!
//! The split goes before every input entry of small inputs (and before the
//! final flush), and before a spread sample of entries of large ones. The
//! run is `runtime::engine::replay`, the loop `tickc run` uses.

#[path = "support/checkpoint.rs"]
mod checkpoint;

use checkpoint::{observe, run_checkpointed, run_whole, Observed};
use compiler::ir::Pipeline;
use runtime::config::Config;
use runtime::engine::replay::{run_resumed, ReplayError, ReplayOptions};
use runtime::line_protocol::Precision;
use runtime::output::VecSink;
use runtime::recording::{self, Data};
use runtime::task::Task;
use std::path::{Path, PathBuf};

const INPUTS: [&str; 4] = ["input.lp", "input.srpl", "input.brpl", "input.jsonl"];

/// Cases whose runs cannot be compared, with the reason. Empty: every case
/// passes.
const EXCLUDED: &[(&str, &str)] = &[];

/// Inputs up to this many entries are split before every entry.
const SPLIT_ALL_UP_TO: usize = 80;
/// Larger inputs are split at this many spread points.
const SAMPLES: usize = 24;

struct Case {
    pipeline: Pipeline,
    data_path: PathBuf,
    dbrp: (String, String),
    precision: Precision,
    config_text: Option<String>,
    strict: bool,
}

fn find_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("task.tick").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subs.sort();
    for s in subs {
        find_cases(&s, out);
    }
}

fn load_case(dir: &Path) -> Case {
    let source = std::fs::read_to_string(dir.join("task.tick")).unwrap();
    let (pipeline, diags) = compiler::check(&source);
    let pipeline = pipeline.unwrap_or_else(|| panic!("{}: {diags:?}", dir.display()));
    let data_path = INPUTS
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{}: no input", dir.display()));
    let mut dbrp = pipeline
        .dbrps
        .first()
        .map(|d| (d.db.clone(), d.rp.clone()))
        .unwrap_or_default();
    let mut precision = Precision::Nanoseconds;
    let mut config_text = None;
    let mut strict = false;
    let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let words: Vec<&str> = args
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .collect();
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        match w {
            "--dbrp" => {
                let v = it.next().unwrap();
                let (db, rp) = v.split_once('.').unwrap();
                dbrp = (db.to_string(), rp.to_string());
            }
            "--precision" => precision = Precision::parse(it.next().unwrap()).unwrap(),
            "--config" => {
                config_text = Some(std::fs::read_to_string(dir.join(it.next().unwrap())).unwrap())
            }
            "--strict" => strict = true,
            "--handlers" | "--stats" => {}
            other => panic!("{}: unknown flag {other}", dir.display()),
        }
    }
    Case {
        pipeline,
        data_path,
        dbrp,
        precision,
        config_text,
        strict,
    }
}

impl Case {
    /// A fresh config each time (a restarted process shares nothing).
    fn config(&self) -> Config {
        match &self.config_text {
            Some(t) => Config::from_toml(t).unwrap(),
            None => Config::default(),
        }
    }

    fn options(&self) -> ReplayOptions {
        ReplayOptions {
            strict: self.strict,
            ..ReplayOptions::offline(self.config())
        }
    }

    fn data(&self) -> Data {
        recording::load(
            &self.data_path,
            (&self.dbrp.0, &self.dbrp.1),
            self.precision,
        )
        .unwrap()
    }

    fn entries(&self) -> usize {
        match self.data() {
            Data::Stream(v) => v.len(),
            Data::Batches(v) => v.len(),
        }
    }
}

fn whole(case: &Case) -> Observed {
    run_whole(&case.pipeline, case.data(), &case.options())
}

fn checkpointed(case: &Case, at: usize) -> Observed {
    run_checkpointed(&case.pipeline, case.data(), &case.options(), at, &|| {
        case.config()
    })
}

fn split_points(n: usize) -> Vec<usize> {
    if n <= SPLIT_ALL_UP_TO {
        return (0..=n).collect();
    }
    let mut v: Vec<usize> = (0..SAMPLES).map(|k| k * n / SAMPLES).collect();
    v.extend([1, 2, n / 2 + 1, n - 1, n]);
    v.sort_unstable();
    v.dedup();
    v
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/run")
}

#[test]
fn every_spec_case_resumes_from_a_checkpoint_exactly() {
    let mut dirs = Vec::new();
    find_cases(&spec_dir(), &mut dirs);
    assert!(dirs.len() > 100, "spec cases not found: {}", dirs.len());
    let mut failures = Vec::new();
    let (mut runs, mut outputs) = (0usize, 0usize);
    for dir in &dirs {
        let rel = dir
            .strip_prefix(spec_dir())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if EXCLUDED.iter().any(|(c, _)| *c == rel) {
            continue;
        }
        let case = load_case(dir);
        let expected = whole(&case);
        outputs += expected.lines.len();
        for at in split_points(case.entries()) {
            runs += 1;
            let got = checkpointed(&case, at);
            if got != expected {
                failures.push(format!(
                    "{rel} split before entry {at}:\n  whole: {expected:?}\n  split: {got:?}"
                ));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ after a checkpoint ({runs} runs):\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
    assert!(outputs > 300, "the cases produced only {outputs} outputs");
}

/// The harness notices lost state: resuming with a fresh task (no restore)
/// changes a windowed alert case's output.
#[test]
fn resuming_without_the_checkpoint_is_noticed() {
    let case = load_case(&spec_dir().join("window/tumbling_per_group"));
    let expected = whole(&case);
    let n = case.entries();
    let mut differs = false;
    for at in 1..n {
        let mut sink = VecSink::default();
        let mut resume = |_task: Task| -> Result<Task, ReplayError> {
            Task::build("task", &case.pipeline, case.config()).map_err(ReplayError::Build)
        };
        let r = run_resumed(
            "task",
            &case.pipeline,
            case.data(),
            &case.options(),
            &mut sink,
            at,
            &mut resume,
        );
        if observe(sink, r) != expected {
            differs = true;
            break;
        }
    }
    assert!(differs, "dropping the state never changed the output");
}
