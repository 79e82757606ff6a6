//! A write entering any node is published once to the stream: one message
//! per (db, rp, measurement) of the write, in the order the measurements
//! first appear, on subject `kapacitor.write.<db>.<rp>.<measurement>` with
//! the names as `subjects::token`s. The body is the points as line protocol
//! with explicit nanosecond timestamps (a point written without one got the
//! receiving node's time, and a replay must see that same time); the
//! database and retention policy ride in headers, as written.
//!
//! The caller answers the client only after `publish` returned: every
//! message is then stored by JetStream (its replicas included).

use super::subjects::write_subject;
use super::{nats, Cluster, ClusterError, ClusterStats};
use runtime::engine::WriteBatch;
use runtime::line_protocol::{write_line, Precision};

pub const HEADER_DB: &str = "Kapacitor-Db";
pub const HEADER_RP: &str = "Kapacitor-Rp";

/// Messages stay well below NATS's default 1 MiB payload limit.
const MAX_MESSAGE_BYTES: usize = 512 * 1024;

/// The messages of one write: (measurement, lines), each under the size bound.
pub fn messages(batch: &WriteBatch) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for p in &batch.points {
        let i = match out
            .iter()
            .rposition(|(m, body)| *m == &*p.name && body.len() < MAX_MESSAGE_BYTES)
        {
            Some(i) => i,
            None => {
                out.push((&p.name, String::new()));
                out.len() - 1
            }
        };
        let body = &mut out[i].1;
        if !body.is_empty() {
            body.push('\n');
        }
        write_line(body, p, Precision::Nanoseconds);
    }
    out
}

/// Publish `batch`; returns once JetStream acknowledged every message.
pub async fn publish(cluster: &Cluster, batch: &WriteBatch) -> Result<(), ClusterError> {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(HEADER_DB, &*batch.database);
    headers.insert(HEADER_RP, &*batch.retention_policy);
    let mut acks = Vec::new();
    let msgs = messages(batch);
    let n = msgs.len() as u64;
    for (m, body) in msgs {
        let subject = write_subject(&batch.database, &batch.retention_policy, m);
        let ack = cluster
            .js
            .publish_with_headers(subject, headers.clone(), body.into())
            .await
            .map_err(|e| {
                ClusterStats::add(&cluster.stats.publish_errors, 1);
                nats(e)
            })?;
        acks.push(ack);
    }
    for ack in acks {
        ack.await.map_err(|e| {
            ClusterStats::add(&cluster.stats.publish_errors, 1);
            nats(e)
        })?;
    }
    ClusterStats::add(&cluster.stats.writes_published, n);
    ClusterStats::add(&cluster.stats.points_published, batch.points.len() as u64);
    Ok(())
}

/// Run `f` to completion from synchronous code on any thread: a runtime
/// worker (moved off it first), a blocking-pool thread or an engine worker.
pub fn wait<F: std::future::Future>(handle: &tokio::runtime::Handle, f: F) -> F::Output {
    tokio::task::block_in_place(|| handle.block_on(f))
}

/// The points of a stream message, parsed back (`None` when its headers are
/// missing: not written by this version).
pub fn decode(headers: Option<&async_nats::HeaderMap>, payload: &[u8]) -> Option<WriteBatch> {
    let h = headers?;
    let db = h.get(HEADER_DB)?.as_str();
    let rp = h.get(HEADER_RP).map(|v| v.as_str()).unwrap_or("");
    let text = std::str::from_utf8(payload).ok()?;
    let mut parser = runtime::line_protocol::Parser::new(db, rp, Precision::Nanoseconds);
    let mut points = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        match parser.parse_line(line, i + 1) {
            Some(Ok(p)) => points.push(p),
            Some(Err(e)) => {
                tracing::error!(
                    "cluster: unparsable line in the stream: {}: {}",
                    e.text,
                    e.reason
                )
            }
            None => {}
        }
    }
    Some(WriteBatch::new(db, rp, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_splits_by_measurement_and_parses_back_the_same() {
        let mut parser = runtime::line_protocol::Parser::new("db", "rp", Precision::Seconds);
        let text = "cpu,host=a value=1 10\nmem free=2i 11\ncpu,host=b value=1.5,s=\"x y\" 12\nm\\ e\\,x v=true 13";
        let points: Vec<_> = text
            .split('\n')
            .enumerate()
            .filter_map(|(i, l)| parser.parse_line(l, i + 1).map(|r| r.unwrap()))
            .collect();
        let batch = WriteBatch::new("db", "rp", points);
        let msgs = messages(&batch);
        let names: Vec<&str> = msgs.iter().map(|(m, _)| *m).collect();
        assert_eq!(names, ["cpu", "mem", "m e,x"]);
        let mut h = async_nats::HeaderMap::new();
        h.insert(HEADER_DB, "db");
        h.insert(HEADER_RP, "rp");
        let mut back = Vec::new();
        for (_, body) in &msgs {
            back.extend(decode(Some(&h), body.as_bytes()).unwrap().points);
        }
        let mut want: Vec<_> = batch.points.iter().map(|p| (**p).clone()).collect();
        // Grouping keeps each measurement's order; the cpu points come first.
        want.swap(1, 2);
        let back: Vec<_> = back.iter().map(|p| (**p).clone()).collect();
        assert_eq!(back, want);
    }
}
