//! Unit tests of the checker through its public entry points.

use crate::catalog::NodeKind;
use crate::diagnostic::Code;
use crate::ir::{Arg, BinaryOp, Const, ExprKind, Pipeline};
use crate::types::Type;
use std::collections::HashMap;

fn ok(src: &str) -> Pipeline {
    let (p, d) = crate::check(src);
    assert!(!d.iter().any(|d| d.is_error()), "{d:#?}");
    p.expect("pipeline")
}

fn codes(src: &str) -> Vec<Code> {
    crate::check(src).1.iter().map(|d| d.code).collect()
}

fn names(p: &Pipeline) -> Vec<&str> {
    p.nodes.iter().map(|n| n.name.as_str()).collect()
}

#[test]
fn check_lambda_types_and_folds() {
    let (l, d) = crate::check_lambda("lambda: \"x\" > 1");
    assert!(d.is_empty());
    assert_eq!(l.unwrap().expr.ty, Type::Bool);

    let (l, _) = crate::check_lambda("1 + 2 * 3");
    assert_eq!(l.unwrap().expr.kind, ExprKind::Const(Const::Int(7)));

    let (l, _) = crate::check_lambda("5m * 2 / 1m");
    assert_eq!(l.unwrap().expr.kind, ExprKind::Const(Const::Int(10)));

    let (l, _) = crate::check_lambda("sigma(\"x\") > 3.0 AND count() > 2");
    let l = l.unwrap();
    assert_eq!(l.expr.ty, Type::Bool);
    assert!(matches!(
        l.expr.kind,
        ExprKind::Binary {
            op: BinaryOp::And,
            ..
        }
    ));

    // Never folded: volatile and stateful functions.
    let (l, _) = crate::check_lambda("unixNano(now()) > 0");
    assert!(matches!(l.unwrap().expr.kind, ExprKind::Binary { .. }));

    let (l, d) = crate::check_lambda("1 + 'a'");
    assert!(l.is_none());
    assert_eq!(d[0].code, Code::BinaryTypeMismatch);

    let (l, d) = crate::check_lambda("\"x\" + y");
    assert!(l.is_none());
    assert_eq!(d[0].code, Code::UndefinedName);

    let (l, _) = crate::check_lambda("if(\"x\" > 1, 'a', 'b')");
    assert_eq!(l.unwrap().expr.ty, Type::String);
    // `%` takes ints only, so `"a" % 2` is an int (or an error per point).
    let (l, _) = crate::check_lambda("\"a\" % 2");
    assert_eq!(l.unwrap().expr.ty, Type::Int);
    let (l, _) = crate::check_lambda("\"a\" + \"b\"");
    assert_eq!(l.unwrap().expr.ty, Type::Dynamic);
    let (l, d) = crate::check_lambda("\"mean\" + 1.0 > 'a'");
    assert!(l.is_none());
    assert_eq!(d[0].code, Code::BinaryTypeMismatch);
    // A reference is never a time, duration or regex.
    let (l, d) = crate::check_lambda("hour(\"x\")");
    assert!(l.is_none());
    assert_eq!(d[0].code, Code::FunctionSignature);
    let (l, _) = crate::check_lambda("hour(\"time\")");
    assert_eq!(l.unwrap().expr.ty, Type::Int);
    let (l, d) = crate::check_lambda("\"host\" =~ \"pattern\"");
    assert!(l.is_none());
    assert_eq!(d[0].code, Code::BinaryTypeMismatch);
    let (l, _) = crate::check_lambda("-\"a\"");
    assert_eq!(l.unwrap().expr.ty, Type::Dynamic);
}

#[test]
fn node_names_follow_creation_order() {
    let p = ok("var d = stream|from().measurement('m')\n\
                d|window().period(1m).every(1m)|mean('v')|httpOut('a')\n\
                d|groupBy('h')|stateCount(lambda: \"v\" > 1)|influxDBOut().database('x')");
    assert_eq!(
        names(&p),
        [
            "stream0",
            "from1",
            "window2",
            "mean3",
            "http_out4",
            "groupby5",
            "state_count6",
            "influxdb_out7"
        ]
    );
    assert_eq!(p.nodes[1].children, [2, 5]);
}

