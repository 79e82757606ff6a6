//! The VS Code extension in `editors/vscode/` is checked by inspection of its
//! files, without VS Code: the manifests are valid JSON and point at files
//! that exist, and the TextMate grammar highlights what it claims to. For the
//! grammar a small TextMate tokenizer is enough (leftmost match wins, ties go
//! to the earlier pattern, `begin`/`end` blocks with inner patterns), with
//! `fancy-regex` standing in for Oniguruma (both have look-around and
//! `\p{..}` classes). The keywords are read from the lexer's own
//! `#[token("...")]` attributes, so a new keyword without highlighting fails.

use fancy_regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn editors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode")
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One grammar rule with includes resolved.
enum Rule {
    Match {
        re: Regex,
        name: Option<String>,
        captures: Vec<(usize, String)>,
    },
    Block {
        begin: Regex,
        end: Regex,
        name: String,
        inner: Vec<Rule>,
    },
}

/// Oniguruma's `^`/`$` (Ruby syntax) always match at line ends: `(?m)`.
fn compile(pattern: &str) -> Regex {
    Regex::new(&format!("(?m){pattern}")).unwrap_or_else(|e| panic!("pattern {pattern:?}: {e}"))
}

fn rules(patterns: &Value, repo: &Value) -> Vec<Rule> {
    let mut out = Vec::new();
    for p in patterns.as_array().expect("patterns is a list") {
        if let Some(inc) = p["include"].as_str() {
            let key = inc.strip_prefix('#').expect("only #repository includes");
            let target = &repo[key];
            assert!(!target.is_null(), "include {inc} is not in the repository");
            out.extend(rules(&Value::Array(vec![target.clone()]), repo));
            continue;
        }
        let name = p["name"].as_str().map(str::to_string);
        if let Some(m) = p["match"].as_str() {
            let captures = p["captures"]
                .as_object()
                .map(|c| {
                    c.iter()
                        .map(|(k, v)| (k.parse().unwrap(), v["name"].as_str().unwrap().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Rule::Match {
                re: compile(m),
                name,
                captures,
            });
        } else if let Some(b) = p["begin"].as_str() {
            let inner = if p["patterns"].is_array() {
                rules(&p["patterns"], repo)
            } else {
                Vec::new()
            };
            out.push(Rule::Block {
                begin: compile(b),
                end: compile(p["end"].as_str().expect("begin without end")),
                name: name.expect("a block has a name"),
                inner,
            });
        } else if p["patterns"].is_array() {
            out.extend(rules(&p["patterns"], repo));
        } else {
            panic!("a rule with neither match, begin nor patterns: {p}");
        }
    }
    out
}

fn grammar() -> Vec<Rule> {
    let g = json(&editors().join("syntaxes/tickscript.tmLanguage.json"));
    assert_eq!(g["scopeName"], "source.tickscript");
    rules(&g["patterns"], &g["repository"])
}

/// A match: the rule, and the byte span of each group (0: the whole match).
struct Found<'r> {
    rule: &'r Rule,
    groups: Vec<Option<(usize, usize)>>,
}

impl Found<'_> {
    fn start(&self) -> usize {
        self.groups[0].unwrap().0
    }
    fn end(&self) -> usize {
        self.groups[0].unwrap().1
    }
}

/// The earliest match of any rule at or after `pos`; ties go to the first rule.
fn first_match<'r>(rules: &'r [Rule], line: &str, pos: usize) -> Option<Found<'r>> {
    let mut best: Option<Found<'r>> = None;
    for rule in rules {
        let re = match rule {
            Rule::Match { re, .. } => re,
            Rule::Block { begin, .. } => begin,
        };
        if let Ok(Some(c)) = re.captures_from_pos(line, pos) {
            let found = Found {
                rule,
                groups: (0..c.len())
                    .map(|i| c.get(i).map(|m| (m.start(), m.end())))
                    .collect(),
            };
            if best.as_ref().is_none_or(|b| found.start() < b.start()) {
                best = Some(found);
            }
        }
    }
    best
}

fn paint(out: &mut [String], offset: usize, span: (usize, usize), scope: &str) {
    for s in &mut out[offset + span.0..offset + span.1] {
        *s = scope.to_string();
    }
}

/// The innermost scope of every byte of `source` ("" where no rule applies).
fn scopes(source: &str) -> Vec<String> {
    let rules = grammar();
    let mut out = vec![String::new(); source.len()];
    let mut open: Option<&Rule> = None;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let mut pos = 0;
        while pos < line.len() {
            if let Some(Rule::Block {
                end, name, inner, ..
            }) = open
            {
                let end_at = end.find_from_pos(line, pos).ok().flatten();
                let inner_at = first_match(inner, line, pos);
                match (end_at, inner_at) {
                    (Some(e), Some(f)) if f.start() < e.start() => {
                        paint(&mut out, offset, (pos, f.end()), name);
                        if let Rule::Match { name: Some(n), .. } = f.rule {
                            paint(&mut out, offset, (f.start(), f.end()), n);
                        }
                        pos = f.end().max(pos + 1);
                    }
                    (Some(e), _) => {
                        paint(&mut out, offset, (pos, e.end()), name);
                        open = None;
                        pos = e.end().max(pos + 1);
                    }
                    (None, Some(f)) => {
                        paint(&mut out, offset, (pos, f.end()), name);
                        if let Rule::Match { name: Some(n), .. } = f.rule {
                            paint(&mut out, offset, (f.start(), f.end()), n);
                        }
                        pos = f.end().max(pos + 1);
                    }
                    (None, None) => {
                        paint(&mut out, offset, (pos, line.len()), name);
                        pos = line.len();
                    }
                }
                continue;
            }
            let Some(found) = first_match(&rules, line, pos) else {
                break;
            };
            let whole = found.groups[0].unwrap();
            match found.rule {
                Rule::Match { name, captures, .. } => {
                    if let Some(n) = name {
                        paint(&mut out, offset, whole, n);
                    }
                    for (k, n) in captures {
                        if let Some(Some(g)) = found.groups.get(*k) {
                            paint(&mut out, offset, *g, n);
                        }
                    }
                }
                Rule::Block { name, .. } => {
                    paint(&mut out, offset, whole, name);
                    open = Some(found.rule);
                }
            }
            pos = whole.1.max(whole.0 + 1);
        }
        offset += line.len();
    }
    out
}

