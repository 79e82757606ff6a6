//! `[collectd]` (InfluxDB's collectd service, which Kapacitor embeds):
//! collectd's binary network protocol over UDP (`bind-address`, default
//! `:25826`) into `database` (default `collectd`) / `retention-policy`. Each
//! value of a value list is one point (`parse-multivalue-plugin = "split"`,
//! the default): measurement `<plugin>_<data source name>` with the names from
//! `typesdb` (a types.db file or a directory of them, default
//! `/usr/share/collectd/types.db`; a type it lacks names a single value
//! `value`, several by index), tags `host`, `instance` (plugin instance),
//! `type`, `type_instance` (each only when non-empty), the float field `value`,
//! the packet's high-resolution time (or its seconds). `"join"` makes one point
//! per value list, measurement `<plugin>`, a field per data source. NaN values
//! are dropped. Signed packets are read without checking the signature
//! (`security-level = "none"`, the default); encrypted parts cannot be read
//! and are skipped, as are notifications.

use super::lines::UdpServer;
use super::{point, socket_addr, InputError};
use crate::udp::Ingest;
use runtime::engine::WriteBatch;
use runtime::message::{FieldValue, Point};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::UdpSocket;
use std::sync::Arc;

const SECTION: &str = "collectd";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct CollectdConfig {
    pub enabled: bool,
    pub bind_address: String,
    pub database: String,
    pub retention_policy: String,
    pub typesdb: String,
    pub security_level: String,
    pub parse_multivalue_plugin: String,
}

impl Default for CollectdConfig {
    fn default() -> Self {
        CollectdConfig {
            enabled: false,
            bind_address: ":25826".into(),
            database: "collectd".into(),
            retention_policy: String::new(),
            typesdb: "/usr/share/collectd/types.db".into(),
            security_level: "none".into(),
            parse_multivalue_plugin: "split".into(),
        }
    }
}

/// Data source names per type, from types.db lines `type ds:KIND:min:max, ...`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypesDb(HashMap<String, Vec<String>>);

impl TypesDb {
    pub fn parse(text: &str) -> TypesDb {
        let mut map = HashMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, rest)) = line.split_once(char::is_whitespace) else {
                continue;
            };
            let names = rest
                .split(',')
                .filter_map(|ds| ds.trim().split(':').next())
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect();
            map.insert(name.to_string(), names);
        }
        TypesDb(map)
    }

    /// A file, or every file of a directory.
    pub fn load(path: &str) -> Result<TypesDb, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("typesdb {path:?}: {e}"))?;
        let mut files = Vec::new();
        if meta.is_dir() {
            for e in std::fs::read_dir(path).map_err(|e| format!("typesdb {path:?}: {e}"))? {
                let e = e.map_err(|e| format!("typesdb {path:?}: {e}"))?;
                if e.path().is_file() {
                    files.push(e.path());
                }
            }
            files.sort();
        } else {
            files.push(path.into());
        }
        let mut db = TypesDb::default();
        for f in files {
            let text =
                std::fs::read_to_string(&f).map_err(|e| format!("typesdb {}: {e}", f.display()))?;
            db.0.extend(TypesDb::parse(&text).0);
        }
        Ok(db)
    }

    fn name(&self, kind: &str, index: usize, count: usize) -> String {
        match self.0.get(kind).and_then(|n| n.get(index)) {
            Some(n) => n.clone(),
            None if count == 1 => "value".into(),
            None => index.to_string(),
        }
    }
}

/// A packet collectd's binary protocol does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketError {
    /// A part header claims more (or less) than the packet holds.
    BadLength { part: u16 },
    /// A values part whose size does not match its count.
    BadValues,
    /// A value type other than counter, gauge, derive, absolute.
    UnknownValueType(u8),
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::BadLength { part } => write!(f, "part 0x{part:04x}: bad length"),
            PacketError::BadValues => f.write_str("values part: size does not match its count"),
            PacketError::UnknownValueType(t) => write!(f, "unknown value type {t}"),
        }
    }
}

