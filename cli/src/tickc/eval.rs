//! `tickc eval 'EXPR' [--point LINE]... [--points FILE] [--engine vm|jit|both]`:
//! evaluate one lambda against points, in order, with one state (so
//! `count()`, `sigma()`, `spread()` carry over), printing one JSON value per
//! point. What a user reaches for when a `where` does not match.
//!
//! Output, one line per point: the value as JSON — floats as numbers (NaN
//! and ±Inf as the strings `"NaN"`, `"+Inf"`, `"-Inf"`), ints as numbers,
//! strings, booleans, durations as InfluxQL duration strings (`"90s"`, as
//! `string(duration)` prints them), times as RFC3339Nano UTC strings,
//! regexes as `"/pattern/"`, a missing reference as `null` — or
//! `{"error": "..."}` for an evaluation error.
//!
//! Points are read by the runtime's line-protocol parser, exactly as
//! `tickc run` reads its input (see `point_parser`).
//!
//! Exit codes: 0 evaluated (evaluation errors are output, not failures),
//! 1 the expression does not compile, 2 usage/I/O/bad point, 3 `--engine
//! both` found the engines disagreeing.

use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use compiler::diagnostic::render::render_text;
use compiler::diagnostic::Diagnostic;
use runtime::line_protocol::{Parser, Precision};
use runtime::message::Point;
use serde_json::json;
use std::io::Write;
use vm::value::Value;
use vm::{CompiledLambda, Engine, EvalError, LambdaState};

/// `--engine both` found a difference.
pub const EXIT_MISMATCH: u8 = 3;

/// Which engines to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engines {
    Vm,
    Jit,
    Both,
}

/// The line-protocol reader of `tickc run` (`runtime::line_protocol`), so
/// both commands read a line the same way: same errors, same interned keys
/// (what the engines' reference slot caches expect), a later duplicate key
/// wins, and a point without a timestamp takes the previous point's time
/// (the first such point, with none before it, the current time).
fn point_parser(now: i64) -> Parser {
    let mut parser = Parser::new("", "", Precision::Nanoseconds);
    parser.default_time = now;
    parser
}

/// The JSON form of a value (see the module doc).
pub fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Float(f) if f.is_finite() => json!(f),
        Value::Float(f) => json!(compiler::golang::format_float(*f)),
        Value::Int(i) => json!(i),
        Value::String(s) => json!(s.as_ref()),
        Value::Bool(b) => json!(b),
        Value::Duration(d) => json!(compiler::golang::duration_literal(*d)),
        Value::Time(t) => json!(vm::builtins::time::rfc3339_nano(*t)),
        Value::Regex(r) => json!(format!("/{}/", r.as_str())),
        Value::Missing => serde_json::Value::Null,
    }
}

