//! Go-compatibility tests: each expected output is what Go's text/template
//! (or html/template) prints for the same template and data.

use super::*;
use std::sync::Arc;

fn data() -> Value {
    let tags = Map::new(
        vec![
            (Arc::from("host"), Value::str("serverA")),
            (Arc::from("cpu"), Value::str("cpu-total")),
        ],
        Elem::String,
    );
    let fields = Map::new(
        vec![
            (Arc::from("value"), Value::Float(81.5)),
            (Arc::from("count"), Value::Int64(3)),
            (Arc::from("msg"), Value::str("a<b & \"c\"")),
        ],
        Elem::Any,
    );
    Value::Struct(Arc::new(Struct {
        type_name: "alert.messageInfo",
        fields: vec![
            ("Name", Value::str("cpu")),
            ("TaskName", Value::str("t1")),
            ("Group", Value::str("nil")),
            ("Tags", Value::Map(Arc::new(tags))),
            ("ID", Value::str("cpu:nil")),
            ("Fields", Value::Map(Arc::new(fields))),
            ("Level", Value::str("CRITICAL")),
            ("Time", Value::Time(1_451_606_400_000_000_000)),
            ("Duration", Value::Duration(90_000_000_000)),
        ],
    }))
}

fn run(src: &str) -> String {
    Template::parse("t", src, Mode::Text)
        .unwrap()
        .render(&data())
        .unwrap()
}

fn run_html(src: &str) -> String {
    Template::parse("t", src, Mode::Html)
        .unwrap()
        .render(&data())
        .unwrap()
}

fn exec_err(src: &str) -> String {
    Template::parse("t", src, Mode::Text)
        .unwrap()
        .render(&data())
        .unwrap_err()
        .message
}

fn parse_err(src: &str, mode: Mode) -> String {
    Template::parse("t", src, mode).unwrap_err().message
}

#[test]
fn fields_tags_index() {
    assert_eq!(run("{{ .Name }}:{{ .Group }}"), "cpu:nil");
    assert_eq!(run("{{ index .Tags \"host\" }}"), "serverA");
    assert_eq!(run("{{ .Tags.host }}"), "serverA");
    assert_eq!(run("{{ .Fields.value }}"), "81.5");
    assert_eq!(run("{{ index .Fields \"count\" }}"), "3");
    // Missing keys: field syntax gives <no value>; index gives the zero value.
    assert_eq!(run("[{{ .Tags.nope }}]"), "[<no value>]");
    assert_eq!(run("[{{ index .Tags \"nope\" }}]"), "[]");
    assert_eq!(run("[{{ index .Fields \"nope\" }}]"), "[<nil>]");
}

#[test]
fn go_value_printing() {
    assert_eq!(run("{{ .Time }}"), "2016-01-01 00:00:00 +0000 UTC");
    assert_eq!(run("{{ .Duration }}"), "1m30s");
    assert_eq!(run("{{ .Tags }}"), "map[cpu:cpu-total host:serverA]");
    assert_eq!(
        run("{{ .Fields }}"),
        "map[count:3 msg:a<b & \"c\" value:81.5]"
    );
}

#[test]
fn printf_and_pipes() {
    assert_eq!(run("{{ printf \"%0.3f\" .Fields.value }}"), "81.500");
    assert_eq!(run("{{ .Fields.value | printf \"%.2f\" }}"), "81.50");
    assert_eq!(
        run("{{ printf \"%s is %v (%d)\" .Name .Level .Fields.count }}"),
        "cpu is CRITICAL (3)"
    );
    assert_eq!(run("{{ printf \"%q\" .Name }}"), "\"cpu\"");
    assert_eq!(run("{{ printf \"%t\" (gt .Fields.value 80.0) }}"), "true");
    assert_eq!(run("{{ .Name | printf \"%s-%s\" \"x\" }}"), "x-cpu");
    assert_eq!(run("{{ len .Tags }} {{ len .Name }}"), "2 3");
}

