//! `tickc ir FILE`: print the typed IR in its stable text form.

use super::{read_input, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use compiler::diagnostic::render::render_text;

pub fn run(file: &str) -> u8 {
    let input = match read_input(file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let (pipeline, diags) = compiler::check(&input.source);
    eprint!(
        "{}",
        render_text(&input.name, &input.source, &diags, super::color_stderr())
    );
    match pipeline {
        Some(p) => {
            print!("{}", compiler::ir::text::render(&p));
            EXIT_OK
        }
        None => EXIT_ERRORS,
    }
}
