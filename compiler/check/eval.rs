//! Define-time evaluation of expressions (§2.2): literals, vars, lambdas,
//! `time(d)`, binary/unary expressions evaluated right away, and chains.

use super::define_time::DefineTimeError;
use super::lambda::{LambdaChecker, Resolved};
use super::scope::Value;
use super::Checker;
use crate::ast::{self, ExprKind as A};
use crate::catalog::nodes::{self, Provides, Wants};
use crate::catalog::{EdgeType, NodeKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Arg, Const, NodeId};
use crate::span::Span;

impl Checker<'_> {
    pub(crate) fn eval(&mut self, e: &ast::Expr) -> Value {
        let span = e.span;
        match &e.kind {
            A::Int(v) => Value::Arg(Arg::Int(*v)),
            A::Float(v) => Value::Arg(Arg::Float(*v)),
            A::String(s, _) => Value::Arg(Arg::String(s.clone())),
            A::Bool(b) => Value::Arg(Arg::Bool(*b)),
            A::Duration { nanos, .. } => Value::Arg(Arg::Duration(*nanos)),
            A::Regex(r) => {
                if let Some(err) = super::regex_literal::regex_error(r) {
                    self.diags.push(
                        Diagnostic::error(Code::InvalidRegex, format!("invalid regex /{r}/"))
                            .with_primary(span, "does not compile")
                            .with_note(err.lines().last().unwrap_or("").trim()),
                    );
                    return Value::Poison;
                }
                Value::Arg(Arg::Regex(r.clone()))
            }
            A::Star => Value::Arg(Arg::Star),
            A::Reference(name) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::ReferenceOutsideLambda,
                        format!("the reference \"{name}\" can only be used inside a lambda"),
                    )
                    .with_primary(span, "double quotes make a field reference")
                    .with_note(format!(
                        "did you use double quotes instead of single quotes? write '{name}'"
                    )),
                );
                Value::Poison
            }
            A::Ident(name) => self.lookup(name, span),
            A::Paren(inner) => self.eval(inner),
            A::Lambda(body) => Value::Arg(Arg::Lambda(self.lambda(body))),
            A::List(items) => {
                let mut out = Vec::new();
                for it in items {
                    match self.eval(it) {
                        Value::Arg(Arg::List(inner)) => out.extend(inner),
                        Value::Arg(a) => out.push(a),
                        Value::Template(t) => out.push(super::zero_value(t)),
                        Value::Poison => return Value::Poison,
                        other => {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::BadVarUse,
                                    format!("a {} cannot be a list item", other.describe()),
                                )
                                .with_primary(it.span, ""),
                            );
                            return Value::Poison;
                        }
                    }
                }
                Value::Arg(Arg::List(out))
            }
            A::Unary { .. } | A::Binary { .. } => self.eval_constant(e),
            A::Call { name, args } => self.global_call(name, args, span),
            A::Chain {
                target,
                op,
                name,
                args,
            } => {
                let t = self.eval(target);
                self.chain(t, target, *op, name, args.as_deref(), span)
            }
        }
    }

    /// A name in scope (marked used), or an error listing the names in scope.
    pub(crate) fn lookup(&mut self, name: &str, span: Span) -> Value {
        if let Some(b) = self.scope.get(name) {
            b.used.set(true);
            return b.value.clone();
        }
        if (name == "stream" || name == "batch")
            && self.diags.iter().any(|d| d.code == Code::InvalidTaskType)
        {
            return Value::Poison;
        }
        let d = self.undefined(name, span);
        self.diags.push(d);
        Value::Poison
    }

    fn undefined(&self, name: &str, span: Span) -> Diagnostic {
        let mut names: Vec<&str> = self.scope.iter().map(|b| b.name.as_str()).collect();
        names.sort_unstable();
        let mut d = Diagnostic::error(
            Code::UndefinedName,
            format!(
                "name \"{name}\" is undefined. Names in scope: {}",
                names.join(",")
            ),
        )
        .with_primary(span, "not in scope");
        if let Some(s) = super::suggest::did_you_mean(name, names.iter().copied()) {
            d = d.with_note(format!("did you mean `{s}`?"));
        } else if (name == "stream" || name == "batch") && name != self.root {
            d = d.with_note(format!(
                "this is a {} task: `{name}` is not available",
                self.root
            ));
        }
        d
    }

    /// Checks a lambda body in the current scope.
    pub(crate) fn lambda(&mut self, body: &ast::Expr) -> ir::Lambda {
        let input = self.lambda_input;
        for (right, diag) in super::lints::quotes_pitfall(body) {
            self.quote_candidates
                .push(super::lints::QuoteCandidate { input, right, diag });
        }
        let expr = self.typed_expr(body);
        ir::Lambda {
            expr,
            source: crate::fmt::inline(body),
            span: body.span,
        }
    }

    /// The typed form of an expression, vars resolved as in a lambda.
    fn typed_expr(&mut self, body: &ast::Expr) -> ir::Expr {
        let mut diags = std::mem::take(&mut self.diags);
        let this = &*self;
        let mut resolve = |name: &str, span: Span, d: &mut Vec<Diagnostic>| -> Resolved {
            let Some(b) = this.scope.get(name) else {
                d.push(this.undefined(name, span));
                return Resolved::Poison;
            };
            b.used.set(true);
            let v = match &b.value {
                Value::Template(t) => Value::Arg(super::zero_value(*t)),
                v => v.clone(),
            };
            match v {
                Value::Arg(Arg::Lambda(l)) => Resolved::Nested(l.expr),
                Value::Arg(a) => match arg_const(&a) {
                    Some(c) => Resolved::Const(c),
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
                        Resolved::Poison
                    }
                },
                Value::Poison => Resolved::Poison,
                other => {
                    d.push(
                        Diagnostic::error(
                            Code::BadVarUse,
                            format!(
                                "\"{name}\" is a {}, which cannot be used inside an expression",
                                other.describe()
                            ),
                        )
                        .with_primary(span, ""),
                    );
                    Resolved::Poison
                }
            }
        };
        let expr = LambdaChecker {
            resolve: &mut resolve,
            diags: &mut diags,
        }
        .expr(body);
        self.diags = diags;
        expr
    }

    /// `var p = 5m * 2`, `'x: ' + string(v)`: evaluated right away, at
    /// define time (`define_time.rs`); it must not need a point.
    fn eval_constant(&mut self, e: &ast::Expr) -> Value {
        let before = self.diags.iter().filter(|d| d.is_error()).count();
        let typed = self.typed_expr(e);
        if self.diags.iter().filter(|d| d.is_error()).count() > before {
            return Value::Poison;
        }
        // A binary expression goes through Kapacitor's lambda evaluator at
        // define time, builtin calls included (§2.2); a unary one does not.
        let value = match typed.kind {
            ir::ExprKind::Const(c) => return Value::Arg(const_arg(c)),
            _ if matches!(e.kind, ast::ExprKind::Binary { .. }) => {
                super::define_time::evaluate(&typed)
            }
            _ => Err(DefineTimeError::NeedsPoint),
        };
        match value {
            Ok(c) => Value::Arg(const_arg(c)),
            Err(DefineTimeError::Unsupported(f)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::DefineTimeCall,
                        format!(
                            "tickc does not evaluate {}() outside a lambda yet",
                            f.name()
                        ),
                    )
                    .with_primary(e.span, "evaluated when the task is defined")
                    .with_note(
                        "Kapacitor evaluates this when the task is defined; outside a lambda tickc \
                         evaluates the math functions, if(), duration(), and conversions of \
                         numbers, bools and durations",
                    ),
                );
                Value::Poison
            }
            Err(DefineTimeError::Failed { func, reason }) => {
                let what = match func {
                    Some(f) => format!("error calling \"{}\": {reason}", f.name()),
                    None => reason,
                };
                self.diags.push(
                    Diagnostic::error(Code::DefineTimeCall, what)
                        .with_primary(e.span, "evaluated when the task is defined"),
                );
                Value::Poison
            }
            Err(DefineTimeError::NeedsPoint) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::ReferenceOutsideLambda,
                        "this expression cannot be evaluated when the task is defined",
                    )
                    .with_primary(e.span, "depends on a field or a lambda")
                    .with_note("field references belong inside `lambda: ...`"),
                );
                Value::Poison
            }
        }
    }

    /// `time(d[, offset])`, the only global function (used by `query().groupBy`).
    fn global_call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Value {
        if name.node != "time" && crate::catalog::builtins::Builtin::lookup(&name.node).is_some() {
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownFunction,
                    format!("{}() can only be called inside a lambda", name.node),
                )
                .with_primary(name.span, "a lambda function")
                .with_note(format!("write `lambda: {}(...)`", name.node)),
            );
            return Value::Poison;
        }
        if self.scope.get(&name.node).is_none() {
            if let Some(hint) = missing_dot_hint(&name.node) {
                let d = self.undefined(&name.node, name.span).with_note(hint);
                self.diags.push(d);
                return Value::Poison;
            }
        }
        let callee = self.lookup(&name.node, name.span);
        match callee {
            Value::Poison => return Value::Poison,
            Value::TimeFunction => {}
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownFunction,
                        format!(
                            "\"{}\" is a {}, not a function",
                            name.node,
                            other.describe()
                        ),
                    )
                    .with_primary(name.span, ""),
                );
                return Value::Poison;
            }
        }
        let vals: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
        let durs: Vec<Option<i64>> = vals
            .iter()
            .map(|v| match v {
                Value::Arg(Arg::Duration(d)) => Some(*d),
                _ => None,
            })
            .collect();
        match durs.as_slice() {
            [Some(interval)] => Value::Arg(Arg::TimeDimension {
                interval: *interval,
                offset: 0,
            }),
            [Some(interval), Some(offset)] => Value::Arg(Arg::TimeDimension {
                interval: *interval,
                offset: *offset,
            }),
            _ => {
                if vals.iter().any(|v| matches!(v, Value::Poison)) {
                    return Value::Poison;
                }
                self.diags.push(
                    Diagnostic::error(
                        Code::ArgType,
                        "time() takes a duration and an optional offset duration",
                    )
                    .with_primary(span, "")
                    .with_note("e.g. `.groupBy(time(1m))` or `time(1h, 30m)`"),
                );
                Value::Poison
            }
        }
    }

    /// Creates a node (ids in creation order) and links it under `parent`.
    pub(crate) fn new_node(
        &mut self,
        kind: NodeKind,
        parent: Option<NodeId>,
        extra_parents: Vec<NodeId>,
        span: Span,
        udf: Option<String>,
    ) -> NodeId {
        let spec = nodes::spec(kind);
        let id = self.pipeline.nodes.len() as NodeId;
        let parent_provides = parent.map(|p| self.pipeline.nodes[p as usize].provides);
        let wants = match spec.wants {
            Wants::Stream => EdgeType::Stream,
            Wants::Batch => EdgeType::Batch,
            Wants::Same => parent_provides.unwrap_or(EdgeType::None),
            Wants::Nothing => EdgeType::None,
        };
        let provides = match spec.provides {
            Provides::Stream => EdgeType::Stream,
            Provides::Batch => EdgeType::Batch,
            Provides::Same => wants,
            Provides::None => EdgeType::None,
        };
        let mut parents: Vec<NodeId> = parent.into_iter().collect();
        parents.extend(extra_parents);
        for &p in &parents {
            self.pipeline.nodes[p as usize].children.push(id);
        }
        // Kapacitor assigns an id each time a node is linked under a parent
        // (and once for a source), so a join or union with k parents uses k
        // ids and is named after the last one (`a|join(b)` after from2 is
        // `join4`, and the next node is number 5). `id` stays the dense index.
        let links = parents.len().max(1) as u32;
        let number = self.kapacitor_ids + links - 1;
        self.kapacitor_ids += links;
        let desc = match &udf {
            Some(name) => name.clone(),
            None => kind.desc().to_string(),
        };
        self.pipeline.nodes.push(ir::Node {
            id,
            kind,
            name: format!("{desc}{number}"),
            udf,
            span,
            parents,
            children: Vec::new(),
            source: None,
            wants,
            provides,
            args: Vec::new(),
            props: Vec::new(),
            handlers: Vec::new(),
        });
        id
    }
}

