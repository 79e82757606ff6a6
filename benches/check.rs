//! Front-end throughput on a large generated script (~1 MB: ~1,700 tasks'
//! worth of chains, lambdas and comments), in MB/s.
//!
//! Baseline in the same group: a plain pass that only counts the lines of the
//! input, the floor for anything that reads every byte. Then the lexer alone,
//! lex + parse, and the full `compiler::check` (parse, scopes, catalog, types,
//! lints, IR). Short warm-up and measurement times keep it usable on a shared
//! 2-core machine; the ratios are what matter.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

/// One block: a var holding a filtered, windowed stream, and a branch that
/// aggregates and alerts on it.
fn generate(target_bytes: usize) -> String {
    let mut s = String::from("dbrp \"telegraf\".\"autogen\"\n\n");
    let mut i = 0;
    while s.len() < target_bytes {
        write!(
            s,
            r#"// block {i}: cpu usage per host, alert on the windowed mean
var data{i} = stream
    |from()
        .database('telegraf')
        .retentionPolicy('autogen')
        .measurement('cpu')
        .where(lambda: "host" == 'server{i}' AND "cpu" != 'cpu-total')
    |window()
        .period(5m)
        .every(1m)

data{i}
    |mean('usage_idle')
        .as('mean')
    |eval(lambda: 100.0 - "mean", lambda: "mean" * 2.0 / 3.0)
        .as('used', 'scaled')
    // thresholds: warn below 70, crit below 44
    |alert()
        .warn(lambda: "used" > 30.0 OR "scaled" < 10.5)
        .crit(lambda: "used" > 50.0 - 2.0 * 3.0)
        .message('{{{{ .ID }}}} is {{{{ .Level }}}}')
        .log('/tmp/alerts{i}.log')

"#
        )
        .expect("writing to a String cannot fail");
        i += 1;
    }
    s
}

fn frontend(c: &mut Criterion) {
    let script = generate(1 << 20);
    let (_, diags) = compiler::parser::parse(&script);
    assert!(
        diags.is_empty(),
        "the generated script must parse: {diags:?}"
    );

    let mut g = c.benchmark_group("frontend");
    g.throughput(Throughput::Bytes(script.len() as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));

    g.bench_function("baseline_count_lines", |b| {
        b.iter(|| black_box(&script).bytes().filter(|b| *b == b'\n').count())
    });
    g.bench_function("lex", |b| {
        b.iter(|| compiler::lexer::lex(black_box(&script)).tokens.len())
    });
    g.bench_function("lex_parse", |b| {
        b.iter(|| {
            compiler::parser::parse(black_box(&script))
                .0
                .map(|p| p.statements.len())
        })
    });
    g.bench_function("check", |b| {
        b.iter(|| compiler::check(black_box(&script)).1.len())
    });
    g.finish();
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
criterion_main!(benches);