/// The scope of the first occurrence of `needle` in `source`, which must be
/// one scope over all of it.
fn scope_of(source: &str, needle: &str) -> String {
    let at = source
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the sample"));
    let s = scopes(source);
    let span = &s[at..at + needle.len()];
    assert!(
        span.iter().all(|x| *x == span[0]),
        "{needle:?} is split across scopes: {span:?}"
    );
    span[0].clone()
}

/// Every alphabetic `#[token("...")]` of the lexer: its keywords.
fn lexer_keywords() -> Vec<String> {
    let lexer =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../compiler/lexer.rs"))
            .expect("compiler/lexer.rs");
    let re = Regex::new(r#"#\[token\("([A-Za-z][^"]*)""#).unwrap();
    let words: Vec<String> = re
        .captures_iter(&lexer)
        .map(|c| c.unwrap()[1].to_string())
        .collect();
    assert!(
        words.len() >= 7,
        "the lexer's keywords were not found: {words:?}"
    );
    words
}

#[test]
fn every_keyword_of_the_lexer_is_highlighted_as_a_keyword() {
    for word in lexer_keywords() {
        let scope = scope_of(&word, &word);
        assert!(
            ["keyword.", "storage.", "constant.language."]
                .iter()
                .any(|p| scope.starts_with(p)),
            "{word:?} is highlighted as {scope:?}"
        );
    }
}

const SAMPLE: &str = r#"// Alert when the CPU is busy.
dbrp "telegraf"."autogen"
var period = 5m
var data = stream
    |from()
        .measurement('cpu')
        .groupBy(*)
        .where(lambda: "host" =~ /^web[0-9]+$/ AND "usage_idle" < 10.5)
    |alert()
        .crit(lambda: "v" > 2 * 3 OR isPresent("x") == FALSE)
        .message('''It's {{ .Level }}''')
        .slack()
    @myUDF()
"#;

#[test]
fn the_grammar_scopes_each_construct() {
    let cases = [
        (
            "// Alert when the CPU is busy.",
            "comment.line.double-slash.tickscript",
        ),
        ("dbrp", "keyword.other.dbrp.tickscript"),
        ("\"telegraf\"", "variable.other.reference.tickscript"),
        ("var", "storage.type.var.tickscript"),
        ("5m", "constant.numeric.duration.tickscript"),
        ("stream", "variable.language.root.tickscript"),
        ("from", "entity.name.function.node.tickscript"),
        ("measurement", "support.function.property.tickscript"),
        ("'cpu'", "string.quoted.single.tickscript"),
        ("*", "constant.language.star.tickscript"),
        ("lambda:", "keyword.other.lambda.tickscript"),
        ("/^web[0-9]+$/", "string.regexp.tickscript"),
        ("AND", "keyword.operator.logical.tickscript"),
        ("10.5", "constant.numeric.float.tickscript"),
        ("2", "constant.numeric.integer.tickscript"),
        ("isPresent", "support.function.builtin.tickscript"),
        ("FALSE", "constant.language.boolean.tickscript"),
        ("'''It's {{ .Level }}'''", "string.quoted.triple.tickscript"),
        ("slack", "support.function.property.tickscript"),
        ("myUDF", "entity.name.function.udf.tickscript"),
    ];
    for (needle, want) in cases {
        assert_eq!(scope_of(SAMPLE, needle), want, "{needle:?}");
    }
    // A `*` between operands multiplies: an operator, not the star value.
    let mul = SAMPLE.find("2 * 3").unwrap() + 2;
    assert_eq!(scopes(SAMPLE)[mul], "keyword.operator.tickscript");
    // A `/` between operands divides.
    assert_eq!(
        scope_of("var x = 4 / 2\n", "/"),
        "keyword.operator.tickscript"
    );
}

#[test]
fn the_manifest_points_at_files_that_exist() {
    let dir = editors();
    let pkg = json(&dir.join("package.json"));
    assert!(dir.join(pkg["main"].as_str().unwrap()).is_file());
    let lang = &pkg["contributes"]["languages"][0];
    assert_eq!(lang["id"], "tickscript");
    assert_eq!(lang["extensions"][0], ".tick");
    json(&dir.join(lang["configuration"].as_str().unwrap()));
    let gr = &pkg["contributes"]["grammars"][0];
    assert_eq!(gr["language"], "tickscript");
    assert_eq!(gr["scopeName"], "source.tickscript");
    assert!(dir.join(gr["path"].as_str().unwrap()).is_file());
    assert!(pkg["dependencies"]["vscode-languageclient"].is_string());
    // The client starts `tickc lsp` (the subcommand `cli/tests/tickc_lsp.rs` drives).
    let ext = std::fs::read_to_string(dir.join("extension.js")).unwrap();
    assert!(
        ext.contains(r#"args: ["lsp"]"#),
        "extension.js does not run `tickc lsp`"
    );
}
