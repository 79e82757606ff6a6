//! The recording and alert-template fuzz targets' entry points (`runtime::fuzzing`) as an
//! ordinary test: every seed of `fuzz/corpus-seed/{srpl,brpl,alert_template}/`, then
//! generated inputs: mutations of the seeds' contents re-wrapped in gzip / zip (so they get
//! past the container and reach the parsers and the replay), raw byte mutations, and
//! proptest strings. Nothing may panic; a loaded recording replays to its end.
//! Deterministic: `FUZZ_SEED` changes the generator's seed.

use proptest::prelude::*;
use runtime::fuzzing::{alert_template, recording, RecordingFormat};
use std::io::{Read, Write};
use testkit::fuzz::{mutate, seeds, Rng};

/// Generated recordings per format: each builds and replays a task (a JIT compile), so a
/// debug build runs a few hundred per minute.
const GENERATED_RECORDINGS: usize = 800;

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x2545_F491_4F6C_DD1D)
}

const LINE_TOKENS: &[&str] = &[
    "\n",
    "db\n",
    "rp\n",
    "m",
    ",",
    "=",
    " ",
    "value=",
    "host=a",
    "1i",
    "-1",
    "1e308",
    "NaN",
    "\"s\"",
    "true",
    "\\",
    "\\ ",
    "9223372036854775807",
    "-9223372036854775808",
    "0",
    "m,host=a value=1 0",
];

const BATCH_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "\"name\":\"m\"",
    "\"tmax\":",
    "\"points\":",
    "\"time\":",
    "\"fields\":",
    "\"tags\":",
    "\"value\":",
    "\"2020-01-01T00:00:00Z\"",
    "\"0001-01-01T00:00:00Z\"",
    "\"9999-12-31T23:59:59.999999999Z\"",
    "1e309",
    "-0",
    "\n",
];

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text).expect("gzip");
    e.finish().expect("gzip")
}

fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).ok()?;
        let name = e.name().ok()?.to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).ok()?;
        out.push((name, data));
    }
    Some(out)
}

fn zip_entries(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut seen = std::collections::HashSet::new();
    for (name, data) in entries {
        // A zip writer refuses a second entry of the same name.
        if !seen.insert(name.as_str()) {
            continue;
        }
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

fn check(what: &str, input: &[u8], f: impl FnOnce()) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    assert!(
        r.is_ok(),
        "{what} panicked on {:?}",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn stream_recordings() {
    let corpus = seeds("srpl");
    let mut delivered = 0;
    for (name, bytes) in &corpus {
        check(name, bytes, || {
            delivered += recording(RecordingFormat::Stream, bytes)
        });
    }
    assert!(delivered > 0, "no seed recording replayed a point");
    let texts: Vec<Vec<u8>> = corpus.iter().filter_map(|(_, b)| gunzip(b)).collect();
    let mut rng = Rng(seed());
    for i in 0..GENERATED_RECORDINGS {
        let input = if i % 8 == 7 {
            let (_, raw) = rng.pick(&corpus);
            mutate(&mut rng, raw, &[], &[])
        } else {
            let text = rng.pick(&texts);
            let other = rng.pick(&texts);
            gzip(&mutate(&mut rng, text, LINE_TOKENS, other))
        };
        check("srpl", &input, || {
            recording(RecordingFormat::Stream, &input);
        });
    }
}

#[test]
fn batch_recordings() {
    let corpus = seeds("brpl");
    let mut delivered = 0;
    for (name, bytes) in &corpus {
        check(name, bytes, || {
            delivered += recording(RecordingFormat::Batch, bytes)
        });
    }
    assert!(delivered > 0, "no seed recording replayed a batch");
    let archives: Vec<Vec<(String, Vec<u8>)>> =
        corpus.iter().filter_map(|(_, b)| unzip(b)).collect();
    let mut rng = Rng(seed());
    for i in 0..GENERATED_RECORDINGS {
        let input = if i % 8 == 7 {
            let (_, raw) = rng.pick(&corpus);
            mutate(&mut rng, raw, &[], &[])
        } else {
            let mut entries = rng.pick(&archives).clone();
            let other = rng.pick(&archives);
            let donor = other.first().map(|(_, d)| d.clone()).unwrap_or_default();
            if entries.is_empty() {
                entries.push(("0".into(), Vec::new()));
            }
            let at = rng.below(entries.len());
            entries[at].1 = mutate(&mut rng, &entries[at].1, BATCH_TOKENS, &donor);
            if rng.below(10) == 0 {
                entries[at].0 = ["1", "00", "-1", "18446744073709551616", ""][rng.below(5)].into();
            }
            zip_entries(&entries)
        };
        check("brpl", &input, || {
            recording(RecordingFormat::Batch, &input);
        });
    }
}

#[test]
fn alert_templates() {
    let corpus = seeds("alert_template");
    for (name, t) in &corpus {
        check(name, t, || alert_template(t));
    }
    const TOKENS: &[&str] = &[
        "{{",
        "}}",
        "{{-",
        "-}}",
        " ",
        ".",
        "$",
        "$x",
        ":=",
        "=",
        "|",
        "(",
        ")",
        "\"",
        "`",
        "'",
        "range",
        "if",
        "else",
        "end",
        "with",
        "define",
        "template",
        "block",
        "break",
        "continue",
        "index",
        "printf",
        "print",
        "len",
        "slice",
        "html",
        "js",
        "urlquery",
        "eq",
        "ne",
        "lt",
        "and",
        "or",
        "not",
        "call",
        "nil",
        "true",
        "1",
        "-1",
        "1e9",
        "0x10",
        "'a'",
        "\"%d\"",
        ".Fields",
        ".Tags",
        ".Time",
        ".Duration",
        ".Level",
        ".ID",
        ".Name",
        "<script>",
        "<a href=\"",
        "/*",
        "*/",
    ];
    let mut rng = Rng(seed());
    for _ in 0..5000 {
        let (_, a) = rng.pick(&corpus);
        let (_, b) = rng.pick(&corpus);
        let input = mutate(&mut rng, a, TOKENS, b);
        check("template", &input, || alert_template(&input));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_templates(s in "([ -~]{0,6}\\{\\{-? ?(\\.[A-Z][a-z]{0,4}|\\$|range|if|end|else|printf \"%[a-z0-9.]{0,3}\"|index \\.Fields \"[a-z]{1,5}\")( \\| [a-z]{1,8})? ?-?\\}\\}){0,5}") {
        alert_template(s.as_bytes());
    }

    #[test]
    fn arbitrary_srpl_lines(lines in proptest::collection::vec("(db|)\n(rp|)\n[a-z]{1,3}(,[a-z]=[a-z0-9]{1,3}){0,2} [a-z]{1,3}=(-?[0-9]{1,4}(\\.[0-9])?i?|\"[a-z]{0,3}\"|t) (-?[0-9]{1,19})?\n", 0..20)) {
        recording(RecordingFormat::Stream, &gzip(lines.concat().as_bytes()));
    }
}
