//! `tickc`: the offline TICKscript toolchain (check, ir, dot, fmt, ...).
//! A thin dispatcher: each subcommand lives in `cli::tickc::<command>`.

use clap::{Parser, Subcommand, ValueEnum};
use cli::tickc;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tickc", version, about = "TICKscript toolchain")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineArg {
    Vm,
    Jit,
    Both,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate one lambda expression against points, in order, with one state.
    ///
    /// Prints one JSON value per point: numbers, strings, booleans; NaN and
    /// ±Inf as "NaN", "+Inf", "-Inf"; durations as InfluxQL duration strings
    /// ("90s"); times as RFC3339Nano UTC strings; a missing reference as
    /// null; {"error": "..."} for an evaluation error. Points are line
    /// protocol read as `tickc run` reads it (ns timestamps; without one the
    /// previous point's time, the current time for the first); with no point
    /// the expression runs once on an empty point. Exit 0 evaluated, 1 the
    /// expression does not compile, 2 usage/I/O/bad point, 3 engines differ
    /// (--engine both).
    Eval {
        /// The expression, with or without the `lambda:` prefix. It may
        /// start with `-` (`'-"v" < -1.5'`): it is never read as a flag.
        #[arg(allow_hyphen_values = true)]
        expr: String,
        /// A point in line protocol (repeatable, evaluated first, in order).
        #[arg(long = "point", value_name = "LINE")]
        points: Vec<String>,
        /// A file of line-protocol points, one per line (`-` = stdin; `#` comments).
        #[arg(long = "points", value_name = "FILE")]
        points_file: Option<String>,
        /// The engine: the bytecode VM, the Cranelift JIT, or both (compared per point).
        #[arg(long, value_enum, default_value = "jit")]
        engine: EngineArg,
    },
    /// Check scripts and print diagnostics (exit 0 clean or warnings, 1 errors, 2 I/O).
    Check {
        /// Scripts to check (`-` = stdin).
        #[arg(required = true)]
        files: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the typed IR in its stable text form.
    Ir {
        /// Script (`-` = stdin).
        file: String,
    },
    /// Print the pipeline as a Graphviz DOT digraph named after the file.
    Dot {
        /// Script (`-` = stdin).
        file: String,
        /// Draw the graph as SVG (laid out without Graphviz) instead.
        #[arg(long)]
        svg: bool,
    },
    /// Format scripts in place (`-` = stdin to stdout).
    Fmt {
        /// List unformatted files and exit 1 instead of rewriting them.
        #[arg(long)]
        check: bool,
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Run a task offline over a data file; outputs as JSON lines on stdout.
    Run {
        /// The TICKscript (`-` = stdin).
        script: String,
        /// Line protocol, a stream recording (.srpl), a batch recording (.brpl) or JSON batches.
        #[arg(long)]
        data: String,
        /// db.rp of plain line protocol points (default: the script's first dbrp).
        #[arg(long)]
        dbrp: Option<String>,
        /// Timestamp precision of plain line protocol: ns (default), u, ms, s, m, h.
        #[arg(long)]
        precision: Option<String>,
        /// Stop at the first bad input line; an alert handler this runtime does
        /// not implement is an error (otherwise a warning, unless --handlers).
        #[arg(long)]
        strict: bool,
        /// Call the alert handlers (otherwise events are only printed).
        #[arg(long)]
        handlers: bool,
        /// A Kapacitor configuration file (handler sections, `[udf.functions]`).
        #[arg(long)]
        config: Option<String>,
        /// Print the executing DOT (per-node and per-edge stats) on stderr.
        #[arg(long)]
        stats: bool,
        /// Also draw the executed graph, each edge labelled with its
        /// processed count (the numbers of --stats), as SVG into FILE.
        #[arg(long, value_name = "FILE")]
        svg: Option<String>,
    },
    /// Serve the Language Server Protocol on stdin/stdout (for editors).
    Lsp,
    /// Run spec cases (task.tick + input + expected.jsonl) and diff the output.
    Test {
        /// Case directories, searched recursively.
        #[arg(required = true)]
        dirs: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    tickc::exit(tickc::EXIT_OK)
                }
                _ => tickc::exit(tickc::EXIT_USAGE),
            };
        }
    };
    let code = match cli.command {
        Command::Check { files, format } => {
            let format = match format {
                Format::Text => tickc::check::Format::Text,
                Format::Json => tickc::check::Format::Json,
            };
            tickc::check::run(&files, format)
        }
        Command::Ir { file } => tickc::ir::run(&file),
        Command::Dot { file, svg } => tickc::dot::run(&file, svg),
        Command::Fmt { check, files } => tickc::fmt::run(&files, check),
        Command::Run {
            script,
            data,
            dbrp,
            precision,
            strict,
            handlers,
            config,
            stats,
            svg,
        } => tickc::run::run(&tickc::run::RunArgs {
            script,
            data,
            dbrp,
            precision,
            strict,
            handlers,
            config,
            stats,
            svg,
        }),
        Command::Test { dirs } => tickc::test::run(&dirs),
        Command::Lsp => tickc::lsp::run(),
        Command::Eval {
            expr,
            points,
            points_file,
            engine,
        } => {
            let engines = match engine {
                EngineArg::Vm => tickc::eval::Engines::Vm,
                EngineArg::Jit => tickc::eval::Engines::Jit,
                EngineArg::Both => tickc::eval::Engines::Both,
            };
            tickc::eval::run(&expr, &points, points_file.as_deref(), engines)
        }
    };
    tickc::exit(code)
}
