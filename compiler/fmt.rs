//! The canonical formatter, in the layout of Kapacitor's documentation:
//!
//! ```text
//! var data = stream
//!     // a comment stays attached to the link after it
//!     |from()
//!         .measurement('cpu')
//!     |alert()
//!         .crit(lambda: "usage_idle" < 70)
//! ```
//!
//! The root of a chain on its own line, every `|node()` / `@udf()` one level
//! (4 spaces) in, every `.property()` one level further; top-level statements
//! separated by one blank line. Lambdas get single spaces around operators and
//! only the parentheses precedence needs. Strings keep their quoting style and
//! durations their text. Comments are re-attached to the next statement or
//! chain link; a blank line before a chain link (or its comments) is kept.
//!
//! Formatting never changes meaning: the AST of the output equals the AST of
//! the input apart from spans, parentheses and comments (tested below and on
//! every fixture), and formatting is idempotent.

use crate::ast::{ChainOp, Comment, Expr, ExprKind, Program, Statement, StringStyle};
use crate::diagnostic::Diagnostic;
use crate::ir::{BinaryOp, UnaryOp};
use crate::parser::parse;

const INDENT: &str = "    ";

/// Formats a script; on a lexical or syntax error returns the diagnostics.
///
/// ```
/// let out = compiler::fmt::format("stream|from().measurement('cpu')|alert().crit(lambda: (\"v\"<70))");
/// assert_eq!(
///     out.unwrap(),
///     "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" < 70)\n"
/// );
/// ```
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    match parse(source) {
        (Some(program), _) => Ok(format_program(&program, source)),
        (None, diags) => Err(diags),
    }
}

/// Formats a parsed program. `source` is the text it was parsed from (used to
/// keep the blank lines that separate groups of chain links).
pub fn format_program(program: &Program, source: &str) -> String {
    let mut comments = program.comments.clone();
    comments.sort_by_key(|c| c.span.start);
    let mut f = Formatter {
        out: String::new(),
        source,
        comments,
        next_comment: 0,
        prev_end: 0,
    };
    for (i, stmt) in program.statements.iter().enumerate() {
        if i > 0 {
            f.out.push('\n');
        }
        f.comments_before(stmt.span().start as usize, 0);
        f.statement(stmt);
        f.out.push('\n');
        f.prev_end = stmt.span().end as usize;
    }
    if f.next_comment < f.comments.len() && !program.statements.is_empty() {
        f.out.push('\n');
    }
    f.comments_before(usize::MAX, 0);
    f.out
}

struct Formatter<'a> {
    out: String,
    source: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    /// End of the last thing printed, in source bytes (for blank-line detection).
    prev_end: usize,
}

