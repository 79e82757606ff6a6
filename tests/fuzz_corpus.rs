//! The fuzz targets' entry points (`compiler::fuzzing`) run as a regular test:
//! over the checked-in seed corpus and every `spec/**/*.tick`, then over
//! seeded pseudo-random inputs (byte noise, token soup, and mutations of the
//! seeds). Nothing may panic and every property asserted there must hold.
//! Deterministic: the generator is seeded, so a failure reproduces.

use compiler::fuzzing;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, ext: Option<&str>, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, ext, out);
        } else if ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)) {
            out.push(p);
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seeds() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    collect(&root().join("fuzz/corpus-seed/parse"), None, &mut files);
    collect(&root().join("spec"), Some("tick"), &mut files);
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// xorshift64*: tiny, fast and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments that make up TICKscript, good and bad.
const SOUP: &[&str] = &[
    "stream",
    "batch",
    "var",
    "dbrp",
    "x",
    "a",
    "lambda",
    "lambda:",
    "lambda :",
    "|",
    ".",
    "@",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "==",
    "!=",
    "=~",
    "!~",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "AND",
    "OR",
    "TRUE",
    "FALSE",
    "true",
    "and",
    "from",
    "where",
    "window",
    "period",
    "every",
    "alert",
    "crit",
    "log",
    "query",
    "groupBy",
    "time",
    "sigma",
    "eval",
    "as",
    "join",
    "union",
    "\"host\"",
    "\"a\\\"b\"",
    "'cpu'",
    "'it\\'s'",
    "''",
    "'''raw'''",
    "'''",
    "'",
    "\"",
    "/^a\\/b$/",
    "/x/",
    "//c\n",
    "// c",
    "\n",
    " ",
    "\t",
    "5",
    "010",
    "09",
    "1.5",
    ".5",
    "5.",
    "1.2.3",
    "5m",
    "1h30m",
    "10s",
    "2ms",
    "3u",
    "4µ",
    "1w",
    "5ns",
    "1.5h",
    "99999999999999999999",
    "_x",
    "#",
    ":",
    "é",
    "\u{0}",
    "\r\n",
];

fn soup(rng: &mut Rng) -> Vec<u8> {
    let n = 1 + rng.below(40);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(rng.pick::<&str>(SOUP));
        if rng.below(3) == 0 {
            s.push(' ');
        }
    }
    s.into_bytes()
}

const ATOMS: &[&str] = &[
    "\"a\"", "\"b\"", "1", "2.5", "'s'", "5m", "TRUE", "x", "/r/", "f(\"a\")",
];
const OPS: &[&str] = &[
    "OR", "AND", "==", "!=", "=~", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
];

/// A random, well-formed lambda body; parentheses are added at random so the
/// formatter's minimal-parentheses logic is exercised on every shape.
fn expr(rng: &mut Rng, depth: usize) -> String {
    let e = match rng.below(if depth == 0 { 1 } else { 4 }) {
        0 => rng.pick(ATOMS).to_string(),
        1 => format!("{}{}", rng.pick(&["-", "!"]), expr(rng, depth - 1)),
        _ => format!(
            "{} {} {}",
            expr(rng, depth - 1),
            rng.pick(OPS),
            expr(rng, depth - 1)
        ),
    };
    if rng.below(3) == 0 {
        format!("({e})")
    } else {
        e
    }
}

fn noise(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(64);
    (0..n)
        .map(|_| {
            if rng.below(4) == 0 {
                rng.next() as u8
            } else {
                // Mostly printable ASCII, where the interesting characters are.
                b' ' + rng.below(95) as u8
            }
        })
        .collect()
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if v.is_empty() {
            0
        } else {
            rng.below(v.len() + 1)
        };
        match rng.below(4) {
            0 if at < v.len() => {
                v.remove(at);
            }
            1 => {
                for (i, b) in rng.pick(SOUP).bytes().enumerate() {
                    v.insert(at + i, b);
                }
            }
            2 if at < v.len() => v[at] = rng.next() as u8,
            _ => {
                let cut = at + rng.below(16);
                v.truncate(cut.max(at));
            }
        }
    }
    v
}

#[test]
fn seed_corpus_and_fixtures() {
    let seeds = seeds();
    assert!(seeds.len() > 50, "only {} seeds", seeds.len());
    for s in &seeds {
        fuzzing::script(s);
    }
}

#[test]
fn lambda_seed_corpus() {
    let mut files = Vec::new();
    collect(&root().join("fuzz/corpus-seed/lambda"), None, &mut files);
    assert!(!files.is_empty());
    for f in files {
        fuzzing::lambda(&std::fs::read(f).unwrap());
    }
}

#[test]
fn twenty_thousand_generated_inputs() {
    let seeds = seeds();
    let mut rng = Rng(0x5EED_CAFE_F00D_D00D);
    for i in 0..20_000 {
        let input = match i % 5 {
            0 => noise(&mut rng),
            1 | 2 => soup(&mut rng),
            3 => format!(
                "var f = lambda: {}\nstream|where(lambda: {})",
                expr(&mut rng, 4),
                expr(&mut rng, 3)
            )
            .into_bytes(),
            _ => {
                let s = rng.pick(&seeds).clone();
                mutate(&mut rng, &s)
            }
        };
        fuzzing::script(&input);
        if i % 5 == 3 {
            fuzzing::lambda(&input[16..input.iter().position(|b| *b == b'\n').unwrap()]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        fuzzing::script(s.as_bytes());
        fuzzing::lambda(s.as_bytes());
    }

    #[test]
    fn arbitrary_lambdas_round_trip(s in "[-!(]{0,2}(\"[a-z]\"|[0-9]{1,3}|[0-9]\\.[0-9]|'[a-z]'|[a-z]|TRUE|[0-9]m)( (AND|OR|==|!=|<|<=|>|>=|\\+|-|\\*|/|%) [-!(]{0,2}(\"[a-z]\"|[0-9]{1,3}|'[a-z]'|[a-z]|FALSE)\\)?){0,5}") {
        fuzzing::lambda(s.as_bytes());
    }
}
