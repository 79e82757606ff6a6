//! The stable, readable text form of the typed IR (`tickc ir`).
//!
//! Format (no spans are printed, so formatting a script never changes it):
//!
//! ```text
//! task stream
//! dbrp "telegraf"."autogen"
//! var period duration = 5m
//! var threshold float            (a template var without a value)
//!
//! stream0: stream (none -> stream)
//! from1: from (stream -> stream) parents=[stream0]
//!   .measurement('cpu')
//!   .where(("host":dynamic == 'server1':string):bool)
//! stats3: stats (none -> stream) source=from1
//!   args(10s)
//! alert2: alert (stream -> stream) parents=[from1]
//!   .crit(("usage_idle":dynamic < 70:int):bool)
//!   default .history = 21
//!   handler .slack()
//!     .channel('#alerts')
//! ```
//!
//! * One block per node in id order: `name: method (wants -> provides)`, then
//!   `parents=[...]` (in order) and, for stats nodes, `source=`. A UDF shows
//!   as `@name`. Chain-call arguments on an `args(...)` line.
//! * Properties one per line in source order, two-space indent, then one
//!   `default .name = value` line per unset property with a reference
//!   default (documentation only: the engines apply the defaults); handlers on a
//!   `handler .name(args)` line with their own properties indented below.
//! * Values: ints `5`, floats always with a point `5.0`, strings single-quoted
//!   (`\'` escaped), durations in the largest exact unit (`90s`, `1h`, `1500ms`),
//!   regexes `/.../`, `*`, lists `[a, b]`, `time(1m, 0s)`, lambdas as typed
//!   expressions: a leaf is `value:type`, an operation is `(l op r):type`, a
//!   call `name(args):type`, a unary `(-x):type`, an inlined lambda var
//!   `nested(expr)`.

use super::{Arg, Const, Expr, ExprKind, Pipeline, Property, TaskType, UnaryOp};
use std::fmt::Write;

pub fn render(p: &Pipeline) -> String {
    let mut out = String::new();
    let tt = match p.task_type {
        TaskType::Stream => "stream",
        TaskType::Batch => "batch",
    };
    let _ = writeln!(out, "task {tt}");
    for d in &p.dbrps {
        let _ = writeln!(out, "dbrp \"{}\".\"{}\"", d.db, d.rp);
    }
    for v in &p.vars {
        match &v.value {
            Some(a) => {
                let _ = writeln!(out, "var {} {} = {}", v.name, v.ty, arg(a));
            }
            None => {
                let _ = writeln!(out, "var {} {}", v.name, v.ty);
            }
        }
    }
    out.push('\n');
    for n in &p.nodes {
        let method = match &n.udf {
            Some(u) => format!("@{u}"),
            None => n.kind.method().to_string(),
        };
        let _ = write!(
            out,
            "{}: {method} ({} -> {})",
            n.name,
            n.wants.name(),
            n.provides.name()
        );
        if !n.parents.is_empty() {
            let names: Vec<&str> = n
                .parents
                .iter()
                .map(|&i| p.nodes[i as usize].name.as_str())
                .collect();
            let _ = write!(out, " parents=[{}]", names.join(", "));
        }
        if let Some(s) = n.source {
            let _ = write!(out, " source={}", p.nodes[s as usize].name);
        }
        out.push('\n');
        if !n.args.is_empty() {
            let _ = writeln!(out, "  args({})", args(&n.args));
        }
        for pr in &n.props {
            prop(&mut out, "  ", pr);
        }
        // The reference defaults of the properties left unset (documentation).
        if n.kind != crate::catalog::NodeKind::Udf {
            let spec = crate::catalog::nodes::spec(n.kind);
            for d in spec.props.iter().filter(|d| !d.default.is_empty()) {
                if n.prop(d.name).is_none() {
                    let _ = writeln!(out, "  default .{} = {}", d.name, d.default);
                }
            }
        }
        for h in &n.handlers {
            let _ = writeln!(out, "  handler .{}({})", h.kind.method(), args(&h.args));
            for pr in &h.props {
                prop(&mut out, "    ", pr);
            }
            let spec = crate::catalog::handlers::spec(h.kind);
            for d in spec.props.iter().filter(|d| !d.default.is_empty()) {
                if h.prop(d.name).is_none() {
                    let _ = writeln!(out, "    default .{} = {}", d.name, d.default);
                }
            }
        }
    }
    out
}

fn prop(out: &mut String, indent: &str, p: &Property) {
    let _ = writeln!(out, "{indent}.{}({})", p.name, args(&p.args));
}

fn args(a: &[Arg]) -> String {
    a.iter().map(arg).collect::<Vec<_>>().join(", ")
}

pub fn arg(a: &Arg) -> String {
    match a {
        Arg::Int(v) => v.to_string(),
        Arg::Float(v) => float(*v),
        Arg::String(s) => string(s),
        Arg::Bool(b) => bool_text(*b).into(),
        Arg::Duration(d) => duration(*d),
        Arg::Regex(r) => format!("/{}/", r.replace('/', "\\/")),
        Arg::Star => "*".into(),
        Arg::Lambda(l) => format!("lambda: {}", expr(&l.expr)),
        Arg::List(items) => format!("[{}]", args(items)),
        Arg::TimeDimension { interval, offset } => {
            format!("time({}, {})", duration(*interval), duration(*offset))
        }
    }
}

/// A typed lambda expression.
pub fn expr(e: &Expr) -> String {
    let ty = e.ty;
    match &e.kind {
        ExprKind::Const(c) => format!("{}:{ty}", konst(c)),
        ExprKind::Reference(r) => format!("\"{}\":{ty}", r.replace('"', "\\\"")),
        ExprKind::Unary { op, operand } => {
            let sym = if *op == UnaryOp::Neg { "-" } else { "!" };
            format!("({sym}{}):{ty}", expr(operand))
        }
        ExprKind::Binary { op, left, right } => {
            format!("({} {} {}):{ty}", expr(left), op.symbol(), expr(right))
        }
        ExprKind::Call { func, args } => format!(
            "{}({}):{ty}",
            func.name(),
            args.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Nested(inner) => format!("nested({})", expr(inner)),
    }
}

fn konst(c: &Const) -> String {
    match c {
        Const::Float(v) => float(*v),
        Const::Int(v) => v.to_string(),
        Const::String(s) => string(s),
        Const::Bool(b) => bool_text(*b).into(),
        Const::Duration(d) => duration(*d),
        Const::Regex(r) => format!("/{}/", r.replace('/', "\\/")),
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "TRUE"
    } else {
        "FALSE"
    }
}

fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "\\'"))
}

fn float(v: f64) -> String {
    crate::golang::float::float_literal(v)
}

/// A duration in the largest unit that divides it exactly (InfluxQL's
/// literal, `crate::golang::duration_literal`).
pub fn duration(nanos: i64) -> String {
    crate::golang::duration_literal(nanos)
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations() {
        assert_eq!(duration(90_000_000_000), "90s");
        assert_eq!(duration(3_600_000_000_000), "1h");
        assert_eq!(duration(1_500_000_000), "1500ms");
        assert_eq!(duration(-60_000_000_000), "-1m");
    }
}
