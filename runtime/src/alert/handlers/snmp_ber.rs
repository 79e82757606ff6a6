//! The SNMPv2c trap message in BER (RFC 3416 PDUs, RFC 1905 wire form),
//! only what `.snmpTrap()` sends: the message, its SNMPv2-Trap-PDU and the
//! value types Kapacitor's snmptrap service emits. No SNMP crate fits
//! (they are agents/managers pulling in async stacks or large ASN.1
//! compilers); the encoding of these few types is small, and `decode`
//! reads it back for tests.

use std::fmt;

/// A varbind value (the types Kapacitor's `snmpgo` calls produce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnmpValue {
    Integer(i32),
    OctetString(Vec<u8>),
    Null,
    Oid(Oid),
    TimeTicks(u32),
    Counter64(u64),
}

/// An object identifier, as its sub-identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oid(pub Vec<u32>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidError(pub String);

impl fmt::Display for OidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Oid {
    /// Parses dotted text (`1.3.6.1.4.1`; a leading dot is allowed).
    pub fn parse(s: &str) -> Result<Oid, OidError> {
        let t = s.strip_prefix('.').unwrap_or(s);
        let subs = t
            .split('.')
            .map(|p| {
                p.parse::<u32>()
                    .map_err(|_| OidError(format!("the sub-identifier {p:?} is not a number")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if subs.len() < 2 {
            return Err(OidError("an OID needs at least two sub-identifiers".into()));
        }
        if subs[0] > 2 || (subs[0] < 2 && subs[1] >= 40) {
            return Err(OidError(format!(
                "the first two sub-identifiers {}.{} are out of range",
                subs[0], subs[1]
            )));
        }
        Ok(Oid(subs))
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// `sysUpTime.0` and `snmpTrapOID.0`, the two varbinds every v2 trap starts with.
pub const SYS_UP_TIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
pub const SNMP_TRAP_OID: &[u32] = &[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OBJECT_ID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const TIME_TICKS: u8 = 0x43;
const COUNTER64: u8 = 0x46;
/// `[7] IMPLICIT` constructed: SNMPv2-Trap-PDU.
const TRAP_V2: u8 = 0xa7;
/// `version-2c(1)` of the message header.
const VERSION_2C: i64 = 1;

fn tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// Two's complement, minimal length.
fn int_content(v: i64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let mut i = 0;
    while i < 7 && ((b[i] == 0 && b[i + 1] & 0x80 == 0) || (b[i] == 0xff && b[i + 1] & 0x80 != 0)) {
        i += 1;
    }
    b[i..].to_vec()
}

/// Unsigned, minimal length (a leading zero keeps the sign bit clear).
fn uint_content(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    let mut out = Vec::with_capacity(9);
    if b[skip] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&b[skip..]);
    out
}

fn oid_content(oid: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut base128 = |mut v: u32| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend(tmp);
    };
    base128(oid[0] * 40 + oid[1]);
    for &s in &oid[2..] {
        base128(s);
    }
    out
}

fn value(out: &mut Vec<u8>, v: &SnmpValue) {
    match v {
        SnmpValue::Integer(i) => tlv(out, INTEGER, &int_content(i64::from(*i))),
        SnmpValue::OctetString(s) => tlv(out, OCTET_STRING, s),
        SnmpValue::Null => tlv(out, NULL, &[]),
        SnmpValue::Oid(o) => tlv(out, OBJECT_ID, &oid_content(&o.0)),
        SnmpValue::TimeTicks(t) => tlv(out, TIME_TICKS, &uint_content(u64::from(*t))),
        SnmpValue::Counter64(c) => tlv(out, COUNTER64, &uint_content(*c)),
    }
}

/// A whole SNMPv2c trap message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub community: Vec<u8>,
    pub request_id: i32,
    pub varbinds: Vec<(Oid, SnmpValue)>,
}

impl Trap {
    pub fn encode(&self) -> Vec<u8> {
        let mut binds = Vec::new();
        for (oid, v) in &self.varbinds {
            let mut b = Vec::new();
            tlv(&mut b, OBJECT_ID, &oid_content(&oid.0));
            value(&mut b, v);
            tlv(&mut binds, SEQUENCE, &b);
        }
        let mut pdu = Vec::new();
        tlv(&mut pdu, INTEGER, &int_content(i64::from(self.request_id)));
        tlv(&mut pdu, INTEGER, &[0]); // error-status
        tlv(&mut pdu, INTEGER, &[0]); // error-index
        tlv(&mut pdu, SEQUENCE, &binds);
        let mut msg = Vec::new();
        tlv(&mut msg, INTEGER, &int_content(VERSION_2C));
        tlv(&mut msg, OCTET_STRING, &self.community);
        tlv(&mut msg, TRAP_V2, &pdu);
        let mut out = Vec::new();
        tlv(&mut out, SEQUENCE, &msg);
        out
    }

    /// Reads a message `encode` wrote (strict: anything else is an error).
    pub fn decode(bytes: &[u8]) -> Result<Trap, String> {
        let mut r = Reader(bytes);
        let mut msg = Reader(r.expect(SEQUENCE)?);
        if !r.0.is_empty() {
            return Err("trailing bytes after the message".into());
        }
        let version = read_int(msg.expect(INTEGER)?);
        if version != VERSION_2C {
            return Err(format!("version {version}, want 1 (v2c)"));
        }
        let community = msg.expect(OCTET_STRING)?.to_vec();
        let mut pdu = Reader(msg.expect(TRAP_V2)?);
        let request_id = read_int(pdu.expect(INTEGER)?) as i32;
        let status = read_int(pdu.expect(INTEGER)?);
        let index = read_int(pdu.expect(INTEGER)?);
        if (status, index) != (0, 0) {
            return Err(format!("error-status {status}, error-index {index}"));
        }
        let mut binds = Reader(pdu.expect(SEQUENCE)?);
        let mut varbinds = Vec::new();
        while !binds.0.is_empty() {
            let mut b = Reader(binds.expect(SEQUENCE)?);
            let oid = read_oid(b.expect(OBJECT_ID)?);
            let (tag, content) = b.any()?;
            let v = match tag {
                INTEGER => SnmpValue::Integer(read_int(content) as i32),
                OCTET_STRING => SnmpValue::OctetString(content.to_vec()),
                NULL => SnmpValue::Null,
                OBJECT_ID => SnmpValue::Oid(read_oid(content)),
                TIME_TICKS => SnmpValue::TimeTicks(read_uint(content) as u32),
                COUNTER64 => SnmpValue::Counter64(read_uint(content)),
                other => return Err(format!("unexpected value tag {other:#04x}")),
            };
            varbinds.push((oid, v));
        }
        Ok(Trap {
            community,
            request_id,
            varbinds,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn any(&mut self) -> Result<(u8, &'a [u8]), String> {
        let short = || "truncated BER".to_string();
        let (&tag, rest) = self.0.split_first().ok_or_else(short)?;
        let (&first, mut rest) = rest.split_first().ok_or_else(short)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 || rest.len() < n {
                return Err(short());
            }
            let (l, r) = rest.split_at(n);
            rest = r;
            l.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b))
        };
        if rest.len() < len {
            return Err(short());
        }
        let (content, rest) = rest.split_at(len);
        self.0 = rest;
        Ok((tag, content))
    }

    fn expect(&mut self, want: u8) -> Result<&'a [u8], String> {
        let (tag, content) = self.any()?;
        if tag != want {
            return Err(format!("tag {tag:#04x}, want {want:#04x}"));
        }
        Ok(content)
    }
}

fn read_int(c: &[u8]) -> i64 {
    let neg = c.first().is_some_and(|b| b & 0x80 != 0);
    c.iter()
        .fold(if neg { -1i64 } else { 0 }, |a, b| (a << 8) | i64::from(*b))
}

fn read_uint(c: &[u8]) -> u64 {
    c.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b))
}

fn read_oid(c: &[u8]) -> Oid {
    let mut subs = Vec::new();
    let mut cur = 0u32;
    for &b in c {
        cur = (cur << 7) | u32::from(b & 0x7f);
        if b & 0x80 == 0 {
            if subs.is_empty() {
                let first = (cur / 40).min(2);
                subs.push(first);
                subs.push(cur - first * 40);
            } else {
                subs.push(cur);
            }
            cur = 0;
        }
    }
    Oid(subs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_twos_complement() {
        assert_eq!(int_content(0), [0]);
        assert_eq!(int_content(127), [0x7f]);
        assert_eq!(int_content(128), [0x00, 0x80]);
        assert_eq!(int_content(-1), [0xff]);
        assert_eq!(int_content(-129), [0xff, 0x7f]);
        assert_eq!(uint_content(1000), [0x03, 0xe8]);
        assert_eq!(uint_content(0x80), [0x00, 0x80]);
        assert_eq!(
            uint_content(u64::MAX),
            [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        for v in [
            0i64,
            1,
            -1,
            255,
            -256,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        ] {
            assert_eq!(read_int(&int_content(v)), v);
        }
    }

    #[test]
    fn oids_encode_base128() {
        let o = Oid::parse("1.3.6.1.4.1.311.21").unwrap();
        assert_eq!(oid_content(&o.0), [0x2b, 6, 1, 4, 1, 0x82, 0x37, 21]);
        assert_eq!(read_oid(&oid_content(&o.0)), o);
        assert_eq!(Oid::parse(".1.3.6").unwrap().to_string(), "1.3.6");
        assert!(Oid::parse("1").is_err());
        assert!(Oid::parse("1.x.3").is_err());
        assert!(Oid::parse("3.1").is_err());
        assert!(Oid::parse("1.40").is_err());
    }

    #[test]
    fn a_trap_has_the_v2c_layout_and_round_trips() {
        let t = Trap {
            community: b"public".to_vec(),
            request_id: 7,
            varbinds: vec![
                (Oid(SYS_UP_TIME.to_vec()), SnmpValue::TimeTicks(1000)),
                (
                    Oid(SNMP_TRAP_OID.to_vec()),
                    SnmpValue::Oid(Oid::parse("1.1.1.1").unwrap()),
                ),
            ],
        };
        let b = t.encode();
        // SEQUENCE { INTEGER 1, OCTET STRING "public", [7] { INTEGER 7, 0, 0, ... } }
        assert_eq!(
            &b[..16],
            &[
                0x30, 0x3b, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa7,
                0x2e, 0x02
            ]
        );
        assert_eq!(Trap::decode(&b).unwrap(), t);
        assert!(Trap::decode(&b[..b.len() - 1]).is_err());
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        let mut out = Vec::new();
        tlv(&mut out, OCTET_STRING, &[b'x'; 300]);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let (tag, c) = Reader(&out).any().unwrap();
        assert_eq!((tag, c.len()), (OCTET_STRING, 300));
    }
}
