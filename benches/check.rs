//! Front-end throughput on large generated scripts (many tasks' worth of
//! TICKscript concatenated: vars, streams, joins, lambdas, alerts, deadmans),
//! in MB/s, at 0.35, 0.7 and 1.4 MB: equal MB/s across sizes shows the front
//! end is linear in the script size.
//!
//! Baseline in the same group: a plain pass that only counts the lines of the
//! input, the floor for anything that reads every byte. Then the lexer alone,
//! lex + parse, and the full `compiler::check` (parse, scopes, catalog, types,
//! lints, IR). Short warm-up and measurement times keep it usable on a shared
//! 2-core machine; the ratios are what matter.
//!
//! `TICKC_BENCH_SCRIPT=/tmp/big.tick cargo bench --bench check` writes the
//! 1.4 MB script and exits, to time `tickc check` on it as a process.

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

/// A script the way a user gets a big one: many tasks' worth of TICKscript
/// concatenated. Each block is one task in the Chronograf/TICKscript-guide
/// style, with its own vars (strings, durations, thresholds, lists, a lambda),
/// a filtered, grouped and windowed stream, a join, lambdas with functions,
/// an alert with handlers and templates, a deadman and outputs.
fn generate(target_bytes: usize) -> String {
    let mut s = String::from("dbrp \"telegraf\".\"autogen\"\n\n");
    let mut i = 0;
    while s.len() < target_bytes {
        write!(
            s,
            r#"// task {i}: cpu and errors per host, alert on the windowed usage
var db{i} = 'telegraf'
var rp{i} = 'autogen'
var groupBy{i} = ['host', 'region']
var whereFilter{i} = lambda: ("cpu" == 'cpu-total') AND "host" =~ /^server{i}[0-9]*$/
var period{i} = 5m
var every{i} = 1m
var warn{i} = 70.0
var crit{i} = 90.0
var idVar{i} = 'cpu usage {i}:{{{{.Group}}}}'

var cpu{i} = stream
    |from()
        .database(db{i})
        .retentionPolicy(rp{i})
        .measurement('cpu')
        .groupBy(groupBy{i})
        .where(whereFilter{i})
    |window()
        .period(period{i})
        .every(every{i})
    |mean('usage_idle')
        .as('mean')
    |eval(lambda: 100.0 - "mean", lambda: if("mean" < 10.0, 'low', 'ok'))
        .as('used', 'state')
        .keep()

var errors{i} = stream
    |from()
        .measurement('errors')
        .groupBy(groupBy{i})
    |default()
        .field('value', 0.0)
    |derivative('value')
        .unit(1s)
        .nonNegative()

var joined{i} = cpu{i}
    |join(errors{i})
        .as('cpu', 'errors')
        .tolerance(1s)
        .fill(0.0)
    |eval(lambda: "cpu.used" * 2.0 / 3.0 + float("errors.value"), lambda: strLength(string("cpu.state")))
        .as('score', 'len')

var trigger{i} = joined{i}
    |alert()
        .warn(lambda: "score" > warn{i} OR sigma("score") > 2.5)
        .crit(lambda: "score" > crit{i} AND "len" >= 2)
        .message('{{{{ .ID }}}} is {{{{ .Level }}}}: {{{{ index .Fields "score" }}}}')
        .id(idVar{i})
        .details('{{{{ json . }}}}')
        .stateChangesOnly()
        .levelTag('level')
        .log('/tmp/alerts{i}.log')
        .post('http://localhost:9000/alert/{i}')

trigger{i}
    |influxDBOut()
        .database('chronograf')
        .measurement('alerts')
        .tag('alertName', 'cpu {i}')

cpu{i}
    |deadman(1.0, 10m)
        .id('deadman {i}')
    |httpOut('dead{i}')

"#
        )
        .expect("writing to a String cannot fail");
        i += 1;
    }
    s
}

/// The sizes the issue's bar is set at (1.4 MB) and below it, to show the
/// front end is linear: each stage's MB/s must stay flat across sizes.
const SIZES: [(&str, usize); 3] = [
    ("0.35MB", 350_000),
    ("0.7MB", 700_000),
    ("1.4MB", 1_400_000),
];

fn frontend(c: &mut Criterion) {
    let mut g = c.benchmark_group("frontend");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for (label, size) in SIZES {
        let script = generate(size);
        let (_, diags) = compiler::check(&script);
        assert!(
            !diags.iter().any(compiler::diagnostic::Diagnostic::is_error),
            "the generated script must check: {:?}",
            &diags[..diags.len().min(3)]
        );
        g.throughput(Throughput::Bytes(script.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("baseline_count_lines", label),
            &script,
            |b, s| b.iter(|| black_box(s).bytes().filter(|b| *b == b'\n').count()),
        );
        g.bench_with_input(BenchmarkId::new("lex", label), &script, |b, s| {
            b.iter(|| compiler::lexer::lex(black_box(s)).tokens.len())
        });
        g.bench_with_input(BenchmarkId::new("lex_parse", label), &script, |b, s| {
            b.iter(|| {
                compiler::parser::parse(black_box(s))
                    .0
                    .map(|p| p.statements.len())
            })
        });
        g.bench_with_input(BenchmarkId::new("check", label), &script, |b, s| {
            b.iter(|| compiler::check(black_box(s)).1.len())
        });
    }
    g.finish();
}

/// Writes the 1.4 MB script to the path in `TICKC_BENCH_SCRIPT` (and does
/// nothing else), so `tickc check` can be timed as a process on the same input.
fn write_script_if_asked() {
    if let Ok(path) = std::env::var("TICKC_BENCH_SCRIPT") {
        std::fs::write(&path, generate(SIZES[2].1))
            .unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        eprintln!("wrote {path}");
        std::process::exit(0);
    }
}

/// What `tickc lsp` does on each keystroke: the whole document re-checked
/// (its diagnostics are `compiler::check`'s), for a ~500-line script. The
/// issue's bar is 10 ms per re-check; the baseline beside it is lexing alone.
fn lsp_recheck(c: &mut Criterion) {
    let mut script = generate(1);
    let mut block = 0;
    while script.lines().count() < 500 {
        script = generate(script.len() + 1);
        block += 1;
    }
    assert!(block > 0 && compiler::check(&script).1.is_empty());
    let mut g = c.benchmark_group("lsp_recheck_500_lines");
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("baseline_lex", |b| {
        b.iter(|| compiler::lexer::lex(black_box(&script)).tokens.len())
    });
    g.bench_function("check", |b| {
        b.iter(|| compiler::check(black_box(&script)).1.len())
    });
    g.finish();
}

criterion_group!(benches, frontend, lsp_recheck);

fn main() {
    write_script_if_asked();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
