//! `[[udp]]` (Kapacitor's `services/udp`): line protocol datagrams on
//! `bind-address`, written into `database`/`retention-policy`. The listener
//! is the one InfluxDB UDP subscriptions use (`crate::udp`). Keys: `enabled`,
//! `bind-address`, `database` (required), `retention-policy`, `buffer`
//! (packets queued, Kapacitor's 1000), `read-buffer` (SO_RCVBUF, 0 = the
//! system's); `precision` (as InfluxDB's UDP service; default nanoseconds)
//! is accepted too.

use super::InputError;
use crate::udp::{Ingest, UdpListener};
use runtime::line_protocol::Precision;
use serde::Deserialize;

const SECTION: &str = "udp";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct UdpConfig {
    pub enabled: bool,
    pub bind_address: String,
    pub database: String,
    pub retention_policy: String,
    pub precision: String,
    pub buffer: usize,
    pub read_buffer: usize,
}

impl Default for UdpConfig {
    fn default() -> Self {
        UdpConfig {
            enabled: false,
            bind_address: String::new(),
            database: String::new(),
            retention_policy: String::new(),
            precision: String::new(),
            buffer: 1000,
            read_buffer: 0,
        }
    }
}

pub struct UdpInput {
    pub listener: UdpListener,
}

impl UdpInput {
    pub fn start(c: &UdpConfig, ingest: Ingest) -> Result<UdpInput, InputError> {
        let invalid = |message: &str| InputError::Invalid {
            section: SECTION,
            message: message.into(),
        };
        if c.bind_address.is_empty() {
            return Err(invalid("bind address has to be specified in config"));
        }
        if c.database.is_empty() {
            return Err(invalid("database has to be specified in config"));
        }
        let precision = Precision::parse(&c.precision)
            .ok_or_else(|| invalid(&format!("invalid precision {:?}", c.precision)))?;
        let (host, port) = c
            .bind_address
            .rsplit_once(':')
            .ok_or_else(|| invalid(&format!("missing port in address {}", c.bind_address)))?;
        let port: u16 = port
            .parse()
            .map_err(|_| invalid(&format!("invalid port in address {}", c.bind_address)))?;
        let buffer = if c.buffer == 0 { 1000 } else { c.buffer };
        let listener = UdpListener::start_with_precision(
            host,
            port,
            &c.database,
            &c.retention_policy,
            precision,
            buffer,
            c.read_buffer,
            ingest,
        )
        .map_err(|e| InputError::Bind {
            section: SECTION,
            addr: c.bind_address.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        tracing::info!(service = "udp", addr = %c.bind_address, "Started listening on UDP");
        Ok(UdpInput { listener })
    }

    pub fn port(&self) -> u16 {
        self.listener.port()
    }
}
