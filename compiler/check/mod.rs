//! The checker: a parsed script -> a typed `ir::Pipeline`, with every
//! diagnostic found (not just the first).
//!
//! It evaluates the script as Kapacitor does at define time (reference §2.2):
//! one flat immutable scope preloaded with `stream` or `batch` and `time`,
//! vars evaluated in order, each chain call creating a node (ids in creation
//! order), each property call recorded on its node or alert handler. It then
//! validates the graph (edge types, per-node rules from the catalog) and runs
//! the lints. Knowledge of nodes and properties lives in `catalog/`, not here.
//!
//! Kapacitor's define-time facts it reproduces (reference §2.2, pipeline/*.go):
//! * node names use Kapacitor's id counter, which advances once per parent
//!   link, so a join/union with k parents uses k numbers (`join4` after
//!   `from2`); `ir::Node::id` stays the dense index;
//! * `|stats(d)` creates a new root, and a `noop` child right away when its
//!   source has no children yet; `|deadman` expands to stats (+noop),
//!   derivative and alert, in that order;
//! * method names match with the first letter case-folded (`.Period`);
//! * a lone list argument is spread; ints never become floats;
//! * `Pipeline::walk_order` is Kapacitor's topological walk (DOT order).
//!
//! Entry points: `check` (template semantics: typed vars get zero values),
//! `check_with_vars` (task semantics), `check_lambda` (one lambda, empty scope)
//! and `check_program` (an AST built elsewhere).

mod calls;
mod deadman;
mod define_time;
mod depth;
mod eval;
mod lambda;
mod lints;
mod regex_literal;
mod scope;
mod suggest;
mod validate;

#[cfg(test)]
mod tests;

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Arg, Dbrp, Pipeline, TaskType};
use crate::span::Span;
use crate::types::Type;
use crate::udf::UdfCatalog;
use scope::{Binding, Value};
use std::collections::HashMap;

/// Checks a whole script. The pipeline is `None` when there is any error.
/// Typed declarations without a value (`var x float`) get their type's zero
/// value, as when Kapacitor defines a template.
pub fn check(source: &str) -> (Option<Pipeline>, Vec<Diagnostic>) {
    check_source(source, None, None)
}

/// Checks a task: its vars override `var x = …` defaults and must fill every
/// typed declaration (`missing value for var "x".`); types must match
/// exactly (`invalid type supplied for x, got int exp float`), §2.2.
pub fn check_with_vars(
    source: &str,
    vars: &HashMap<String, Arg>,
) -> (Option<Pipeline>, Vec<Diagnostic>) {
    check_source(source, Some(vars), None)
}

/// Checks a task being defined on a server: `vars` as for `check_with_vars`
/// (`None` = template semantics), and every `@name()` against the server's
/// configured UDFs (name, options, argument types, wants/provides), as
/// Kapacitor does with its agents' info (`pipeline/udf.go`).
pub fn check_with_udfs(
    source: &str,
    vars: Option<&HashMap<String, Arg>>,
    udfs: &dyn UdfCatalog,
) -> (Option<Pipeline>, Vec<Diagnostic>) {
    check_source(source, vars, Some(udfs))
}

fn check_source(
    source: &str,
    vars: Option<&HashMap<String, Arg>>,
    udfs: Option<&dyn UdfCatalog>,
) -> (Option<Pipeline>, Vec<Diagnostic>) {
    let (program, mut diags) = crate::parser::parse(source);
    // Syntax errors stop here: a recovered AST would give misleading
    // semantic errors.
    let Some(program) = program.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        return (None, diags);
    };
    // The parser bounds the nesting depth (E0106), so the recursive checker
    // and the AST's own drop are safe here.
    let (pipeline, more) = check_parsed(source, &program, vars, udfs);
    diags.extend(more);
    if diags.iter().any(Diagnostic::is_error) {
        (None, diags)
    } else {
        (pipeline, diags)
    }
}