#[test]
fn control_flow() {
    let src = "{{ if eq .Level \"OK\" }}ok{{ else if eq .Level \"CRITICAL\" }}crit{{ else }}other{{ end }}";
    assert_eq!(run(src), "crit");
    assert_eq!(
        run("{{ if and (gt .Fields.value 80.0) (ne .Name \"mem\") }}y{{ end }}"),
        "y"
    );
    assert_eq!(run("{{ if or false 0 \"\" }}y{{ else }}n{{ end }}"), "n");
    assert_eq!(run("{{ if not .Tags.nope }}missing{{ end }}"), "missing");
    assert_eq!(
        run("{{ range $k, $v := .Tags }}{{ $k }}={{ $v }};{{ end }}"),
        "cpu=cpu-total;host=serverA;"
    );
    assert_eq!(
        run("{{ range .Tags }}[{{ . }}]{{ end }}"),
        "[cpu-total][serverA]"
    );
    assert_eq!(
        run("{{ range .Fields.nope }}x{{ else }}empty{{ end }}"),
        "empty"
    );
    assert_eq!(run("{{ with .Tags.host }}h={{ . }}{{ end }}"), "h=serverA");
    assert_eq!(run("{{ with .Tags.nope }}h{{ else }}none{{ end }}"), "none");
    assert_eq!(
        run("{{ $x := .Name }}{{ $x }}{{ $x = \"y\" }}{{ $x }}"),
        "cpuy"
    );
    assert_eq!(run("{{ range $i, $e := .Tags }}{{ if eq $i \"host\" }}{{ break }}{{ end }}{{ $e }}{{ end }}"), "cpu-total");
    assert_eq!(
        run("{{ $.Name }}{{ range .Tags }}{{ $.Level }}{{ end }}"),
        "cpuCRITICALCRITICAL"
    );
}

#[test]
fn comparisons() {
    assert_eq!(
        run("{{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }}"),
        "true true true false"
    );
    assert_eq!(run("{{ eq .Name \"x\" \"cpu\" }}"), "true");
    assert_eq!(run("{{ eq .Fields.count 3 }}"), "true");
    // Go refuses to compare a float64 field with an int constant.
    let e = exec_err("{{ gt .Fields.value 80 }}");
    assert!(
        e.contains("error calling gt: incompatible types for comparison"),
        "{e}"
    );
    assert!(e.starts_with("template: t:1:4: executing \"t\""), "{e}");
}

#[test]
fn trim_markers_and_comments() {
    assert_eq!(run("a  {{- .Name -}}  b"), "acpub");
    assert_eq!(run("a {{/* note */}}b"), "a b");
    assert_eq!(run("a {{- /* note */ -}} b"), "ab");
    assert_eq!(run("{{ (index .Tags \"host\") }}"), "serverA");
    assert_eq!(run("{{-3}}"), "-3");
}

#[test]
fn html_mode_escapes_and_json() {
    assert_eq!(run_html("{{ .Fields.msg }}"), "a&lt;b &amp; &#34;c&#34;");
    assert_eq!(run_html("<b>{{ .Name }}</b>"), "<b>cpu</b>");
    assert_eq!(
        run_html("{{ jsonCompact .Tags }}"),
        "{&#34;cpu&#34;:&#34;cpu-total&#34;,&#34;host&#34;:&#34;serverA&#34;}"
    );
    assert_eq!(run_html("{{ json .Fields.count }}"), "3\n");
    let full = run_html("{{ json . }}");
    assert!(full.starts_with("{&#34;Name&#34;:&#34;cpu&#34;,"), "{full}");
    assert!(
        full.contains(
            "&#34;Time&#34;:&#34;2016-01-01T00:00:00Z&#34;,&#34;Duration&#34;:90000000000}"
        ),
        "{full}"
    );
    // Go's JSON escapes <, > and & inside strings.
    assert!(full.contains("a\\u003cb \\u0026 \\&#34;c\\&#34;"), "{full}");
}

#[test]
fn json_only_in_details() {
    let e = parse_err("{{ json . }}", Mode::Text);
    assert_eq!(e, "template: t:1:4: function \"json\" not defined");
    assert!(Template::parse("t", "{{ jsonCompact . }}", Mode::Html).is_ok());
}

#[test]
fn parse_errors_have_positions() {
    assert!(parse_err("{{ .Name ", Mode::Text).contains("unclosed action"));
    assert!(parse_err("{{ if .Name }}x", Mode::Text).contains("missing {{end}}"));
    assert!(parse_err("{{ end }}", Mode::Text).contains("unexpected {{end}}"));
    assert!(parse_err("{{ $x }}", Mode::Text).contains("undefined variable \"$x\""));
    assert_eq!(
        parse_err("ab\n{{ nope }}", Mode::Text),
        "template: t:2:4: function \"nope\" not defined"
    );
    assert!(parse_err("{{ \"abc }}", Mode::Text).contains("unterminated quoted string"));
}

#[test]
fn exec_errors() {
    assert!(exec_err("{{ .Nope }}").contains("can't evaluate field Nope in type alert.messageInfo"));
    assert!(exec_err("{{ index .Name 10 }}").contains("index out of range: 10"));
    assert!(exec_err("{{ range .Name }}{{ end }}").contains("range can't iterate over cpu"));
}