/// The JSON line for one result.
pub fn result_json(r: &Result<Value, EvalError>) -> serde_json::Value {
    match r {
        Ok(v) => value_json(v),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

fn same(a: &Result<Value, EvalError>, b: &Result<Value, EvalError>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.same(y) && x.vtype() == y.vtype(),
        (Err(x), Err(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

/// Collect the point lines: each `--point`, then each non-empty, non-`#`
/// line of `--points` (`-` = stdin).
fn point_lines(points: &[String], file: Option<&str>) -> Result<Vec<String>, String> {
    let mut lines: Vec<String> = points.to_vec();
    if let Some(f) = file {
        let input = super::read_input(f)?;
        lines.extend(
            input
                .source
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    Ok(lines)
}

/// Run `tickc eval`, writing JSON lines to `out` and diagnostics to `err`.
pub fn run_to(
    expr: &str,
    points: &[String],
    points_file: Option<&str>,
    engines: Engines,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> u8 {
    let (lambda, diags) = compiler::check_lambda(expr);
    if !diags.is_empty() {
        let _ = write!(err, "{}", render_text("<expr>", expr, &diags, color));
    }
    let Some(lambda) = lambda else {
        return if diags.iter().any(Diagnostic::is_error) {
            EXIT_ERRORS
        } else {
            EXIT_USAGE
        };
    };
    let wanted: &[Engine] = match engines {
        Engines::Vm => &[Engine::Vm],
        Engines::Jit => &[Engine::Jit],
        Engines::Both => &[Engine::Vm, Engine::Jit],
    };
    let mut compiled: Vec<(CompiledLambda, LambdaState)> = Vec::new();
    for &engine in wanted {
        match CompiledLambda::compile(&lambda, engine) {
            Ok(c) => {
                if c.engine() != engine {
                    let _ = writeln!(
                        err,
                        "note: the {} engine cannot compile this expression; running it on the {}",
                        engine.name(),
                        c.engine().name()
                    );
                }
                let st = c.new_state();
                compiled.push((c, st));
            }
            Err(e) => {
                use compiler::diagnostic::Code;
                let code = match e {
                    vm::CompileError::BadRegex { .. } => Code::InvalidRegex,
                    vm::CompileError::BadType { .. } => Code::BadLambdaOperand,
                    vm::CompileError::TooComplex { .. } => Code::ArgCount,
                };
                let d =
                    Diagnostic::error(code, e.to_string()).with_primary(e.span(), "cannot compile");
                let _ = write!(err, "{}", render_text("<expr>", expr, &[d], color));
                return EXIT_ERRORS;
            }
        }
    }
    let lines = match point_lines(points, points_file) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    let now = vm::builtins::time::now(&[])
        .ok()
        .and_then(|v| {
            if let Value::Time(t) = v {
                Some(t)
            } else {
                None
            }
        })
        .unwrap_or(0);
    let mut parser = point_parser(now);
    let mut parsed: Vec<(i64, Point)> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        match parser.parse_line(l, i + 1) {
            Some(Ok(p)) => parsed.push((p.time, p)),
            Some(Err(e)) => {
                let _ = writeln!(err, "error: bad point: {e}");
                return EXIT_USAGE;
            }
            None => {
                let _ = writeln!(err, "error: bad point {l:?}: no point on the line");
                return EXIT_USAGE;
            }
        }
    }
    // No point given: evaluate once on an empty point at the current time.
    let empty = (now, Vec::new(), Vec::new());
    let scopes: Vec<vm::point::Scope<'_>> = if parsed.is_empty() {
        vec![vm::point::Scope {
            time: empty.0,
            fields: &empty.1,
            tags: &empty.2,
            extra: &[],
        }]
    } else {
        parsed
            .iter()
            .map(|(time, p)| vm::point::Scope {
                time: *time,
                fields: &p.fields,
                tags: &p.tags,
                extra: &[],
            })
            .collect()
    };
    let mut code = EXIT_OK;
    for (i, scope) in scopes.iter().enumerate() {
        let results: Vec<Result<Value, EvalError>> = compiled
            .iter_mut()
            .map(|(c, st)| c.eval(scope, st))
            .collect();
        let _ = writeln!(out, "{}", result_json(&results[0]));
        if results.len() == 2 && !same(&results[0], &results[1]) {
            let _ = writeln!(
                err,
                "ENGINE MISMATCH at point {} ({}): vm = {}, jit = {}",
                i + 1,
                lines.get(i).map(String::as_str).unwrap_or("<empty point>"),
                result_json(&results[0]),
                result_json(&results[1])
            );
            code = EXIT_MISMATCH;
        }
    }
    code
}

/// `tickc eval` on stdout/stderr.
pub fn run(expr: &str, points: &[String], points_file: Option<&str>, engines: Engines) -> u8 {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    run_to(
        expr,
        points,
        points_file,
        engines,
        &mut stdout.lock(),
        &mut stderr.lock(),
        super::color_stderr(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str, points: &[&str], engines: Engines) -> (u8, String, String) {
        let points: Vec<String> = points.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run_to(expr, &points, None, engines, &mut out, &mut err, false);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn values_and_errors_per_point() {
        let (code, out, err) = eval(
            r#""usage_idle" < 70"#,
            &[
                "cpu,host=a usage_idle=50 1",
                "cpu usage_idle=90i 2",
                "cpu other=1 3",
            ],
            Engines::Vm,
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            "true\nfalse\n{\"error\":\"left reference value \\\"usage_idle\\\" is missing value\"}\n"
        );
    }

    #[test]
    fn state_carries_over_and_both_engines_agree() {
        let (code, out, err) = eval("count()", &["m v=1 1", "m v=2 2", "m v=3 3"], Engines::Both);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "1\n2\n3\n");
    }

    #[test]
    fn json_forms() {
        let (_, out, _) = eval("lambda: \"time\"", &["m v=1 1500000000"], Engines::Vm);
        assert_eq!(out, "\"1970-01-01T00:00:01.5Z\"\n");
        let (_, out, _) = eval("duration(\"v\", 1s)", &["m v=90i"], Engines::Vm);
        assert_eq!(out, "\"90s\"\n");
        let (_, out, _) = eval("float(\"v\") / 0.0", &["m v=1i"], Engines::Vm);
        assert_eq!(out, "\"+Inf\"\n");
        let (_, out, _) = eval("\"nope\"", &["m v=1i"], Engines::Vm);
        assert_eq!(out, "null\n");
    }

    #[test]
    fn compile_errors_render_with_carets() {
        let (code, out, err) = eval("\"x\" + ", &[], Engines::Vm);
        assert_eq!(code, EXIT_ERRORS);
        assert!(out.is_empty());
        assert!(err.contains("error"), "{err}");
    }

    #[test]
    fn bad_points_are_usage_errors() {
        let (code, _, err) = eval("1 + 1", &["not line protocol"], Engines::Vm);
        assert_eq!(code, EXIT_USAGE);
        assert!(err.contains("bad point"), "{err}");
    }

    #[test]
    fn points_are_read_like_tickc_run() {
        // A later duplicate field wins; a point without a timestamp takes the
        // previous point's time (5), like `tickc run`.
        let (code, out, err) = eval(
            "lambda: string(\"a\") + ' ' + string(unixNano(\"time\"))",
            &["m,t=1 a=1,a=2 5", "m a=3"],
            Engines::Vm,
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "\"2 5\"\n\"3 5\"\n");
        // The runtime parser's errors: unsigned fields and a missing field set.
        let (code, _, err) = eval("1 + 1", &["m a=1u 1"], Engines::Vm);
        assert_eq!(code, EXIT_USAGE);
        assert_eq!(
            err,
            "error: bad point: line 1: unable to parse 'm a=1u 1': invalid number\n"
        );
        let (code, _, err) = eval("1 + 1", &["m"], Engines::Vm);
        assert_eq!(code, EXIT_USAGE);
        assert!(err.contains("missing fields"), "{err}");
    }
}
