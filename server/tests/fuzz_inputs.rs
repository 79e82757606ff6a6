//! The API-body and config fuzz targets' entry points (`server::fuzzing`) as an ordinary
//! test: every seed of `fuzz/corpus-seed/api_<group>/` and `config_toml/`, then generated
//! inputs (seeded mutations of the seeds, and proptest strings). Each API input goes through
//! `server::http::app` in-process against one server state; the property is the targets':
//! an answer within the deadline, 2xx/4xx or one of Kapacitor's own 500s, never a panic.
//! Deterministic: `FUZZ_SEED` changes the generator's seed, a failure names its input.

use proptest::prelude::*;
use server::fuzzing::{api_body, config_toml, ApiBody};
use testkit::fuzz::{mutate, seeds, Rng, JSON_TOKENS};

/// Generated API inputs per group (each is one or more real requests).
const GENERATED_PER_GROUP: usize = 400;

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15)
}

/// Runs one group's input (first byte picks the kind); the failure names group and input.
fn run(group: &str, input: &[u8], failures: &mut Vec<String>) -> Option<u16> {
    let kinds = ApiBody::group(group);
    let (pick, body) = input.split_first()?;
    let kind = kinds[*pick as usize % kinds.len()];
    let result = std::panic::catch_unwind(|| api_body(kind, body));
    match result {
        Ok(Ok(status)) => Some(status),
        Ok(Err(e)) => {
            failures.push(format!(
                "{group} {kind:?} {:?}: {e}",
                String::from_utf8_lossy(body)
            ));
            None
        }
        Err(_) => {
            failures.push(format!(
                "{group} {kind:?} {:?}: panicked",
                String::from_utf8_lossy(body)
            ));
            None
        }
    }
}

#[test]
fn api_seed_corpora_and_generated_bodies() {
    let mut failures = Vec::new();
    let mut rng = Rng(seed());
    for group in ApiBody::GROUPS {
        let corpus = seeds(&format!("api_{group}"));
        let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
        for (_, input) in &corpus {
            if let Some(s) = run(group, input, &mut failures) {
                *statuses.entry(s).or_default() += 1;
            }
        }
        // Every group's seeds reach a success as well as a refusal: the corpus exercises
        // the endpoint, not only its parser's error path.
        assert!(
            statuses.keys().any(|s| (200..300).contains(s)),
            "{group}: no seed succeeded: {statuses:?} {failures:#?}"
        );
        assert!(
            statuses.keys().any(|s| (400..500).contains(s)),
            "{group}: no seed was refused: {statuses:?}"
        );
        for _ in 0..GENERATED_PER_GROUP {
            let (_, a) = rng.pick(&corpus);
            let (_, b) = rng.pick(&corpus);
            let (pick, body) = a.split_first().expect("seeds start with the pick byte");
            let mut input = vec![*pick];
            input.extend(mutate(&mut rng, body, JSON_TOKENS, b));
            run(group, &input, &mut failures);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn config_seed_corpus_and_generated_files() {
    let corpus = seeds("config_toml");
    for (name, input) in &corpus {
        let r = std::panic::catch_unwind(|| config_toml(input));
        assert!(r.is_ok(), "config seed {name} broke the property");
    }
    const TOKENS: &[&str] = &[
        "[",
        "]",
        "[[",
        "]]",
        "=",
        "\"",
        "'",
        "\n",
        ".",
        "true",
        "0",
        "-1",
        "1e400",
        "\"1s\"",
        "\"-5m\"",
        "[http]\n",
        "[[influxdb]]\n",
        "[smtp]\n",
        "[udf.functions.x]\n",
        "urls = ",
        "enabled = ",
        "timeout = ",
        "name = ",
        "bind-address = ",
        "${X}",
        "-file = \"\"",
        "[task-limits]\n",
        "max-groups = ",
        "[[slack]]\n",
        "workspace = ",
        "\"\"\"",
        "{a = 1}",
    ];
    let mut rng = Rng(seed());
    for _ in 0..3000 {
        let (_, a) = rng.pick(&corpus);
        let (_, b) = rng.pick(&corpus);
        let input = mutate(&mut rng, a, TOKENS, b);
        let r = std::panic::catch_unwind(|| config_toml(&input));
        assert!(
            r.is_ok(),
            "config input broke the property: {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_toml_lines(s in "(\\[[a-z.-]{0,12}\\]\n|[a-z-]{1,12} = (\"[ -~]{0,8}\"|-?[0-9]{1,20}|true|\\[\"[a-z:/]{0,10}\"\\])\n){0,6}") {
        config_toml(s.as_bytes());
    }

    #[test]
    fn arbitrary_task_bodies(id in "[a-z_.-]{0,8}", ty in "(stream|batch|x)", status in "(enabled|disabled|)", script in "\\PC{0,60}") {
        let body = serde_json::json!({"id": id, "type": ty, "status": status, "script": script,
            "dbrps": [{"db": "db", "rp": "rp"}]}).to_string();
        let r = api_body(ApiBody::TaskCreate, body.as_bytes());
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}
