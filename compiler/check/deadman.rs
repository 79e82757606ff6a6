//! `|deadman(threshold, interval, λ...)` (§4.2): expands into
//! `|stats(interval).align() |derivative('emitted').unit(interval).nonNegative() |alert()`
//! with crit = `"emitted" <= threshold` AND each extra λ, and the id/message
//! of Kapacitor's default `[deadman]` configuration.

use super::calls::CallArg;
use super::scope::Value;
use super::Checker;
use crate::catalog::nodes::{Params, DUR, FLOAT, LAMBDA};
use crate::catalog::NodeKind;
use crate::ir::{self, Arg, BinaryOp, Const, ExprKind, NodeId, Property};
use crate::span::Span;
use crate::types::Type;

const ID_TEMPLATE: &str = "{{ .Group }}:NODE_NAME for task '{{ .TaskName }}'";
const MESSAGE_TEMPLATE: &str = "{{ .ID }} is {{ if eq .Level \"OK\" }}alive{{ else }}dead{{ end }}: {{ index .Fields \"emitted\" | printf \"%0.3f\" }} points/INTERVAL.";

impl Checker<'_> {
    pub(crate) fn deadman(&mut self, source: NodeId, args: Vec<CallArg>, span: Span) -> Value {
        let params = Params::variadic(&[FLOAT, DUR], LAMBDA);
        let Some(args) = self.check_args("deadman", "|deadman()", params, args, span) else {
            return Value::Poison;
        };
        let (Some(Arg::Float(threshold)), Some(Arg::Duration(interval))) =
            (args.first(), args.get(1))
        else {
            return Value::Poison;
        };
        let (threshold, interval) = (*threshold, *interval);
        let prop = |name: &str, args: Vec<Arg>| Property {
            name: name.into(),
            args,
            span,
        };

        let stats = self.new_stats(source, vec![Arg::Duration(interval)], span);
        self.pipeline.nodes[stats as usize]
            .props
            .push(prop("align", vec![]));
        let deriv = self.new_node(NodeKind::Derivative, Some(stats), Vec::new(), span, None);
        {
            let n = &mut self.pipeline.nodes[deriv as usize];
            n.args = vec![Arg::String("emitted".into())];
            n.props.push(prop("unit", vec![Arg::Duration(interval)]));
            n.props.push(prop("nonNegative", vec![]));
        }
        let alert = self.new_node(NodeKind::Alert, Some(deriv), Vec::new(), span, None);

        let mk = |kind, ty| ir::Expr { kind, ty, span };
        let mut crit = mk(
            ExprKind::Binary {
                op: BinaryOp::Le,
                left: Box::new(mk(ExprKind::Reference("emitted".into()), Type::Dynamic)),
                right: Box::new(mk(ExprKind::Const(Const::Float(threshold)), Type::Float)),
            },
            Type::Bool,
        );
        let mut source_text = format!("\"emitted\" <= {}", crate::fmt::format_float(threshold));
        for extra in args.iter().skip(2) {
            let Arg::Lambda(l) = extra else { continue };
            crit = mk(
                ExprKind::Binary {
                    op: BinaryOp::And,
                    left: Box::new(crit),
                    right: Box::new(l.expr.clone()),
                },
                Type::Bool,
            );
            source_text.push_str(" AND ");
            source_text.push_str(&l.source);
        }
        let source_name = self.pipeline.nodes[source as usize].name.clone();
        let interval_text = crate::golang::duration_string(interval);
        let n = &mut self.pipeline.nodes[alert as usize];
        n.props.push(prop(
            "id",
            vec![Arg::String(ID_TEMPLATE.replacen(
                "NODE_NAME",
                &source_name,
                1,
            ))],
        ));
        n.props.push(prop(
            "message",
            vec![Arg::String(MESSAGE_TEMPLATE.replacen(
                "INTERVAL",
                &interval_text,
                1,
            ))],
        ));
        n.props.push(prop(
            "crit",
            vec![Arg::Lambda(ir::Lambda {
                expr: crit,
                source: source_text,
                span,
            })],
        ));
        Value::Node(alert)
    }
}
