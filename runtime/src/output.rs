//! Where a task's outputs go: in `tickc run`, one JSON object per line on
//! stdout (issue 4 item 4); in the server, the HTTP endpoints and handlers.

use std::io::Write;

/// One output of a node. JSON bodies arrive **already serialized** so that
/// their key order is the one of Kapacitor's structs (serde_json's `Value`
/// would sort the keys).
#[derive(Debug, Clone, Copy)]
pub enum Output<'a> {
    /// An alert event (api.md §5.3): the typed event for the topic store and
    /// its serialized JSON; `topic` is the node's `.topic()`, `None` for its
    /// anonymous topic (`<task master>:<task>:<node>`).
    Alert {
        node: &'a str,
        event_json: &'a str,
        event: &'a crate::alert::event::Event,
        topic: Option<&'a str>,
    },
    /// A point written by influxDBOut / httpPost, as line protocol.
    Point { node: &'a str, line: &'a str },
    /// One line of the log node.
    Log { node: &'a str, line: &'a str },
    /// An httpOut endpoint's final result (api.md §5.4), serialized.
    HttpOut {
        node: &'a str,
        endpoint: &'a str,
        result_json: &'a str,
    },
}

pub trait Sink {
    fn output(&mut self, out: Output<'_>);
    /// A diagnostic (a node error being logged): stderr in `tickc run`.
    fn diagnostic(&mut self, node: &str, message: &str);
    /// A warning (something tolerated that the user should know about);
    /// by default logged like a diagnostic.
    fn warning(&mut self, node: &str, message: &str) {
        self.diagnostic(node, message)
    }
}

/// Writes outputs as JSON lines (the `tickc run` format) and diagnostics to a
/// second writer.
pub struct JsonLinesSink<W: Write, E: Write> {
    pub out: W,
    pub err: E,
    /// The first I/O error met (later writes are skipped).
    pub io_error: Option<std::io::Error>,
}

impl<W: Write, E: Write> JsonLinesSink<W, E> {
    pub fn new(out: W, err: E) -> Self {
        JsonLinesSink {
            out,
            err,
            io_error: None,
        }
    }

    fn write(&mut self, line: &str) {
        if self.io_error.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(line.as_bytes()) {
            self.io_error = Some(e);
        }
    }
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a str always serializes")
}

impl<W: Write, E: Write> Sink for JsonLinesSink<W, E> {
    fn output(&mut self, out: Output<'_>) {
        let line = render(out);
        self.write(&line);
    }

    fn diagnostic(&mut self, node: &str, message: &str) {
        let _ = writeln!(self.err, "E! {node}: {message}");
    }

    fn warning(&mut self, node: &str, message: &str) {
        let _ = writeln!(self.err, "W! {node}: {message}");
    }
}

/// The `tickc run` line for one output, newline included.
pub fn render(out: Output<'_>) -> String {
    match out {
        Output::Alert {
            node, event_json, ..
        } => format!(
            "{{\"kind\":\"alert\",\"node\":{},\"event\":{}}}\n",
            json_str(node),
            event_json
        ),
        Output::Point { node, line } => format!(
            "{{\"kind\":\"point\",\"node\":{},\"line\":{}}}\n",
            json_str(node),
            json_str(line)
        ),
        Output::Log { node, line } => format!(
            "{{\"kind\":\"log\",\"node\":{},\"line\":{}}}\n",
            json_str(node),
            json_str(line)
        ),
        Output::HttpOut {
            node,
            endpoint,
            result_json,
        } => format!(
            "{{\"kind\":\"httpOut\",\"node\":{},\"endpoint\":{},\"result\":{}}}\n",
            json_str(node),
            json_str(endpoint),
            result_json
        ),
    }
}

/// Collects outputs in memory (tests, benches).
#[derive(Debug, Default)]
pub struct VecSink {
    pub lines: Vec<String>,
    pub diagnostics: Vec<String>,
}

impl Sink for VecSink {
    fn output(&mut self, out: Output<'_>) {
        self.lines.push(render(out));
    }

    fn diagnostic(&mut self, node: &str, message: &str) {
        self.diagnostics.push(format!("{node}: {message}"));
    }
}

/// Discards everything (benches).
#[derive(Debug, Default)]
pub struct NullSink;

impl Sink for NullSink {
    fn output(&mut self, _out: Output<'_>) {}
    fn diagnostic(&mut self, _node: &str, _message: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_issue_shapes() {
        assert_eq!(
            render(Output::Log {
                node: "log2",
                line: "a \"b\""
            }),
            "{\"kind\":\"log\",\"node\":\"log2\",\"line\":\"a \\\"b\\\"\"}\n"
        );
        assert_eq!(
            render(Output::Alert {
                node: "alert2",
                event_json: "{\"id\":\"x\"}",
                event: &crate::alert::event::Event::default(),
                topic: None,
            }),
            "{\"kind\":\"alert\",\"node\":\"alert2\",\"event\":{\"id\":\"x\"}}\n"
        );
        assert_eq!(
            render(Output::HttpOut {
                node: "http_out3",
                endpoint: "top",
                result_json: "{\"series\":[]}"
            }),
            "{\"kind\":\"httpOut\",\"node\":\"http_out3\",\"endpoint\":\"top\",\"result\":{\"series\":[]}}\n"
        );
    }
}