/// `bigPanda()` alone on a line: a statement that starts with the name of a
/// handler, property or node was meant to continue the chain above.
fn missing_dot_hint(name: &str) -> Option<String> {
    let what = if crate::catalog::HandlerKind::from_method(name).is_some() {
        "an alert handler"
    } else if nodes::all().any(|s| s.prop(name).is_some()) {
        "a property"
    } else if NodeKind::from_method(name).is_some_and(|k| k != NodeKind::Udf) {
        return Some(format!(
            "`{name}` is a node: to chain it to the node above, write `|{name}(...)` (with the `|`)"
        ));
    } else {
        return None;
    };
    Some(format!(
        "`{name}` is {what}: to call it on the node above, write `.{name}(...)` (with the dot)"
    ))
}

pub(crate) fn arg_const(a: &Arg) -> Option<Const> {
    Some(match a {
        Arg::Int(v) => Const::Int(*v),
        Arg::Float(v) => Const::Float(*v),
        Arg::String(v) => Const::String(v.clone()),
        Arg::Bool(v) => Const::Bool(*v),
        Arg::Duration(v) => Const::Duration(*v),
        Arg::Regex(v) => Const::Regex(v.clone()),
        _ => return None,
    })
}

fn const_arg(c: Const) -> Arg {
    match c {
        Const::Int(v) => Arg::Int(v),
        Const::Float(v) => Arg::Float(v),
        Const::String(v) => Arg::String(v),
        Const::Bool(v) => Arg::Bool(v),
        Const::Duration(v) => Arg::Duration(v),
        Const::Regex(v) => Arg::Regex(v),
    }
}
