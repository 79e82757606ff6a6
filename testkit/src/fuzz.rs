//! What the fuzz replay tests share (`server/tests/fuzz_inputs.rs`,
//! `runtime/tests/fuzz_inputs.rs`): the seed corpora under `fuzz/corpus-seed/<target>/` and a
//! seeded mutator, so a failure reproduces from the seed printed with it.

use std::path::{Path, PathBuf};

/// Every file of `fuzz/corpus-seed/<target>/` as (name, bytes), sorted by name. A missing or
/// empty directory is a test failure, never an empty run.
pub fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus-seed")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed corpus {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "seed corpus {} is empty", dir.display());
    files
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(p).expect("read seed"))
        })
        .collect()
}

/// xorshift64*: tiny, fast and reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One to four edits of `seed` as libFuzzer makes them: delete a byte, insert one of
/// `tokens` (or a fragment of `other`), overwrite a byte, truncate, duplicate a span.
pub fn mutate(rng: &mut Rng, seed: &[u8], tokens: &[&str], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if at < v.len() => {
                v.remove(at);
            }
            1 if !tokens.is_empty() => {
                let t = rng.pick(tokens).as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            2 if at < v.len() => v[at] = rng.next_u64() as u8,
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let to = (from + 1 + rng.below(32)).min(other.len());
                v.splice(at..at, other[from..to].iter().copied());
            }
            4 if at < v.len() => {
                let to = (at + 1 + rng.below(16)).min(v.len());
                let span = v[at..to].to_vec();
                v.splice(at..at, span);
            }
            _ => v.truncate(at + rng.below(16)),
        }
    }
    v
}

/// JSON fragments worth inserting anywhere in a JSON body.
pub const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e309",
    "9223372036854775808",
    "-9223372036854775809",
    "0.5",
    "\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "{}",
    "[]",
    "\"id\":",
    "\"type\":",
    "\"status\":",
    "\"script\":",
    "\"vars\":",
    "\"value\":",
    "\"dbrps\":",
    "\"kind\":",
    "\"options\":",
    "\"match\":",
    "\"task\":",
    "\"recording\":",
    "\"stop\":",
    "\"start\":",
    "\"query\":",
    "\"cluster\":",
    "\"clock\":",
    "\"set\":",
    "\"delete\":",
    "\"add\":",
    "\"remove\":",
    "\"name\":",
    "\"password\":",
    "\"permissions\":",
    "\"template-id\":",
    "\"duration\"",
    "\"lambda\"",
    "\"regex\"",
    "\"star\"",
    "\"list\"",
    "\"enabled\"",
    "\"disabled\"",
    "\"batch\"",
    "\"stream\"",
    "\"2100-01-01T00:00:00Z\"",
    "\"0001-01-01T00:00:00Z\"",
    "\"9999999h\"",
    "\"-1ns\"",
    "\"fixture\"",
    "\"fixture_rec\"",
    "\"fixture_tpl\"",
    "\"fixture_batch\"",
    "\"../\"",
    "\"/\"",
    "\"a b\"",
    "\"\u{e9}\"",
    "\n",
    " ",
    "- ",
    ": ",
    "&a ",
    "*a",
    "!!binary ",
    "---\n",
    "? ",
    "|\n  ",
];
