//! Chain calls (`|x()`), property calls (`.x()`), UDF calls (`@x()`) and
//! their arguments, checked against the node and handler catalogs.

use super::scope::Value;
use super::suggest::did_you_mean;
use super::Checker;
use crate::ast::{self, ChainOp};
use crate::catalog::handlers;
use crate::catalog::nodes::{self, Params, P};
use crate::catalog::{HandlerKind, NodeKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{self, Arg, NodeId};
use crate::span::Span;
use crate::types::Type;
use crate::udf::{UdfLookupError, UdfValueType};

/// An evaluated call argument with its source span.
pub(crate) struct CallArg {
    pub value: Value,
    pub span: Span,
    /// The argument was written as a `"reference"` (for the double-quotes hint).
    pub reference: Option<String>,
    /// The argument was written as a `lambda:` literal (not a var) whose
    /// body is not a bare `TRUE`/`FALSE`: if it folds to a constant, that is
    /// an accident (W0107). `lambda: TRUE` is the documented idiom for
    /// "always" (`.crit(lambda: TRUE)`, `|combine(..., lambda: TRUE)`).
    pub accidental_constant: bool,
    /// The argument is an unset template var's zero value.
    pub template: bool,
}

/// What is being called, for messages: `.period`, `|window()`, `@myUdf()`.
fn shown(op: ChainOp, name: &str) -> String {
    match op {
        ChainOp::Pipe => format!("|{name}()"),
        ChainOp::Dot => format!(".{name}()"),
        ChainOp::At => format!("@{name}()"),
    }
}

impl Checker<'_> {
    pub(crate) fn chain(
        &mut self,
        target: Value,
        target_ast: &ast::Expr,
        op: ChainOp,
        name: &ast::Ident,
        args: Option<&[ast::Expr]>,
        span: Span,
    ) -> Value {
        // Kapacitor looks methods up with the first rune upper-cased, so
        // `.Period(1m)` is `.period(1m)`: the catalog and the IR use the
        // lower-case form. UDF names are taken as written.
        let canonical;
        let name = if op != ChainOp::At && name.node.starts_with(char::is_uppercase) {
            let mut c = name.node.chars();
            let first = c.next().map(|f| f.to_lowercase().collect::<String>());
            canonical = ast::Ident::new(first.unwrap_or_default() + c.as_str(), name.span);
            &canonical
        } else {
            name
        };
        // A chain already broken by an error stays broken silently: one
        // mistake (an old-syntax `stream.from()...` script) gives one error,
        // not one per later call. Its arguments are not looked at either.
        // A chain is broken when a call that should have created a node did
        // not (an unknown `|x()`, a `.from()` meant as `|from()`); a bad
        // property or argument leaves the node known, so later calls on it
        // are still checked.
        if matches!(target, Value::Poison) {
            return Value::Poison;
        }
        // Lambdas in `|where(...)` read the target's output; those in
        // `.crit(...)` read what flows into the target.
        self.lambda_input = match &target {
            Value::Node(id) | Value::Handler(id, _) => Some(super::lints::LambdaInput {
                node: *id,
                inclusive: op != ChainOp::Dot,
            }),
            _ => None,
        };
        let call_args = match args {
            Some(a) => self.eval_args(a),
            None => Vec::new(),
        };
        self.lambda_input = None;
        let (node, handler) = match target {
            Value::Poison => return Value::Poison,
            Value::Node(id) => (id, None),
            Value::Handler(id, h) => (id, Some(h)),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::NotANode,
                        format!(
                            "cannot call {} on a {}: only nodes have chain methods and properties",
                            shown(op, &name.node),
                            other.describe()
                        ),
                    )
                    .with_primary(name.span, ""),
                );
                return Value::Poison;
            }
        };
        // The call's own span: from its name (after `|`, `.` or `@`) to the
        // closing parenthesis, not the whole chain before it.
        let span = Span::new(
            (name.span.start as usize)
                .saturating_sub(1)
                .max(target_ast.span.end as usize)
                .min(span.end as usize),
            span.end as usize,
        );
        self.current_node = (op == ChainOp::Dot).then_some(node);
        let templated = call_args.iter().any(|a| a.template);
        let result = match op {
            ChainOp::Pipe => self.chain_call(node, name, call_args, span),
            ChainOp::Dot => match args {
                None => self.property_read(node, handler, name),
                Some(_) => self.property_call(node, handler, name, call_args, span),
            },
            ChainOp::At => self.udf_call(node, name, call_args, span),
        };
        // A node configured from an unset template var holds a zero value
        // until the task supplies it: its catalog rules run then
        // (`check_with_vars`), not on the template.
        if templated {
            let target = match (op, &result) {
                (ChainOp::Dot, _) => Some(node),
                (_, Value::Node(id)) => Some(*id),
                _ => None,
            };
            if let Some(id) = target {
                self.templated.insert(id);
            }
        }
        result
    }

    fn eval_args(&mut self, args: &[ast::Expr]) -> Vec<CallArg> {
        let mut out: Vec<CallArg> = args
            .iter()
            .map(|a| {
                let reference = match &a.kind {
                    ast::ExprKind::Reference(r) => Some(r.clone()),
                    _ => None,
                };
                let value = if reference.is_some() {
                    // Reported by the parameter check with a better message.
                    Value::Poison
                } else {
                    self.eval(a)
                };
                CallArg {
                    value,
                    span: a.span,
                    reference,
                    accidental_constant: match &a.kind {
                        ast::ExprKind::Lambda(body) => !is_bool_literal(body),
                        _ => false,
                    },
                    template: false,
                }
            })
            .collect();
        // A template var without a value stands for its type's zero value.
        for a in &mut out {
            if let Value::Template(t) = a.value {
                a.value = Value::Arg(super::zero_value(t));
                a.template = true;
            }
        }
        // A lone list argument is spread into the call (§2.2).
        if out.len() == 1 {
            if let Value::Arg(Arg::List(items)) = &out[0].value {
                let span = out[0].span;
                let template = out[0].template;
                out = items
                    .iter()
                    .map(|a| CallArg {
                        value: Value::Arg(a.clone()),
                        span,
                        reference: None,
                        accidental_constant: false,
                        template,
                    })
                    .collect();
            }
        }
        out
    }

    fn node_label(&self, id: NodeId) -> String {
        let n = &self.pipeline.nodes[id as usize];
        match &n.udf {
            Some(u) => format!("@{u}"),
            None => n.kind.method().to_string(),
        }
    }

    /// The chain methods available on a node, given its edge type.
    fn chain_methods(&self, id: NodeId) -> Vec<&'static str> {
        let n = &self.pipeline.nodes[id as usize];
        let spec = nodes::spec(n.kind);
        let mut out: Vec<&'static str> = NodeKind::ALL
            .iter()
            .filter(|k| nodes::has_chain(spec.chains, **k))
            .map(|k| k.method())
            .collect();
        out.push("stats");
        out.push("deadman");
        out
    }

    fn chain_call(
        &mut self,
        parent: NodeId,
        name: &ast::Ident,
        args: Vec<CallArg>,
        span: Span,
    ) -> Value {
        let pnode = &self.pipeline.nodes[parent as usize];
        let pkind = pnode.kind;
        let pspec = nodes::spec(pkind);
        match name.node.as_str() {
            "stats" => {
                let Some(args) = self.check_args(
                    &name.node,
                    "stats",
                    nodes::spec(NodeKind::Stats).args,
                    args,
                    span,
                ) else {
                    return Value::Poison;
                };
                return Value::Node(self.new_stats(parent, args, span));
            }
            "deadman" => return self.deadman(parent, args, span),
            _ => {}
        }
        let kind = NodeKind::from_method(&name.node).filter(|k| *k != NodeKind::Udf);
        let available = kind.is_some_and(|k| nodes::has_chain(pspec.chains, k));
        let Some(kind) = kind.filter(|_| available) else {
            let label = self.node_label(parent);
            let mut d;
            if self.is_property(parent, None, &name.node) {
                d = Diagnostic::error(
                    Code::WrongOperator,
                    format!(
                        "no chaining method \"{}\" on {label}, but property does exist. Use '.' operator instead: 'node.{}(..)'.",
                        name.node, name.node
                    ),
                )
                .with_primary(name.span, "a property, not a node")
                .with_note(format!("`{}` is a property: use `.{}(...)`", name.node, name.node));
            } else if let Some(k) = kind {
                d = Diagnostic::error(
                    Code::UnknownChainMethod,
                    format!("no chaining method \"{}\" on {label}", name.node),
                )
                .with_primary(name.span, format!("{label} has no `|{}`", name.node));
                d = match (pkind, k) {
                    (NodeKind::Stream, NodeKind::Query | NodeKind::QueryFlux) => d.with_note(
                        "`query` is a batch source: write `batch|query(...)` for a batch task",
                    ),
                    (NodeKind::Batch, NodeKind::From) => d.with_note(
                        "`from` is a stream source: write `stream|from()` for a stream task",
                    ),
                    (NodeKind::Stream, _) => d.with_note("`stream` only has `|from()`"),
                    (NodeKind::Batch, _) => {
                        d.with_note("`batch` only has `|query(...)` and `|queryFlux(...)`")
                    }
                    _ if nodes::spec(pkind).chains == nodes::Chains::Terminal => d.with_note(
                        format!("{label} is terminal: it provides no edge to chain from"),
                    ),
                    _ => d,
                };
            } else {
                d = Diagnostic::error(
                    Code::UnknownChainMethod,
                    format!("no method or property \"{}\" on {label}", name.node),
                )
                .with_primary(name.span, "unknown node");
                let methods = self.chain_methods(parent);
                if let Some(s) = did_you_mean(&name.node, methods.iter().copied()) {
                    d = d.with_note(format!("no node `{}`; did you mean `{s}`?", name.node));
                } else {
                    d = d.with_note(format!(
                        "if `{}` is a user-defined function, call it with `@{}()`",
                        name.node, name.node
                    ));
                }
            }
            self.diags.push(d);
            return Value::Poison;
        };
        let spec = nodes::spec(kind);
        let Some(args) = self.check_args(
            &name.node,
            &format!("|{}()", name.node),
            spec.args,
            args,
            span,
        ) else {
            // Still create the node so later properties get checked.
            let id = self.new_node(kind, Some(parent), Vec::new(), span, None);
            self.poisoned.insert(id);
            return Value::Node(id);
        };
        // join/union: node arguments become extra parents.
        let extra = std::mem::take(&mut self.pending_nodes);
        let id = self.new_node(kind, Some(parent), extra, span, None);
        self.pipeline.nodes[id as usize].args = args;
        Value::Node(id)
    }

    fn is_property(&self, node: NodeId, handler: Option<usize>, name: &str) -> bool {
        let n = &self.pipeline.nodes[node as usize];
        if n.kind == NodeKind::Udf {
            return false;
        }
        let spec = nodes::spec(n.kind);
        if spec.prop(name).is_some() {
            return true;
        }
        if n.kind == NodeKind::Alert {
            if HandlerKind::from_method(name).is_some() {
                return true;
            }
            if let Some(h) = handler {
                return handlers::spec(n.handlers[h].kind).prop(name).is_some();
            }
        }
        false
    }

    fn property_call(
        &mut self,
        node: NodeId,
        handler: Option<usize>,
        name: &ast::Ident,
        args: Vec<CallArg>,
        span: Span,
    ) -> Value {
        let n = &self.pipeline.nodes[node as usize];
        let kind = n.kind;
        let label = self.node_label(node);
        let ret = match handler {
            Some(h) => Value::Handler(node, h),
            None => Value::Node(node),
        };
        // UDF options: checked by signature only (any scalar arguments).
        if kind == NodeKind::Udf {
            let params =
                Params::variadic(&[], &[P::Int, P::Float, P::String, P::Bool, P::Duration]);
            if let Some(args) = self
                .check_args(&name.node, &format!(".{}()", name.node), params, args, span)
                .filter(|args| self.udf_option(node, name, args, span))
            {
                self.pipeline.nodes[node as usize].props.push(ir::Property {
                    name: name.node.clone(),
                    args,
                    span,
                });
            }
            return ret;
        }
        // 1. The handler's own properties shadow the alert's.
        if let Some(h) = handler {
            let hkind = self.pipeline.nodes[node as usize].handlers[h].kind;
            if let Some(p) = handlers::spec(hkind).prop(&name.node) {
                if let Some(args) = self.check_args(
                    &name.node,
                    &format!(".{}()", name.node),
                    p.params,
                    args,
                    span,
                ) {
                    self.pipeline.nodes[node as usize].handlers[h]
                        .props
                        .push(ir::Property {
                            name: name.node.clone(),
                            args,
                            span,
                        });
                }
                return ret;
            }
        }
        // 2. The node's properties.
        let spec = nodes::spec(kind);
        if let Some(p) = spec.prop(&name.node) {
            if let Some(args) = self.check_args(
                &name.node,
                &format!(".{}()", name.node),
                p.params,
                args,
                span,
            ) {
                self.pipeline.nodes[node as usize].props.push(ir::Property {
                    name: name.node.clone(),
                    args,
                    span,
                });
            }
            return ret;
        }
        // 3. Alert handlers.
        if kind == NodeKind::Alert {
            if let Some(hk) = HandlerKind::from_method(&name.node) {
                let hspec = handlers::spec(hk);
                let args = self
                    .check_args(
                        &name.node,
                        &format!(".{}()", name.node),
                        hspec.args,
                        args,
                        span,
                    )
                    .unwrap_or_default();
                let handlers = &mut self.pipeline.nodes[node as usize].handlers;
                handlers.push(ir::Handler {
                    kind: hk,
                    args,
                    props: Vec::new(),
                    span,
                });
                return Value::Handler(node, handlers.len() - 1);
            }
        }
        // Not a property: a chain method or UDF written with `.`? A typo?
        let chain_kind = NodeKind::from_method(&name.node)
            .filter(|k| nodes::has_chain(spec.chains, *k))
            .is_some()
            || matches!(name.node.as_str(), "stats" | "deadman");
        let mut d = if chain_kind {
            Diagnostic::error(
                Code::WrongOperator,
                format!(
                    "no property method \"{}\" on {label}, but chaining method does exist. Use '|' operator instead: 'node|{}(..)'.",
                    name.node, name.node
                ),
            )
            .with_primary(name.span, "a node, not a property")
            .with_note(format!(
                "`.{}` is a chain method: use `|{}()`",
                name.node, name.node
            ))
        } else {
            let mut d = Diagnostic::error(
                Code::UnknownProperty,
                format!("no method or property \"{}\" on {label}", name.node),
            )
            .with_primary(name.span, "unknown property");
            let mut cands: Vec<&str> = spec.prop_names().collect();
            if kind == NodeKind::Alert {
                cands.extend(HandlerKind::ALL.iter().map(|h| h.method()));
                if let Some(h) = handler {
                    let hk = self.pipeline.nodes[node as usize].handlers[h].kind;
                    cands.extend(handlers::spec(hk).props.iter().map(|p| p.name));
                }
            }
            if let Some(s) = did_you_mean(&name.node, cands) {
                d = d.with_note(format!(
                    "property `.{}` does not exist on `{label}`; did you mean `.{s}`?",
                    name.node
                ));
            } else if kind == NodeKind::Alert {
                // A handler's property used before its handler.
                let owners: Vec<&str> = handlers::HANDLERS
                    .iter()
                    .filter(|h| h.prop(&name.node).is_some())
                    .map(|h| h.kind.method())
                    .collect();
                if let Some(first) = owners.first() {
                    d = d.with_note(format!(
                        "`.{}` is a property of the {} handler{}: write `.{first}().{}(...)`",
                        name.node,
                        owners
                            .iter()
                            .map(|o| format!("`{o}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if owners.len() > 1 { "s" } else { "" },
                        name.node
                    ));
                }
            }
            d
        };
        if handler.is_some() && !chain_kind {
            d = d.with_note("a handler accepts its own properties and every alert property");
        }
        self.diags.push(d);
        if chain_kind {
            // The node `.x()` was meant to create does not exist: what follows
            // would be checked against the wrong node.
            return Value::Poison;
        }
        ret
    }

    /// `node.x` without parentheses: the value of the property in force.
    fn property_read(&mut self, node: NodeId, handler: Option<usize>, name: &ast::Ident) -> Value {
        let n = &self.pipeline.nodes[node as usize];
        let prop = handler
            .and_then(|h| n.handlers[h].prop(&name.node))
            .or_else(|| n.prop(&name.node));
        match prop {
            Some(p) if p.args.len() == 1 => Value::Arg(p.args[0].clone()),
            Some(p) => Value::Arg(Arg::List(p.args.clone())),
            None => {
                let label = self.node_label(node);
                let known = self.is_property(node, handler, &name.node);
                let msg = if known {
                    format!("property \"{}\" is not set on {label}", name.node)
                } else {
                    format!("no method or property \"{}\" on {label}", name.node)
                };
                let mut d = Diagnostic::error(
                    if known {
                        Code::PropertyRead
                    } else {
                        Code::UnknownProperty
                    },
                    msg,
                )
                .with_primary(name.span, "");
                if known {
                    d = d.with_note(format!(
                        "`.{}` without parentheses reads the property; write `.{}(...)` to set it",
                        name.node, name.node
                    ));
                }
                self.diags.push(d);
                Value::Poison
            }
        }
    }

    fn udf_call(
        &mut self,
        parent: NodeId,
        name: &ast::Ident,
        args: Vec<CallArg>,
        span: Span,
    ) -> Value {
        // On a server, `@name` must be a configured UDF whose agent answered
        // its info request; offline any `@name` may be one, and its options
        // are checked by signature only.
        let info = match self.udfs.map(|u| u.info(&name.node)) {
            None => None,
            Some(Ok(info)) => Some(info),
            Some(Err(e)) => {
                self.diags.push(self.udf_lookup_error(name, e));
                return Value::Poison;
            }
        };
        let spec = nodes::spec(NodeKind::Udf);
        let args = self
            .check_args(
                &name.node,
                &format!("@{}()", name.node),
                spec.args,
                args,
                span,
            )
            .unwrap_or_default();
        let id = self.new_node(
            NodeKind::Udf,
            Some(parent),
            Vec::new(),
            span,
            Some(name.node.clone()),
        );
        let node = &mut self.pipeline.nodes[id as usize];
        node.args = args;
        if let Some(info) = info {
            // The agent decides the edges (`pipeline.NewUDF`); a mismatch
            // with the parent is reported by the pipeline validation.
            node.wants = info.wants;
            node.provides = info.provides;
            self.udf_infos.insert(id, info);
        }
        Value::Node(id)
    }

    fn udf_lookup_error(&self, name: &ast::Ident, e: UdfLookupError) -> Diagnostic {
        match e {
            UdfLookupError::NotConfigured => {
                let names = self.udfs.map(|u| u.names()).unwrap_or_default();
                let d =
                    Diagnostic::error(Code::UnknownUdf, format!("unknown UDF \"{}\"", name.node))
                        .with_primary(name.span, "not a configured UDF");
                match did_you_mean(&name.node, names.iter().map(String::as_str)) {
                    Some(s) => d.with_note(format!("did you mean `@{s}()`?")),
                    None if names.is_empty() => d.with_note(format!(
                        "no UDFs are configured: add a `[udf.functions.{}]` section to the server's config",
                        name.node
                    )),
                    None => d.with_note(format!("configured UDFs: {}", names.join(", "))),
                }
            }
            UdfLookupError::Agent(err) => Diagnostic::error(
                Code::UdfUnavailable,
                format!("failed to load process info for \"{}\": {err}", name.node),
            )
            .with_primary(name.span, "the UDF agent did not answer")
            .with_note(format!(
                "check `[udf.functions.{}]` (prog, args, socket, timeout) and the agent's own log",
                name.node
            )),
        }
    }

    /// A UDF option call checked against the agent's info: Kapacitor's
    /// `UDFNode.SetProperty` (exact count, exact types: an int is not a double).
    fn udf_option(&mut self, node: NodeId, name: &ast::Ident, args: &[Arg], span: Span) -> bool {
        let Some(info) = self.udf_infos.get(&node) else {
            return true;
        };
        let label = self.node_label(node);
        let Some(types) = info.options.get(&name.node) else {
            let names: Vec<&str> = info.options.keys().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                Code::UnknownProperty,
                format!("no property \"{}\" on {label}", name.node),
            )
            .with_primary(name.span, "not an option of this UDF");
            d = match did_you_mean(&name.node, names.iter().copied()) {
                Some(s) => d.with_note(format!("did you mean `.{s}()`?")),
                None if names.is_empty() => d.with_note(format!("{label} takes no options")),
                None => d.with_note(format!("{label}'s options: {}", names.join(", "))),
            };
            self.diags.push(d);
            return false;
        };
        if types.len() != args.len() {
            let d = Diagnostic::error(
                Code::ArgCount,
                format!(
                    "unexpected number of args to {}, got {} expected {}",
                    name.node,
                    args.len(),
                    types.len()
                ),
            )
            .with_primary(span, "wrong number of arguments")
            .with_note(format!(
                "{label}.{}({})",
                name.node,
                types
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            self.diags.push(d);
            return false;
        }
        for (arg, want) in args.iter().zip(types) {
            let got = match arg {
                Arg::Bool(_) => UdfValueType::Bool,
                Arg::Int(_) => UdfValueType::Int,
                Arg::Float(_) => UdfValueType::Double,
                Arg::String(_) => UdfValueType::String,
                Arg::Duration(_) => UdfValueType::Duration,
                // The signature check admits only the five scalar types.
                _ => continue,
            };
            if got != *want {
                let d = Diagnostic::error(
                    Code::ArgType,
                    format!(
                        "unexpected arg to {}, got {} expected {}",
                        name.node,
                        got.name(),
                        want.name()
                    ),
                )
                .with_primary(span, format!("expected {}", want.name()));
                self.diags.push(d);
                return false;
            }
        }
        true
    }

    /// Checks call arguments against a parameter list (exact types, arity).
    /// Node arguments are moved to `pending_nodes`. `None` if any is wrong.
    pub(crate) fn check_args(
        &mut self,
        name: &str,
        shown: &str,
        params: Params,
        args: Vec<CallArg>,
        span: Span,
    ) -> Option<Vec<Arg>> {
        self.pending_nodes.clear();
        let mut ok = true;
        let n = args.len();
        if n < params.required || params.max().is_some_and(|m| n > m) {
            let msg = if params.max() == Some(1) && params.required == 1 && n > 1 {
                format!("too many arguments to set property {name}")
            } else {
                format!(
                    "{shown} takes {} argument(s) {}, got {n}",
                    arity(&params),
                    params.describe()
                )
            };
            self.diags.push(
                Diagnostic::error(Code::ArgCount, msg)
                    .with_primary(span, "wrong number of arguments"),
            );
            ok = false;
        }
        let mut out = Vec::new();
        for (i, a) in args.into_iter().enumerate() {
            let Some(accepts) = params.accepts(i) else {
                break;
            };
            if let Some(r) = &a.reference {
                if accepts.contains(&P::String) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DoubleQuotes,
                            "cannot assign *ast.ReferenceNode to type string, did you use double quotes instead of single quotes?",
                        )
                        .with_primary(a.span, "this is a field reference")
                        .with_note(format!("write '{r}' (single quotes) for a string")),
                    );
                } else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::ReferenceOutsideLambda,
                            format!("the reference \"{r}\" can only be used inside a lambda"),
                        )
                        .with_primary(a.span, ""),
                    );
                }
                ok = false;
                continue;
            }
            let value = match a.value {
                Value::Template(t) => Value::Arg(super::zero_value(t)),
                v => v,
            };
            match value {
                Value::Poison => ok = false,
                Value::Node(id) | Value::Handler(id, _) if accepts.contains(&P::Node) => {
                    self.pending_nodes.push(id);
                }
                Value::Arg(arg) => {
                    if let Some(p) = matches(&arg, accepts) {
                        if p == P::Predicate {
                            self.check_predicate(&arg, a.span, a.accidental_constant);
                        }
                        out.push(arg);
                    } else {
                        self.wrong_type(shown, i, accepts, &arg, a.span);
                        ok = false;
                    }
                }
                other => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::ArgType,
                            format!(
                                "invalid argument {} to {shown}: expected {}, got a {}",
                                i + 1,
                                accepts_names(accepts),
                                other.describe()
                            ),
                        )
                        .with_primary(a.span, ""),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            if let Some(n) = self.current_node {
                self.poisoned.insert(n);
            }
        }
        ok.then_some(out)
    }

    fn check_predicate(&mut self, arg: &Arg, span: Span, accidental: bool) {
        let Arg::Lambda(l) = arg else { return };
        if !matches!(l.expr.ty, Type::Bool | Type::Dynamic) {
            self.diags.push(
                Diagnostic::error(
                    Code::PredicateNotBool,
                    format!(
                        "TypeGuard: expression returned unexpected type {}, expected boolean",
                        l.expr.ty
                    ),
                )
                .with_primary(span, format!("this lambda is a {}", l.expr.ty))
                .with_note("a predicate must be a comparison or a boolean expression"),
            );
        } else if let (true, ir::ExprKind::Const(ir::Const::Bool(b))) = (accidental, &l.expr.kind) {
            let b = *b;
            self.diags.push(
                Diagnostic::warning(
                    Code::ConstantPredicate,
                    format!(
                        "this predicate is always {}",
                        if b { "true" } else { "false" }
                    ),
                )
                .with_primary(span, "constant"),
            );
        }
    }

    fn wrong_type(&mut self, shown: &str, i: usize, accepts: &[P], arg: &Arg, span: Span) {
        let want = accepts_names(accepts);
        let got = arg.ty();
        let mut d = Diagnostic::error(
            Code::ArgType,
            format!(
                "invalid argument {} to {shown}: expected {want}, got {got}",
                i + 1
            ),
        )
        .with_primary(span, format!("this is {}", super::lambda::article(got)));
        match (arg, accepts) {
            (Arg::Int(v), a) if a.contains(&P::Float) => {
                d = d.with_note(format!(
                    "there is no implicit int to float conversion: write `{v}.0`"
                ));
            }
            (Arg::String(_), a) if a.contains(&P::Duration) => {
                d = d.with_note(format!(
                    "`{shown}` takes a duration such as `5m`, not a string",
                    shown = shown.trim_end_matches("()")
                ));
            }
            (Arg::Int(v), a) if a.contains(&P::Duration) => {
                d = d.with_note(format!("a duration needs a unit, e.g. `{v}s` or `{v}m`"));
            }
            _ => {}
        }
        self.diags.push(d);
    }
}

