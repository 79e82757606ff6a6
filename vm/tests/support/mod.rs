//! Shared test support: the reference evaluator, the expression/point
//! generator, the engines under test, and the corpus format.

#![allow(dead_code)]

pub mod gen;
pub mod reference;

use compiler::ir::{Expr, Lambda};
use gen::TestPoint;
use vm::value::Value;
use vm::{CompiledLambda, Engine, EvalError, LambdaState};

/// An engine under differential test.
pub trait Runner {
    fn name(&self) -> String;
    fn eval(&mut self, p: &TestPoint) -> Result<Value, EvalError>;
}

/// The reference evaluator.
pub struct Reference {
    pub expr: Expr,
    pub state: reference::RefState,
}

impl Runner for Reference {
    fn name(&self) -> String {
        "reference".into()
    }
    fn eval(&mut self, p: &TestPoint) -> Result<Value, EvalError> {
        reference::eval(&self.expr, &p.scope(), &mut self.state)
    }
}

/// A `CompiledLambda` on one engine.
pub struct Compiled {
    pub requested: Engine,
    pub lambda: CompiledLambda,
    pub state: LambdaState,
}

impl Runner for Compiled {
    fn name(&self) -> String {
        format!(
            "{} (running {})",
            self.requested.name(),
            self.lambda.engine().name()
        )
    }
    fn eval(&mut self, p: &TestPoint) -> Result<Value, EvalError> {
        self.lambda.eval(&p.scope(), &mut self.state)
    }
}

pub fn lambda_of(expr: &Expr) -> Lambda {
    Lambda {
        source: vm::ir_text::expr_text(expr),
        span: expr.span,
        expr: expr.clone(),
    }
}

/// Every engine to compare against the reference. VM-JIT: the JIT is the
/// second entry (it reports `running vm` when it fell back).
pub fn engines(expr: &Expr) -> Vec<Box<dyn Runner>> {
    let lambda = lambda_of(expr);
    let mut out: Vec<Box<dyn Runner>> = Vec::new();
    for engine in [Engine::Vm, Engine::Jit] {
        let compiled = CompiledLambda::compile(&lambda, engine).unwrap_or_else(|e| {
            panic!("{} failed to compile {}: {e}", engine.name(), lambda.source)
        });
        let state = compiled.new_state();
        out.push(Box::new(Compiled {
            requested: engine,
            lambda: compiled,
            state,
        }));
    }
    out
}

/// Results agree: equal values (NaN equal to NaN) or equal error messages.
pub fn agree(a: &Result<Value, EvalError>, b: &Result<Value, EvalError>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.same(y) && x.vtype() == y.vtype(),
        (Err(x), Err(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

pub fn show(r: &Result<Value, EvalError>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("error: {e}"),
    }
}

/// One corpus case: an expression and the points it is evaluated on in order.
pub struct Case {
    pub expr: Expr,
    pub points: Vec<TestPoint>,
}

/// The readable corpus text of a case:
/// `expr:` the TICKscript text (for people), `ir:` the IR as JSON, then one
/// `point:` JSON line per point. Lines starting with `#` are comments.
pub fn case_text(case: &Case) -> String {
    let mut s = format!(
        "expr: {}\nir: {}\n",
        vm::ir_text::expr_text(&case.expr),
        serde_json::to_string(&case.expr).expect("IR serializes")
    );
    for p in &case.points {
        s.push_str(&format!(
            "point: {}\n",
            serde_json::to_string(p).expect("point serializes")
        ));
    }
    s
}

/// Parse a corpus file: cases separated by blank lines.
pub fn parse_corpus(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let mut expr: Option<Expr> = None;
    let mut points = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            if let Some(e) = expr.take() {
                cases.push(Case {
                    expr: e,
                    points: std::mem::take(&mut points),
                });
            }
            continue;
        }
        if line.starts_with('#') || line.starts_with("expr:") {
            continue;
        }
        if let Some(ir) = line.strip_prefix("ir:") {
            expr =
                Some(serde_json::from_str(ir.trim()).map_err(|e| format!("line {}: {e}", n + 1))?);
        } else if let Some(p) = line.strip_prefix("point:") {
            points
                .push(serde_json::from_str(p.trim()).map_err(|e| format!("line {}: {e}", n + 1))?);
        } else {
            return Err(format!("line {}: unexpected {line:?}", n + 1));
        }
    }
    if let Some(e) = expr.take() {
        cases.push(Case { expr: e, points });
    }
    Ok(cases)
}

/// Run one case on the reference and every engine; `Err` describes the
/// first disagreement in corpus format.
pub fn check_case(case: &Case) -> Result<usize, String> {
    check_case_seen(case, &mut |_| {})
}

/// The category of an outcome, for coverage accounting.
pub fn category(r: &Result<Value, EvalError>) -> String {
    match r {
        Ok(v) => format!("ok {}", v.type_name()),
        Err(e) => {
            let dbg = format!("{e:?}");
            let name = dbg.split([' ', '{', '(']).next().unwrap_or("").to_string();
            format!("error {name}")
        }
    }
}

/// `check_case`, reporting every reference outcome to `seen`.
pub fn check_case_seen(
    case: &Case,
    seen: &mut dyn FnMut(&Result<Value, EvalError>),
) -> Result<usize, String> {
    let mut reference = Reference {
        expr: case.expr.clone(),
        state: Default::default(),
    };
    let mut engines = engines(&case.expr);
    for (i, p) in case.points.iter().enumerate() {
        let want = reference.eval(p);
        seen(&want);
        for e in engines.iter_mut() {
            let got = e.eval(p);
            if !agree(&want, &got) {
                return Err(format!(
                    "{} disagrees with the reference at point {i}:\n  reference: {}\n  {}: {}\n# case:\n{}",
                    e.name(),
                    show(&want),
                    e.name(),
                    show(&got),
                    case_text(&Case { expr: case.expr.clone(), points: case.points[..=i].to_vec() })
                ));
            }
        }
    }
    Ok(case.points.len())
}