/// Checks one lambda body (with or without the `lambda:` prefix) in an empty
/// scope, as `tickc eval` needs.
pub fn check_lambda(source: &str) -> (Option<ir::Lambda>, Vec<Diagnostic>) {
    check_lambda_with_vars(source, &HashMap::new())
}

/// Like `check_lambda`, with identifiers resolved from `vars` as in a script
/// (a lambda value is inlined as a nested lambda, a list or star is an error).
pub fn check_lambda_with_vars(
    source: &str,
    vars: &HashMap<String, Arg>,
) -> (Option<ir::Lambda>, Vec<Diagnostic>) {
    let (expr, mut diags) = crate::parser::parse_expression(source);
    let Some(expr) = expr else {
        return (None, diags);
    };
    // Defence in depth: the parser bounds nesting too.
    if depth::expr_too_deep(&expr) {
        diags.push(nesting_error(expr.span));
        depth::drop_expr(expr);
        return (None, diags);
    }
    let body = match expr.kind {
        ast::ExprKind::Lambda(body) => *body,
        _ => expr,
    };
    let mut resolve = |name: &str, span: Span, d: &mut Vec<Diagnostic>| match vars.get(name) {
        Some(Arg::Lambda(l)) => lambda::Resolved::Nested(l.expr.clone()),
        Some(a) => match eval::arg_const(a) {
            Some(c) => lambda::Resolved::Const(c),
            None => {
                d.push(
                    Diagnostic::error(
                        Code::BadLambdaOperand,
                        format!(
                            "\"{name}\" is a {}, which cannot be used inside a lambda",
                            a.ty()
                        ),
                    )
                    .with_primary(span, ""),
                );
                lambda::Resolved::Poison
            }
        },
        None => {
            let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut diag =
                Diagnostic::error(Code::UndefinedName, format!("name \"{name}\" is undefined"))
                    .with_primary(span, "not in scope");
            diag = match suggest::did_you_mean(name, names.iter().copied()) {
                Some(s) => diag.with_note(format!("did you mean `{s}`?")),
                None if names.is_empty() => {
                    diag.with_note("a standalone lambda has no variables in scope")
                }
                None => diag.with_note(format!("vars in scope: {}", names.join(", "))),
            };
            d.push(diag);
            lambda::Resolved::Poison
        }
    };
    let typed = lambda::LambdaChecker {
        resolve: &mut resolve,
        diags: &mut diags,
    }
    .expr(&body);
    let lambda = ir::Lambda {
        expr: typed,
        source: crate::fmt::inline(&body),
        span: body.span,
    };
    if diags.iter().any(Diagnostic::is_error) {
        (None, diags)
    } else {
        (Some(lambda), diags)
    }
}

fn nesting_error(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::NestingTooDeep,
        format!(
            "expression nested too deeply (more than {} levels)",
            depth::MAX_DEPTH
        ),
    )
    .with_primary(span, "")
    .with_note("split the expression or the chain with `var`s")
}

/// Checks an already parsed program (no parse diagnostics included);
/// `vars` as for `check_with_vars`, `None` for template semantics.
pub fn check_program(
    source: &str,
    program: &ast::Program,
    vars: Option<&HashMap<String, Arg>>,
) -> (Option<Pipeline>, Vec<Diagnostic>) {
    // An AST not from the parser may be nested deeper than the checker's
    // recursion allows.
    if let Some(deep) = depth::too_deep(program) {
        return (None, vec![nesting_error(deep.span)]);
    }
    check_parsed(source, program, vars, None)
}

fn check_parsed(
    source: &str,
    program: &ast::Program,
    vars: Option<&HashMap<String, Arg>>,
    udfs: Option<&dyn UdfCatalog>,
) -> (Option<Pipeline>, Vec<Diagnostic>) {
    let mut cx = Checker::new(program, vars);
    cx.udfs = udfs;
    cx.run(program);
    let allowed = lints::allowed_codes(source);
    let mut diags: Vec<Diagnostic> = cx
        .diags
        .into_iter()
        .filter(|d| d.is_error() || !allowed.contains(&d.code))
        .collect();
    // Source order, errors and warnings interleaved, stable for golden files.
    diags.sort_by_key(|d| d.primary_span().map_or((0, 0), |s| (s.start, s.end)));
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (Some(cx.pipeline), diags)
}