#[test]
fn constant_templates_are_detected() {
    assert_eq!(
        Template::parse("t", "plain", Mode::Text)
            .unwrap()
            .is_constant(),
        Some("plain")
    );
    assert_eq!(
        Template::parse("t", "{{ .X }}", Mode::Text)
            .unwrap()
            .is_constant(),
        None
    );
}

#[test]
fn resource_limits() {
    assert!(exec_err("{{ range 100000000 }}{{ end }}").contains("exceeds the limit"));
    assert_eq!(run("{{ range 3 }}{{ . }}{{ end }}"), "012");
    assert_eq!(run("{{ printf \"%9999999d\" 1 }}"), "%!(BADWIDTH)1");
    assert_eq!(
        run("{{ printf \"%99999999999999999999999d\" 1 }}"),
        "%!(BADWIDTH)1"
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Fragments that exercise the lexer and parser (delimiters, trim
    /// markers, keywords, strings, numbers, pipes, variables).
    fn fragment() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(vec![
            "{{",
            "}}",
            "{{- ",
            " -}}",
            " ",
            ".",
            ".Name",
            ".Tags",
            ".Fields.value",
            "$",
            "$x",
            ":=",
            "=",
            "|",
            "(",
            ")",
            ",",
            "if",
            "else",
            "end",
            "range",
            "with",
            "break",
            "printf",
            "index",
            "len",
            "eq",
            "\"%d\"",
            "\"a",
            "`raw`",
            "'c'",
            "1",
            "-2",
            "3.5",
            "0x1f",
            "x",
            "é",
            "/*",
            "*/",
            "\n",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Any input either parses or yields an error; executing a parsed
        /// template either renders or errors. Never a panic.
        #[test]
        fn never_panics(parts in proptest::collection::vec(fragment(), 0..24)) {
            let src: String = parts.concat();
            for mode in [Mode::Text, Mode::Html] {
                if let Ok(t) = Template::parse("p", &src, mode) {
                    let _ = t.render(&data());
                }
            }
        }
    }
}

fn html_with(src: &str, pairs: &[(&str, &str)]) -> String {
    let fields = pairs
        .iter()
        .map(|(k, v)| (Arc::from(*k), Value::str(v)))
        .collect();
    let d = Value::Map(Arc::new(Map::new(fields, Elem::Any)));
    Template::parse("d", src, Mode::Html)
        .unwrap()
        .render(&d)
        .unwrap()
}

#[test]
fn html_contexts() {
    // URL attribute: the start is filtered and normalized, the query escaped.
    assert_eq!(
        html_with("<a href=\"{{ .u }}\">", &[("u", "http://x/?a=b c")]),
        "<a href=\"http://x/?a=b%20c\">"
    );
    assert_eq!(
        html_with("<a href=\"/s?q={{ .q }}\">", &[("q", "a b&c")]),
        "<a href=\"/s?q=a%20b%26c\">"
    );
    assert_eq!(
        html_with("<a href=\"/h/{{ .q }}\">", &[("q", "a b&c")]),
        "<a href=\"/h/a%20b&amp;c\">"
    );
    assert_eq!(
        html_with("<a href='{{ .u }}'>", &[("u", "javascript:alert(1)")]),
        "<a href='#ZgotmplZ'>"
    );
    // Unquoted attribute values escape spaces too; quoted ones do not.
    assert_eq!(
        html_with("<p title={{ .t }}>", &[("t", "a b")]),
        "<p title=a&#32;b>"
    );
    assert_eq!(
        html_with("<p title=\"{{ .t }}\">", &[("t", "a \"b\"")]),
        "<p title=\"a &#34;b&#34;\">"
    );
    // Comments are stripped, with the actions inside them.
    assert_eq!(html_with("a<!-- {{ .t }} -->b", &[("t", "x")]), "ab");
    // Script: JSON values, identifiers and numbers padded with spaces.
    assert_eq!(
        run_html("<script>var v = {{ .Fields.value }}; var n = {{ .Name }};</script>"),
        "<script>var v =  81.5 ; var n = \"cpu\";</script>"
    );
    assert_eq!(
        html_with("<b onclick=\"f({{ .t }})\">", &[("t", "x")]),
        "<b onclick=\"f(&#34;x&#34;)\">"
    );
    // RCDATA and plain text.
    assert_eq!(
        html_with("<title>{{ .t }}</title><b>{{ .t }}</b>", &[("t", "<i>")]),
        "<title>&lt;i&gt;</title><b>&lt;i&gt;</b>"
    );
    // Branches must end in the same context.
    let e = Template::parse("d", "{{ if .x }}<a href=\"{{ end }}", Mode::Html)
        .unwrap_err()
        .message;
    assert!(e.contains("branches end in different contexts"), "{e}");
}

#[test]
fn time_and_duration_methods() {
    assert_eq!(run("{{ .Time.Unix }}"), "1451606400");
    assert_eq!(
        run("{{ .Time.Format \"2006-01-02 15:04\" }}"),
        "2016-01-01 00:00"
    );
    assert_eq!(run("{{ .Time.Year }}-{{ .Time.Month }}"), "2016-January");
    assert_eq!(
        run("{{ .Duration.Seconds }} {{ .Duration.Minutes }}"),
        "90 1.5"
    );
    assert_eq!(run("{{ printf \"%.0f\" .Duration.Seconds }}"), "90");
    assert!(exec_err("{{ .Time.Nope }}").contains("can't evaluate field Nope in type time.Time"));
    assert!(exec_err("{{ .Time.Format 1 }}").contains("expected string"));
}

#[test]
fn deadman_default_message() {
    // The message the front end puts on a deadman's alert node.
    let src = "{{ .ID }} is {{ if eq .Level \"OK\" }}alive{{ else }}dead{{ end }}: \
               {{ index .Fields \"value\" | printf \"%0.3f\" }} points/10s.";
    assert_eq!(run(src), "cpu:nil is dead: 81.500 points/10s.");
}

#[test]
fn errors_say_whether_the_definition_or_the_execution_failed() {
    let e = Template::parse("t", "{{ .Name ", Mode::Text).unwrap_err();
    assert_eq!(e.phase, super::Phase::Parse);
    let e = Template::parse("t", "{{ .Nope }}", Mode::Text)
        .unwrap()
        .render(&data())
        .unwrap_err();
    assert_eq!(e.phase, super::Phase::Execute);
}

/// The one-pass html-escaped JSON (the default details' `{{ json . }}`)
/// against the two passes it replaces: encode, then the text escaper.
mod json_html_text {
    use super::super::html::{escape, Escaper};
    use super::super::json::{encode, encode_html_text};
    use super::*;
    use crate::point::Str;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-z0-9 ]{0,5}",
            proptest::sample::select(vec![
                "\"", "'", "+", "&", "<", ">", "\\", "\0", "\n", "\u{1}", "\u{2028}", "é😀",
            ])
            .prop_map(str::to_string),
            any::<char>().prop_map(|c| c.to_string()),
        ];
        prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            text().prop_map(|s| Value::Str(Str::from(s))),
            any::<f64>().prop_map(Value::Float),
            prop_oneof![Just(1e21), Just(-1.5e-7), Just(123.25)].prop_map(Value::Float),
            any::<i64>().prop_map(Value::Int64),
            any::<i64>().prop_map(Value::Time),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Nil),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec((text(), inner.clone()), 0..4).prop_map(|e| {
                    Value::Map(Arc::new(Map::new(
                        e.into_iter().map(|(k, v)| (Str::from(k), v)).collect(),
                        Elem::Any,
                    )))
                }),
                prop::collection::vec(inner, 0..4).prop_map(|l| Value::List(Arc::new(l))),
            ]
        })
    }

    proptest! {
        #[test]
        fn one_pass_equals_encode_then_escape(v in value()) {
            let mut plain = String::new();
            let two_pass = encode(&mut plain, &v).map(|()| {
                let mut out = String::new();
                escape(&mut out, Escaper::Text, &Value::Nil, &plain);
                out
            });
            let mut one = String::new();
            let one_pass = encode_html_text(&mut one, &v).map(|()| one);
            prop_assert_eq!(one_pass, two_pass);
        }
    }
}

/// Fuzz finding (`fuzz/corpus-seed/alert_template/regression_*`): the HTML context scanner
/// walks bytes and sliced the text as `str` inside a `<script>` or a comment, panicking on
/// multi-byte characters there.
#[test]
fn html_context_scan_of_multibyte_text() {
    assert_eq!(
        run_html("<script>var x = 'ڂé';</script>{{ .Name }}"),
        "<script>var x = 'ڂé';</script>cpu"
    );
    assert_eq!(run_html("<p><!-- café € --></p>{{ .Name }}"), "<p></p>cpu");
    let src = "<a href=>{{ .Name }}</a><script>var xNope -}}\u{682}t}";
    assert!(
        run_html(src).ends_with("var xNope -}}\u{682}t}"),
        "{}",
        run_html(src)
    );
}