impl std::error::Error for PacketError {}

/// One value list of a packet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueList {
    pub host: String,
    pub plugin: String,
    pub plugin_instance: String,
    pub kind: String,
    pub type_instance: String,
    /// Nanoseconds since the epoch.
    pub time: i64,
    pub values: Vec<f64>,
}

fn be_u64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b.try_into().unwrap_or([0; 8]))
}

/// collectd's high-resolution time (2^-30 s units) in nanoseconds, rounded.
fn cdtime_ns(t: u64) -> i64 {
    let secs = (t >> 30) as i64;
    let frac = ((t & 0x3fff_ffff) * 1_000_000_000 + (1 << 29)) >> 30;
    secs * 1_000_000_000 + frac as i64
}

/// The value lists of one packet; parts keep their values across lists, as
/// the protocol defines (a list repeats only what changed).
pub fn parse_packet(mut b: &[u8]) -> Result<Vec<ValueList>, PacketError> {
    let mut cur = ValueList::default();
    let mut out = Vec::new();
    let string = |p: &[u8]| {
        String::from_utf8_lossy(p.split(|c| *c == 0).next().unwrap_or_default()).into_owned()
    };
    while b.len() >= 4 {
        let part = u16::from_be_bytes([b[0], b[1]]);
        let len = u16::from_be_bytes([b[2], b[3]]) as usize;
        if len < 4 || len > b.len() {
            return Err(PacketError::BadLength { part });
        }
        let payload = &b[4..len];
        match part {
            0x0000 => cur.host = string(payload),
            0x0001 => cur.time = (be_u64(payload) as i64).saturating_mul(1_000_000_000),
            0x0008 => cur.time = cdtime_ns(be_u64(payload)),
            0x0002 => cur.plugin = string(payload),
            0x0003 => cur.plugin_instance = string(payload),
            0x0004 => cur.kind = string(payload),
            0x0005 => cur.type_instance = string(payload),
            0x0006 => {
                if payload.len() < 2 {
                    return Err(PacketError::BadValues);
                }
                let n = u16::from_be_bytes([payload[0], payload[1]]) as usize;
                if payload.len() != 2 + n * 9 {
                    return Err(PacketError::BadValues);
                }
                let kinds = &payload[2..2 + n];
                let data = &payload[2 + n..];
                let mut values = Vec::with_capacity(n);
                for (i, k) in kinds.iter().enumerate() {
                    let raw: [u8; 8] = data[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]);
                    values.push(match k {
                        0 | 3 => u64::from_be_bytes(raw) as f64,
                        // Gauges are the one little-endian value.
                        1 => f64::from_le_bytes(raw),
                        2 => i64::from_be_bytes(raw) as f64,
                        other => return Err(PacketError::UnknownValueType(*other)),
                    });
                }
                out.push(ValueList {
                    values,
                    ..cur.clone()
                });
            }
            // Interval, notifications, signature, encryption: nothing to keep.
            _ => {}
        }
        b = &b[len..];
    }
    Ok(out)
}

/// The points of one value list.
pub fn points(vl: &ValueList, types: &TypesDb, join: bool, db: &str, rp: &str) -> Vec<Point> {
    let mut tags = BTreeMap::new();
    for (k, v) in [
        ("host", &vl.host),
        ("instance", &vl.plugin_instance),
        ("type", &vl.kind),
        ("type_instance", &vl.type_instance),
    ] {
        if !v.is_empty() {
            tags.insert(k.to_string(), v.clone());
        }
    }
    let n = vl.values.len();
    let named = vl
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .map(|(i, v)| (types.name(&vl.kind, i, n), *v));
    if join {
        let fields: BTreeMap<String, FieldValue> = named
            .map(|(name, v)| (name, FieldValue::Float(v)))
            .collect();
        if fields.is_empty() {
            return Vec::new();
        }
        return vec![point(&vl.plugin, &tags, &fields, vl.time, db, rp)];
    }
    named
        .map(|(name, v)| {
            let fields = BTreeMap::from([("value".to_string(), FieldValue::Float(v))]);
            point(
                &format!("{}_{name}", vl.plugin),
                &tags,
                &fields,
                vl.time,
                db,
                rp,
            )
        })
        .collect()
}

