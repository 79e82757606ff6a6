//! End-to-end tests of the pictures: `tickc dot --svg` and `tickc run
//! --stats --svg`, driving the built binary on `examples/pictures/`.
//!
//! The SVG must be well-formed XML with one `class="node"` group per node of
//! the DOT and one `class="edge"` group per link, each edge carrying the
//! `processed` count that `--stats` prints. The examples' SVGs are committed
//! (looked at by eye, rendered to PNG with `rsvg-convert`); layout-rs is
//! pinned and deterministic, so they are golden files too: set
//! `UPDATE_PICTURES=1` to rewrite them after a deliberate change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tickc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tickc"))
        .args(args)
        .output()
        .expect("tickc runs")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/pictures")
}

fn path(name: &str) -> String {
    examples().join(name).to_string_lossy().into_owned()
}

/// (node names, edges as (from, to, processed)) of an SVG picture.
#[allow(clippy::type_complexity)]
fn read_svg(svg: &str) -> (Vec<String>, Vec<(String, String, Option<u64>)>) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let groups = || {
        doc.descendants()
            .filter(|n| n.has_tag_name("g"))
            .map(|n| (n.attribute("class").unwrap_or(""), n))
    };
    let nodes = groups()
        .filter(|(c, _)| *c == "node")
        .map(|(_, n)| {
            let name = n.attribute("data-node").unwrap().to_string();
            // The box's label is inside its group, and is the node's name.
            let label: String = n
                .descendants()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect();
            assert_eq!(label, name);
            name
        })
        .collect();
    let edges = groups()
        .filter(|(c, _)| *c == "edge")
        .map(|(_, n)| {
            (
                n.attribute("data-from").unwrap().to_string(),
                n.attribute("data-to").unwrap().to_string(),
                n.attribute("data-processed").map(|v| v.parse().unwrap()),
            )
        })
        .collect();
    (nodes, edges)
}

/// The count labels drawn on the picture, as a multiset.
fn count_labels(svg: &str) -> BTreeMap<u64, usize> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let mut m = BTreeMap::new();
    for t in doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some("count"))
    {
        *m.entry(t.text().unwrap().parse().unwrap()).or_default() += 1;
    }
    m
}

fn golden(name: &str, svg: &str) {
    let file = examples().join(name);
    if std::env::var_os("UPDATE_PICTURES").is_some() {
        std::fs::write(&file, svg).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        want == svg,
        "{name} changed; look at it and set UPDATE_PICTURES=1"
    );
}

#[test]
fn dot_svg_draws_every_node_and_link_of_the_dot() {
    for script in ["cpu_alert", "batch_cpu_alert", "error_rate"] {
        let tick = path(&format!("{script}.tick"));
        let dot = tickc(&["dot", &tick]);
        assert!(dot.status.success());
        let dot = String::from_utf8(dot.stdout).unwrap();
        let out = tickc(&["dot", "--svg", &tick]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svg = String::from_utf8(out.stdout).unwrap();
        let (nodes, edges) = read_svg(&svg);
        // Every `a -> b;` line of the DOT is one edge, without a count.
        let want: Vec<(String, String, Option<u64>)> = dot
            .lines()
            .filter_map(|l| l.strip_suffix(';')?.split_once(" -> "))
            .map(|(a, b)| (a.to_string(), b.to_string(), None))
            .collect();
        assert_eq!(edges, want, "{script}");
        let mut want_nodes: Vec<String> = Vec::new();
        for (a, b, _) in &want {
            for n in [a, b] {
                if !want_nodes.contains(n) {
                    want_nodes.push(n.clone());
                }
            }
        }
        assert_eq!(nodes, want_nodes, "{script}");
        golden(&format!("{script}.svg"), &svg);
    }
}

#[test]
fn the_join_picture_has_the_hand_derived_counts() {
    // error_rate.lp: 4 `errors` points and 5 `requests` points (9 in all,
    // every point reaches both `from`s). from1 reads errors (4), from3
    // requests (5). The join pairs (host, time): a and b at 1s and 2s, 4
    // pairs; requests a at 3s has no errors point and is never emitted.
    // Rates: a 0.1, 0.2 (OK throughout: no event); b 0.75 (CRITICAL), then
    // 1/9 (OK): 2 events, so the alert forwards 2 points to influxDBOut.
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("run.svg");
    let out = tickc(&[
        "run",
        &path("error_rate.tick"),
        "--data",
        &path("error_rate.lp"),
        "--precision",
        "s",
        "--stats",
        "--svg",
        svg_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let (nodes, edges) = read_svg(&svg);
    let e = |a: &str, b: &str, n: u64| (a.to_string(), b.to_string(), Some(n));
    assert_eq!(
        edges,
        [
            e("stream0", "from1", 9),
            e("stream0", "from3", 9),
            e("from1", "groupby2", 4),
            e("groupby2", "join6", 4),
            e("from3", "groupby4", 5),
            e("groupby4", "join6", 5),
            e("join6", "eval7", 4),
            e("eval7", "alert8", 4),
            e("alert8", "influxdb_out9", 2),
        ]
    );
    assert_eq!(nodes.len(), 9);
    // The numbers are the ones --stats prints on stderr, and each is drawn.
    for (a, b, n) in &edges {
        let line = format!("{a} -> {b} [processed=\"{}\"];", n.unwrap());
        assert!(stderr.contains(&line), "{line} not in\n{stderr}");
    }
    let mut drawn = BTreeMap::new();
    for (_, _, n) in &edges {
        *drawn.entry(n.unwrap()).or_insert(0usize) += 1;
    }
    assert_eq!(count_labels(&svg), drawn);
    golden("error_rate.stats.svg", &svg);
}

#[test]
fn getting_started_run_pictures_match_their_stats() {
    // cpu_alert over Getting Started's cpu data (spec/run/getting_started/
    // threshold: 180 points, all `cpu` of telegraf.autogen); the batch
    // example feeds 3 batches to query1.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "cpu_alert",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../spec/run/getting_started/threshold/input.lp")
                .to_string_lossy()
                .into_owned(),
            vec![("stream0", "from1", 180), ("from1", "alert2", 180)],
        ),
        (
            "batch_cpu_alert",
            path("batch_cpu_alert.jsonl"),
            vec![("query1", "alert2", 3)],
        ),
    ];
    for (script, data, want) in cases {
        let svg_path = dir.path().join(format!("{script}.svg"));
        let out = tickc(&[
            "run",
            &path(&format!("{script}.tick")),
            "--data",
            &data,
            "--precision",
            "s",
            "--stats",
            "--svg",
            svg_path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        let (_, edges) = read_svg(&svg);
        let want: Vec<_> = want
            .into_iter()
            .map(|(a, b, n)| (a.to_string(), b.to_string(), Some(n)))
            .collect();
        assert_eq!(edges, want, "{script}");
        golden(&format!("{script}.stats.svg"), &svg);
    }
}

#[test]
fn svg_without_a_writable_file_is_a_usage_error() {
    let out = tickc(&[
        "run",
        &path("cpu_alert.tick"),
        "--data",
        &path("error_rate.lp"),
        "--svg",
        "/nonexistent-dir/x.svg",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-dir/x.svg"));
}
