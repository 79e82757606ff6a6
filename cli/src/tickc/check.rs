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

/// Text: diagnostics on stderr, file by file. JSON: one array of the records
/// of every file on stdout.
pub fn run(files: &[String], format: Format) -> u8 {
    let mut code = EXIT_OK;
    let mut records: Vec<serde_json::Value> = Vec::new();
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
            Format::Json => {
                let json = render_json(&input.name, &input.source, &diags);
                match serde_json::from_str::<Vec<serde_json::Value>>(&json) {
                    Ok(r) => records.extend(r),
                    Err(e) => {
                        eprintln!("error: {}: bad JSON from the renderer: {e}", input.name);
                        code = code.max(EXIT_USAGE);
                    }
                }
            }
        }
    }
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&records).unwrap_or_else(|_| "[]".into())
        );
    }
    code
}