#[test]
fn deadman_expands_and_stats_source_gets_noop() {
    let p = ok("stream|from().measurement('m')|deadman(0.0, 1m).log('/tmp/x')");
    // The noop is linked as soon as the stats node is created (its source had
    // no children then), so it takes the id right after the stats node.
    assert_eq!(
        names(&p),
        [
            "stream0",
            "from1",
            "stats2",
            "noop3",
            "derivative4",
            "alert5"
        ]
    );
    let stats = &p.nodes[2];
    assert_eq!(stats.source, Some(1));
    assert!(stats.parents.is_empty());
    let alert = &p.nodes[5];
    assert_eq!(
        alert.string("id"),
        Some("{{ .Group }}:from1 for task '{{ .TaskName }}'")
    );
    assert!(alert.string("message").unwrap().ends_with("points/1m0s."));
    assert_eq!(alert.lambda("crit").unwrap().source, "\"emitted\" <= 0.0");
    assert_eq!(alert.handlers.len(), 1);
    assert_eq!(p.nodes[3].parents, [1]);
    // A source that already has children gets no noop.
    let p = ok("var d = stream|from()\nd|httpOut('x')\nd|stats(1s)|httpOut('s')");
    assert_eq!(
        names(&p),
        ["stream0", "from1", "http_out2", "stats3", "http_out4"]
    );
}

#[test]
fn join_parents_in_order() {
    let p = ok("var a = stream|from().measurement('a')\n\
                var b = stream|from().measurement('b')\n\
                var c = stream|from().measurement('c')\n\
                a|join(b, c).as('a', 'b', 'c')|httpOut('j')");
    let join = p.nodes.iter().find(|n| n.kind == NodeKind::Join).unwrap();
    assert_eq!(join.parents, [1, 2, 3]);
    assert!(join.args.is_empty(), "node arguments become parents");
    // One Kapacitor number per parent link: 4, 5, 6.
    assert_eq!(
        names(&p),
        ["stream0", "from1", "from2", "from3", "join6", "http_out7"]
    );
    let p = ok("var a = stream|from()\nvar b = stream|from()\na|union(b)|httpOut('u')");
    assert_eq!(
        names(&p),
        ["stream0", "from1", "from2", "union4", "http_out5"]
    );
    assert_eq!(
        crate::ir::dot::render("u", &p),
        "digraph u {\nstream0 -> from1;\nstream0 -> from2;\nfrom2 -> union4;\n\
         from1 -> union4;\nunion4 -> http_out5;\n}"
    );
}

#[test]
fn vars_are_substituted_and_lambda_vars_nested() {
    let p = ok("var t = 10.0\nvar f = lambda: \"x\" > t\n\
                stream|from().where(lambda: f AND \"y\" < t)|httpOut('x')");
    let w = p.nodes[1].lambda("where").unwrap();
    let ExprKind::Binary { left, right, .. } = &w.expr.kind else {
        panic!("{:?}", w.expr)
    };
    assert!(matches!(left.kind, ExprKind::Nested(_)));
    let ExprKind::Binary { right: t, .. } = &right.kind else {
        panic!()
    };
    assert_eq!(t.kind, ExprKind::Const(Const::Float(10.0)));
    assert_eq!(p.vars.len(), 2);
}

#[test]
fn lone_list_argument_is_spread() {
    let p = ok("var dims = ['a', 'b']\nstream|from()|groupBy(dims)|httpOut('x')");
    assert_eq!(
        p.nodes[2].args,
        [Arg::String("a".into()), Arg::String("b".into())]
    );
}

#[test]
fn define_time_expressions_are_evaluated() {
    let p = ok("var p = 5m * 2\nstream|from()|window().period(p).every(p)|httpOut('x')");
    assert_eq!(p.nodes[2].duration("period"), Some(600_000_000_000));
}

#[test]
fn handler_properties_shadow_alert_properties() {
    let p = ok("stream|from()|alert().crit(lambda: \"v\" > 1)\
                .mqtt('t').topic('mqtt/topic').slack().channel('#a').topic('alert_topic')");
    let a = &p.nodes[2];
    assert_eq!(
        a.handlers[0].prop("topic").unwrap().args[0],
        Arg::String("mqtt/topic".into())
    );
    assert_eq!(a.string("topic"), Some("alert_topic"));
}

