//! The InfluxQL a query node runs, from TICKscript through the real front
//! end. Every expected string is derived by hand from InfluxQL's printing
//! rules (`SelectStatement.String()`): `SELECT <fields> FROM <sources>
//! WHERE <cond> GROUP BY <dims> fill(...)`; identifiers bare unless a
//! keyword or not `[A-Za-z_][A-Za-z0-9_]*`; `BinaryExpr` printed as
//! `lhs op rhs` with no parentheses added; floats with 3 decimals;
//! integers plain; durations in their largest exact unit; time literals
//! RFC3339Nano in UTC; Kapacitor appends `AND time >= 'start' AND time <
//! 'stop'` and replaces GROUP BY with the node's dimensions.

use super::*;

const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;

fn query(script: &str) -> BatchQuery {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("{diags:?}"));
    let mut qs = task_queries(&p).unwrap();
    assert_eq!(qs.len(), 1);
    qs.remove(0)
}

fn query_err(script: &str) -> QueryError {
    let (p, diags) = compiler::check(script);
    let p = p.unwrap_or_else(|| panic!("{diags:?}"));
    task_queries(&p).unwrap_err()
}

/// 2016-05-04T17:44:00Z
const T1744: i64 = 1_462_383_840 * S;

#[test]
fn getting_started_query() {
    let q = query(
        r#"batch
    |query('''
        SELECT mean(usage_idle)
        FROM "telegraf"."autogen"."cpu"
    ''')
        .period(5m)
        .every(5m)
        .groupBy(time(1m), 'cpu')
    |alert().crit(lambda: "mean" < 70.0)
"#,
    );
    // Tick at 17:44 with no offset: stop 17:44, start 17:39. The bare
    // duration groupBy gets offset 0s; quotes go (plain identifiers).
    let run = q.live_run(T1744);
    assert_eq!(
        run.text,
        "SELECT mean(usage_idle) FROM telegraf.autogen.cpu WHERE time >= '2016-05-04T17:39:00Z' \
         AND time < '2016-05-04T17:44:00Z' GROUP BY time(1m, 0s), cpu"
    );
    assert!(q.is_grouped_by_time());
    assert_eq!(
        q.dbrps(),
        vec![("telegraf".to_string(), "autogen".to_string())]
    );
}

#[test]
fn where_is_anded_without_parentheses_and_literals_print_as_influxql() {
    let q = query(
        r#"batch
    |query('SELECT max("value") AS "max", "x"::field FROM "db".."cpu", /^mem.*/ WHERE "host" = \'a\' OR "host" =~ /b\/c/ AND "value" > 10.5 AND v2 <> -3 GROUP BY host fill(previous)')
        .every(10s)
        .groupBy(time(10s, 2s), *)
        .fill(0)
"#,
    );
    // Window [1.0000005s, 11s): RFC3339Nano trims trailing zeros. The
    // source's GROUP BY host is replaced; fill(previous) is replaced by
    // fill(0); `<>` prints as `!=`; 10.5 as 10.500; the empty retention
    // policy as `db..cpu`; the `/` inside the regex escaped again.
    assert_eq!(
        q.text(S + 500, 11 * S, true),
        "SELECT max(value) AS max, x::field FROM db..cpu, /^mem.*/ WHERE host = 'a' OR host =~ /b\\/c/ \
         AND value > 10.500 AND v2 != -3 AND time >= '1970-01-01T00:00:01.0000005Z' \
         AND time < '1970-01-01T00:00:11Z' GROUP BY time(10s, 2s), * fill(0)"
    );
}

#[test]
fn keywords_and_odd_names_are_quoted_and_strings_escaped() {
    let q = query(
        r#"batch
    |query('''SELECT "select", "a-b" FROM "my db"."autogen"."cpu" WHERE (t = 'it\'s' OR x) AND time > now() - 1h''')
        .every(1m)
        .period(2m)
        .fill('linear')
"#,
    );
    // The source's parentheses stay; nothing else is added. `now() - 1h`
    // is a call and a duration.
    assert_eq!(
        q.live_run(10 * M).text,
        "SELECT \"select\", \"a-b\" FROM \"my db\".autogen.cpu WHERE (t = 'it\\'s' OR x) AND time > now() - 1h \
         AND time >= '1970-01-01T00:08:00Z' AND time < '1970-01-01T00:10:00Z' fill(linear)"
    );
}

