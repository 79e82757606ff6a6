//! Names in NATS: the write stream's subjects and the keys of the buckets.
//!
//! A subject token may not hold `.`, `*`, `>` or whitespace, and a KV key
//! only `[-/_=.a-zA-Z0-9]`; databases, retention policies, measurements,
//! task IDs and alert IDs may hold anything. So each name becomes one token
//! in which every byte outside `[A-Za-z0-9-]` is written `_XX` (two upper-case
//! hex digits; `_` itself is `_5F`), and the empty name is `_`. The mapping
//! is one-to-one, so two names never share a subject or a key.

/// The stream every write is published to.
pub const STREAM: &str = "KAPACITOR_WRITES";
/// Its subjects: `kapacitor.write.<db>.<rp>.<measurement>`.
pub const WRITE_PREFIX: &str = "kapacitor.write";

/// `name` as one subject token / key segment.
pub fn token(name: &str) -> String {
    if name.is_empty() {
        return "_".into();
    }
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02X}"));
        }
    }
    out
}

/// The inverse of `token` (`None` for text `token` never writes).
pub fn untoken(t: &str) -> Option<String> {
    if t == "_" {
        return Some(String::new());
    }
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'_' {
            let hex = t.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `s` is already a valid token as written (node IDs are used as is).
pub fn is_plain_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The subject of the points of (db, rp, measurement).
pub fn write_subject(db: &str, rp: &str, measurement: &str) -> String {
    format!(
        "{WRITE_PREFIX}.{}.{}.{}",
        token(db),
        token(rp),
        token(measurement)
    )
}

/// The one filter subject a task's consumer reads (nats-server 2.9 allows
/// one per consumer): exact when the task reads one (db, rp) and one
/// measurement, every measurement of its (db, rp) when it reads one pair,
/// else the whole stream — the engine's routing then drops what the task
/// does not read, so a wide filter costs bandwidth, never correctness.
pub fn task_filter(sub: &runtime::engine::Subscription) -> String {
    match (sub.dbrps.as_slice(), sub.measurements.as_deref()) {
        ([(db, rp)], Some([m])) => write_subject(db, rp, m),
        ([(db, rp)], _) => format!("{WRITE_PREFIX}.{}.{}.*", token(db), token(rp)),
        _ => format!("{WRITE_PREFIX}.>"),
    }
}

/// A task's durable consumer name.
pub fn consumer_name(task: &str) -> String {
    format!("task-{}", token(task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_stay_valid() {
        for name in ["", "cpu", "a.b", "x y*>", "_", "é,\u{0}", "autogen", "__5F"] {
            let t = token(name);
            assert!(
                t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{t}"
            );
            assert_eq!(untoken(&t).as_deref(), Some(name));
        }
        assert_ne!(token("_"), token(""));
        assert_eq!(
            write_subject("db", "", "c.p u"),
            "kapacitor.write.db._.c_2Ep_20u"
        );
    }

    #[test]
    fn filters_are_as_narrow_as_one_subject_allows() {
        let sub = |dbrps: &[(&str, &str)], ms: Option<&[&str]>| runtime::engine::Subscription {
            dbrps: dbrps
                .iter()
                .map(|(d, r)| ((*d).into(), (*r).into()))
                .collect(),
            measurements: ms.map(|v| v.iter().map(|m| (*m).into()).collect()),
        };
        assert_eq!(
            task_filter(&sub(&[("db", "rp")], Some(&["cpu"]))),
            "kapacitor.write.db.rp.cpu"
        );
        assert_eq!(
            task_filter(&sub(&[("db", "rp")], Some(&["cpu", "mem"]))),
            "kapacitor.write.db.rp.*"
        );
        assert_eq!(
            task_filter(&sub(&[("db", "rp")], None)),
            "kapacitor.write.db.rp.*"
        );
        assert_eq!(
            task_filter(&sub(&[("a", "r"), ("b", "r")], None)),
            "kapacitor.write.>"
        );
    }
}