#[test]
fn task_vars_override_and_fill() {
    let src = "var m string\nvar t = 5.0\n\
               stream|from().measurement(m)|alert().crit(lambda: \"v\" > t).topic('x')";
    let mut vars = HashMap::new();
    vars.insert("m".to_string(), Arg::String("cpu".into()));
    vars.insert("t".to_string(), Arg::Float(9.0));
    let (p, d) = crate::check_with_vars(src, &vars);
    assert!(d.is_empty(), "{d:?}");
    let p = p.unwrap();
    assert_eq!(p.nodes[1].string("measurement"), Some("cpu"));
    // The pipeline's vars keep the script's declarations (template defaults).
    assert_eq!(p.vars[0].value, None);
    assert_eq!(p.vars[1].value, Some(Arg::Float(5.0)));

    let mut partial = HashMap::new();
    partial.insert("t".to_string(), Arg::Float(1.0));
    let (p, d) = crate::check_with_vars(src, &partial);
    assert!(p.is_none());
    assert_eq!(d[0].code, Code::MissingVarValue);
    assert_eq!(d[0].message, "missing value for var \"m\".");

    vars.insert("t".to_string(), Arg::Int(9));
    let (p, d) = crate::check_with_vars(src, &vars);
    assert!(p.is_none());
    assert!(d[0]
        .message
        .contains("invalid type supplied for t, got int exp float"));
}

#[test]
fn every_error_is_reported() {
    let c = codes(
        "stream|fromm()\nstream|from().measurment('x').period(1m)\n\
         stream|from()|eval(lambda: 1 + 1.0).as('x')|httpOut('x')",
    );
    assert!(c.contains(&Code::UnknownChainMethod));
    assert!(c.contains(&Code::UnknownProperty));
    assert!(c.contains(&Code::BinaryTypeMismatch));
}

