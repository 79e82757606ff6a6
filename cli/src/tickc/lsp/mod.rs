//! `tickc lsp`: a Language Server Protocol server over stdio for TICKscript.
//! One file per capability; `server.rs` is the message loop. Every request
//! works on the document's full text (full sync): checking a script is fast
//! enough to redo on each keystroke.

pub mod completion;
pub mod context;
pub mod definition;
pub mod diagnostics;
pub mod formatting;
pub mod hover;
pub mod position;
pub mod server;
pub mod symbols;

pub use server::run;

/// Every capability at every offset of scripts complete, broken and
/// non-ASCII: answers or nothing, never a panic.
#[cfg(test)]
mod robustness {
    const SCRIPTS: &[&str] = &[
        "var é = 5m\nstream|from().measurement('😀')|window().period(é)|alert().crit(lambda: \"ü\" > 1).slack().channel('#a')\n",
        "var x = \nstream|\n|.(|lambda: abs(\"a\" > ).\n@u()|",
        "batch|query('q')|mean('x')|eval(lambda: \"mean\" * 2.0).as('m')|httpOut('o')\n)",
        "",
        "var",
    ];

    #[test]
    fn no_panics_anywhere() {
        for src in SCRIPTS {
            let _ = super::symbols::document_symbols(src);
            let _ = super::formatting::format(src);
            for offset in 0..=src.len() {
                let _ = super::completion::complete(src, offset, &[]);
                let _ = super::hover::hover(src, offset);
                let _ = super::definition::var_at(src, offset);
                let _ = super::definition::rename(src, offset, "y");
                let _ = super::diagnostics::code_actions(
                    &"file:///x".parse().unwrap(),
                    src,
                    offset,
                    offset,
                );
            }
        }
    }
}