impl Formatter<'_> {
    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str(INDENT);
        }
    }

    /// Whether the source between the last printed thing and `pos` has a
    /// blank line (that gap holds only whitespace and chain operators).
    fn blank_line_before(&self, pos: usize) -> bool {
        let gap = self.source.get(self.prev_end.min(pos)..pos).unwrap_or("");
        gap.matches('\n').count() >= 2
    }

    /// Pushes one blank line unless the output starts here or already has one.
    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Prints every pending comment that starts before `pos`, one per line at
    /// `level`, keeping a blank line that preceded a comment.
    fn comments_before(&mut self, pos: usize, level: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start as usize >= pos {
                break;
            }
            let c = c.clone();
            if self.blank_line_before(c.span.start as usize) {
                self.blank_line();
            }
            self.indent(level);
            self.out.push_str("//");
            self.out.push_str(c.text.trim_end());
            self.out.push('\n');
            self.prev_end = c.span.end as usize;
            self.next_comment += 1;
        }
    }

    fn statement(&mut self, stmt: &Statement) {
        match stmt {
            Statement::Var { name, value, .. } => {
                self.out.push_str("var ");
                self.out.push_str(&name.node);
                self.out.push_str(" = ");
                self.block(value);
            }
            Statement::TypedVar { name, ty, .. } => {
                self.out.push_str("var ");
                self.out.push_str(&name.node);
                self.out.push(' ');
                self.out.push_str(&ty.node);
            }
            Statement::Dbrp { db, rp, .. } => {
                self.out.push_str("dbrp ");
                push_quoted(&mut self.out, &db.node, '"');
                self.out.push('.');
                push_quoted(&mut self.out, &rp.node, '"');
            }
            Statement::Expr(e) => self.block(e),
        }
    }

    /// A statement-level expression: a chain is laid out one link per line.
    fn block(&mut self, e: &Expr) {
        let mut links = Vec::new();
        let mut root = e;
        while let ExprKind::Chain { target, .. } = &root.kind {
            links.push(root);
            root = target;
        }
        links.reverse();
        self.out.push_str(&inline(root));
        self.prev_end = root.span.end as usize;
        let mut in_node = false;
        for link in links {
            let ExprKind::Chain { op, name, args, .. } = &link.kind else {
                unreachable!("only chain links were collected")
            };
            let level = match op {
                ChainOp::Pipe | ChainOp::At => {
                    in_node = true;
                    1
                }
                ChainOp::Dot => usize::from(in_node) + 1,
            };
            self.out.push('\n');
            let start = name.span.start as usize;
            let first_comment = self
                .comments
                .get(self.next_comment)
                .map(|c| c.span.start as usize);
            let first = first_comment.filter(|&c| c < start).unwrap_or(start);
            if self.blank_line_before(first) {
                self.blank_line();
            }
            self.comments_before(start, level);
            self.indent(level);
            push_link(&mut self.out, *op, &name.node, args.as_deref());
            self.prev_end = link.span.end as usize;
        }
    }
}

fn push_link(out: &mut String, op: ChainOp, name: &str, args: Option<&[Expr]>) {
    out.push(match op {
        ChainOp::Pipe => '|',
        ChainOp::Dot => '.',
        ChainOp::At => '@',
    });
    out.push_str(name);
    if let Some(args) = args {
        push_args(out, args);
    }
}

fn push_args(out: &mut String, args: &[Expr]) {
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, a);
    }
    out.push(')');
}

/// An expression on one line.
pub fn inline(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// Looks through parentheses: the formatter decides where they go.
fn unparen(mut e: &Expr) -> &Expr {
    while let ExprKind::Paren(inner) = &e.kind {
        e = inner;
    }
    e
}

/// Binding strength: binary operators by §1.3, everything else binds tighter.
fn strength(e: &Expr) -> u8 {
    match &unparen(e).kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        _ => u8::MAX,
    }
}

fn write_operand(out: &mut String, e: &Expr, parens: bool) {
    if parens {
        out.push('(');
        write_expr(out, e);
        out.push(')');
    } else {
        write_expr(out, e);
    }
}

fn write_expr(out: &mut String, e: &Expr) {
    write_expr_guarded(out, e, false);
}

