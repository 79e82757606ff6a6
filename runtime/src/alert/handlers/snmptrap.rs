//! `.snmpTrap(trapOid).data(oid, type, value)…`: an SNMPv2c trap to the
//! `[snmptrap]` address, as Kapacitor's snmptrap service sends it:
//! `sysUpTime.0` = TimeTicks 1000 (a constant in Kapacitor), `snmpTrapOID.0`
//! = the trap OID, then one varbind per `.data()`, whose value is a text
//! template over the alert's template data. Types: `c` Counter64, `i`
//! Integer (truncated to 32 bits as Go's `int32()`), `n` Null, `s` octet
//! string, `t` TimeTicks (truncated to 32 bits); `a d o u x` are refused
//! with Kapacitor's messages, anything else is an unknown type.
//! A trap is one unacknowledged UDP datagram, so `retries` has nothing to
//! repeat (snmpgo does not resend traps either).

use super::error::HandlerError;
use super::snmp_ber::{Oid, SnmpValue, Trap, SNMP_TRAP_OID, SYS_UP_TIME};
use super::{hargs, Handler};
use crate::alert::data;
use crate::alert::event::Event;
use crate::config::handlers::SnmpTrapConfig;
use crate::config::HandlerConfigs;
use crate::result::Cell;
use crate::template::{Mode, Struct, Template, Value};
use compiler::ir::{self, Arg};
use std::net::{ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

struct Data {
    oid: String,
    kind: String,
    value: Template,
}

pub struct SnmpTrapHandler {
    cfg: SnmpTrapConfig,
    trap_oid: String,
    data: Vec<Data>,
}

impl SnmpTrapHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<SnmpTrapHandler, HandlerError> {
        let trap_oid = hargs(h).into_iter().next().unwrap_or_default();
        let mut data = Vec::new();
        for p in h.props.iter().filter(|p| p.name == "data") {
            let arg = |i: usize| p.args.get(i).and_then(Arg::as_str).unwrap_or("");
            data.push(Data {
                oid: arg(0).to_string(),
                kind: arg(1).to_string(),
                value: Template::parse("data", arg(2), Mode::Text)?,
            });
        }
        Ok(SnmpTrapHandler {
            cfg: cfg.snmptrap.clone(),
            trap_oid,
            data,
        })
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)` and its error text.
fn parse_int(s: &str) -> Result<i64, HandlerError> {
    s.parse::<i64>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        HandlerError::Invalid(format!("strconv.ParseInt: parsing {s:?}: {why}"))
    })
}

/// A `.data()` value of type `kind` (Kapacitor's type letters).
pub fn typed_value(kind: &str, text: &str) -> Result<SnmpValue, HandlerError> {
    let unsupported = |what: &str| {
        Err(HandlerError::Invalid(format!(
            "Snmptrap Datatype '{what}' not supported"
        )))
    };
    // The casts are Go's conversions: uint64(), int32() and uint32() wrap.
    Ok(match kind {
        "c" => SnmpValue::Counter64(parse_int(text)? as u64),
        "i" => SnmpValue::Integer(parse_int(text)? as i32),
        "n" => SnmpValue::Null,
        "s" => SnmpValue::OctetString(text.as_bytes().to_vec()),
        "t" => SnmpValue::TimeTicks(parse_int(text)? as u32),
        "a" => return unsupported("IP address"),
        "d" => return unsupported("Decimal string"),
        "o" => return unsupported("Object ID"),
        "u" => return unsupported("Unsigned integer"),
        "x" => return unsupported("Hexadecimal string"),
        other => {
            return Err(HandlerError::Invalid(format!(
                "Snmptrap Datatype not known: {other}"
            )))
        }
    })
}

/// Kapacitor's `alert.TemplateData` (`event.TemplateData()`): the data the
/// `.data()` value templates see.
pub fn template_data(ev: &Event) -> Value {
    let row = &ev.data;
    let mut fields = Vec::new();
    if let Some((_, cells)) = row.values.first() {
        for (name, cell) in row.columns.iter().skip(1).zip(cells) {
            if let Cell::Field(f) = cell {
                fields.push((name.clone(), f.clone()));
            }
        }
    }
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let group = if ev.group.is_empty() {
        Value::str("nil")
    } else {
        Value::Str(ev.group.clone())
    };
    Value::Struct(Arc::new(Struct {
        type_name: "alert.TemplateData",
        fields: vec![
            ("Name", Value::Str(ev.name.clone())),
            ("TaskName", Value::Str(ev.task.clone())),
            ("Group", group),
            ("Tags", data::tags_value(&ev.tags)),
            ("ID", Value::str(&ev.id)),
            ("Fields", data::fields_value(&fields)),
            ("Level", Value::str(ev.level.as_str())),
            ("Time", Value::Time(ev.time)),
            ("Duration", Value::Duration(ev.duration)),
            ("Message", Value::str(&ev.message)),
        ],
    }))
}

/// Request IDs: any value is valid in a trap; distinct ones help a reader
/// tell traps apart.
fn request_id() -> i32 {
    static NEXT: AtomicI32 = AtomicI32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos() as i32);
    (seed.wrapping_add(n)) & 0x7fff_ffff
}

impl SnmpTrapHandler {
    /// The trap for `ev` (templates rendered, types converted).
    pub fn trap(&self, ev: &Event) -> Result<Trap, HandlerError> {
        let oid = Oid::parse(&self.trap_oid).map_err(|e| {
            HandlerError::Invalid(format!("invalid trap Oid {:?}: {e}", self.trap_oid))
        })?;
        let mut varbinds = vec![
            (Oid(SYS_UP_TIME.to_vec()), SnmpValue::TimeTicks(1000)),
            (Oid(SNMP_TRAP_OID.to_vec()), SnmpValue::Oid(oid)),
        ];
        let td = template_data(ev);
        for d in &self.data {
            let text = d.value.render(&td)?;
            let oid = Oid::parse(&d.oid)
                .map_err(|e| HandlerError::Invalid(format!("invalid data Oid {:?}: {e}", d.oid)))?;
            varbinds.push((oid, typed_value(&d.kind, &text)?));
        }
        Ok(Trap {
            community: self.cfg.community.as_bytes().to_vec(),
            request_id: request_id(),
            varbinds,
        })
    }
}

impl Handler for SnmpTrapHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        let bytes = self.trap(ev)?.encode();
        let what = || format!("failed to send SNMP trap to {}", self.cfg.addr);
        let resolved = self
            .cfg
            .addr
            .to_socket_addrs()
            .map_err(HandlerError::io(what()))?;
        let addr = crate::net_policy::allowed_addrs(resolved)
            .map_err(HandlerError::io(what()))?
            .into_iter()
            .next()
            .ok_or_else(|| HandlerError::Invalid(format!("{}: no address", what())))?;
        let local = if addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let sock = UdpSocket::bind(local).map_err(HandlerError::io(what()))?;
        sock.send_to(&bytes, addr)
            .map_err(HandlerError::io(what()))
            .map(|_| ())
    }
}
