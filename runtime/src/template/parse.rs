//! Parser: tokens to the template tree (Go's `text/template/parse`).

use super::funcs::Func;
use super::lexer::{Tok, Token};
use super::{Mode, TemplateError};

#[derive(Debug, Clone)]
pub enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    With(Branch),
    Range(Branch),
    Break,
    Continue,
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Vec<Node>,
}

#[derive(Debug, Clone)]
pub struct Pipe {
    /// Byte offset of the action (for error positions).
    pub pos: usize,
    /// How an action's output is escaped (html mode; set by `html::annotate`).
    pub esc: super::html::Escaper,
    /// Variables declared (`:=`) or assigned (`=`).
    pub decl: Vec<String>,
    pub assign: bool,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
pub struct Cmd {
    pub pos: usize,
    pub args: Vec<Operand>,
}

#[derive(Debug, Clone)]
pub enum Operand {
    /// `.` possibly followed by fields: `.A.B` is `Field(["A","B"])`, `.` is `Field([])`.
    Field(Vec<String>),
    /// `$x.A.B`
    Variable(String, Vec<String>),
    /// `(pipe).A.B`
    Chain(Box<Pipe>, Vec<String>),
    Func(Func, String),
    Nil,
    Bool(bool),
    Number(Number),
    Str(String),
}

#[derive(Debug, Clone, Copy)]
pub struct Number {
    /// Set when the constant is an integer (Go's ideal constant rule: an
    /// integer literal is an `int`, anything else a `float64`).
    pub int: Option<i64>,
    pub float: f64,
}

pub struct Parser<'a> {
    name: &'a str,
    src: &'a str,
    toks: Vec<Token>,
    i: usize,
    mode: Mode,
    /// Declared variable names (Go checks them at parse time).
    vars: Vec<String>,
    range_depth: usize,
}

#[allow(clippy::enum_variant_names)]
enum End {
    Eof,
    End,
    Else(usize),
}

impl<'a> Parser<'a> {
    pub fn new(name: &'a str, src: &'a str, toks: Vec<Token>, mode: Mode) -> Self {
        Parser {
            name,
            src,
            toks,
            i: 0,
            mode,
            vars: vec![String::new()],
            range_depth: 0,
        }
    }