/// Writes an expression; with `guard_end`, a regex or star that would end the
/// text is parenthesized (the caller is about to write an operator that the
/// lexer cannot read in the operand state a regex or star leaves, §1.1).
fn write_expr_guarded(out: &mut String, e: &Expr, guard_end: bool) {
    match &e.kind {
        ExprKind::Paren(inner) => write_expr_guarded(out, inner, guard_end),
        ExprKind::Regex(_) | ExprKind::Star if guard_end => {
            out.push('(');
            write_expr(out, e);
            out.push(')');
        }
        ExprKind::Ident(s) => out.push_str(s),
        ExprKind::Int(v) => out.push_str(&v.to_string()),
        ExprKind::Float(v) => out.push_str(&format_float(*v)),
        ExprKind::String(s, StringStyle::Single) => push_quoted(out, s, '\''),
        ExprKind::String(s, StringStyle::Triple) => {
            out.push_str("'''");
            out.push_str(s);
            out.push_str("'''");
        }
        ExprKind::Bool(true) => out.push_str("TRUE"),
        ExprKind::Bool(false) => out.push_str("FALSE"),
        ExprKind::Duration { text, .. } => out.push_str(text),
        ExprKind::Regex(r) => push_quoted(out, r, '/'),
        ExprKind::Star => out.push('*'),
        ExprKind::Reference(r) => push_quoted(out, r, '"'),
        ExprKind::Lambda(body) => {
            out.push_str("lambda: ");
            write_guarded_start(out, body);
        }
        ExprKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item);
            }
            out.push(']');
        }
        ExprKind::Unary { op, operand } => {
            out.push(match op {
                UnaryOp::Neg => '-',
                UnaryOp::Not => '!',
            });
            if strength(operand) != u8::MAX {
                write_operand(out, operand, true);
            } else {
                write_expr_guarded(out, operand, guard_end);
            }
        }
        ExprKind::Binary {
            op, left, right, ..
        } => {
            let p = op.precedence();
            let word = matches!(op, BinaryOp::And | BinaryOp::Or);
            // After a regex or the star the lexer is back in operand state,
            // where `==`, `<`, `+`... are errors (only `-` and the words read
            // the same): such a trailing operand needs parentheses.
            let guard_left = !word && *op != BinaryOp::Sub;
            if strength(left) < p {
                write_operand(out, left, true);
            } else {
                write_expr_guarded(out, left, guard_left);
            }
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            // Left-associative: an equal-precedence right operand needs parentheses.
            if strength(right) <= p {
                write_operand(out, right, true);
            } else if word {
                write_guarded_start(out, right);
            } else {
                write_expr_guarded(out, right, guard_end);
            }
        }
        ExprKind::Call { name, args } => {
            out.push_str(&name.node);
            push_args(out, args);
        }
        ExprKind::Chain {
            target,
            op,
            name,
            args,
        } => {
            write_expr(out, target);
            push_link(out, *op, &name.node, args.as_deref());
        }
    }
}

/// Writes an operand that follows `lambda:`, `AND` or `OR`. After those
/// words the lexer is in operator state (§1.1), where `/` divides and `*`
/// multiplies, so an operand starting with a regex or the star is wrapped in
/// parentheses to keep it an operand.
fn write_guarded_start(out: &mut String, e: &Expr) {
    let mut text = String::new();
    write_expr(&mut text, e);
    if text.starts_with('/') || text.starts_with('*') {
        out.push('(');
        out.push_str(&text);
        out.push(')');
    } else {
        out.push_str(&text);
    }
}

/// A float that re-lexes to the same value (`compiler::golang`, shared
/// with the IR text and the VM's lambda text).
pub use crate::golang::float::float_literal as format_float;