/// `TRUE`, `FALSE`, `(TRUE)`: a constant written on purpose.
fn is_bool_literal(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Bool(_) => true,
        ast::ExprKind::Paren(inner) => is_bool_literal(inner),
        _ => false,
    }
}

fn arity(p: &Params) -> String {
    match p.max() {
        None => format!("at least {}", p.required),
        Some(m) if m == p.required => m.to_string(),
        Some(m) => format!("{} to {m}", p.required),
    }
}

fn accepts_names(a: &[P]) -> String {
    a.iter().map(|p| p.name()).collect::<Vec<_>>().join(" or ")
}

/// The parameter kind an argument matches, if any.
fn matches(arg: &Arg, accepts: &[P]) -> Option<P> {
    let kind = match arg {
        Arg::Int(_) => P::Int,
        Arg::Float(_) => P::Float,
        Arg::String(_) => P::String,
        Arg::Bool(_) => P::Bool,
        Arg::Duration(_) => P::Duration,
        Arg::Regex(_) => P::Regex,
        Arg::Star => P::Star,
        Arg::Lambda(_) => {
            return accepts
                .iter()
                .copied()
                .find(|p| matches!(p, P::Lambda | P::Predicate));
        }
        Arg::List(_) => return None,
        Arg::TimeDimension { .. } => P::TimeDim,
    };
    accepts.contains(&kind).then_some(kind)
}
