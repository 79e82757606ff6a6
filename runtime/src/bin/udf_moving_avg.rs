//! `udf-moving-avg`: a UDF agent in Rust speaking Kapacitor's UDF protocol
//! through `runtime::udf::{proto, framing}` — the example agent the tests run
//! as a child process and over a unix socket.
//!
//! Options `.field(string)`, `.size(int)`, `.as(string)`; wants and provides
//! a stream. Per group it keeps the last `size` values of `field` and, once
//! it has `size`, answers each point with `as` = their mean (same name,
//! tags, group and time). Snapshots carry the windows.
//!
//! Usage: `udf-moving-avg [--socket PATH] [--crash-after N] [--hang-after N]`.
//! On a socket every connection is served by its own thread, and a "crash"
//! ends that connection only. `--hang-after N`: from the Nth point on, stop
//! reading and answering (a hung agent).

use runtime::udf::framing::{read_message, write_message, FrameError};
use runtime::udf::proto::{self, request, response};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixListener;

#[derive(Clone, Copy, Default)]
struct Faults {
    crash_after: u64,
    hang_after: u64,
}

#[derive(Default)]
struct MovingAvg {
    field: String,
    size: usize,
    as_name: String,
    windows: HashMap<String, VecDeque<f64>>,
    points: u64,
}

enum Step {
    Answer(Vec<response::Message>),
    Crash,
    Hang,
}

impl MovingAvg {
    fn handle(&mut self, req: request::Message, faults: Faults) -> Step {
        use response::Message as R;
        Step::Answer(match req {
            request::Message::Info(_) => {
                let opt = |t: proto::ValueType| proto::OptionInfo {
                    value_types: vec![t as i32],
                };
                vec![R::Info(proto::InfoResponse {
                    wants: proto::EdgeType::Stream as i32,
                    provides: proto::EdgeType::Stream as i32,
                    options: BTreeMap::from([
                        ("field".to_string(), opt(proto::ValueType::String)),
                        ("size".to_string(), opt(proto::ValueType::Int)),
                        ("as".to_string(), opt(proto::ValueType::String)),
                    ]),
                })]
            }
            request::Message::Init(init) => {
                self.as_name = "avg".into();
                for o in init.options {
                    let v = o.values.into_iter().next().and_then(|v| v.value);
                    match (o.name.as_str(), v) {
                        ("field", Some(proto::option_value::Value::StringValue(s))) => {
                            self.field = s
                        }
                        ("as", Some(proto::option_value::Value::StringValue(s))) => {
                            self.as_name = s
                        }
                        ("size", Some(proto::option_value::Value::IntValue(i))) => {
                            self.size = usize::try_from(i).unwrap_or(0)
                        }
                        _ => {}
                    }
                }
                let ok = self.size > 0 && !self.field.is_empty();
                vec![R::Init(proto::InitResponse {
                    success: ok,
                    error: if ok {
                        String::new()
                    } else {
                        "field and size > 0 are required".into()
                    },
                })]
            }
            request::Message::Keepalive(k) => {
                vec![R::Keepalive(proto::KeepaliveResponse { time: k.time })]
            }
            request::Message::Snapshot(_) => {
                let mut groups: Vec<_> = self.windows.iter().collect();
                groups.sort_by(|a, b| a.0.cmp(b.0));
                let text: Vec<String> = groups
                    .into_iter()
                    .map(|(g, w)| {
                        let vals: Vec<String> = w.iter().map(|v| v.to_string()).collect();
                        format!("{g}\t{}", vals.join(","))
                    })
                    .collect();
                vec![R::Snapshot(proto::SnapshotResponse {
                    snapshot: text.join("\n").into_bytes(),
                })]
            }
            request::Message::Restore(r) => {
                self.windows.clear();
                let text = String::from_utf8_lossy(&r.snapshot).into_owned();
                for line in text.lines() {
                    if let Some((g, vals)) = line.split_once('\t') {
                        let w = vals.split(',').filter_map(|v| v.parse().ok()).collect();
                        self.windows.insert(g.to_string(), w);
                    }
                }
                vec![R::Restore(proto::RestoreResponse {
                    success: true,
                    error: String::new(),
                })]
            }
            request::Message::Point(p) => {
                self.points += 1;
                if faults.crash_after > 0 && self.points >= faults.crash_after {
                    return Step::Crash;
                }
                if faults.hang_after > 0 && self.points >= faults.hang_after {
                    return Step::Hang;
                }
                let value = p
                    .fields_double
                    .get(&self.field)
                    .copied()
                    .or_else(|| p.fields_int.get(&self.field).map(|&i| i as f64));
                let Some(value) = value else {
                    return Step::Answer(vec![R::Error(proto::ErrorResponse {
                        error: format!("missing field {}", self.field),
                    })]);
                };
                let w = self.windows.entry(p.group.clone()).or_default();
                w.push_back(value);
                if w.len() > self.size {
                    w.pop_front();
                }
                if w.len() < self.size {
                    return Step::Answer(Vec::new());
                }
                let avg = w.iter().sum::<f64>() / w.len() as f64;
                vec![R::Point(proto::Point {
                    fields_double: BTreeMap::from([(self.as_name.clone(), avg)]),
                    fields_int: BTreeMap::new(),
                    fields_string: BTreeMap::new(),
                    fields_bool: BTreeMap::new(),
                    ..p
                })]
            }
            request::Message::Begin(_) | request::Message::End(_) => Vec::new(),
        })
    }
}

/// Serves one connection until EOF; `Err` = the agent "crashed".
fn serve(input: impl Read, output: impl Write, faults: Faults) -> Result<(), String> {
    let mut r = BufReader::new(input);
    let mut w = BufWriter::new(output);
    let mut buf = Vec::new();
    let mut agent = MovingAvg::default();
    loop {
        let req: proto::Request = match read_message(&mut r, &mut buf) {
            Ok(req) => req,
            Err(FrameError::Eof) => return Ok(()),
            Err(e) => return Err(format!("read error: {e}")),
        };
        let Some(msg) = req.message else { continue };
        match agent.handle(msg, faults) {
            Step::Answer(answers) => {
                for a in answers {
                    let resp = proto::Response { message: Some(a) };
                    write_message(&resp, &mut w).map_err(|e| e.to_string())?;
                }
                w.flush().map_err(|e| e.to_string())?;
            }
            Step::Crash => return Err("crash requested".into()),
            Step::Hang => loop {
                std::thread::park();
            },
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut socket = None;
    let mut faults = Faults::default();
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--socket" => socket = Some(v),
            "--crash-after" => faults.crash_after = v.parse().unwrap_or(0),
            "--hang-after" => faults.hang_after = v.parse().unwrap_or(0),
            other => {
                eprintln!("udf-moving-avg: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let Some(path) = socket else {
        if let Err(e) = serve(std::io::stdin().lock(), std::io::stdout().lock(), faults) {
            eprintln!("udf-moving-avg: {e}");
            std::process::exit(3);
        }
        return;
    };
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("udf-moving-avg: bind {path}: {e}");
            std::process::exit(2);
        }
    };
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        std::thread::spawn(move || {
            let Ok(input) = conn.try_clone() else { return };
            if let Err(e) = serve(input, &conn, faults) {
                eprintln!("udf-moving-avg: connection ended: {e}");
            }
        });
    }
}