pub(crate) struct Checker<'a> {
    pub diags: Vec<Diagnostic>,
    pub pipeline: Pipeline,
    pub scope: scope::Scope,
    pub task_vars: Option<&'a HashMap<String, Arg>>,
    /// The root keyword of the task (`stream` or `batch`).
    pub root: &'static str,
    /// Lint warnings found while checking lambdas (reported by `lints::lint`).
    pub lambda_lints: Vec<Diagnostic>,
    /// W0101 candidates (`"a" == "b"`), with the data the lambda sees: the
    /// node whose output it reads (`None` for a lambda var). Kept only if
    /// that data cannot carry a field or tag named like the right side.
    pub quote_candidates: Vec<lints::QuoteCandidate>,
    /// Whose output a lambda being checked reads (see `quote_candidates`).
    pub lambda_input: Option<lints::LambdaInput>,
    /// Node arguments of the call being checked (join/union parents).
    pub pending_nodes: Vec<ir::NodeId>,
    /// Kapacitor's id counter, which names the nodes (see `new_node`).
    pub kapacitor_ids: u32,
    /// The node whose call or property is being checked.
    pub current_node: Option<ir::NodeId>,
    /// Nodes with an invalid argument somewhere: their catalog rules are not
    /// run, so one mistake is not reported twice.
    pub poisoned: std::collections::HashSet<ir::NodeId>,
    /// Nodes configured from unset template vars: catalog rules wait for
    /// the task's values.
    pub templated: std::collections::HashSet<ir::NodeId>,
    /// The server's UDFs (`None` offline: UDF calls checked by signature only).
    pub udfs: Option<&'a dyn UdfCatalog>,
    /// The info of each UDF node created with a known UDF.
    pub udf_infos: HashMap<ir::NodeId, crate::udf::UdfInfo>,
}

impl<'a> Checker<'a> {
    fn new(program: &ast::Program, task_vars: Option<&'a HashMap<String, Arg>>) -> Self {
        let mut diags = Vec::new();
        let task_type = infer_task_type(program, &mut diags);
        let (root, kind) = match task_type {
            TaskType::Stream => ("stream", crate::catalog::NodeKind::Stream),
            TaskType::Batch => ("batch", crate::catalog::NodeKind::Batch),
        };
        let mut cx = Checker {
            diags,
            pipeline: Pipeline {
                task_type,
                dbrps: Vec::new(),
                vars: Vec::new(),
                nodes: Vec::new(),
            },
            scope: scope::Scope::default(),
            task_vars,
            root,
            lambda_lints: Vec::new(),
            quote_candidates: Vec::new(),
            lambda_input: None,
            pending_nodes: Vec::new(),
            kapacitor_ids: 0,
            current_node: None,
            poisoned: Default::default(),
            templated: Default::default(),
            udfs: None,
            udf_infos: HashMap::new(),
        };
        let id = cx.new_node(kind, None, Vec::new(), Span::default(), None);
        cx.scope.push(Binding::builtin(root, Value::Node(id)));
        cx.scope.push(Binding::builtin("time", Value::TimeFunction));
        cx
    }

    fn run(&mut self, program: &ast::Program) {
        for st in &program.statements {
            self.statement(st);
        }
        validate::validate(self);
        // Lints on a script with errors are mostly noise (an unused var is
        // often a misspelled use).
        if !self.diags.iter().any(Diagnostic::is_error) {
            lints::lint(self);
        }
    }