#[test]
fn statement_fill_is_kept_when_the_node_sets_none_and_float_fill_prints_as_v() {
    let q = query(
        "batch|query('SELECT sum(v) FROM db.rp.m fill(previous) LIMIT 5').every(1m).groupBy(1m)\n",
    );
    assert_eq!(
        q.text(0, M, true),
        "SELECT sum(v) FROM db.rp.m WHERE time >= '1970-01-01T00:00:00Z' AND time < '1970-01-01T00:01:00Z' \
         GROUP BY time(1m, 0s) fill(previous) LIMIT 5"
    );
    let q = query("batch|query('SELECT sum(v) FROM db.rp.m').every(1m).fill(0.5)\n");
    assert!(q
        .text(0, M, true)
        .ends_with("< '1970-01-01T00:01:00Z' fill(0.5)"));
    let q = query("batch|query('SELECT sum(v) FROM db.rp.m fill(none)').every(1m).fill('null')\n");
    assert!(q.text(0, M, true).ends_with("< '1970-01-01T00:01:00Z'"));
}

#[test]
fn align_group_offsets_live_runs_by_start_mod_interval() {
    let q = query(
        "batch|query('SELECT mean(v) FROM db.rp.m').every(1m).period(90s).offset(10s).alignGroup().groupBy(time(1m))\n",
    );
    // Tick 10m: stop 10m - 10s = 9m50s, start 8m20s; 500s mod 60s = 20s.
    assert_eq!(
        q.live_run(10 * M).text,
        "SELECT mean(v) FROM db.rp.m WHERE time >= '1970-01-01T00:08:20Z' AND time < '1970-01-01T00:09:50Z' \
         GROUP BY time(1m, 20s)"
    );
    // Recording runs keep the configured offset (Kapacitor's clones).
    let runs = q.runs_between(9 * M, 10 * M, 100 * M);
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0].text.ends_with("GROUP BY time(1m, 0s)"),
        "{}",
        runs[0].text
    );
}

#[test]
fn runs_between_follows_the_schedule_the_stop_and_now() {
    let q = query("batch|query('SELECT v FROM db.rp.m').every(5m).period(5m).offset(1m)\n");
    // Ticks 5m, 10m, 15m, 20m after start 0 (20m ≤ stop 20m): stops 4m, 9m,
    // 14m, 19m, each window 5m long.
    let runs = q.runs_between(0, 20 * M, 100 * M);
    let windows: Vec<(i64, i64)> = runs.iter().map(|r| (r.start / M, r.stop / M)).collect();
    assert_eq!(windows, [(-1, 4), (4, 9), (9, 14), (14, 19)]);
    // now = 12m: the 15m tick's stop (14m) is in the future: stop there.
    assert_eq!(q.runs_between(0, 20 * M, 12 * M).len(), 2);
    // Aligned: start 2m -> 7m rounds to 5m, then 10m, 15m, 20m.
    let q = query("batch|query('SELECT v FROM db.rp.m').every(5m).period(5m).align()\n");
    let stops: Vec<i64> = q
        .runs_between(2 * M, 20 * M, 100 * M)
        .iter()
        .map(|r| r.stop / M)
        .collect();
    assert_eq!(stops, [5, 10, 15, 20]);
}

#[test]
fn cron_schedules_and_bad_queries() {
    let q = query("batch|query('SELECT v FROM db.rp.m').cron('*/10 * * * *').period(10m)\n");
    let stops: Vec<i64> = q
        .runs_between(0, 30 * M, 100 * M)
        .iter()
        .map(|r| r.stop)
        .collect();
    // Every 10 minutes in any whole- or half-hour time zone.
    assert_eq!(stops, [10 * M, 20 * M, 30 * M]);
    assert!(matches!(
        query_err("batch|query('SELECT v FROM db.rp.m').cron('*/10 * *')\n"),
        QueryError::Cron(_)
    ));
    let e = query_err("batch|query('SELECT v FROM db.rp.m; SELECT w FROM x').every(1m)\n");
    assert!(
        e.to_string().starts_with("failed to parse InfluxQL query:"),
        "{e}"
    );
    let e = query_err("batch|query('SELECT FROM').every(1m)\n");
    assert!(matches!(e, QueryError::Parse(_)), "{e}");
}

