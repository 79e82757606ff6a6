//! `[opentsdb]` (InfluxDB's opentsdb service, which Kapacitor embeds): one
//! TCP port (`bind-address`, default `:4242`) speaking both OpenTSDB's telnet
//! protocol — `put <metric> <timestamp> <value> <tagk=tagv>...`, the timestamp
//! 10 digits (seconds) or 13 (milliseconds) — and its HTTP API: `POST
//! /api/put` with one JSON data point or an array (`metric`, `timestamp`,
//! `value`, `tags`; gzip bodies accepted) answered 204, `/api/metadata/put`
//! answered 204. A connection whose first line is an HTTP request line is
//! HTTP, anything else telnet. Points go into `database` (default
//! `opentsdb`) / `retention-policy` with the float field `value`.
//!
//! Kept from InfluxDB as it behaves: a 13-digit telnet timestamp and an HTTP
//! timestamp ≥ 10^10 keep their millisecond remainder as *microseconds*
//! (`(ts % 1000) * 1000` ns).

use super::lines::{read_lines, LineParser, TcpServer};
use super::{point, socket_addr, InputError};
use crate::udp::Ingest;
use runtime::engine::WriteBatch;
use runtime::message::{FieldValue, Point};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

const SECTION: &str = "opentsdb";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct OpenTsdbConfig {
    pub enabled: bool,
    pub bind_address: String,
    pub database: String,
    pub retention_policy: String,
    pub log_point_errors: bool,
}

impl Default for OpenTsdbConfig {
    fn default() -> Self {
        OpenTsdbConfig {
            enabled: false,
            bind_address: ":4242".into(),
            database: "opentsdb".into(),
            retention_policy: String::new(),
            log_point_errors: true,
        }
    }
}

/// One telnet `put` line into a point.
pub fn parse_put(line: &str, db: &str, rp: &str) -> Result<Point, String> {
    let parts: Vec<&str> = line.split_whitespace().collect();
    if parts.len() < 4 || parts[0] != "put" {
        return Err(format!("malformed line '{line}'"));
    }
    let (metric, ts, value) = (parts[1], parts[2], parts[3]);
    let n: i64 = ts
        .parse()
        .map_err(|e| format!("malformed time '{ts}': {e}"))?;
    let time = match ts.len() {
        10 => n * 1_000_000_000,
        13 => (n / 1000) * 1_000_000_000 + (n % 1000) * 1000,
        _ => return Err(format!("bad time '{ts}' must be 10 or 13 chars")),
    };
    let mut tags = BTreeMap::new();
    for kv in &parts[4..] {
        match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => {
                tags.insert(k.to_string(), v.to_string());
            }
            _ => return Err(format!("malformed tag data '{kv}'")),
        }
    }
    let v: f64 = value
        .parse()
        .map_err(|e| format!("bad float '{value}': {e}"))?;
    let mut fields = BTreeMap::new();
    fields.insert("value".to_string(), FieldValue::Float(v));
    Ok(point(metric, &tags, &fields, time, db, rp))
}

/// An `/api/put` data point.
#[derive(Debug, Deserialize)]
struct DataPoint {
    metric: String,
    timestamp: i64,
    value: f64,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// The points of an `/api/put` body, or the 400 message.
fn parse_api_put(body: &[u8], db: &str, rp: &str) -> Result<Vec<Point>, String> {
    let points: Vec<DataPoint> = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => {
            serde_json::from_slice(body).map_err(|_| "json array decode error".to_string())?
        }
        Some(b'{') => {
            vec![serde_json::from_slice(body).map_err(|_| "json object decode error".to_string())?]
        }
        _ => return Err("expected JSON array or hash".into()),
    };
    Ok(points
        .into_iter()
        .filter(|p| !p.metric.is_empty())
        .map(|p| {
            let time = if p.timestamp < 10_000_000_000 {
                p.timestamp * 1_000_000_000
            } else {
                (p.timestamp / 1000) * 1_000_000_000 + (p.timestamp % 1000) * 1000
            };
            let mut fields = BTreeMap::new();
            fields.insert("value".to_string(), FieldValue::Float(p.value));
            point(&p.metric, &p.tags, &fields, time, db, rp)
        })
        .collect())
}

