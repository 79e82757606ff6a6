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

/// After how many VM evaluations the differential tests' tiered engine
/// switches to native code: mid-sequence for the random cases (21 points).
pub const TIER_SWITCH_AT: u32 = 10;

/// Every engine to compare against the reference. VM-JIT: the JIT is the
/// second entry (it reports `running vm` when it fell back). The third is
/// tiered, switching from the VM to native code after `TIER_SWITCH_AT`
/// evaluations, with the same state.
pub fn engines(expr: &Expr) -> Vec<Box<dyn Runner>> {
    let lambda = lambda_of(expr);
    let mut out: Vec<Box<dyn Runner>> = Vec::new();
    for engine in [Engine::Vm, Engine::Jit, Engine::Tiered] {
        let compiled = match engine {
            Engine::Tiered => CompiledLambda::compile_tiered(
                &lambda,
                vm::TierPolicy {
                    threshold: TIER_SWITCH_AT,
                    compile: vm::CompileOn::Inline,
                },
            ),
            _ => CompiledLambda::compile(&lambda, engine),
        }
        .unwrap_or_else(|e| panic!("{} failed to compile {}: {e}", engine.name(), lambda.source));
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
    /// Optional pinned outcomes (`show` form), one per point, for seeds.
    pub wants: Vec<String>,
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

/// Parse a corpus file: cases separated by blank lines. A case without an
/// `ir:` line is compiled from its `expr:` text by the checker (hand-written
/// seeds); a case with one uses the IR as stored (generated failures).
pub fn parse_corpus(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let mut src: Option<String> = None;
    let mut expr: Option<Expr> = None;
    let mut points = Vec::new();
    let mut wants = Vec::new();
    let mut finish = |src: &mut Option<String>,
                      expr: &mut Option<Expr>,
                      points: &mut Vec<TestPoint>,
                      wants: &mut Vec<String>|
     -> Result<(), String> {
        let e = match (expr.take(), src.take()) {
            (Some(e), _) => e,
            (None, Some(s)) => {
                let (lambda, diags) = compiler::check_lambda(&s);
                lambda.ok_or_else(|| format!("{s}: {diags:?}"))?.expr
            }
            (None, None) => return Ok(()),
        };
        if !wants.is_empty() && wants.len() != points.len() {
            return Err(format!(
                "{} want lines for {} points",
                wants.len(),
                points.len()
            ));
        }
        cases.push(Case {
            expr: e,
            points: std::mem::take(points),
            wants: std::mem::take(wants),
        });
        Ok(())
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let at = |e: String| format!("line {}: {e}", n + 1);
        if line.is_empty() {
            finish(&mut src, &mut expr, &mut points, &mut wants)?;
        } else if line.starts_with('#') {
            continue;
        } else if let Some(s) = line.strip_prefix("expr:") {
            src = Some(s.trim().to_string());
        } else if let Some(ir) = line.strip_prefix("ir:") {
            expr = Some(serde_json::from_str(ir.trim()).map_err(|e| at(e.to_string()))?);
        } else if let Some(w) = line.strip_prefix("want:") {
            wants.push(w.trim().to_string());
        } else if let Some(p) = line.strip_prefix("point:") {
            points.push(serde_json::from_str(p.trim()).map_err(|e| at(e.to_string()))?);
        } else {
            return Err(at(format!("unexpected {line:?}")));
        }
    }
    finish(&mut src, &mut expr, &mut points, &mut wants)?;
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
        if let Some(pinned) = case.wants.get(i) {
            if show(&want) != *pinned {
                return Err(format!(
                    "the reference gives {} at point {i}, the corpus pins {pinned}",
                    show(&want)
                ));
            }
        }
        for e in engines.iter_mut() {
            let got = e.eval(p);
            if !agree(&want, &got) {
                return Err(format!(
                    "{} disagrees with the reference at point {i}:\n  reference: {}\n  {}: {}\n# case:\n{}",
                    e.name(),
                    show(&want),
                    e.name(),
                    show(&got),
                    case_text(&Case {
                        expr: case.expr.clone(),
                        points: case.points[..=i].to_vec(),
                        wants: Vec::new(),
                    })
                ));
            }
        }
    }
    Ok(case.points.len())
}
