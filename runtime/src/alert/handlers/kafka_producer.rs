//! A small blocking Kafka producer for the `.kafka()` handler: one per
//! `[[kafka]]` cluster, shared by every handler of the process, holding a
//! connection per broker and the partition leaders of the topics it wrote.
//!
//! The wire messages and the v2 record batch come from the `kafka-protocol`
//! crate (pure Rust; no librdkafka). The flow is a client's: `ApiVersions`
//! on connect (the broker must take Produce v3 and Metadata v4, which every
//! broker since 1.0 and Kafka 4 do), SASL/PLAIN when configured, `Metadata`
//! for the topic's partitions and leaders, then `Produce` (acks = 1,
//! sarama's default `WaitForLocal`) of one record to the partition the
//! key hashes to. A send that fails on a broker connection or on stale
//! leadership refreshes the metadata and is tried once more.
//!
//! With `use-ssl` the connections are TLS (`tls_client.rs`), the broker's
//! certificate checked against `ssl-ca` for the host named in `brokers`.
//!
//! Unlike Kapacitor's sarama async producer, each alert is produced and
//! acknowledged before the handler returns: `batch-size`/`batch-timeout`
//! are not used (partial), and a failure is the handler's error instead of
//! a log line.

use crate::config::handlers::KafkaConfig;
use bytes::{Bytes, BytesMut};
use kafka_protocol::indexmap::IndexMap;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
    ProduceRequest, ProduceResponse, RequestHeader, ResponseHeader, SaslAuthenticateRequest,
    SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const PRODUCE_VERSION: i16 = 3;
const METADATA_VERSION: i16 = 4;
const API_VERSIONS_VERSION: i16 = 0;
const SASL_HANDSHAKE_VERSION: i16 = 1;
const SASL_AUTHENTICATE_VERSION: i16 = 0;
/// A response larger than this is not one of ours.
const MAX_RESPONSE: usize = 64 << 20;

/// Why a message could not be produced.
#[derive(Debug)]
pub enum KafkaError {
    /// The cluster's configuration cannot be used (no brokers, an
    /// unsupported option).
    Config(String),
    /// A broker could not be reached or the connection broke.
    Io {
        broker: String,
        source: std::io::Error,
    },
    /// A broker's answer was not a valid Kafka response.
    Protocol { broker: String, message: String },
    /// The broker answered with a Kafka error code.
    Broker { what: String, code: i16 },
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KafkaError::Config(m) => f.write_str(m),
            KafkaError::Io { broker, source } => write!(f, "kafka broker {broker}: {source}"),
            KafkaError::Protocol { broker, message } => {
                write!(f, "kafka broker {broker}: {message}")
            }
            KafkaError::Broker { what, code } => {
                write!(f, "{what}: kafka error code {code} ({})", error_name(*code))
            }
        }
    }
}

impl std::error::Error for KafkaError {}

/// Names of the error codes a producer meets (Kafka's protocol guide).
fn error_name(code: i16) -> &'static str {
    match code {
        1 => "OFFSET_OUT_OF_RANGE",
        2 => "CORRUPT_MESSAGE",
        3 => "UNKNOWN_TOPIC_OR_PARTITION",
        5 => "LEADER_NOT_AVAILABLE",
        6 => "NOT_LEADER_OR_FOLLOWER",
        7 => "REQUEST_TIMED_OUT",
        10 => "MESSAGE_TOO_LARGE",
        17 => "INVALID_TOPIC_EXCEPTION",
        19 => "NOT_ENOUGH_REPLICAS",
        29 => "TOPIC_AUTHORIZATION_FAILED",
        31 => "CLUSTER_AUTHORIZATION_FAILED",
        33 => "UNSUPPORTED_SASL_MECHANISM",
        34 => "ILLEGAL_SASL_STATE",
        58 => "SASL_AUTHENTICATION_FAILED",
        _ => "see the Kafka protocol guide",
    }
}

/// Codes after which fresh metadata may help.
fn retriable(code: i16) -> bool {
    matches!(code, 3 | 5 | 6 | 7 | 19)
}

