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

#[derive(Subcommand)]
enum Command {
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
    },
    /// Format scripts in place (`-` = stdin to stdout).
    Fmt {
        /// List unformatted files and exit 1 instead of rewriting them.
        #[arg(long)]
        check: bool,
        #[arg(required = true)]
        files: Vec<String>,
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
        Command::Dot { file } => tickc::dot::run(&file),
        Command::Fmt { check, files } => tickc::fmt::run(&files, check),
    };
    tickc::exit(code)
}
