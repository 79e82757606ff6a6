//! `tickc run` as a function, shared by the `run` command, `tickc test` and
//! the spec harness: read the script (a file or stdin) and the data file,
//! parse `--dbrp`/`--precision`/`--config`, replay through the engine's
//! replay loop (`runtime::engine::replay::run`, the loop the server's replays
//! use, so offline and server runs share routing and clock rules), and map
//! the outcome to an exit code.

use compiler::diagnostic::render::render_text;
use compiler::ir::Pipeline;
use runtime::config::Config;
use runtime::engine::replay::{run, run_stream, ReplayError, ReplayOptions};
use runtime::line_protocol::{LineStream, Parser, Precision};
use runtime::output::JsonLinesSink;
use runtime::recording::{self, Format};
use std::io::{Read, Write};
use std::path::Path;

/// The db/rp given to plain line protocol when `--dbrp` is absent: the
/// script's first `dbrp`, else empty names.
pub fn default_dbrp(pipeline: &Pipeline) -> (String, String) {
    pipeline
        .dbrps
        .first()
        .map(|d| (d.db.clone(), d.rp.clone()))
        .unwrap_or_default()
}

/// The options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub script: String,
    pub data: String,
    /// `db.rp` given to plain line protocol (default: the script's first dbrp).
    pub dbrp: Option<String>,
    /// `ns` (default), `u`, `ms`, `s`, `m`, `h`.
    pub precision: Option<String>,
    pub strict: bool,
    pub handlers: bool,
    /// A Kapacitor config file (handler sections).
    pub config: Option<String>,
    /// After the run, write the executing DOT (node and edge stats, api.md
    /// §5.5) to the diagnostic stream.
    pub stats: bool,
    /// After the run, draw the executing graph (edges labelled with their
    /// processed counts) as SVG into this file.
    pub svg: Option<String>,
}

/// Why a run failed, with the exit code to use (1: script or task error, 2: usage/I/O).
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn usage(message: String) -> Failure {
    Failure { code: 2, message }
}

/// Run and write outputs to `out`, diagnostics to `err`.
pub fn execute(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let (source, input_name) = if args.script == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| usage(format!("<stdin>: {e}")))?;
        (s, "<stdin>".to_string())
    } else {
        let s = std::fs::read_to_string(&args.script)
            .map_err(|e| usage(format!("{}: {e}", args.script)))?;
        (s, args.script.clone())
    };
    let (pipeline, diags) = compiler::check(&source);
    if !diags.is_empty() {
        let _ = write!(err, "{}", render_text(&input_name, &source, &diags, false));
    }
    let Some(pipeline) = pipeline else {
        return Err(Failure {
            code: 1,
            message: format!("{input_name}: the script has errors"),
        });
    };
    let (db, rp) = match &args.dbrp {
        Some(s) => {
            let (db, rp) = s
                .split_once('.')
                .ok_or_else(|| usage(format!("--dbrp {s:?}: expected db.rp")))?;
            (db.to_string(), rp.to_string())
        }
        None => default_dbrp(&pipeline),
    };
    let precision = match &args.precision {
        Some(p) => Precision::parse(p)
            .ok_or_else(|| usage(format!("--precision {p:?}: expected ns, u, ms, s, m or h")))?,
        None => Precision::Nanoseconds,
    };
    let mut config = match &args.config {
        Some(path) => {
            let src = std::fs::read_to_string(path).map_err(|e| usage(format!("{path}: {e}")))?;
            Config::from_toml(&src).map_err(|e| usage(format!("{path}: {e}")))?
        }
        None => Config::default(),
    };
    config.handlers_enabled = args.handlers;
    let data_path = Path::new(&args.data);
    let cannot_read =
        |e: std::io::Error| usage(format!("cannot read {}: {e}", data_path.display()));
    // Line protocol is streamed (read and parsed as it is fed, so memory
    // does not grow with the file); recordings and JSON batches are loaded.
    let streamed = if is_line_protocol(data_path).map_err(cannot_read)? {
        let file = std::fs::File::open(data_path).map_err(cannot_read)?;
        Some(LineStream::new(file, Parser::new(&db, &rp, precision)))
    } else {
        None
    };
    let name = task_name(&args.script);
    let opts = ReplayOptions {
        strict: args.strict,
        ..ReplayOptions::offline(config)
    };
    let started = std::time::Instant::now();
    let mut sink = JsonLinesSink::new(out, err);
    let result = match streamed {
        Some(lines) => run_stream(
            &name,
            &pipeline,
            Box::new(lines.map(|r| r.map_err(|e| e.to_string()))),
            &opts,
            &mut sink,
        ),
        None => {
            let data = recording::load(data_path, (&db, &rp), precision)
                .map_err(|e| usage(e.to_string()))?;
            run(&name, &pipeline, data, &opts, &mut sink)
        }
    };
    if let Some(e) = sink.io_error.take() {
        return Err(usage(format!("writing the output: {e}")));
    }
    match result {
        Ok(done) => {
            let dot = done.task.dot_with_stats(started.elapsed().as_secs_f64());
            if args.stats {
                let _ = writeln!(sink.err, "{dot}");
            }
            if let Some(path) = &args.svg {
                let picture =
                    crate::tickc::picture::Picture::from_dot(&dot).map_err(|e| Failure {
                        code: 1,
                        message: e.to_string(),
                    })?;
                std::fs::write(path, picture.to_svg())
                    .map_err(|e| usage(format!("{path}: {e}")))?;
            }
            Ok(())
        }
        // Unreadable input is a usage error, as when it is loaded whole.
        Err(ReplayError::Read(message)) => Err(usage(message)),
        Err(e) => Err(Failure {
            code: 1,
            message: e.to_string(),
        }),
    }
}

/// Bytes looked at to tell line protocol from the other formats.
const HEAD: u64 = 64 * 1024;

/// Whether `path` holds plain line protocol (`Format::detect` on its head;
/// a head of only whitespace leaves the decision to the whole file).
fn is_line_protocol(path: &Path) -> std::io::Result<bool> {
    let mut head = Vec::new();
    let mut file = std::fs::File::open(path)?;
    (&mut file).take(HEAD).read_to_end(&mut head)?;
    let whole = (head.len() as u64) < HEAD;
    let decided = whole || head.iter().any(|b| !b.is_ascii_whitespace());
    Ok(decided && Format::detect(path, &head) == Format::LineProtocol)
}

pub fn task_name(script: &str) -> String {
    if script == "-" {
        return "stdin".into();
    }
    Path::new(script)
        .file_stem()
        .map_or_else(|| "task".into(), |s| s.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_come_from_the_script_file() {
        assert_eq!(task_name("dir/cpu_alert.tick"), "cpu_alert");
        assert_eq!(task_name("-"), "stdin");
    }

    #[test]
    fn a_dbrp_without_a_dot_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("t.tick");
        let data = dir.path().join("in.lp");
        std::fs::write(&script, "stream\n    |from()\n").unwrap();
        std::fs::write(&data, "cpu v=1 1\n").unwrap();
        let args = RunArgs {
            script: script.to_string_lossy().into_owned(),
            data: data.to_string_lossy().into_owned(),
            dbrp: Some("telegraf".into()),
            ..RunArgs::default()
        };
        let f = execute(&args, &mut Vec::new(), &mut Vec::new())
            .err()
            .unwrap();
        assert_eq!(f.code, 2);
        assert_eq!(f.message, "--dbrp \"telegraf\": expected db.rp");
    }
}
