//! Entry points shared by the `cargo fuzz` targets in `fuzz/` (`srpl`, `brpl`,
//! `alert_template`) and by the replay test `runtime/tests/fuzz_inputs.rs`, so both run
//! exactly the same code. Each one takes arbitrary bytes and must never panic, hang or
//! lose the error: a recording that loads is replayed through a fixed task to the end.

use crate::alert::data;
use crate::alert::level::Level;
use crate::engine::replay::{self, ReplayOptions};
use crate::output::{Output, Sink};
use crate::recording::{load_bytes, Data};
use crate::template::{Mode, Template, Value};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The stream task a fuzzed `.srpl` is replayed through: a where lambda, a window, an
/// InfluxQL reducer and an alert with templates, over whatever fields the input has.
const STREAM_TASK: &str = "stream\n    |from()\n        .measurement('m')\n        .where(lambda: \"value\" > 0 OR \"host\" == 'a')\n        .groupBy(*)\n    |window()\n        .period(10s)\n        .every(10s)\n    |mean('value')\n    |alert()\n        .id('{{ .Name }}/{{ index .Tags \"host\" }}')\n        .message('{{ .ID }} {{ .Level }} {{ index .Fields \"mean\" }}')\n        .crit(lambda: \"mean\" > 10)\n";

/// The batch task a fuzzed `.brpl` is replayed through (entry `0` feeds its query).
const BATCH_TASK: &str = "batch\n    |query('SELECT mean(\"value\") AS value FROM \"db\".\"rp\".\"m\"')\n        .period(1m)\n        .every(1m)\n        .groupBy(*)\n    |eval(lambda: \"value\" * 2.0)\n        .as('double')\n    |alert()\n        .message('{{ .ID }} {{ .Level }} {{ index .Fields \"double\" }}')\n        .warn(lambda: \"double\" > 1.0)\n";

fn pipeline(script: &'static str) -> &'static compiler::ir::Pipeline {
    static STREAM: OnceLock<compiler::ir::Pipeline> = OnceLock::new();
    static BATCH: OnceLock<compiler::ir::Pipeline> = OnceLock::new();
    let cell = if script == STREAM_TASK {
        &STREAM
    } else {
        &BATCH
    };
    cell.get_or_init(|| {
        let (p, diags) = compiler::check(script);
        p.unwrap_or_else(|| panic!("fixed fuzz task does not check: {diags:?}"))
    })
}

/// Counts what the replay produced (and reads every output, so nothing is optimised away).
#[derive(Default)]
struct CountingSink {
    outputs: usize,
    bytes: usize,
}

impl Sink for CountingSink {
    fn output(&mut self, out: Output<'_>) {
        self.outputs += 1;
        if let Output::Alert { event_json, .. } = out {
            self.bytes += event_json.len();
        }
    }

    fn diagnostic(&mut self, node: &str, message: &str) {
        self.bytes += node.len() + message.len();
    }
}

/// Which recording format the bytes are read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingFormat {
    /// `.srpl`: gzip text, database / retention policy / line triples.
    Stream,
    /// `.brpl`: zip, one entry per query node, JSON batches.
    Batch,
}

/// Load the bytes as a recording of `format`; one that loads is replayed through the fixed
/// task of its kind to the end. Returns what was delivered (0 when it did not load).
pub fn recording(format: RecordingFormat, bytes: &[u8]) -> u64 {
    let (name, script) = match format {
        RecordingFormat::Stream => ("fuzz.srpl", STREAM_TASK),
        RecordingFormat::Batch => ("fuzz.brpl", BATCH_TASK),
    };
    let Ok(data) = load_bytes(
        Path::new(name),
        bytes,
        ("", ""),
        crate::line_protocol::Precision::Nanoseconds,
    ) else {
        return 0;
    };
    match (&data, format) {
        (Data::Stream(_), RecordingFormat::Stream) | (Data::Batches(_), RecordingFormat::Batch) => {
        }
        _ => panic!("a {name} loaded as the other kind of data"),
    }
    let opts = ReplayOptions::offline(Default::default());
    let mut sink = CountingSink::default();
    match replay::run("fuzz", pipeline(script), data, &opts, &mut sink) {
        Ok(done) => done.summary.delivered,
        Err(e) => {
            // A typed error is a fine outcome; its text must render.
            let _ = e.to_string();
            0
        }
    }
}

/// The message data an alert renders its templates with: a fixed event.
fn event_data() -> Value {
    let server = data::ServerInfo {
        hostname: Arc::from("host.example"),
        cluster_id: Arc::from("cluster"),
        server_id: Arc::from("server"),
    }
    .value();
    let tags = data::tags_value(&[
        (Arc::from("cpu"), Arc::from("cpu-total")),
        (Arc::from("host"), Arc::from("serverA")),
    ]);
    let fields = data::fields_value(&[
        (Arc::from("count"), crate::message::FieldValue::Int(3)),
        (Arc::from("usage"), crate::message::FieldValue::Float(97.5)),
        (
            Arc::from("state"),
            crate::message::FieldValue::String(Arc::from("<b>bad</b> & \"quoted\"")),
        ),
        (Arc::from("ok"), crate::message::FieldValue::Bool(false)),
    ]);
    let id = data::id_fields(
        &Arc::from("cpu"),
        &Arc::from("task"),
        &Arc::from("cpu=cpu-total,host=serverA"),
        tags,
        &server,
    );
    data::details_data(
        data::message_fields(
            id,
            "cpu:serverA",
            fields,
            Level::Critical,
            1_700_000_000_123_456_789,
            90_000_000_000,
        ),
        "cpu:serverA is CRITICAL",
    )
}

/// An alert template (`.message`, `.details`, a handler's template): parsed as text and as
/// HTML, and executed on a fixed event. Errors are typed and render; nothing panics.
pub fn alert_template(bytes: &[u8]) {
    let Ok(src) = std::str::from_utf8(bytes) else {
        return;
    };
    static DATA: OnceLock<Value> = OnceLock::new();
    let data = DATA.get_or_init(event_data);
    for mode in [Mode::Text, Mode::Html] {
        match Template::parse("fuzz", src, mode) {
            Ok(t) => {
                let mut out = String::new();
                if let Err(e) = t.execute(data, &mut out) {
                    let _ = e.to_string();
                }
                let _ = t.may_read(&["Fields", "Time"]);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}