/// How a record's key picks its partition (Kapacitor's partitioners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioner {
    /// `crc32` (the default): IEEE CRC-32 of the key, modulo, sign bit cleared.
    Crc32,
    /// `murmur2`: Kafka's Java murmur2, sign bit cleared, modulo.
    Murmur2,
    /// `murmur3`: sarama's hash partitioner over murmur3-32.
    Murmur3,
    /// `fnv-1a`: sarama's default hash partitioner (also what Kapacitor
    /// uses with `disablePartitionById`, as it leaves sarama's default).
    Fnv1a,
}

impl Partitioner {
    /// Kapacitor's `partitionAlgorithm` names; `None` for an unknown one.
    pub fn by_name(name: &str) -> Option<Partitioner> {
        Some(match name {
            "" | "crc32" => Partitioner::Crc32,
            "murmur2" => Partitioner::Murmur2,
            "murmur3" => Partitioner::Murmur3,
            "fnv-1a" => Partitioner::Fnv1a,
            _ => return None,
        })
    }

    /// The partition of `key` among `n` (> 0).
    pub fn partition(self, key: &[u8], n: i32) -> i32 {
        let n_u = n as u32;
        match self {
            Partitioner::Crc32 => ((crc32fast::hash(key) % n_u) & 0x7fff_ffff) as i32,
            Partitioner::Murmur2 => ((murmur2(key) & 0x7fff_ffff) % n_u) as i32,
            Partitioner::Murmur3 => sarama_hash(murmur3_32(key), n),
            Partitioner::Fnv1a => sarama_hash(fnv1a_32(key), n),
        }
    }
}

/// sarama's `hashPartitioner`: `int32(hash) % n`, negated when negative.
fn sarama_hash(h: u32, n: i32) -> i32 {
    let p = (h as i32) % n;
    if p < 0 {
        -p
    } else {
        p
    }
}