pub struct Collectd {
    server: UdpServer,
}

impl Collectd {
    pub fn start(c: &CollectdConfig, ingest: Ingest) -> Result<Collectd, InputError> {
        let invalid = |message: String| InputError::Invalid {
            section: SECTION,
            message,
        };
        let join = match c.parse_multivalue_plugin.as_str() {
            "split" | "" => false,
            "join" => true,
            other => {
                return Err(invalid(format!(
                    "invalid parse-multivalue-plugin {other:?}: must be \"split\" or \"join\""
                )))
            }
        };
        match c.security_level.as_str() {
            "none" | "" => {}
            other => {
                return Err(invalid(format!(
                    "security-level {other:?} is not supported (only \"none\")"
                )))
            }
        }
        let types = Arc::new(TypesDb::load(&c.typesdb).map_err(invalid)?);
        let bind_err = |source| InputError::Bind {
            section: SECTION,
            addr: c.bind_address.clone(),
            source,
        };
        let socket = UdpSocket::bind(socket_addr(&c.bind_address)).map_err(bind_err)?;
        let (db, rp) = (c.database.clone(), c.retention_policy.clone());
        let server = UdpServer::start(
            socket,
            "collectd",
            move |datagram: &[u8]| match parse_packet(datagram) {
                Ok(lists) => {
                    let pts: Vec<Point> = lists
                        .iter()
                        .flat_map(|vl| points(vl, &types, join, &db, &rp))
                        .collect();
                    if !pts.is_empty() {
                        ingest(WriteBatch::new(&db, &rp, pts));
                    }
                }
                Err(e) => tracing::info!(service = "collectd", "Collectd parse error: {e}"),
            },
        )
        .map_err(bind_err)?;
        tracing::info!(service = "collectd", addr = %c.bind_address, "Listening on UDP");
        Ok(Collectd { server })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part_str(kind: u16, s: &str) -> Vec<u8> {
        let mut v = kind.to_be_bytes().to_vec();
        v.extend(((s.len() + 5) as u16).to_be_bytes());
        v.extend(s.as_bytes());
        v.push(0);
        v
    }

    #[test]
    fn a_packet_becomes_one_point_per_value() {
        let mut p = part_str(0, "h1");
        p.extend([0, 8, 0, 12]);
        p.extend(((1_500_000_000u64 << 30) | (1 << 29)).to_be_bytes());
        p.extend(part_str(2, "load"));
        p.extend(part_str(4, "load"));
        p.extend([0, 6, 0, (4 + 2 + 3 * 9) as u8, 0, 3, 1, 1, 2]);
        p.extend(0.5f64.to_le_bytes());
        p.extend(f64::NAN.to_le_bytes());
        p.extend(7i64.to_be_bytes());
        let lists = parse_packet(&p).unwrap();
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].time, 1_500_000_000_500_000_000);
        let types = TypesDb::parse(
            "load shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, longterm:GAUGE:0:5000\n",
        );
        let pts = points(&lists[0], &types, false, "d", "r");
        let names: Vec<&str> = pts.iter().map(|p| &*p.name).collect();
        assert_eq!(names, ["load_shortterm", "load_longterm"], "NaN dropped");
        assert_eq!(pts[1].field("value"), Some(&FieldValue::Float(7.0)));
        assert_eq!(pts[0].tag("host").map(|s| &**s), Some("h1"));
        assert_eq!(pts[0].tag("type").map(|s| &**s), Some("load"));
        assert!(pts[0].tag("instance").is_none());
        let joined = points(&lists[0], &types, true, "d", "r");
        assert_eq!(&*joined[0].name, "load");
        assert_eq!(joined[0].fields.len(), 2);
        assert_eq!(
            parse_packet(&[0, 0, 0, 99]),
            Err(PacketError::BadLength { part: 0 })
        );
    }
}
