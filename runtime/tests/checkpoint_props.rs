//! The checkpoint property on random data: windows, alerts (levels,
//! history, flapping, state changes only, no recoveries), stateful lambda
//! functions, derivative, InfluxQL transforms, state counting and joins,
//! over random groups, time gaps (including equal times) and values, with
//! the checkpoint at a random entry. A checkpointed run must give exactly
//! what one run gives (see `support/checkpoint.rs`).

#[path = "support/checkpoint.rs"]
mod checkpoint;

use checkpoint::{run_checkpointed, run_whole};
use proptest::prelude::*;
use runtime::config::Config;
use runtime::engine::replay::ReplayOptions;
use runtime::line_protocol::Precision;
use runtime::recording::{load_bytes, Data};
use std::path::Path;

const WINDOW_ALERT: &str = r#"
stream
    |from()
        .measurement('m')
        .groupBy('host')
    |window()
        .period(10s)
        .every(5s)
    |mean('v')
    |alert()
        .warn(lambda: "mean" > 40)
        .crit(lambda: "mean" > 70)
        .flapping(0.25, 0.5)
        .history(6)
        .stateChangesOnly()
"#;

const STATEFUL_FUNCTIONS: &str = r#"
stream
    |from()
        .measurement('m')
        .groupBy('host')
    |eval(lambda: sigma("v"), lambda: count(), lambda: spread("v"))
        .as('s', 'c', 'sp')
        .keep()
    |where(lambda: count() % 3 != 1)
    |stateCount(lambda: "v" > 50)
    |derivative('v')
        .unit(1s)
    |movingAverage('v', 3)
    |log()
"#;

const COUNT_WINDOW_NO_RECOVERIES: &str = r#"
stream
    |from()
        .measurement('m')
        .groupBy('host')
    |window()
        .periodCount(4)
        .everyCount(2)
    |max('v')
    |alert()
        .info(lambda: "max" > 20)
        .warn(lambda: "max" > 60)
        .noRecoveries()
    |httpOut('out')
"#;

const JOIN_UNION: &str = r#"
var a = stream
    |from()
        .measurement('m')
        .where(lambda: "v" > 30)
var b = stream
    |from()
        .measurement('m')
        .where(lambda: "v" < 70)
a
    |join(b)
        .as('a', 'b')
        .tolerance(2s)
        .on('host')
    |log()
a
    |union(b)
        .rename('u')
    |cumulativeSum('v')
    |log()
"#;

/// Random points: (host 0..3, seconds after the previous point 0..4, value).
fn points() -> impl Strategy<Value = Vec<(u8, u8, u8)>> {
    prop::collection::vec((0u8..3, 0u8..4, 0u8..100), 1..50)
}

fn line_protocol(points: &[(u8, u8, u8)]) -> Vec<u8> {
    let mut t = 1_000u64;
    let mut out = String::new();
    for (host, gap, v) in points {
        t += u64::from(*gap);
        out.push_str(&format!("m,host=h{host} v={v} {t}\n"));
    }
    out.into_bytes()
}

fn check_case(script: &str, points: &[(u8, u8, u8)], at: usize) -> Result<(), TestCaseError> {
    let (pipeline, diags) = compiler::check(script);
    let pipeline = pipeline.unwrap_or_else(|| panic!("{diags:?}"));
    let text = line_protocol(points);
    let data = || -> Data {
        load_bytes(Path::new("x.lp"), &text, ("db", "rp"), Precision::Seconds).unwrap()
    };
    let opts = ReplayOptions::offline(Config::default());
    let whole = run_whole(&pipeline, data(), &opts);
    prop_assert!(whole.end.is_ok(), "{:?}", whole.end);
    let split = run_checkpointed(&pipeline, data(), &opts, at, &Config::default);
    prop_assert_eq!(split, whole);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn windows_and_alerts_resume_exactly(p in points(), at in 0usize..60) {
        check_case(WINDOW_ALERT, &p, at.min(p.len()))?;
    }

    #[test]
    fn stateful_functions_resume_exactly(p in points(), at in 0usize..60) {
        check_case(STATEFUL_FUNCTIONS, &p, at.min(p.len()))?;
    }

    #[test]
    fn count_windows_and_no_recoveries_resume_exactly(p in points(), at in 0usize..60) {
        check_case(COUNT_WINDOW_NO_RECOVERIES, &p, at.min(p.len()))?;
    }

    #[test]
    fn joins_and_unions_resume_exactly(p in points(), at in 0usize..60) {
        check_case(JOIN_UNION, &p, at.min(p.len()))?;
    }
}