/// Kafka's Java `Utils.murmur2`.
pub fn murmur2(data: &[u8]) -> u32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// MurmurHash3 x86 32-bit, seed 0.
pub fn murmur3_32(data: &[u8]) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h: u32 = 0;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let rest = chunks.remainder();
    let mut k: u32 = 0;
    for (i, b) in rest.iter().enumerate() {
        k ^= u32::from(*b) << (8 * i);
    }
    if !rest.is_empty() {
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// 32-bit FNV-1a.
pub fn fnv1a_32(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// A broker connection's byte stream: plain, or TLS with `use-ssl`.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// One broker connection.
struct Conn {
    addr: String,
    stream: Stream,
    correlation: i32,
    client_id: StrBytes,
}

impl Conn {
    fn open(addr: &str, cfg: &KafkaConfig, timeout: Duration) -> Result<Conn, KafkaError> {
        let io = |source| KafkaError::Io {
            broker: addr.to_string(),
            source,
        };
        let sock = crate::net_policy::allowed_addrs(addr.to_socket_addrs().map_err(io)?)
            .map_err(io)?
            .into_iter()
            .next()
            .ok_or_else(|| KafkaError::Config(format!("kafka broker {addr}: no address")))?;
        let stream = TcpStream::connect_timeout(&sock, timeout).map_err(io)?;
        stream.set_read_timeout(Some(timeout)).map_err(io)?;
        stream.set_write_timeout(Some(timeout)).map_err(io)?;
        let _ = stream.set_nodelay(true);
        let stream = if cfg.use_ssl {
            let config = super::tls_client::client_config(
                &cfg.ssl_ca,
                &cfg.ssl_cert,
                &cfg.ssl_key,
                cfg.insecure_skip_verify,
            )
            .map_err(|e| KafkaError::Config(e.to_string()))?;
            let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let name = super::tls_client::server_name(host)
                .map_err(|e| KafkaError::Config(e.to_string()))?;
            let conn =
                rustls::ClientConnection::new(config, name).map_err(|e| KafkaError::Protocol {
                    broker: addr.to_string(),
                    message: format!("TLS: {e}"),
                })?;
            Stream::Tls(Box::new(rustls::StreamOwned::new(conn, stream)))
        } else {
            Stream::Plain(stream)
        };
        let mut c = Conn {
            addr: addr.to_string(),
            stream,
            correlation: 0,
            client_id: StrBytes::from_string(cfg.id.clone()),
        };
        c.check_versions()?;
        c.authenticate(cfg)?;
        Ok(c)
    }

    fn protocol(&self, message: impl Into<String>) -> KafkaError {
        KafkaError::Protocol {
            broker: self.addr.clone(),
            message: message.into(),
        }
    }

    /// One request and its response.
    fn call<Req, Resp>(&mut self, key: ApiKey, version: i16, req: &Req) -> Result<Resp, KafkaError>
    where
        Req: Encodable + HeaderVersion,
        Resp: Decodable + HeaderVersion,
    {
        self.correlation = self.correlation.wrapping_add(1);
        let mut header = RequestHeader::default();
        header.request_api_key = key as i16;
        header.request_api_version = version;
        header.correlation_id = self.correlation;
        header.client_id = Some(self.client_id.clone());
        let mut body = BytesMut::new();
        header
            .encode(&mut body, Req::header_version(version))
            .and_then(|_| req.encode(&mut body, version))
            .map_err(|e| self.protocol(format!("encoding {key:?}: {e}")))?;
        let mut frame = Vec::with_capacity(body.len() + 4);
        frame.extend_from_slice(&(body.len() as i32).to_be_bytes());
        frame.extend_from_slice(&body);
        let io = |source| KafkaError::Io {
            broker: self.addr.clone(),
            source,
        };
        self.stream.write_all(&frame).map_err(io)?;
        self.stream.flush().map_err(io)?;
        let mut len = [0u8; 4];
        self.stream.read_exact(&mut len).map_err(io)?;
        let len = i32::from_be_bytes(len);
        if len < 0 || len as usize > MAX_RESPONSE {
            return Err(self.protocol(format!("bad response size {len}")));
        }
        let mut buf = vec![0u8; len as usize];
        self.stream.read_exact(&mut buf).map_err(io)?;
        let mut bytes = Bytes::from(buf);
        let rh = ResponseHeader::decode(&mut bytes, Resp::header_version(version))
            .map_err(|e| self.protocol(format!("decoding the {key:?} response header: {e}")))?;
        if rh.correlation_id != self.correlation {
            return Err(self.protocol(format!(
                "response to request {} answered request {}",
                self.correlation, rh.correlation_id
            )));
        }
        Resp::decode(&mut bytes, version)
            .map_err(|e| self.protocol(format!("decoding the {key:?} response: {e}")))
    }

    fn check_versions(&mut self) -> Result<(), KafkaError> {
        let resp: ApiVersionsResponse = self.call(
            ApiKey::ApiVersions,
            API_VERSIONS_VERSION,
            &ApiVersionsRequest::default(),
        )?;
        if resp.error_code != 0 {
            return Err(KafkaError::Broker {
                what: format!("kafka broker {}: ApiVersions", self.addr),
                code: resp.error_code,
            });
        }
        for (key, v) in [
            (ApiKey::Produce, PRODUCE_VERSION),
            (ApiKey::Metadata, METADATA_VERSION),
        ] {
            let ok = resp
                .api_keys
                .iter()
                .any(|k| k.api_key == key as i16 && k.min_version <= v && v <= k.max_version);
            if !ok {
                return Err(self.protocol(format!("the broker does not take {key:?} v{v}")));
            }
        }
        Ok(())
    }

    /// SASL as Kapacitor configures sarama: enabled by a username or a
    /// mechanism; PLAIN when no mechanism is named.
    fn authenticate(&mut self, cfg: &KafkaConfig) -> Result<(), KafkaError> {
        if cfg.sasl_username.is_empty() && cfg.sasl_mechanism.is_empty() {
            return Ok(());
        }
        let mechanism = if cfg.sasl_mechanism.is_empty() {
            "PLAIN"
        } else {
            cfg.sasl_mechanism.as_str()
        };
        if mechanism != "PLAIN" {
            return Err(KafkaError::Config(format!(
                "kafka cluster {:?}: SASL mechanism {mechanism} is not supported yet (only PLAIN)",
                cfg.id
            )));
        }
        if cfg.sasl_version == Some(0) {
            return Err(KafkaError::Config(format!(
                "kafka cluster {:?}: sasl-version 0 is not supported yet (only 1)",
                cfg.id
            )));
        }
        let mut hs = SaslHandshakeRequest::default();
        hs.mechanism = StrBytes::from_static_str("PLAIN");
        let resp: SaslHandshakeResponse =
            self.call(ApiKey::SaslHandshake, SASL_HANDSHAKE_VERSION, &hs)?;
        if resp.error_code != 0 {
            return Err(KafkaError::Broker {
                what: format!("kafka broker {}: SASL handshake", self.addr),
                code: resp.error_code,
            });
        }
        let mut token = Vec::new();
        token.push(0);
        token.extend_from_slice(cfg.sasl_username.as_bytes());
        token.push(0);
        token.extend_from_slice(cfg.sasl_password.as_bytes());
        let mut auth = SaslAuthenticateRequest::default();
        auth.auth_bytes = Bytes::from(token);
        let resp: SaslAuthenticateResponse =
            self.call(ApiKey::SaslAuthenticate, SASL_AUTHENTICATE_VERSION, &auth)?;
        if resp.error_code != 0 {
            let msg = resp
                .error_message
                .map(|m| m.to_string())
                .unwrap_or_default();
            return Err(KafkaError::Broker {
                what: format!(
                    "kafka broker {}: SASL authentication failed: {msg}",
                    self.addr
                ),
                code: resp.error_code,
            });
        }
        Ok(())
    }
}

/// A topic's partitions and the broker address leading each.
#[derive(Debug, Clone)]
struct TopicLayout {
    /// (partition index, leader address), by index.
    partitions: Vec<(i32, String)>,
}

#[derive(Default)]
struct ClusterState {
    conns: HashMap<String, Conn>,
    topics: HashMap<String, TopicLayout>,
}

/// A `[[kafka]]` cluster's producer.
pub struct Producer {
    config: KafkaConfig,
    timeout: Duration,
    state: Mutex<ClusterState>,
}

impl Producer {
    fn new(config: &KafkaConfig) -> Result<Producer, KafkaError> {
        if config.brokers.is_empty() {
            return Err(KafkaError::Config(
                "no brokers specified, must provide at least one broker URL".into(),
            ));
        }
        let t = config.timeout.nanos();
        let timeout = if t > 0 {
            Duration::from_nanos(t as u64)
        } else {
            Duration::from_secs(10)
        };
        Ok(Producer {
            config: config.clone(),
            timeout,
            state: Mutex::new(ClusterState::default()),
        })
    }

    fn conn<'a>(&self, st: &'a mut ClusterState, addr: &str) -> Result<&'a mut Conn, KafkaError> {
        if !st.conns.contains_key(addr) {
            let c = Conn::open(addr, &self.config, self.timeout)?;
            st.conns.insert(addr.to_string(), c);
        }
        Ok(st.conns.get_mut(addr).expect("inserted above"))
    }

    /// The topic's layout from the first broker that answers.
    fn layout(&self, st: &mut ClusterState, topic: &str) -> Result<TopicLayout, KafkaError> {
        if let Some(l) = st.topics.get(topic) {
            return Ok(l.clone());
        }
        let mut last = None;
        for b in &self.config.brokers {
            match self.fetch_layout(st, b, topic) {
                Ok(l) => {
                    st.topics.insert(topic.to_string(), l.clone());
                    return Ok(l);
                }
                Err(e) => {
                    st.conns.remove(b.as_str());
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| KafkaError::Config("no brokers".into())))
    }

    fn fetch_layout(
        &self,
        st: &mut ClusterState,
        broker: &str,
        topic: &str,
    ) -> Result<TopicLayout, KafkaError> {
        let mut t = MetadataRequestTopic::default();
        t.name = Some(TopicName(StrBytes::from_string(topic.to_string())));
        let mut req = MetadataRequest::default();
        req.topics = Some(vec![t]);
        req.allow_auto_topic_creation = true;
        let resp: MetadataResponse =
            self.conn(st, broker)?
                .call(ApiKey::Metadata, METADATA_VERSION, &req)?;
        let brokers: HashMap<i32, String> = resp
            .brokers
            .iter()
            .map(|b| (b.node_id.0, format!("{}:{}", b.host, b.port)))
            .collect();
        let t = resp
            .topics
            .iter()
            .find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == topic))
            .ok_or_else(|| KafkaError::Protocol {
                broker: broker.to_string(),
                message: format!("no metadata for topic {topic:?}"),
            })?;
        if t.error_code != 0 {
            return Err(KafkaError::Broker {
                what: format!("metadata for topic {topic:?}"),
                code: t.error_code,
            });
        }
        let mut partitions = Vec::new();
        for p in &t.partitions {
            let leader =
                brokers
                    .get(&p.leader_id.0)
                    .cloned()
                    .ok_or_else(|| KafkaError::Broker {
                        what: format!("topic {topic:?} partition {}", p.partition_index),
                        code: 5,
                    })?;
            partitions.push((p.partition_index, leader));
        }
        partitions.sort_by_key(|p| p.0);
        if partitions.is_empty() {
            return Err(KafkaError::Broker {
                what: format!("topic {topic:?} has no partitions"),
                code: 5,
            });
        }
        Ok(TopicLayout { partitions })
    }

    /// Produces one record and waits for the leader's acknowledgement.
    pub fn send(
        &self,
        topic: &str,
        partitioner: Partitioner,
        key: &[u8],
        value: &[u8],
        timestamp_ms: i64,
    ) -> Result<(), KafkaError> {
        if topic.is_empty() {
            return Err(KafkaError::Config("topic must not be empty".into()));
        }
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut attempt = 0;
        loop {
            attempt += 1;
            let r = self.send_once(&mut st, topic, partitioner, key, value, timestamp_ms);
            let again = match &r {
                Err(KafkaError::Io { broker, .. }) | Err(KafkaError::Protocol { broker, .. }) => {
                    st.conns.remove(broker.as_str());
                    true
                }
                Err(KafkaError::Broker { code, .. }) => retriable(*code),
                _ => false,
            };
            if r.is_ok() || !again || attempt >= 2 {
                count(&self.config.id, topic, r.is_ok());
                return r;
            }
            st.topics.remove(topic);
        }
    }

    fn send_once(
        &self,
        st: &mut ClusterState,
        topic: &str,
        partitioner: Partitioner,
        key: &[u8],
        value: &[u8],
        timestamp_ms: i64,
    ) -> Result<(), KafkaError> {
        let layout = self.layout(st, topic)?;
        let n = layout.partitions.len() as i32;
        let (index, leader) = layout.partitions[partitioner.partition(key, n) as usize].clone();
        let record = Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: 0,
            sequence: -1,
            timestamp: timestamp_ms,
            key: Some(Bytes::copy_from_slice(key)),
            value: Some(Bytes::copy_from_slice(value)),
            headers: IndexMap::new(),
        };
        let mut batch = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut batch,
            [&record],
            &RecordEncodeOptions {
                version: 2,
                compression: Compression::None,
            },
        )
        .map_err(|e| KafkaError::Protocol {
            broker: leader.clone(),
            message: format!("encoding the record batch: {e}"),
        })?;
        let mut pd = PartitionProduceData::default();
        pd.index = index;
        pd.records = Some(batch.freeze());
        let mut td = TopicProduceData::default();
        td.name = TopicName(StrBytes::from_string(topic.to_string()));
        td.partition_data = vec![pd];
        let mut req = ProduceRequest::default();
        req.acks = 1;
        req.timeout_ms = self.timeout.as_millis().min(i32::MAX as u128) as i32;
        req.topic_data = vec![td];
        let resp: ProduceResponse =
            self.conn(st, &leader)?
                .call(ApiKey::Produce, PRODUCE_VERSION, &req)?;
        let part = resp
            .responses
            .iter()
            .filter(|t| t.name.0.as_str() == topic)
            .flat_map(|t| t.partition_responses.iter())
            .find(|p| p.index == index)
            .ok_or_else(|| KafkaError::Protocol {
                broker: leader.clone(),
                message: format!("no produce answer for {topic}[{index}]"),
            })?;
        if part.error_code != 0 {
            return Err(KafkaError::Broker {
                what: format!("produce to {topic}[{index}]"),
                code: part.error_code,
            });
        }
        Ok(())
    }
}