    fn statement(&mut self, st: &ast::Statement) {
        match st {
            ast::Statement::Var { name, value, span } => {
                let declared = self.eval(value);
                let v = match self.task_vars.and_then(|v| v.get(&name.node)) {
                    Some(over) => self.override_var(name, &declared, over),
                    None => declared.clone(),
                };
                self.declare(name, v, &declared, *span);
            }
            ast::Statement::TypedVar { name, ty, span } => {
                let Some(t) = parse_type_name(&ty.node) else {
                    let mut d = Diagnostic::error(
                        Code::UnknownVarType,
                        format!("invalid var type {}", ty.node),
                    )
                    .with_primary(ty.span, "not a type")
                    .with_note("the types are int, float, bool, string, regex, duration, lambda, list and star");
                    if ty.node == "boolean" {
                        d = d.with_note("write `bool`, not `boolean`");
                    }
                    self.diags.push(d);
                    self.declare(name, Value::Poison, &Value::Poison, *span);
                    return;
                };
                let v = match self.task_vars.map(|v| v.get(&name.node)) {
                    Some(Some(over)) => self.override_var(name, &Value::Arg(zero_value(t)), over),
                    Some(None) => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::MissingVarValue,
                                format!("missing value for var \"{}\".", name.node),
                            )
                            .with_primary(name.span, "declared without a value")
                            .with_note("a task must supply every typed var of its template"),
                        );
                        Value::Template(t)
                    }
                    None => Value::Template(t),
                };
                self.declare(name, v, &Value::Template(t), *span);
            }
            ast::Statement::Dbrp { db, rp, .. } => self.pipeline.dbrps.push(Dbrp {
                db: db.node.clone(),
                rp: rp.node.clone(),
            }),
            ast::Statement::Expr(e) => {
                self.eval(e);
            }
        }
    }

    /// A task var replacing a declaration's value: the type must match exactly.
    fn override_var(&mut self, name: &ast::Ident, current: &Value, over: &Arg) -> Value {
        let want = match current {
            Value::Arg(a) => Some(a.ty()),
            Value::Template(t) => Some(*t),
            _ => None,
        };
        match want {
            Some(t) if t == over.ty() => Value::Arg(over.clone()),
            Some(t) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::ArgType,
                        format!(
                            "invalid type supplied for {}, got {} exp {}",
                            name.node,
                            over.ty(),
                            t
                        ),
                    )
                    .with_primary(name.span, ""),
                );
                Value::Poison
            }
            None => current.clone(),
        }
    }

    /// Binds `value` (the task's value, if it supplied one) and records the
    /// script's own `declared` default in the pipeline's vars, as Kapacitor's
    /// template vars show it.
    fn declare(&mut self, name: &ast::Ident, value: Value, declared: &Value, span: Span) {
        if let Some(prev) = self.scope.get(&name.node) {
            let mut d = Diagnostic::error(
                Code::RedefinedVar,
                format!("attempted to redefine {}, vars are immutable", name.node),
            )
            .with_primary(name.span, "redefined here");
            if let Some(s) = prev.span {
                d = d.with_secondary(s, "first defined here");
            } else {
                d = d.with_note(format!("`{}` is predefined", name.node));
            }
            self.diags.push(d);
            return;
        }
        let ty = match declared {
            Value::Arg(a) => Some((a.ty(), Some(a.clone()))),
            Value::Template(t) => Some((*t, None)),
            _ => None,
        };
        if let Some((ty, value)) = ty {
            self.pipeline.vars.push(ir::Var {
                name: name.node.clone(),
                ty,
                value,
                span,
            });
        }
        self.scope.push(Binding::var(&name.node, value, name.span));
    }

    /// Creates a `stats` node (a new root) reporting on `source`. Like
    /// Kapacitor, a source that has no children yet gets a `noop` child right
    /// away (so its emitted count is measured); it takes the next id.
    pub(crate) fn new_stats(
        &mut self,
        source: ir::NodeId,
        args: Vec<Arg>,
        span: Span,
    ) -> ir::NodeId {
        let id = self.new_node(
            crate::catalog::NodeKind::Stats,
            None,
            Vec::new(),
            span,
            None,
        );
        let n = &mut self.pipeline.nodes[id as usize];
        n.source = Some(source);
        n.args = args;
        let src = &self.pipeline.nodes[source as usize];
        // Also under a terminal node (Kapacitor does it too; that noop wants
        // no edge, and it takes an id either way).
        if src.children.is_empty() {
            self.new_node(
                crate::catalog::NodeKind::NoOp,
                Some(source),
                Vec::new(),
                span,
                None,
            );
        }
        id
    }
}

