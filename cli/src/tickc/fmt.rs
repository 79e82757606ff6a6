//! `tickc fmt [--check] FILE...`: canonical formatting. Rewrites files in
//! place; `--check` only lists the unformatted ones (exit 1 if any); `-`
//! reads stdin and writes the formatted script to stdout.

use super::{read_input, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use compiler::diagnostic::render::render_text;

pub fn run(files: &[String], check: bool) -> u8 {
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
        let formatted = match compiler::fmt::format(&input.source) {
            Ok(s) => s,
            Err(diags) => {
                eprint!(
                    "{}",
                    render_text(&input.name, &input.source, &diags, super::color_stderr())
                );
                code = code.max(EXIT_ERRORS);
                continue;
            }
        };
        if check {
            if formatted != input.source {
                println!("{}", input.name);
                code = code.max(EXIT_ERRORS);
            }
        } else if f == "-" {
            print!("{formatted}");
        } else if formatted != input.source {
            if let Err(e) = std::fs::write(f, formatted) {
                eprintln!("error: {f}: {e}");
                code = code.max(EXIT_USAGE);
            }
        }
    }
    code
}