#[test]
fn printing_is_canonical_and_reparses_to_the_same_statement() {
    use super::influxql::parse_select;
    // (input, InfluxQL's print of it, derived by the rules above): keywords
    // upper-case, `fill` lower-case, a bare `*`, a `::type` kept, `<>` as
    // `!=`, -1.5 as -1.500, integer 3 as 3, `TZ('…')`, `ORDER BY time DESC`.
    let cases = [
        ("select * from cpu", "SELECT * FROM cpu"),
        (
            r#"select top("v", 3), v::field from "a"."b"."c" where "host" !~ /x/ and v::integer >= -1.5 or h <> 'a' group by time(1h) fill(linear) order by time desc limit 10 slimit 2 tz('Europe/Paris')"#,
            "SELECT top(v, 3), v::field FROM a.b.c WHERE host !~ /x/ AND v::integer >= -1.500 OR h != 'a' GROUP BY time(1h) fill(linear) ORDER BY time DESC LIMIT 10 SLIMIT 2 TZ('Europe/Paris')",
        ),
        (
            "SELECT DISTINCT host FROM rp.m WHERE (a + 2) * 3 > 1 AND b = true",
            "SELECT DISTINCT host FROM rp.m WHERE (a + 2) * 3 > 1 AND b = true",
        ),
        (
            r#"SELECT mean(v) AS "the mean" INTO db.rp.out FROM (SELECT v FROM db.rp.m), /^cpu\d$/"#,
            "SELECT mean(v) AS \"the mean\" INTO db.rp.out FROM (SELECT v FROM db.rp.m), /^cpu\\d$/",
        ),
    ];
    for (input, want) in cases {
        let stmt = parse_select(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let printed = stmt.to_string();
        assert_eq!(printed, want, "{input}");
        let again = parse_select(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(again, stmt, "{printed} reparses to the same statement");
    }
    for bad in [
        "",
        "SELECT",
        "SELECT v",
        "SELECT v FROM",
        "SELECT v FROM m WHERE",
        "SELECT v FROM m GROUP",
        "SELECT v FROM m LIMIT x",
        "SELECT v FROM m fill(sometimes)",
        "SELECT v FROM 'm'",
        "SELECT v FROM m WHERE x =~ /(/",
        "SELECT v FROM m WHERE s = 'open",
        "SELECT v FROM a.b.c.d",
        "SHOW DATABASES",
        "SELECT v FROM m; SELECT w FROM m",
        "SELECT v FROM m WHERE x = 'a\\q'",
    ] {
        assert!(parse_select(bad).is_err(), "{bad:?} must not parse");
    }
}

proptest::proptest! {
    /// Any text gives a statement or a typed error, never a panic; what
    /// parses prints to text that parses back to the same statement.
    #[test]
    fn parse_never_panics_and_round_trips(s in "(SELECT|select|FROM|WHERE|GROUP BY|fill|[a-z\"'/\\\\(),.:;*<>=!~+-]|[0-9]{1,3}(ms|s|m|h)?| ){0,24}") {
        if let Ok(stmt) = super::influxql::parse_select(&s) {
            let printed = stmt.to_string();
            let again = super::influxql::parse_select(&printed);
            proptest::prop_assert_eq!(again.as_ref().ok(), Some(&stmt), "{} -> {}", s, printed);
        }
    }
}

fn expr_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        // A bare identifier must not be a keyword (`as`, `on`): InfluxQL reads
        // those as keywords, so the generated text would not be InfluxQL.
        "[a-z_][a-z0-9_]{0,5}".prop_filter("a keyword", |w| crate::influxdb::keyword(w).is_none()),
        "\"[a-z -]{1,6}\"",
        "'[a-z' ]{0,6}'".prop_map(|s: String| {
            // Escape inner quotes as InfluxQL wants them.
            let body = &s[1..s.len() - 1];
            format!("'{}'", body.replace('\'', "\\'"))
        }),
        (0i64..100_000).prop_map(|n| n.to_string()),
        (0i64..100_000).prop_map(|n| format!("{}.{:03}", n / 1000, n % 1000)),
        (
            1i64..1000,
            prop::sample::select(vec!["ms", "s", "m", "h", "d", "w", "u"])
        )
            .prop_map(|(n, u)| format!("{n}{u}")),
        Just("true".to_string()),
        Just("v::field".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "AND", "OR", "&",
                    "|", "^"
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|e| format!("({e})")),
            (
                prop::sample::select(vec!["mean", "sum", "count", "now"]),
                inner.clone()
            )
                .prop_map(|(f, e)| format!("{f}({e})")),
            inner.clone().prop_map(|e| format!("{e} =~ /a[b]+/")),
        ]
    })
}

proptest::proptest! {
    /// Generated statements print to InfluxQL that parses back to the same
    /// statement (floats have at most 3 decimals: InfluxQL prints 3).
    #[test]
    fn generated_statements_round_trip(
        field in expr_text(),
        cond in expr_text(),
        alias in proptest::option::of("[a-z]{1,4}"),
    ) {
        // Quoted: a generated alias may be a keyword (`on`, `key`), which
        // InfluxQL only accepts quoted; the printer must quote it back.
        let alias = alias.map(|a| format!(" AS \"{a}\"")).unwrap_or_default();
        let q = format!("SELECT {field}{alias} FROM \"db\".\"rp\".\"m\" WHERE {cond}");
        let stmt = super::influxql::parse_select(&q);
        proptest::prop_assert!(stmt.is_ok(), "{} did not parse: {:?}", q, stmt.err());
        let stmt = stmt.unwrap();
        let printed = stmt.to_string();
        let again = super::influxql::parse_select(&printed);
        proptest::prop_assert_eq!(again.as_ref().ok(), Some(&stmt), "{} -> {}", q, printed);
    }
}