/// Writes `value` between `quote`s, escaping the quote as `\quote` (the only
/// escape the lexer knows for strings, references and regexes).
fn push_quoted(out: &mut String, value: &str, quote: char) {
    out.push(quote);
    for c in value.chars() {
        if c == quote {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(quote);
}

/// The AST without spans, parentheses or comments: what formatting must
/// preserve (`normalize_program(parse(format(x))) == normalize_program(parse(x))`).
pub fn normalize_program(p: &Program) -> Vec<Statement> {
    p.statements.iter().map(normalize_statement).collect()
}

fn normalize_statement(s: &Statement) -> Statement {
    use crate::span::{Span, Spanned};
    let id = |i: &Spanned<String>| Spanned::new(i.node.clone(), Span::default());
    match s {
        Statement::Var { name, value, .. } => Statement::Var {
            name: id(name),
            value: normalize(value),
            span: Span::default(),
        },
        Statement::TypedVar { name, ty, .. } => Statement::TypedVar {
            name: id(name),
            ty: id(ty),
            span: Span::default(),
        },
        Statement::Dbrp { db, rp, .. } => Statement::Dbrp {
            db: id(db),
            rp: id(rp),
            span: Span::default(),
        },
        Statement::Expr(e) => Statement::Expr(normalize(e)),
    }
}

pub fn normalize(e: &Expr) -> Expr {
    use crate::span::{Span, Spanned};
    let e = unparen(e);
    let n = |x: &Expr| Box::new(normalize(x));
    let kind = match &e.kind {
        ExprKind::Lambda(b) => ExprKind::Lambda(n(b)),
        ExprKind::List(items) => ExprKind::List(items.iter().map(normalize).collect()),
        ExprKind::Unary { op, operand } => ExprKind::Unary {
            op: *op,
            operand: n(operand),
        },
        ExprKind::Binary {
            op, left, right, ..
        } => ExprKind::Binary {
            op: *op,
            op_span: Span::default(),
            left: n(left),
            right: n(right),
        },
        ExprKind::Call { name, args } => ExprKind::Call {
            name: Spanned::new(name.node.clone(), Span::default()),
            args: args.iter().map(normalize).collect(),
        },
        ExprKind::Chain {
            target,
            op,
            name,
            args,
        } => ExprKind::Chain {
            target: n(target),
            op: *op,
            name: Spanned::new(name.node.clone(), Span::default()),
            args: args.as_ref().map(|a| a.iter().map(normalize).collect()),
        },
        other => other.clone(),
    };
    Expr {
        kind,
        span: Span::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;

    fn fmt(src: &str) -> String {
        format(src).unwrap_or_else(|d| panic!("{src:?} does not parse: {d:#?}"))
    }

    /// Formats, checks idempotence and meaning, returns the output.
    fn roundtrip(src: &str) -> String {
        let once = fmt(src);
        assert_eq!(fmt(&once), once, "not idempotent for {src:?}");
        let a = parse(src).0.unwrap();
        let b = parse(&once).0.unwrap();
        assert_eq!(
            normalize_program(&a),
            normalize_program(&b),
            "meaning changed:\n{once}"
        );
        once
    }

    const GETTING_STARTED: [&str; 5] = [
        "stream
    // Select just the cpu measurement from our example database.
    |from()
        .measurement('cpu')
    |alert()
        .crit(lambda: \"usage_idle\" <  70)
        // Whenever we get an alert write it to a file.
        .log('/tmp/alerts.log')
",
        "var data = stream
    |from()
        .database('telegraf')
        .retentionPolicy('autogen')
        .measurement('cpu')
        // NOTE: Single quotes on server1
        .where(lambda: \"host\" == 'server1')
",
        "stream
    |from()
        .measurement('cpu')
    |alert()
        // Compare values to running mean and standard deviation
        .crit(lambda: sigma(\"usage_idle\") > 3)
        .log('/tmp/alerts.log')
",
        "stream
    |from()
        .measurement('cpu')
    // create a new field called 'used' which inverts the idle cpu.
    |eval(lambda: 100.0 - \"usage_idle\")
        .as('used')
    |groupBy('service', 'datacenter')
    |window()
        .period(1m)
        .every(1m)
    // calculate the 95th percentile of the used cpu.
    |percentile('used', 95.0)
    |eval(lambda: sigma(\"percentile\"))
        .as('sigma')
        .keep('percentile', 'sigma')
    |alert()
        .id('{{ .Name }}/{{ index .Tags \"service\" }}/{{ index .Tags \"datacenter\"}}')
        .message('{{ .ID }} is {{ .Level }} cpu-95th:{{ index .Fields \"percentile\" }}')
        // Compare values to running mean and standard deviation
        .warn(lambda: \"sigma\" > 2.5)
        .crit(lambda: \"sigma\" > 3.0)
        .log('/tmp/alerts.log')

        // Post data to custom endpoint
        .post('https://alerthandler.example.com')

        // Execute custom alert handler script
        .exec('/bin/custom_alert_handler.sh')

        // Send alerts to slack
        .slack()
        .channel('#alerts')

        // Sends alerts to PagerDuty
        .pagerDuty()

        // Send alerts to VictorOps
        .victorOps()
        .routingKey('team_rocket')
",
        "batch
    |query('''
        SELECT mean(usage_idle)
        FROM \"kapacitor_example\".\"autogen\".\"cpu\"
    ''')
        .period(5m)
        .every(5m)
        .groupBy(time(1m))
    |alert()
        .crit(lambda: \"mean\" < 70)
        .log('/tmp/alerts.log')
",
    ];

    #[test]
    fn getting_started_scripts_format_to_themselves() {
        for src in GETTING_STARTED {
            let out = roundtrip(src);
            assert_eq!(out, src.replace("<  70", "< 70"));
        }
    }

    #[test]
    fn layout_of_statements() {
        assert_eq!(
            roundtrip("dbrp \"db\".\"rp\" var x   int var y=5m*2\nvar s=stream|from()   s|window().period(x)"),
            "dbrp \"db\".\"rp\"\n\nvar x int\n\nvar y = 5m * 2\n\nvar s = stream\n    |from()\n\ns\n    |window()\n        .period(x)\n"
        );
        assert_eq!(roundtrip("w.period(1m)"), "w\n    .period(1m)\n");
        assert_eq!(
            roundtrip("stream@udf().opt(1)|join(a|b(), c).as('x', 'y')"),
            "stream\n    @udf()\n        .opt(1)\n    |join(a|b(), c)\n        .as('x', 'y')\n"
        );
    }

    #[test]
    fn minimal_parentheses() {
        let lam = |s: &str| {
            let out = roundtrip(&format!("var f = lambda: {s}"));
            out.trim_start_matches("var f = lambda: ")
                .trim_end()
                .to_string()
        };
        assert_eq!(
            lam("((\"a\" > 3)) AND (\"b\" < 2)"),
            "\"a\" > 3 AND \"b\" < 2"
        );
        assert_eq!(lam("(1 + 2) * 3"), "(1 + 2) * 3");
        assert_eq!(lam("1 - (2 - 3)"), "1 - (2 - 3)");
        assert_eq!(lam("(1 - 2) - 3"), "1 - 2 - 3");
        assert_eq!(lam("-(1 + 2)"), "-(1 + 2)");
        assert_eq!(lam("-(1) * 2"), "-1 * 2");
        assert_eq!(lam("!(\"a\" OR \"b\")"), "!(\"a\" OR \"b\")");
        assert_eq!(lam("a OR (b AND c)"), "a OR b AND c");
        assert_eq!(lam("(a OR b) AND c"), "(a OR b) AND c");
        // After `lambda:`, `AND` and `OR` a `/` would divide: keep the regex an operand.
        assert_eq!(lam("(/r/) == x"), "(/r/) == x");
        assert_eq!(lam("(-/r/) == x"), "-(/r/) == x");
        assert_eq!(lam("(/r/) - x"), "(/r/ - x)");
        assert_eq!(lam("x + (/r/) * 2"), "x + (/r/) * 2");
        assert_eq!(lam("(/r/) AND x"), "(/r/ AND x)");
        assert_eq!(lam("x OR (/r/)"), "x OR (/r/)");
        assert_eq!(lam("x == (/r/)"), "x == /r/");
    }

    #[test]
    fn literals_keep_their_form() {
        let out = roundtrip(
            "var a = 'it\\'s' var b = '''raw 'x' \\n''' var c = 5. var d = .5 var e = 010 var f = 1w var g = lambda: \"x\\\"y\" =~ /a\\/b\\d/ var h = ['a', b, *] var i = TRUE",
        );
        assert_eq!(
            out,
            "var a = 'it\\'s'\n\nvar b = '''raw 'x' \\n'''\n\nvar c = 5.0\n\nvar d = 0.5\n\nvar e = 8\n\nvar f = 1w\n\nvar g = lambda: \"x\\\"y\" =~ /a\\/b\\d/\n\nvar h = ['a', b, *]\n\nvar i = TRUE\n"
        );
        assert_eq!(format_float(1e21), "1000000000000000000000.0");
        assert_eq!(format_float(1e-7), "0.0000001");
    }

    #[test]
    fn comments_are_kept() {
        let src = "// head\n\n// about a\nvar a = 1 // trailing\nstream\n    |from() // on from\n    // before window\n    |window()\n// the end\n";
        let out = roundtrip(src);
        assert_eq!(
            out,
            "// head\n\n// about a\nvar a = 1\n\n// trailing\nstream\n    |from()\n    // on from\n    // before window\n    |window()\n\n// the end\n"
        );
        assert_eq!(roundtrip("// only a comment\n"), "// only a comment\n");
        assert_eq!(fmt(""), "");
    }

    #[test]
    fn format_reports_syntax_errors() {
        assert!(format("stream|from(").is_err());
    }
}