fn parse_type_name(s: &str) -> Option<Type> {
    Some(match s {
        "int" => Type::Int,
        "float" => Type::Float,
        "bool" => Type::Bool,
        "string" => Type::String,
        "regex" => Type::Regex,
        "duration" => Type::Duration,
        "lambda" => Type::Lambda,
        "list" => Type::List,
        "star" => Type::Star,
        _ => return None,
    })
}

/// The zero value a template var has before the task supplies it.
pub(crate) fn zero_value(t: Type) -> Arg {
    match t {
        Type::Int => Arg::Int(0),
        Type::Float => Arg::Float(0.0),
        Type::Bool => Arg::Bool(false),
        Type::String => Arg::String(String::new()),
        Type::Regex => Arg::Regex(String::new()),
        Type::Duration => Arg::Duration(0),
        Type::Star => Arg::Star,
        Type::Lambda => Arg::Lambda(ir::Lambda {
            expr: ir::Expr {
                kind: ir::ExprKind::Const(ir::Const::Bool(false)),
                ty: Type::Bool,
                span: Span::default(),
            },
            source: "FALSE".into(),
            span: Span::default(),
        }),
        _ => Arg::List(Vec::new()),
    }
}

/// The task type from the leftmost identifier of every top-level chain (§2.2).
fn infer_task_type(program: &ast::Program, diags: &mut Vec<Diagnostic>) -> TaskType {
    let mut vars: HashMap<&str, &'static str> = HashMap::new();
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    for st in &program.statements {
        let (name, expr) = match st {
            ast::Statement::Var { name, value, .. } => (Some(name.node.as_str()), value),
            ast::Statement::Expr(e) => (None, e),
            _ => continue,
        };
        let Some(left) = leftmost(expr) else { continue };
        let root = match left.node.as_str() {
            "stream" => Some("stream"),
            "batch" => Some("batch"),
            other => vars.get(other).copied(),
        };
        if let Some(r) = root {
            if let Some(n) = name {
                vars.insert(n, r);
            }
            if !seen.iter().any(|(s, _)| *s == r) {
                seen.push((r, left.span));
            }
        }
    }
    match seen.as_slice() {
        [] => {
            diags.push(
                Diagnostic::error(
                    Code::NoTaskType,
                    "invalid task type: the script uses neither `stream` nor `batch`",
                )
                .with_primary(Span::default(), "")
                .with_note("start a pipeline with `stream|from()` or `batch|query(...)`"),
            );
            TaskType::Stream
        }
        [(first, _)] => task_type_of(first),
        [(first, s1), (_, s2), ..] => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidTaskType,
                    "invalid task type: the script uses both `stream` and `batch`",
                )
                .with_primary(*s2, "")
                .with_secondary(*s1, "the task type is set here")
                .with_note("a task is either a stream or a batch task"),
            );
            task_type_of(first)
        }
    }
}

fn task_type_of(s: &str) -> TaskType {
    if s == "batch" {
        TaskType::Batch
    } else {
        TaskType::Stream
    }
}

/// The leftmost identifier of a chain (`data` in `data|window()`).
fn leftmost(e: &ast::Expr) -> Option<ast::Ident> {
    match &e.kind {
        ast::ExprKind::Chain { target, .. } => leftmost(target),
        ast::ExprKind::Ident(name) => Some(ast::Ident::new(name.clone(), e.span)),
        _ => None,
    }
}
