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
