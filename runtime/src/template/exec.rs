//! Executor: walks the parsed tree against a data value, writing into the
//! caller's output buffer.

use super::funcs::{call, Func};
use super::gofmt::print_value;
use super::parse::{Branch, Cmd, Node, Operand, Pipe};
use super::value::Value;
use super::{Mode, Template, TemplateError};

enum Flow {
    Normal,
    Break,
    Continue,
}

/// Go stops a runaway recursion of nested ranges; we bound range lengths
/// only by the data, but cap total output to keep a bad template from
/// exhausting memory.
const MAX_OUTPUT: usize = 16 << 20;

/// `{{ range N }}` larger than this is refused (a template must not hang a
/// task; Go would loop).
const MAX_RANGE_INT: i64 = 1 << 20;

pub struct Exec<'t, 's> {
    tmpl: &'t Template,
    /// `$`: kept apart so that executing a template without variables
    /// allocates nothing beyond its output.
    root: Value,
    vars: Vec<(String, Value)>,
    /// Where html mode prints a value before escaping it: the caller's, so
    /// a caller rendering per event reuses one buffer.
    scratch: &'s mut String,
}

type R<T> = Result<T, TemplateError>;

impl<'t, 's> Exec<'t, 's> {
    pub fn new(tmpl: &'t Template, root: &Value, scratch: &'s mut String) -> Self {
        Exec {
            tmpl,
            root: root.clone(),
            vars: Vec::new(),
            scratch,
        }
    }

    fn err(&self, pos: usize, msg: impl Into<String>) -> TemplateError {
        TemplateError::exec(&self.tmpl.name, &self.tmpl.src, pos, msg.into())
    }

