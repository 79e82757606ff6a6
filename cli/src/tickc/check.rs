//! `tickc check FILE...`: parse and check scripts, print diagnostics.

use super::{read_input, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use compiler::diagnostic::render::{render_json, render_text};
use compiler::diagnostic::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// The `tickc check` text output for one script (what the spec fixtures hold).
pub fn check_text(name: &str, source: &str, color: bool) -> (String, bool) {
    let (_, diags) = compiler::check(source);
    (
        render_text(name, source, &diags, color),
        diags.iter().any(Diagnostic::is_error),
    )
}

pub fn run(files: &[String], format: Format) -> u8 {
    let mut code = EXIT_OK;
    for f in files {
        let input = match read_input(f) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("error: {e}");
                code = code.max(EXIT_USAGE);
                continue;
            }
        };
        let (_, diags) = compiler::check(&input.source);
        if diags.iter().any(Diagnostic::is_error) {
            code = code.max(EXIT_ERRORS);
        }
        match format {
            Format::Text => {
                eprint!(
                    "{}",
                    render_text(&input.name, &input.source, &diags, super::color_stderr())
                );
            }
            Format::Json => println!("{}", render_json(&input.name, &input.source, &diags)),
        }
    }
    code
}