/// The scripts produce output on most data: a property over empty outputs
/// would prove nothing.
#[test]
fn the_scripts_produce_output() {
    let p: Vec<(u8, u8, u8)> = (0..40)
        .map(|i| ((i % 3) as u8, 1, (i * 37 % 100) as u8))
        .collect();
    for script in [
        WINDOW_ALERT,
        STATEFUL_FUNCTIONS,
        COUNT_WINDOW_NO_RECOVERIES,
        JOIN_UNION,
    ] {
        let (pipeline, diags) = compiler::check(script);
        let pipeline = pipeline.unwrap_or_else(|| panic!("{diags:?}"));
        let data = load_bytes(
            Path::new("x.lp"),
            &line_protocol(&p),
            ("db", "rp"),
            Precision::Seconds,
        )
        .unwrap();
        let whole = run_whole(&pipeline, data, &ReplayOptions::offline(Config::default()));
        assert!(whole.lines.len() > 3, "{script}: {whole:?}");
        assert!(whole.log.is_empty(), "{script}: {:?}", whole.log);
    }
}

/// A task of `script` after the points of `p`, and its checkpoint.
fn checkpoint_after(
    script: &str,
    p: &[(u8, u8, u8)],
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let pipeline = compiler::check(script).0.unwrap();
    let mut task = runtime::task::Task::build("task", &pipeline, Config::default()).unwrap();
    let Data::Stream(points) = load_bytes(
        Path::new("x.lp"),
        &line_protocol(p),
        ("db", "rp"),
        Precision::Seconds,
    )
    .unwrap() else {
        panic!("stream data expected")
    };
    let mut sink = runtime::output::NullSink;
    for pt in points {
        task.push_point(std::sync::Arc::new(pt.unwrap()), &mut sink)
            .unwrap();
    }
    task.snapshot().unwrap()
}

fn restore_into(
    script: &str,
    snap: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<(), String> {
    let pipeline = compiler::check(script).0.unwrap();
    let mut task = runtime::task::Task::build("task", &pipeline, Config::default()).unwrap();
    task.restore(snap).map_err(|e| e.to_string())
}

#[test]
fn a_checkpoint_of_another_script_is_refused_with_a_clear_error() {
    let p: Vec<(u8, u8, u8)> = (0..20)
        .map(|i| ((i % 3) as u8, 1, (i * 37 % 100) as u8))
        .collect();
    let snap = checkpoint_after(WINDOW_ALERT, &p);
    assert!(snap.contains_key("window2"), "{:?}", snap.keys());
    assert_eq!(restore_into(WINDOW_ALERT, &snap), Ok(()));
    // Another window period: the task's node list differs.
    let other = WINDOW_ALERT.replace("period(10s)", "period(20s)");
    let err = restore_into(&other, &snap).unwrap_err();
    assert!(err.contains("checkpoint of another script"), "{err}");
    // The node alone, without the executor's entry: refused by the node.
    let mut only_window = snap.clone();
    only_window.retain(|k, _| k == "window2");
    assert_eq!(
        restore_into(&other, &only_window).unwrap_err(),
        "window2: checkpoint of another script: node window2 has other settings now"
    );
    // A state filed under a node of another kind.
    let swapped = WINDOW_ALERT
        .replace("|mean('v')", "|max('v')")
        .replace("\"mean\"", "\"max\"");
    let mut renamed = std::collections::BTreeMap::new();
    renamed.insert("max3".to_string(), snap["mean3"].clone());
    assert_eq!(
        restore_into(&swapped, &renamed).unwrap_err(),
        "max3: checkpoint of another script: node max3 was a mean node, it is now a max node"
    );
}

#[test]
fn corrupt_checkpoints_are_errors_never_panics() {
    let p: Vec<(u8, u8, u8)> = (0..20)
        .map(|i| ((i % 3) as u8, 1, (i * 37 % 100) as u8))
        .collect();
    for script in [
        WINDOW_ALERT,
        STATEFUL_FUNCTIONS,
        COUNT_WINDOW_NO_RECOVERIES,
        JOIN_UNION,
    ] {
        let snap = checkpoint_after(script, &p);
        for (name, bytes) in &snap {
            for cut in [0, 1, 5, bytes.len() / 2, bytes.len().saturating_sub(1)] {
                let mut broken = snap.clone();
                broken.insert(name.clone(), bytes[..cut].to_vec());
                assert!(
                    restore_into(script, &broken).is_err(),
                    "{name} cut at {cut}"
                );
            }
            let mut flipped = snap.clone();
            let mut b = bytes.clone();
            let last = b.len() - 1;
            b[last] ^= 0xff;
            flipped.insert(name.clone(), b);
            // A flipped byte may still decode to some state; it must not panic.
            let _ = restore_into(script, &flipped);
        }
    }
}