    pub fn run(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> R<()> {
        self.list(nodes, dot, out).map(|_| ())
    }

    fn list(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> R<Flow> {
        for n in nodes {
            if out.len() > MAX_OUTPUT {
                return Err(self.err(0, "template output exceeds 16 MiB"));
            }
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Action(p) => {
                    if self.escaped_json(p, dot, out)? {
                        continue;
                    }
                    let v = self.pipe(p, dot, true)?;
                    if p.decl.is_empty() {
                        self.emit(&v, p.esc, out);
                    }
                }
                Node::If(b) | Node::With(b) => {
                    let mark = self.vars.len();
                    let v = self.pipe(&b.pipe, dot, true)?;
                    let is_with = matches!(n, Node::With(_));
                    let flow = if v.truth() {
                        let d = if is_with { &v } else { dot };
                        self.list(&b.list, d, out)?
                    } else {
                        self.list(&b.else_list, dot, out)?
                    };
                    self.vars.truncate(mark);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range(b) => self.range(b, dot, out)?,
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn emit(&mut self, v: &Value, esc: super::html::Escaper, out: &mut String) {
        match self.tmpl.mode {
            Mode::Text => print_value(out, v),
            Mode::Html => {
                // html/template prints nothing for a missing value.
                if matches!(v, Value::NoValue) && !matches!(esc, super::html::Escaper::Js { .. }) {
                    return;
                }
                // A string prints as itself: escape it without a copy.
                if let Value::Str(s) = v {
                    super::html::escape(out, esc, v, s);
                    return;
                }
                self.scratch.clear();
                print_value(self.scratch, v);
                super::html::escape(out, esc, v, self.scratch);
            }
        }
    }

    /// `{{ json X }}` / `{{ jsonCompact X }}` as a whole action in html mode
    /// (Kapacitor's default details): the JSON is encoded into the scratch
    /// buffer and escaped from there, instead of becoming a string value that
    /// is printed and escaped. Returns false when the action is anything else
    /// (the general path then runs it); the output is the same either way.
    fn escaped_json(&mut self, p: &Pipe, dot: &Value, out: &mut String) -> R<bool> {
        let [c] = p.cmds.as_slice() else {
            return Ok(false);
        };
        let (Some(Operand::Func(f @ (Func::Json | Func::JsonCompact), _)), [arg]) =
            (c.args.first(), c.args.get(1..).unwrap_or_default())
        else {
            return Ok(false);
        };
        if self.tmpl.mode != Mode::Html
            || !p.decl.is_empty()
            || matches!(p.esc, super::html::Escaper::Js { .. })
        {
            return Ok(false);
        }
        let v = self.arg(arg, dot, c.pos)?;
        // The usual context (text) is encoded and escaped in one pass; the
        // others go through the scratch buffer and their escaper.
        let text = matches!(p.esc, super::html::Escaper::Text);
        let encoded = if text {
            super::json::encode_html_text(out, &v)
        } else {
            self.scratch.clear();
            super::json::encode(self.scratch, &v)
        };
        if let Err(m) = encoded {
            return Err(self.err(c.pos, format!("error calling {}: {m}", f.name())));
        }
        let newline = *f == Func::Json;
        if text {
            // The text escaper keeps a newline as it is.
            if newline {
                out.push('\n');
            }
        } else {
            if newline {
                self.scratch.push('\n');
            }
            super::html::escape(out, p.esc, &Value::Nil, self.scratch);
        }
        Ok(true)
    }

    fn range(&mut self, b: &Branch, dot: &Value, out: &mut String) -> R<()> {
        let mark = self.vars.len();
        let v = self.pipe(&b.pipe, dot, false)?;
        let items: Vec<(Value, Value)> = match &v {
            Value::Map(m) => m
                .entries
                .iter()
                .map(|(k, e)| (Value::Str(k.clone()), e.clone()))
                .collect(),
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, e)| (Value::Int(i as i64), e.clone()))
                .collect(),
            Value::Int(n) | Value::Int64(n) => {
                if *n > MAX_RANGE_INT {
                    return Err(self.err(
                        b.pipe.pos,
                        format!("range over {n} exceeds the limit of {MAX_RANGE_INT} iterations"),
                    ));
                }
                (0..*n).map(|i| (Value::Int(i), Value::Int(i))).collect()
            }
            Value::Nil | Value::NoValue => Vec::new(),
            other => {
                let mut s = String::new();
                print_value(&mut s, other);
                return Err(self.err(b.pipe.pos, format!("range can't iterate over {s}")));
            }
        };
        if items.is_empty() {
            self.list(&b.else_list, dot, out)?;
        } else {
            for (k, e) in items {
                let m2 = self.vars.len();
                match b.pipe.decl.len() {
                    1 => self.vars.push((b.pipe.decl[0].clone(), e.clone())),
                    2 => {
                        self.vars.push((b.pipe.decl[0].clone(), k));
                        self.vars.push((b.pipe.decl[1].clone(), e.clone()));
                    }
                    _ => {}
                }
                let flow = self.list(&b.list, &e, out)?;
                self.vars.truncate(m2);
                if matches!(flow, Flow::Break) {
                    break;
                }
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    /// Evaluates a pipeline; with `bind`, declares/assigns its variables.
    fn pipe(&mut self, p: &Pipe, dot: &Value, bind: bool) -> R<Value> {
        let mut val: Option<Value> = None;
        for c in &p.cmds {
            val = Some(self.cmd(c, dot, val)?);
        }
        let v = val.unwrap_or(Value::NoValue);
        if bind {
            for d in &p.decl {
                if p.assign {
                    if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == d) {
                        slot.1 = v.clone();
                    }
                } else {
                    self.vars.push((d.clone(), v.clone()));
                }
            }
        }
        Ok(v)
    }

    fn cmd(&mut self, c: &Cmd, dot: &Value, fin: Option<Value>) -> R<Value> {
        let first = &c.args[0];
        let has_args = c.args.len() > 1 || fin.is_some();
        match first {
            Operand::Func(f, _) => self.call(*f, c, dot, fin),
            Operand::Field(fields) => {
                if let Some((last, init)) = fields.split_last().filter(|_| has_args) {
                    // `.Time.Format "15:04"`: a method call with arguments.
                    let recv = self.fields(dot.clone(), init, c.pos)?;
                    let mut args = Vec::with_capacity(c.args.len());
                    for a in &c.args[1..] {
                        args.push(self.arg(a, dot, c.pos)?);
                    }
                    if let Some(v) = fin {
                        args.push(v);
                    }
                    return match super::methods::call(&recv, last, &args) {
                        Some(r) => {
                            r.map_err(|m| self.err(c.pos, format!("error calling {last}: {m}")))
                        }
                        None => Err(self.err(
                            c.pos,
                            format!("{last} has arguments but cannot be invoked as function"),
                        )),
                    };
                }
                if has_args {
                    return Err(self.err(c.pos, "can't give argument to non-function ."));
                }
                self.fields(dot.clone(), fields, c.pos)
            }
            Operand::Variable(name, fields) => {
                if has_args {
                    return Err(self.err(
                        c.pos,
                        format!("can't give argument to non-function ${name}"),
                    ));
                }
                let v = self.var(name, c.pos)?;
                self.fields(v, fields, c.pos)
            }
            Operand::Chain(p, fields) => {
                if has_args {
                    return Err(self.err(c.pos, "can't give argument to non-function"));
                }
                let v = self.pipe(p, dot, true)?;
                self.fields(v, fields, c.pos)
            }
            _ => {
                if has_args {
                    return Err(self.err(c.pos, "can't give argument to non-function"));
                }
                self.operand(first, dot, c.pos)
            }
        }
    }

    fn var(&self, name: &str, pos: usize) -> R<Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .or_else(|| name.is_empty().then(|| self.root.clone()))
            .ok_or_else(|| self.err(pos, format!("undefined variable: ${name}")))
    }

    fn fields(&self, mut v: Value, fields: &[String], pos: usize) -> R<Value> {
        for f in fields {
            v = match &v {
                Value::Struct(s) => match s.get(f) {
                    Some(x) => x.clone(),
                    None => {
                        return Err(self.err(
                            pos,
                            format!("can't evaluate field {f} in type {}", s.type_name),
                        ))
                    }
                },
                Value::Map(m) => m.get(f).cloned().unwrap_or(Value::NoValue),
                Value::Nil | Value::NoValue => {
                    return Err(self.err(pos, format!("nil pointer evaluating interface {{}}.{f}")))
                }
                recv @ (Value::Time(_) | Value::Duration(_)) => {
                    match super::methods::call(recv, f, &[]) {
                        Some(r) => {
                            r.map_err(|m| self.err(pos, format!("error calling {f}: {m}")))?
                        }
                        None => {
                            return Err(self.err(
                                pos,
                                format!("can't evaluate field {f} in type {}", recv.type_name()),
                            ))
                        }
                    }
                }
                other => {
                    return Err(self.err(
                        pos,
                        format!("can't evaluate field {f} in type {}", other.type_name()),
                    ))
                }
            };
        }
        Ok(v)
    }

    fn operand(&mut self, o: &Operand, dot: &Value, pos: usize) -> R<Value> {
        Ok(match o {
            Operand::Field(f) => self.fields(dot.clone(), f, pos)?,
            Operand::Variable(n, f) => {
                let v = self.var(n, pos)?;
                self.fields(v, f, pos)?
            }
            Operand::Chain(p, f) => {
                let v = self.pipe(p, dot, true)?;
                self.fields(v, f, pos)?
            }
            Operand::Func(f, name) => {
                // A function used as an argument is called with no arguments.
                let c = Cmd {
                    pos,
                    args: vec![Operand::Func(*f, name.clone())],
                };
                self.call(*f, &c, dot, None)?
            }
            Operand::Nil => return Err(self.err(pos, "nil is not a command")),
            Operand::Bool(b) => Value::Bool(*b),
            Operand::Number(n) => match n.int {
                Some(i) => Value::Int(i),
                None => Value::Float(n.float),
            },
            Operand::Str(s) => Value::str(s),
        })
    }

    fn arg(&mut self, o: &Operand, dot: &Value, pos: usize) -> R<Value> {
        match o {
            Operand::Nil => Ok(Value::Nil),
            _ => self.operand(o, dot, pos),
        }
    }

    fn call(&mut self, f: Func, c: &Cmd, dot: &Value, fin: Option<Value>) -> R<Value> {
        let name = f.name();
        if matches!(f, Func::And | Func::Or) {
            // Short-circuit: later arguments are not evaluated once decided.
            let n = c.args.len() - 1 + usize::from(fin.is_some());
            if n == 0 {
                return Err(self.err(
                    c.pos,
                    format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            let mut last = Value::Nil;
            for a in &c.args[1..] {
                last = self.arg(a, dot, c.pos)?;
                if (f == Func::And) != last.truth() {
                    return Ok(last);
                }
            }
            if let Some(v) = fin {
                last = v;
            }
            return Ok(last);
        }
        let mut args = Vec::with_capacity(c.args.len());
        for a in &c.args[1..] {
            args.push(self.arg(a, dot, c.pos)?);
        }
        if let Some(v) = fin {
            args.push(v);
        }
        call(f, &args).map_err(|m| self.err(c.pos, format!("error calling {name}: {m}")))
    }
}