/// Messages written and failed per (cluster, topic): Kapacitor's `kafka`
/// statistic (`write_messages`, `write_errors`, tags `cluster` and `topic`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub write_messages: u64,
    pub write_errors: u64,
}

static STATS: OnceLock<Mutex<std::collections::BTreeMap<(String, String), WriterStats>>> =
    OnceLock::new();

fn count(cluster: &str, topic: &str, ok: bool) {
    let mut all = STATS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let s = all
        .entry((cluster.to_string(), topic.to_string()))
        .or_default();
    if ok {
        s.write_messages += 1;
    } else {
        s.write_errors += 1;
    }
}

/// Every (cluster, topic) written to, with its counts, in order.
pub fn writer_stats() -> Vec<(String, String, WriterStats)> {
    STATS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|((c, t), s)| (c.clone(), t.clone(), *s))
        .collect()
}

static PRODUCERS: OnceLock<Mutex<HashMap<String, Arc<Producer>>>> = OnceLock::new();

/// The shared producer of the cluster `config` describes (replaced when the
/// section changed).
pub fn producer(config: &KafkaConfig) -> Result<Arc<Producer>, KafkaError> {
    let mut all = PRODUCERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = all.get(&config.id) {
        if p.config == *config {
            return Ok(p.clone());
        }
    }
    let p = Arc::new(Producer::new(config)?);
    all.insert(config.id.clone(), p.clone());
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_kafkas_java_vectors() {
        // Kafka's UtilsTest.testMurmur2.
        let cases: &[(&str, i32)] = &[
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("a-little-bit-longer-string", -1486304829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58897971,
            ),
            ("abc", 479470107),
        ];
        for (s, want) in cases {
            assert_eq!(murmur2(s.as_bytes()) as i32, *want, "{s}");
        }
    }

    #[test]
    fn murmur3_and_fnv_match_their_reference_values() {
        assert_eq!(murmur3_32(b""), 0);
        assert_eq!(murmur3_32(b"hello"), 0x248b_fa47);
        assert_eq!(
            murmur3_32(b"The quick brown fox jumps over the lazy dog"),
            0x2e4f_f723
        );
        assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn partitions_stay_in_range_and_follow_the_formulas() {
        let key = b"cpu:nil";
        for n in 1..9 {
            for p in [
                Partitioner::Crc32,
                Partitioner::Murmur2,
                Partitioner::Murmur3,
                Partitioner::Fnv1a,
            ] {
                let got = p.partition(key, n);
                assert!((0..n).contains(&got), "{p:?} {n} -> {got}");
            }
        }
        let crc = crc32fast::hash(key);
        assert_eq!(Partitioner::Crc32.partition(key, 7), (crc % 7) as i32);
        let f = fnv1a_32(key) as i32;
        assert_eq!(Partitioner::Fnv1a.partition(key, 7), (f % 7).abs());
        assert_eq!(Partitioner::by_name("crc32"), Some(Partitioner::Crc32));
        assert_eq!(Partitioner::by_name(""), Some(Partitioner::Crc32));
        assert_eq!(Partitioner::by_name("md5"), None);
    }
}
