//! The own line-protocol parser against the model (the crate-based one) on
//! generated input: valid lines built from the grammar's pieces, and the
//! same lines mutated byte-wise (inserted delimiters, deleted or replaced
//! bytes, truncation) so that most are invalid in every way the grammar can
//! fail. Both must accept the same lines with the same points and reject
//! the same lines with the same error (`model::assert_same_as_model`).

use proptest::prelude::*;
use runtime::line_protocol::model::assert_same_as_model;
use runtime::line_protocol::Precision;

/// Bytes that matter to the grammar, weighted towards the delimiters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,4}",
        1 => Just("\\".to_string()),
        1 => Just("\\\\".to_string()),
        1 => Just("\\ ".to_string()),
        1 => Just("\\,".to_string()),
        1 => Just("\\=".to_string()),
        1 => Just("\"".to_string()),
        1 => Just(",".to_string()),
        1 => Just("=".to_string()),
        1 => Just(" ".to_string()),
        1 => Just("\t".to_string()),
        1 => Just("é".to_string()),
        1 => Just("#".to_string()),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..4).prop_map(|v| v.concat())
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,3}",
        "-?[0-9]{1,3}\\.[0-9]{1,3}",
        "-?[0-9]{1,2}(\\.[0-9]{1,2})?[eE][+-]?[0-9]{1,3}",
        "[0-9]{1,21}",
        "-?[0-9]{1,20}",
        "[0-9]{1,3}\\.",
        "\\.[0-9]",
        "1e999",
        // Around the one-pass number path's limits (15 significant digits
        // exact, 19 before u64 overflow).
        "-?[0-9]{13,17}\\.[0-9]{0,4}",
        "-?[0-9]{1,3}\\.[0-9]{12,17}",
        "-?[0-9]{17,21}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => number(),
        2 => number().prop_map(|n| format!("{n}i")),
        1 => number().prop_map(|n| format!("{n}u")),
        2 => prop::collection::vec(
            prop_oneof![
                3 => "[a-z ,=]{1,3}",
                1 => Just("\\\"".to_string()),
                1 => Just("\\\\".to_string()),
                1 => Just("\\".to_string()),
                1 => Just("\n".to_string()),
            ],
            0..4,
        )
        .prop_map(|v| format!("\"{}\"", v.concat())),
        1 => prop::sample::select(vec![
            "t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE", "tru", "yes",
        ])
        .prop_map(str::to_string),
    ]
}

fn line() -> impl Strategy<Value = String> {
    (
        name(),
        prop::collection::vec((name(), name()), 0..3),
        prop::collection::vec((name(), value()), 1..4),
        prop::option::of(number()),
        prop::sample::select(vec!["", " ", ",", "\r", "  "]),
    )
        .prop_map(|(m, tags, fields, ts, tail)| {
            let mut s = m;
            for (k, v) in tags {
                s.push_str(&format!(",{k}={v}"));
            }
            let fs: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push(' ');
            s.push_str(&fs.join(","));
            if let Some(t) = ts {
                s.push(' ');
                s.push_str(&t);
            }
            s.push_str(tail);
            s
        })
}

/// A valid-looking line with clean names and values (most of these parse).
fn clean_line() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,5}",
        prop::collection::vec(("[a-z]{1,3}", "[a-z0-9]{1,3}"), 0..3),
        prop::collection::vec(("[a-z]{1,3}", value()), 1..4),
        prop::option::of("-?[0-9]{1,19}"),
    )
        .prop_map(|(m, tags, fields, ts)| {
            let mut s = m;
            for (k, v) in tags {
                s.push_str(&format!(",{k}={v}"));
            }
            let fs: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push(' ');
            s.push_str(&fs.join(","));
            if let Some(t) = ts {
                s.push(' ');
                s.push_str(&t);
            }
            s
        })
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop::sample::select(vec![
        ' ', ',', '=', '"', '\\', '\n', '\t', 'i', 'u', '.', '-', 'e', '#', '\0', '1', 'x',
    ]);
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte).prop_map(|(i, c)| Mutation::Replace(i, c)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(mut s: String, ms: &[Mutation]) -> String {
    for m in ms {
        let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
        let at = |i: usize| bounds[i % bounds.len()];
        match *m {
            Mutation::Insert(i, c) => s.insert(at(i), c),
            Mutation::Delete(i) | Mutation::Replace(i, _) if s.is_empty() => {
                let _ = i;
            }
            Mutation::Delete(i) => {
                let p = at(i).min(s.len() - 1);
                let p = (0..=p).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0);
                s.remove(p);
            }
            Mutation::Replace(i, c) => {
                let p = at(i).min(s.len() - 1);
                let p = (0..=p).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0);
                s.remove(p);
                s.insert(p, c);
            }
            Mutation::Truncate(i) => s.truncate(at(i)),
        }
    }
    s
}

// About 3,000 generated bodies (~8,000 lines) in all: a few seconds in a
// debug build, most of it in the model's parser combinators.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn clean_lines_agree(lines in prop::collection::vec(clean_line(), 1..5)) {
        assert_same_as_model(&lines.join("\n"), Precision::Nanoseconds);
    }

    #[test]
    fn grammar_pieces_agree(lines in prop::collection::vec(line(), 1..4)) {
        assert_same_as_model(&lines.join("\n"), Precision::Nanoseconds);
    }

    #[test]
    fn mutated_lines_agree(
        lines in prop::collection::vec(clean_line(), 1..4),
        ms in prop::collection::vec(mutation(), 1..4),
    ) {
        let text = mutate(lines.join("\n"), &ms);
        assert_same_as_model(&text, Precision::Nanoseconds);
        assert_same_as_model(&text, Precision::Hours);
    }
}

/// Hand-picked lines at the grammar's edges (each was a difference while
/// the parser was written, or is a documented quirk of the crate).
#[test]
fn edge_lines_agree() {
    for text in [
        "m f=1,",
        "m f=1, 5",
        "m f=1,g=2,",
        "m f=1 ",
        "m f=1 5 ",
        "m f=1 5\t",
        "  m f=1",
        "\tm f=1\r\n",
        "m,t\\\\=v f=1",
        "m\\ f=1",
        "m\\",
        "m,=v f=1",
        "m,t= f=1",
        "m,t=v, f=1",
        "m f=tru",
        "m f=1i,g=99999999999999999999i",
        "m f=99999999999999999999u",
        "m f=1u",
        "m f=1e999",
        "m f=-1e-999",
        "m f=\"a\nb\" 1\nm f=2 2",
        " a=\",b x=\"\n\" 1",
        "m f=\"abc\\",
        "m f=\"\"",
        "m f=1 9223372036854775807",
        "m f=1 9223372036854775808",
        "m f=1 -9223372036854775808",
        "m f=1,f=2,a=3",
        "m,b=1,a=2,b=0 f=1",
        "# c\nm f=1\n\n#x\n",
        "m\0 f=1",
        "m,t\0=v\0 f\0=1",
        "m\\\nx f=1",
        "",
        "\n",
        "m",
        "m ",
        "m f",
        "m f=",
        "m =1",
        "m f=.5",
        "m f=-",
        "m f=+1",
    ] {
        assert_same_as_model(text, Precision::Nanoseconds);
        assert_same_as_model(text, Precision::Hours);
    }
}
