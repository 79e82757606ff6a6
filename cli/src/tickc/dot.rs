//! `tickc dot FILE`: the pipeline as a Graphviz digraph named after the file
//! stem (`stdin` for `-`), as Kapacitor's task `dot` field shows it; with
//! `--svg`, that graph drawn as SVG (`picture/`).

use super::{read_input, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use compiler::diagnostic::render::render_text;
use std::path::Path;

pub fn run(file: &str, svg: bool) -> u8 {
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
    let name = if file == "-" {
        "stdin".to_string()
    } else {
        Path::new(file)
            .file_stem()
            .map_or_else(|| "task".into(), |s| s.to_string_lossy().into_owned())
    };
    match pipeline {
        Some(p) => {
            let dot = compiler::ir::dot::render(&name, &p);
            if !svg {
                print!("{dot}");
                return EXIT_OK;
            }
            match super::picture::Picture::from_dot(&dot) {
                Ok(picture) => {
                    println!("{}", picture.to_svg());
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_ERRORS
                }
            }
        }
        None => EXIT_ERRORS,
    }
}