/// A minimal HTTP/1.1 exchange on a connection whose request line was read.
fn serve_http(
    request_line: &str,
    mut reader: BufReader<TcpStream>,
    db: &str,
    rp: &str,
    ingest: &Ingest,
) {
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts
        .next()
        .unwrap_or("")
        .split('?')
        .next()
        .unwrap_or("")
        .to_string();
    let mut length = 0usize;
    let mut gzip = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "content-encoding" => gzip = v.trim().eq_ignore_ascii_case("gzip"),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (status, text) = match (path.as_str(), method.as_str()) {
        ("/api/metadata/put", _) => (204, String::new()),
        ("/api/put", "POST") => {
            let body = if gzip {
                let mut out = Vec::new();
                match flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out) {
                    Ok(_) => out,
                    Err(e) => {
                        respond(reader.get_mut(), 400, &format!("could not read gzip, {e}"));
                        return;
                    }
                }
            } else {
                body
            };
            match parse_api_put(&body, db, rp) {
                Ok(points) => {
                    if !points.is_empty() {
                        ingest(WriteBatch::new(db, rp, points));
                    }
                    (204, String::new())
                }
                Err(m) => (400, m),
            }
        }
        ("/api/put", _) => (405, "Method Not Allowed".into()),
        _ => (404, "404 page not found".into()),
    };
    respond(reader.get_mut(), status, &text);
}

fn respond(w: &mut TcpStream, status: u16, text: &str) {
    let body = if text.is_empty() {
        String::new()
    } else {
        format!("{text}\n")
    };
    let _ = write!(
        w,
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        match status {
            204 => "No Content",
            400 => "Bad Request",
            405 => "Method Not Allowed",
            _ => "Not Found",
        },
        body.len()
    );
}

pub struct OpenTsdb {
    server: TcpServer,
}

impl OpenTsdb {
    pub fn start(c: &OpenTsdbConfig, ingest: Ingest) -> Result<OpenTsdb, InputError> {
        let addr = socket_addr(&c.bind_address);
        let bind_err = |source| InputError::Bind {
            section: SECTION,
            addr: c.bind_address.clone(),
            source,
        };
        let listener = TcpListener::bind(&addr).map_err(bind_err)?;
        let (db, rp) = (c.database.clone(), c.retention_policy.clone());
        let log_errors = c.log_point_errors;
        let parse: LineParser = {
            let (db, rp) = (db.clone(), rp.clone());
            Arc::new(move |line: &str, out: &mut Vec<Point>| {
                if line.trim() == "version" {
                    return;
                }
                match parse_put(line, &db, &rp) {
                    Ok(p) => out.push(p),
                    Err(e) if log_errors => tracing::info!(service = "opentsdb", "{e}"),
                    Err(_) => {}
                }
            })
        };
        let conn = Arc::new(move |stream: TcpStream| {
            let mut reader = BufReader::new(stream);
            let mut first = String::new();
            if reader.read_line(&mut first).unwrap_or(0) == 0 {
                return;
            }
            let line = first.trim_end();
            if line.ends_with("HTTP/1.1") || line.ends_with("HTTP/1.0") {
                serve_http(line, reader, &db, &rp, &ingest);
                return;
            }
            let mut points = Vec::new();
            if line == "version" {
                let _ = reader.get_mut().write_all(b"InfluxDB TSDB proxy");
            } else if !line.trim().is_empty() {
                parse(line, &mut points);
            }
            if !points.is_empty() {
                ingest(WriteBatch::new(&db, &rp, points));
            }
            read_lines(reader, &parse, &db, &rp, &ingest);
        });
        let server = TcpServer::start(listener, "opentsdb", conn).map_err(bind_err)?;
        tracing::info!(service = "opentsdb", addr = %c.bind_address, "Listening");
        Ok(OpenTsdb { server })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnet_puts_become_points() {
        let p = parse_put("put sys.cpu 1500000000 12.5 host=a dc=eu", "db", "rp").unwrap();
        assert_eq!(&*p.name, "sys.cpu");
        assert_eq!(p.time, 1_500_000_000_000_000_000);
        assert_eq!(p.field("value"), Some(&FieldValue::Float(12.5)));
        assert_eq!(p.tag("dc").map(|s| &**s), Some("eu"));
        let ms = parse_put("put m 1500000000123 1", "", "").unwrap();
        assert_eq!(
            ms.time, 1_500_000_000_000_123_000,
            "InfluxDB's ms remainder"
        );
        for bad in [
            "put m 150000000 1",
            "put m 1500000000 x",
            "put m 1500000000 1 nokv",
            "get m 1500000000 1",
        ] {
            assert!(parse_put(bad, "", "").is_err(), "{bad}");
        }
    }

    #[test]
    fn api_put_takes_an_object_or_an_array() {
        let one = parse_api_put(
            br#"{"metric":"m","timestamp":1500000000,"value":2,"tags":{"h":"x"}}"#,
            "d",
            "r",
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        let many = parse_api_put(
            br#"[{"metric":"m","timestamp":1500000000,"value":1},{"metric":"n","timestamp":1500000000001,"value":2}]"#,
            "d",
            "r",
        )
        .unwrap();
        assert_eq!(many[1].time, 1_500_000_000_000_001_000);
        assert_eq!(
            parse_api_put(b"x", "", "").unwrap_err(),
            "expected JSON array or hash"
        );
        assert_eq!(
            parse_api_put(b"{bad", "", "").unwrap_err(),
            "json object decode error"
        );
    }
}