#[test]
fn lints_can_be_allowed() {
    let src = "var x = 1\nstream|from()|httpOut('x')";
    assert_eq!(codes(src), [Code::UnusedVar]);
    assert!(codes(&format!("// tickc:allow(W0102)\n{src}")).is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Deep but reasonable nesting still checks (on a 2 MiB test thread).
    let n = 100;
    let src = format!(
        "stream|from().where(lambda: {}\"x\"{} > 0)|httpOut('x')",
        "(".repeat(n),
        ")".repeat(n)
    );
    assert!(crate::check(&src).0.is_some());
    let chain = format!("stream|from(){}", "|log()".repeat(n));
    assert!(crate::check(&chain).0.is_some());
    // Far over it: one clear error.
    let src = format!("stream|from(){}", "|log()".repeat(20_000));
    // Far over it: one clear error (from the parser's own limit, or the
    // checker's if the parser let it through).
    let deep = [Code::NestingTooDeep, Code::TooDeep];
    let (p, d) = crate::check(&src);
    assert!(p.is_none());
    assert!(deep.contains(&d[0].code), "{:?}", d[0]);
    let (l, d) = crate::check_lambda(&format!("{}1", "-".repeat(20_000)));
    assert!(l.is_none());
    assert!(deep.contains(&d[0].code), "{:?}", d[0]);
}

#[test]
fn ir_text_form_is_stable() {
    let p = ok("dbrp \"telegraf\".\"autogen\"\nvar t = 70\nvar h string\n\
                stream|from().measurement('cpu').where(lambda: \"host\" == h)\
                |alert().crit(lambda: \"usage_idle\" < t).slack().channel('#a')");
    let text = crate::ir::text::render(&p);
    assert_eq!(
        text,
        "task stream\n\
         dbrp \"telegraf\".\"autogen\"\n\
         var t int = 70\n\
         var h string\n\
         \n\
         stream0: stream (noedge -> stream)\n\
         from1: from (stream -> stream) parents=[stream0]\n  \
         .measurement('cpu')\n  \
         .where(lambda: (\"host\":dynamic == '':string):bool)\n\
         alert2: alert (stream -> stream) parents=[from1]\n  \
         .crit(lambda: (\"usage_idle\":dynamic < 70:int):bool)\n  \
         default .id = {{ .Name }}:{{ .Group }}\n  \
         default .message = {{ .ID }} is {{ .Level }}\n  \
         default .details = {{ json . }}\n  \
         default .history = 21\n  \
         handler .slack()\n    \
         .channel('#a')\n"
    );
}

#[test]
fn ir_bincode_round_trip_unit() {
    let p = ok(
        "var f = lambda: \"x\" > 1.5\nbatch|query('SELECT * FROM \"a\".\"b\".\"c\"')\
                .every(1m).groupBy(time(1m, 5s), 'host')\
                |eval(lambda: f, lambda: -\"y\" * 2).as('a', 'b')\
                |deadman(1.0, 1m, f).email('x@example.com')",
    );
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&p, cfg).unwrap();
    let (back, n): (Pipeline, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(n, bytes.len());
    assert_eq!(back, p);
}

#[test]
fn dot_follows_kapacitor_walk_order() {
    let p = ok(
        "var d = stream|from()\nd|window().period(1m)|mean('v')|httpOut('a')\n\
                d|httpOut('b')\nd|stats(1s)|httpOut('s')",
    );
    // Sources last to first (stats6 before stream0), children depth first,
    // then reversed: the later branch (http_out5) comes before window2's.
    assert_eq!(
        crate::ir::dot::render("t", &p),
        "digraph t {\n\
         stream0 -> from1;\n\
         from1 -> window2;\n\
         from1 -> http_out5;\n\
         window2 -> mean3;\n\
         mean3 -> http_out4;\n\
         stats6 -> http_out7;\n\
         }"
    );
    assert_eq!(p.walk_order(), [0, 1, 5, 2, 3, 4, 6, 7]);
}

#[test]
fn stats_of_a_terminal_node() {
    let p = ok("stream|from()|influxDBOut().database('x')|stats(10s)|httpOut('s')");
    assert_eq!(
        names(&p),
        [
            "stream0",
            "from1",
            "influxdb_out2",
            "stats3",
            "noop4",
            "http_out5"
        ]
    );
    assert_eq!(p.nodes[4].wants, crate::catalog::EdgeType::None);
}

#[test]
fn check_lambda_with_vars_resolves_names() {
    let mut vars = HashMap::new();
    vars.insert("t".to_string(), Arg::Float(2.5));
    let (f, _) = crate::check_lambda("\"x\" > 1");
    vars.insert("f".to_string(), Arg::Lambda(f.unwrap()));
    let (l, d) = crate::check_lambda_with_vars("lambda: \"y\" < t AND f", &vars);
    assert!(d.is_empty(), "{d:?}");
    let l = l.unwrap();
    let ExprKind::Binary { left, right, .. } = &l.expr.kind else {
        panic!()
    };
    assert!(matches!(right.kind, ExprKind::Nested(_)));
    let ExprKind::Binary { right: t, .. } = &left.kind else {
        panic!()
    };
    assert_eq!(t.kind, ExprKind::Const(Const::Float(2.5)));
    let (l, d) = crate::check_lambda_with_vars("tt > 1", &vars);
    assert!(l.is_none());
    assert!(d[0].notes[0].contains("did you mean `t`?"), "{d:?}");
}

#[test]
fn template_values_are_validated_with_the_task() {
    let src = "var p duration\nstream|from()|window().period(p).every(p)|httpOut('x')";
    assert!(crate::check(src).0.is_some(), "a template checks");
    let mut vars = HashMap::new();
    vars.insert("p".to_string(), Arg::Duration(0));
    let (p, d) = crate::check_with_vars(src, &vars);
    assert!(p.is_none());
    assert_eq!(d[0].code, Code::MissingRequired, "{d:?}");
}

/// The values `spec/check/valid/define_time_builtins.tick` derives by hand:
/// binary expressions outside a lambda are evaluated at define time,
/// builtin calls included.
#[test]
fn define_time_values() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/check/valid/define_time_builtins.tick"
    ))
    .unwrap();
    let p = ok(&src);
    let var = |name: &str| {
        p.vars
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.value.clone())
            .unwrap()
    };
    assert_eq!(var("msg"), Arg::String("fails: cpu".into()));
    assert_eq!(var("n"), Arg::Int(12));
    assert_eq!(var("crit"), Arg::String("above 90.5".into()));
    assert_eq!(var("every"), Arg::Duration(12_000_000_000));
    assert_eq!(var("since"), Arg::String("now() - 12s".into()));
    // Not a binary expression: Kapacitor looks `string` up as a global
    // function and fails; so do we.
    assert_eq!(
        codes("var s = string(1)\nstream|from()"),
        vec![Code::UnknownFunction]
    );
}