    fn err(&self, pos: usize, msg: impl Into<String>) -> TemplateError {
        TemplateError::parse(self.name, self.src, pos, msg.into())
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.src.len(), |t| t.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|t| t.tok.clone());
        self.i += 1;
        t
    }

    fn skip_space(&mut self) {
        while self.peek() == Some(&Tok::Space) {
            self.i += 1;
        }
    }

    pub fn parse(mut self) -> Result<Vec<Node>, TemplateError> {
        let (list, end) = self.list()?;
        match end {
            End::Eof => Ok(list),
            End::End => Err(self.err(self.pos(), "unexpected {{end}}")),
            End::Else(p) => Err(self.err(p, "unexpected {{else}}")),
        }
    }

    /// Items until `{{end}}`, `{{else}}` or EOF. On `else`, the tokens after
    /// the keyword are left unread (for `else if`).
    fn list(&mut self) -> Result<(Vec<Node>, End), TemplateError> {
        let mut out = Vec::new();
        loop {
            let Some(tok) = self.next() else {
                return Ok((out, End::Eof));
            };
            match tok {
                Tok::Text(s) => out.push(Node::Text(s)),
                Tok::Open => {
                    self.skip_space();
                    let pos = self.pos();
                    match self.peek() {
                        Some(Tok::Keyword("end")) => {
                            self.i += 1;
                            self.close()?;
                            return Ok((out, End::End));
                        }
                        Some(Tok::Keyword("else")) => {
                            self.i += 1;
                            self.skip_space();
                            return Ok((out, End::Else(pos)));
                        }
                        Some(Tok::Keyword(k @ ("if" | "with" | "range"))) => {
                            let k = *k;
                            self.i += 1;
                            out.push(self.control(k, pos)?);
                        }
                        Some(Tok::Keyword(k @ ("break" | "continue"))) => {
                            let k = *k;
                            self.i += 1;
                            if self.range_depth == 0 {
                                return Err(
                                    self.err(pos, format!("{{{{{k}}}}} outside {{{{range}}}}"))
                                );
                            }
                            self.close()?;
                            out.push(if k == "break" {
                                Node::Break
                            } else {
                                Node::Continue
                            });
                        }
                        Some(Tok::Keyword(k @ ("define" | "template" | "block"))) => {
                            return Err(self.err(
                                pos,
                                format!("{{{{{k}}}}} is not supported in alert templates"),
                            ));
                        }
                        _ => {
                            let pipe = self.pipeline(pos, true)?;
                            out.push(Node::Action(pipe));
                        }
                    }
                }
                other => return Err(self.err(self.pos(), format!("unexpected {other:?}"))),
            }
        }
    }

    fn close(&mut self) -> Result<(), TemplateError> {
        self.skip_space();
        match self.next() {
            Some(Tok::Close) => Ok(()),
            _ => Err(self.err(self.pos(), "unexpected token in action, expected }}")),
        }
    }

    fn control(&mut self, kw: &'static str, pos: usize) -> Result<Node, TemplateError> {
        let mark = self.vars.len();
        let pipe = self.pipeline(pos, true)?;
        if kw == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.list()?;
        if kw == "range" {
            self.range_depth -= 1;
        }
        let else_list = match end {
            End::Eof => {
                return Err(self.err(
                    pos,
                    format!("unexpected EOF: missing {{{{end}}}} for {{{{{kw}}}}}"),
                ))
            }
            End::End => Vec::new(),
            End::Else(epos) => {
                // `{{else if …}}` / `{{else with …}}` chain into a nested node that shares our {{end}}.
                match self.peek() {
                    Some(Tok::Keyword(k @ ("if" | "with"))) if (*k == kw) => {
                        let k = *k;
                        self.i += 1;
                        vec![self.control(k, epos)?]
                    }
                    _ => {
                        self.close()?;
                        let (l, e) = self.list()?;
                        match e {
                            End::End => l,
                            End::Eof => {
                                return Err(self.err(
                                    pos,
                                    format!("unexpected EOF: missing {{{{end}}}} for {{{{{kw}}}}}"),
                                ))
                            }
                            End::Else(p) => return Err(self.err(p, "expected end; found {{else}}")),
                        }
                    }
                }
            }
        };
        self.vars.truncate(mark);
        let b = Branch {
            pipe,
            list,
            else_list,
        };
        Ok(match kw {
            "if" => Node::If(b),
            "with" => Node::With(b),
            _ => Node::Range(b),
        })
    }

    /// A pipeline up to and including `}}` (when `in_action`) or `)`.
    fn pipeline(&mut self, pos: usize, in_action: bool) -> Result<Pipe, TemplateError> {
        self.skip_space();
        let mut decl = Vec::new();
        let mut assign = false;
        // Declarations: `$x :=`, `$k, $v :=`, `$x =`.
        let save = self.i;
        if let Some(Tok::Variable(v)) = self.peek().cloned() {
            self.i += 1;
            let is_plain = !matches!(self.peek(), Some(Tok::Field(_)));
            self.skip_space();
            match self.peek() {
                Some(Tok::Declare) | Some(Tok::Assign) if is_plain => {
                    assign = self.peek() == Some(&Tok::Assign);
                    self.i += 1;
                    decl.push(v);
                }
                Some(Tok::Comma) if is_plain => {
                    self.i += 1;
                    self.skip_space();
                    if let Some(Tok::Variable(v2)) = self.next() {
                        self.skip_space();
                        match self.next() {
                            Some(Tok::Declare) => {}
                            Some(Tok::Assign) => assign = true,
                            _ => return Err(self.err(pos, "expected := or = after variable list")),
                        }
                        decl.push(v);
                        decl.push(v2);
                    } else {
                        return Err(self.err(pos, "expected variable after comma in declaration"));
                    }
                }
                _ => self.i = save,
            }
        }
        if assign {
            for d in &decl {
                if !self.vars.contains(d) {
                    return Err(self.err(pos, format!("undefined variable \"${d}\"")));
                }
            }
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(Tok::Close) if in_action => {
                    self.i += 1;
                    break;
                }
                Some(Tok::RParen) if !in_action => {
                    self.i += 1;
                    break;
                }
                None => return Err(self.err(pos, "unclosed action")),
                _ => {}
            }
            let cpos = self.pos();
            let cmd = self.command()?;
            cmds.push(cmd);
            self.skip_space();
            match self.peek() {
                Some(Tok::Pipe) => {
                    self.i += 1;
                    continue;
                }
                Some(Tok::Close) if in_action => {}
                Some(Tok::RParen) if !in_action => {}
                _ => return Err(self.err(cpos, "unexpected token in command")),
            }
        }
        if cmds.is_empty() {
            return Err(self.err(pos, "missing value for command"));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Operand::Nil | Operand::Bool(_) | Operand::Number(_) | Operand::Str(_)
            ) {
                return Err(self.err(
                    c.pos,
                    format!("non executable command in pipeline stage {}", i + 1),
                ));
            }
        }
        for d in &decl {
            if !assign {
                self.vars.push(d.clone());
            }
        }
        Ok(Pipe {
            pos,
            esc: Default::default(),
            decl,
            assign,
            cmds,
        })
    }

    fn command(&mut self) -> Result<Cmd, TemplateError> {
        let pos = self.pos();
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(Tok::Close | Tok::RParen | Tok::Pipe) | None => break,
                _ => {}
            }
            args.push(self.operand()?);
            // Operands must be separated by spaces.
            match self.peek() {
                Some(Tok::Space | Tok::Close | Tok::RParen | Tok::Pipe) => {}
                _ => return Err(self.err(self.pos(), "missing space between operands")),
            }
        }
        if args.is_empty() {
            return Err(self.err(pos, "missing value for command"));
        }
        Ok(Cmd { pos, args })
    }

    fn fields(&mut self) -> Vec<String> {
        let mut f = Vec::new();
        while let Some(Tok::Field(s)) = self.peek().cloned() {
            self.i += 1;
            f.push(s);
        }
        f
    }

    fn operand(&mut self) -> Result<Operand, TemplateError> {
        let pos = self.pos();
        let Some(tok) = self.next() else {
            return Err(self.err(pos, "unexpected EOF"));
        };
        Ok(match tok {
            Tok::Dot => Operand::Field(Vec::new()),
            Tok::Field(s) => {
                let mut f = vec![s];
                f.extend(self.fields());
                Operand::Field(f)
            }
            Tok::Variable(v) => {
                if !self.vars.contains(&v) {
                    return Err(self.err(pos, format!("undefined variable \"${v}\"")));
                }
                Operand::Variable(v, self.fields())
            }
            Tok::LParen => {
                let p = self.pipeline(pos, false)?;
                let f = self.fields();
                Operand::Chain(Box::new(p), f)
            }
            Tok::Ident(name) => match Func::lookup(&name, self.mode) {
                Some(f) => {
                    if matches!(self.peek(), Some(Tok::Field(_))) {
                        return Err(self.err(pos, format!("unexpected . after term {name:?}")));
                    }
                    Operand::Func(f, name)
                }
                None => return Err(self.err(pos, format!("function {name:?} not defined"))),
            },
            Tok::Keyword("nil") => Operand::Nil,
            Tok::Keyword("true") => Operand::Bool(true),
            Tok::Keyword("false") => Operand::Bool(false),
            Tok::Str(s) => Operand::Str(s),
            Tok::Char(c) => Operand::Number(Number {
                int: Some(c as i64),
                float: c as u32 as f64,
            }),
            Tok::Number(s) => Operand::Number(
                parse_number(&s)
                    .ok_or_else(|| self.err(pos, format!("illegal number syntax: {s:?}")))?,
            ),
            Tok::Keyword(k) => return Err(self.err(pos, format!("unexpected <{k}> in command"))),
            other => return Err(self.err(pos, format!("unexpected {other:?} in operand"))),
        })
    }
}

fn parse_number(s: &str) -> Option<Number> {
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let int = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if body.contains(['.', 'e', 'E']) {
        None
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()
    } else {
        body.parse::<i64>().ok()
    };
    let int = int.map(|v| if neg { -v } else { v });
    let float = match int {
        Some(i) => i as f64,
        None => {
            let f: f64 = body.parse().ok()?;
            if neg {
                -f
            } else {
                f
            }
        }
    };
    Some(Number { int, float })
}
