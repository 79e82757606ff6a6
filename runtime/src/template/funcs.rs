//! The template function table: Go's builtins plus Kapacitor's `json` and
//! `jsonCompact`, which exist only in html (details) templates.

use super::gofmt::{print_value, sprintf};
use super::value::Value;
use super::Mode;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Html,
    Js,
    Urlquery,
    Json,
    JsonCompact,
}

const TABLE: &[(&str, Func, bool)] = &[
    // (name, func, html-only)
    ("and", Func::And, false),
    ("or", Func::Or, false),
    ("not", Func::Not, false),
    ("len", Func::Len, false),
    ("index", Func::Index, false),
    ("slice", Func::Slice, false),
    ("print", Func::Print, false),
    ("printf", Func::Printf, false),
    ("println", Func::Println, false),
    ("eq", Func::Eq, false),
    ("ne", Func::Ne, false),
    ("lt", Func::Lt, false),
    ("le", Func::Le, false),
    ("gt", Func::Gt, false),
    ("ge", Func::Ge, false),
    ("html", Func::Html, false),
    ("js", Func::Js, false),
    ("urlquery", Func::Urlquery, false),
    ("json", Func::Json, true),
    ("jsonCompact", Func::JsonCompact, true),
];

impl Func {
    pub fn lookup(name: &str, mode: Mode) -> Option<Func> {
        TABLE
            .iter()
            .find(|(n, _, html_only)| *n == name && (!html_only || mode == Mode::Html))
            .map(|(_, f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or("?", |(n, _, _)| n)
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    String,
    Invalid,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) | Value::Duration(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) | Value::Duration(i) => *i,
        _ => 0,
    }
}

const BAD_CMP: &str = "incompatible types for comparison";
const BAD_CMP_TYPE: &str = "invalid type for comparison";

fn is_nilish(v: &Value) -> bool {
    matches!(v, Value::Nil | Value::NoValue)
}

/// Go's `eq arg1 arg2…`.
pub fn eq(a: &Value, rest: &[Value]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = kind(a);
    for b in rest {
        let k2 = kind(b);
        let truth = if k1 != k2 {
            if !is_nilish(a) && !is_nilish(b) {
                return Err(BAD_CMP.into());
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                _ if k1 == Kind::Int => int_of(a) == int_of(b),
                (Value::Time(x), Value::Time(y)) => x == y,
                _ if is_nilish(a) || is_nilish(b) => is_nilish(a) == is_nilish(b),
                _ => return Err(format!("non-comparable type {}", a.type_name())),
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt a b`.
pub fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err(BAD_CMP_TYPE.into());
    }
    if k1 != k2 {
        return Err(BAD_CMP.into());
    }
    Ok(match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y) == Some(Ordering::Less),
        (Value::Str(x), Value::Str(y)) => x < y,
        (Value::Bool(_), _) => return Err(BAD_CMP_TYPE.into()),
        _ => int_of(a) < int_of(b),
    })
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value], ln: bool) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            let is_str = |v: &Value| matches!(v, Value::Str(_));
            if ln || (!is_str(a) && !is_str(&args[i - 1])) {
                out.push(' ');
            }
        }
        print_value(&mut out, a);
    }
    if ln {
        out.push('\n');
    }
    out
}

/// `template.HTMLEscapeString` (the `html` builtin).
pub fn html_escape_builtin(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn js_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `url.QueryEscape` (one Go-format home: `compiler::golang`).
pub use compiler::golang::query_escape;

fn index1(item: &Value, key: &Value) -> Result<Value, String> {
    match item {
        Value::Map(m) => match key {
            Value::Str(k) => Ok(m.get(k).cloned().unwrap_or_else(|| m.zero())),
            Value::Nil | Value::NoValue => Ok(m.zero()),
            other => Err(format!(
                "value has type {}; should be string",
                other.type_name()
            )),
        },
        Value::List(l) => {
            let i = match key {
                Value::Int(i) | Value::Int64(i) => *i,
                other => {
                    return Err(format!(
                        "cannot index slice/array with type {}",
                        other.type_name()
                    ))
                }
            };
            if i < 0 || i as usize >= l.len() {
                return Err(format!("index out of range: {i}"));
            }
            Ok(l[i as usize].clone())
        }
        Value::Str(s) => {
            let i = match key {
                Value::Int(i) | Value::Int64(i) => *i,
                other => {
                    return Err(format!(
                        "cannot index slice/array with type {}",
                        other.type_name()
                    ))
                }
            };
            if i < 0 || i as usize >= s.len() {
                return Err(format!("index out of range: {i}"));
            }
            Ok(Value::Int(s.as_bytes()[i as usize] as i64))
        }
        Value::Nil | Value::NoValue => Err("index of untyped nil".into()),
        other => Err(format!("can't index item of type {}", other.type_name())),
    }
}

/// Calls a function with evaluated arguments (`and`/`or` are handled by the
/// executor for short-circuiting).
pub fn call(f: Func, args: &[Value]) -> Result<Value, String> {
    let want = |n: usize| -> Result<(), String> {
        if args.len() != n {
            Err(format!(
                "wrong number of args for {}: want {n} got {}",
                f.name(),
                args.len()
            ))
        } else {
            Ok(())
        }
    };
    Ok(match f {
        Func::And | Func::Or => and_or_direct(f, args)?,
        Func::Not => {
            want(1)?;
            Value::Bool(!args[0].truth())
        }
        Func::Len => {
            want(1)?;
            match &args[0] {
                Value::Str(s) => Value::Int(s.len() as i64),
                Value::Map(m) => Value::Int(m.entries.len() as i64),
                Value::List(l) => Value::Int(l.len() as i64),
                Value::Nil | Value::NoValue => return Err("len of nil pointer".into()),
                other => return Err(format!("len of type {}", other.type_name())),
            }
        }
        Func::Index => {
            if args.is_empty() {
                return Err("wrong number of args for index: want at least 1 got 0".into());
            }
            let mut v = args[0].clone();
            for k in &args[1..] {
                v = index1(&v, k)?;
            }
            v
        }
        Func::Slice => {
            if args.is_empty() {
                return Err("wrong number of args for slice: want at least 1 got 0".into());
            }
            let idx: Vec<i64> = args[1..]
                .iter()
                .map(|a| match a {
                    Value::Int(i) | Value::Int64(i) => Ok(*i),
                    o => Err(format!(
                        "cannot index slice/array with type {}",
                        o.type_name()
                    )),
                })
                .collect::<Result<_, _>>()?;
            match &args[0] {
                Value::Str(s) => {
                    let lo = *idx.first().unwrap_or(&0) as usize;
                    let hi = idx.get(1).map_or(s.len(), |h| *h as usize);
                    if idx.len() > 2 {
                        return Err("cannot 3-index slice a string".into());
                    }
                    if lo > hi || hi > s.len() || !s.is_char_boundary(lo) || !s.is_char_boundary(hi)
                    {
                        return Err(format!("index out of range: {hi}"));
                    }
                    Value::str(&s[lo..hi])
                }
                Value::List(l) => {
                    let lo = *idx.first().unwrap_or(&0) as usize;
                    let hi = idx.get(1).map_or(l.len(), |h| *h as usize);
                    if lo > hi || hi > l.len() {
                        return Err(format!("index out of range: {hi}"));
                    }
                    Value::List(std::sync::Arc::new(l[lo..hi].to_vec()))
                }
                other => return Err(format!("can't slice item of type {}", other.type_name())),
            }
        }
        Func::Print => Value::str(&sprint(args, false)),
        Func::Println => Value::str(&sprint(args, true)),
        Func::Printf => {
            let Some(Value::Str(fmt)) = args.first() else {
                return Err(format!(
                    "wrong type for value; expected string; got {}",
                    args.first().map_or("<nil>", |a| a.type_name())
                ));
            };
            Value::str(&sprintf(fmt, &args[1..]))
        }
        Func::Eq => {
            if args.is_empty() {
                return Err("missing argument for comparison".into());
            }
            Value::Bool(eq(&args[0], &args[1..])?)
        }
        Func::Ne => {
            want(2)?;
            Value::Bool(!eq(&args[0], &args[1..])?)
        }
        Func::Lt => {
            want(2)?;
            Value::Bool(lt(&args[0], &args[1])?)
        }
        Func::Le => {
            want(2)?;
            Value::Bool(lt(&args[0], &args[1])? || eq(&args[0], &args[1..])?)
        }
        Func::Gt => {
            want(2)?;
            Value::Bool(!(lt(&args[0], &args[1])? || eq(&args[0], &args[1..])?))
        }
        Func::Ge => {
            want(2)?;
            Value::Bool(!lt(&args[0], &args[1])?)
        }
        Func::Html => {
            let mut s = String::new();
            html_escape_builtin(&mut s, &sprint(args, false));
            Value::str(&s)
        }
        Func::Js => Value::str(&js_escape(&sprint(args, false))),
        Func::Urlquery => Value::str(&query_escape(&sprint(args, false))),
        Func::Json | Func::JsonCompact => {
            want(1)?;
            let mut s = String::new();
            super::json::encode(&mut s, &args[0])?;
            if f == Func::Json {
                s.push('\n');
            }
            Value::str(&s)
        }
    })
}

fn and_or_direct(f: Func, args: &[Value]) -> Result<Value, String> {
    // Kept total for direct callers: same semantics as the executor's short-circuit.
    let Some(last) = args.last() else {
        return Err(format!(
            "wrong number of args for {}: want at least 1 got 0",
            f.name()
        ));
    };
    for a in args {
        if (f == Func::And) != a.truth() {
            return Ok(a.clone());
        }
    }
    Ok(last.clone())
}
