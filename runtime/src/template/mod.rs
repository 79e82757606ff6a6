//! A Go `text/template` engine (and the text-context escaping of
//! `html/template`) for Kapacitor's alert `id`, `message` and `details`
//! templates and handler templates.
//!
//! Parse once per task ([`Template::parse`]); [`Template::execute`] writes
//! into a caller-provided `String`, so steady-state rendering reuses the
//! caller's buffer. Values are modelled by [`Value`] (cheap `Arc` clones).

mod exec;
mod funcs;
pub mod gofmt;
pub mod gotime;
pub mod html;
pub mod json;
mod lexer;
pub mod methods;
mod parse;
pub mod value;

pub use value::{Elem, Map, Struct, Value};

use std::fmt;

/// Which Go package semantics apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `text/template`: id and message templates.
    Text,
    /// `html/template` in text context: string output is HTML-escaped and the
    /// `json`/`jsonCompact` functions exist (details templates).
    Html,
}

#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    src: String,
    mode: Mode,
    nodes: Vec<parse::Node>,
}

/// When a template error happened: a parse error is a bad definition (the
/// task cannot be built), an execution error a failure on one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Parse,
    Execute,
}

/// A parse or execution error, with Go's `template: NAME:LINE:COL: …` prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub phase: Phase,
    pub message: String,
    /// Byte offset in the template source.
    pub offset: usize,
    pub line: usize,
    pub col: usize,
}

impl TemplateError {
    fn at(src: &str, pos: usize) -> (usize, usize) {
        let pos = pos.min(src.len());
        let before = &src[..pos];
        let line = before.matches('\n').count() + 1;
        let col = before.rfind('\n').map_or(pos, |i| pos - i - 1) + 1;
        (line, col)
    }

    fn parse(name: &str, src: &str, pos: usize, msg: String) -> Self {
        let (line, col) = Self::at(src, pos);
        TemplateError {
            phase: Phase::Parse,
            message: format!("template: {name}:{line}:{col}: {msg}"),
            offset: pos,
            line,
            col,
        }
    }

    fn exec(name: &str, src: &str, pos: usize, msg: String) -> Self {
        let (line, col) = Self::at(src, pos);
        let snippet: String = src[pos.min(src.len())..]
            .split("}}")
            .next()
            .unwrap_or("")
            .trim()
            .chars()
            .take(40)
            .collect();
        TemplateError {
            phase: Phase::Execute,
            message: format!(
                "template: {name}:{line}:{col}: executing \"{name}\" at <{snippet}>: {msg}"
            ),
            offset: pos,
            line,
            col,
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

impl Template {
    pub fn parse(name: &str, src: &str, mode: Mode) -> Result<Template, TemplateError> {
        let toks = lexer::lex(name, src)?;
        let mut nodes = parse::Parser::new(name, src, toks, mode).parse()?;
        if mode == Mode::Html {
            html::annotate(&mut nodes).map_err(|m| TemplateError::parse(name, src, 0, m))?;
        }
        Ok(Template {
            name: name.to_string(),
            src: src.to_string(),
            mode,
            nodes,
        })
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    /// True when the template is plain text (no actions): callers can skip
    /// building template data.
    pub fn is_constant(&self) -> Option<&str> {
        match self.nodes.as_slice() {
            [] => Some(""),
            [parse::Node::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// Appends the output for `data` to `out`. On error `out` may hold a prefix.
    pub fn execute(&self, data: &Value, out: &mut String) -> Result<(), TemplateError> {
        self.execute_with(data, out, &mut String::new())
    }

    /// `execute` with a caller-owned scratch buffer (html mode prints values
    /// there before escaping them): a caller rendering once per event keeps
    /// one, so steady-state rendering allocates nothing for it.
    pub fn execute_with(
        &self,
        data: &Value,
        out: &mut String,
        scratch: &mut String,
    ) -> Result<(), TemplateError> {
        exec::Exec::new(self, data, scratch).run(&self.nodes, data, out)
    }

    pub fn render(&self, data: &Value) -> Result<String, TemplateError> {
        let mut s = String::new();
        self.execute(data, &mut s)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests;

impl Template {
    /// Conservatively, whether executing may read one of the root fields
    /// `names` (or the whole root via `.`/`$`). Lets the alert node cache an
    /// ID that only depends on the group.
    pub fn may_read(&self, names: &[&str]) -> bool {
        fn pipe(p: &parse::Pipe, names: &[&str], dot_is_root: bool) -> bool {
            p.cmds
                .iter()
                .any(|c| c.args.iter().any(|a| operand(a, names, dot_is_root)))
        }
        fn operand(o: &parse::Operand, names: &[&str], dot_is_root: bool) -> bool {
            use parse::Operand as O;
            match o {
                O::Field(f) => match f.first() {
                    None => true,
                    Some(n) => !dot_is_root || names.contains(&n.as_str()),
                },
                O::Variable(v, f) => match f.first() {
                    None => true,
                    Some(n) => !v.is_empty() || names.contains(&n.as_str()),
                },
                // A chain's fields apply to a computed value: treat as a read.
                O::Chain(..) => true,
                _ => false,
            }
        }
        fn list(nodes: &[parse::Node], names: &[&str], dot_is_root: bool) -> bool {
            nodes.iter().any(|n| match n {
                parse::Node::Action(p) => pipe(p, names, dot_is_root),
                parse::Node::If(b) => {
                    pipe(&b.pipe, names, dot_is_root)
                        || list(&b.list, names, dot_is_root)
                        || list(&b.else_list, names, dot_is_root)
                }
                // Inside with/range the dot is no longer the root: any read counts.
                parse::Node::With(b) | parse::Node::Range(b) => {
                    pipe(&b.pipe, names, dot_is_root)
                        || list(&b.list, names, false)
                        || list(&b.else_list, names, dot_is_root)
                }
                _ => false,
            })
        }
        list(&self.nodes, names, true)
    }
}
