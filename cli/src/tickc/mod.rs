//! `tickc`: the offline TICKscript toolchain. One file per command; the
//! binary (`bin/tickc.rs`) is a thin clap dispatcher over these functions.
//!
//! Exit codes: 0 success (warnings allowed), 1 errors in a script (or
//! unformatted files with `fmt --check`), 2 usage or I/O errors.

pub mod check;
pub mod dot;
pub mod eval;
pub mod fmt;
pub mod ir;
pub mod lsp;
pub mod picture;
pub mod run;
pub mod test;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

pub const EXIT_OK: u8 = 0;
pub const EXIT_ERRORS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// A script read from a file or from stdin (`-`).
pub struct Input {
    /// The path as given (`<stdin>` for `-`), used in diagnostics.
    pub name: String,
    pub source: String,
}

pub fn read_input(path: &str) -> Result<Input, String> {
    if path == "-" {
        let mut source = String::new();
        std::io::stdin()
            .read_to_string(&mut source)
            .map_err(|e| format!("<stdin>: {e}"))?;
        return Ok(Input {
            name: "<stdin>".into(),
            source,
        });
    }
    let source = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(Input {
        name: path.into(),
        source,
    })
}

/// Whether to colour diagnostics written to stderr.
pub fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}
