//! A capturing Kafka broker for tests (no Kafka runs here): a loopback TCP
//! listener that speaks the part of the protocol a producer uses —
//! ApiVersions, Metadata, SaslHandshake/SaslAuthenticate (PLAIN), Produce —
//! with the `kafka-protocol` crate, announces itself as the leader of every
//! partition, and decodes each produced record batch so tests can assert the
//! exact topic, partition, key and value bytes.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, BrokerId, MetadataRequest, MetadataResponse,
    ProduceRequest, ProduceResponse, RequestHeader, ResponseHeader, SaslAuthenticateRequest,
    SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use kafka_protocol::records::RecordBatchDecoder;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One record as the broker received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub topic: String,
    pub partition: i32,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// Milliseconds since the epoch, as the producer stamped it.
    pub timestamp: i64,
    /// The request's `acks`.
    pub acks: i16,
}

#[derive(Debug, Default)]
struct Seen {
    records: Vec<Captured>,
    /// `(api key, version)` of every request, in order.
    requests: Vec<(i16, i16)>,
    client_ids: Vec<String>,
    /// The SASL/PLAIN `(user, password)` pairs presented.
    plain_logins: Vec<(String, String)>,
}

pub struct KafkaBroker {
    port: u16,
    seen: Arc<Mutex<Seen>>,
}

impl KafkaBroker {
    /// Listens on a free loopback port; every topic has `partitions`
    /// partitions, all led by this broker (node 0).
    pub fn start(partitions: i32) -> KafkaBroker {
        KafkaBroker::start_with(partitions, None)
    }

    /// The same, speaking TLS with the test certificate (a `use-ssl` cluster).
    pub fn start_tls(partitions: i32, certs: &crate::tls::Certs) -> KafkaBroker {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&certs.cert)
            .expect("server.pem")
            .map(|c| c.expect("a certificate"))
            .collect();
        let key = PrivateKeyDer::from_pem_file(&certs.key).expect("server.key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
        KafkaBroker::start_with(partitions, Some(Arc::new(config)))
    }

    fn start_with(partitions: i32, tls: Option<Arc<rustls::ServerConfig>>) -> KafkaBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let s = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let s = s.clone();
                let tls = tls.clone();
                std::thread::spawn(move || match tls {
                    None => serve(conn, port, partitions, &s),
                    Some(config) => {
                        let Ok(server) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        serve(rustls::StreamOwned::new(server, conn), port, partitions, &s)
                    }
                });
            }
        });
        KafkaBroker { port, seen }
    }

    /// `127.0.0.1:<port>`, a `[[kafka]] brokers` entry.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn records(&self) -> Vec<Captured> {
        self.seen.lock().unwrap().records.clone()
    }

    /// Waits up to 30s until `n` records arrived; returns them.
    pub fn wait_records(&self, n: usize) -> Vec<Captured> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.records();
            if r.len() >= n {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} Kafka records arrived within 30s: {r:?}",
                r.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `(api key, version)` of each request received.
    pub fn requests(&self) -> Vec<(i16, i16)> {
        self.seen.lock().unwrap().requests.clone()
    }

    pub fn client_ids(&self) -> Vec<String> {
        self.seen.lock().unwrap().client_ids.clone()
    }

    pub fn plain_logins(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().plain_logins.clone()
    }
}

fn read_frame(conn: &mut impl Read) -> Option<Bytes> {
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; i32::from_be_bytes(len).max(0) as usize];
    conn.read_exact(&mut buf).ok()?;
    Some(Bytes::from(buf))
}

fn reply<R: Encodable + HeaderVersion>(
    conn: &mut impl Write,
    correlation: i32,
    version: i16,
    r: &R,
) {
    let mut body = BytesMut::new();
    let mut h = ResponseHeader::default();
    h.correlation_id = correlation;
    h.encode(&mut body, R::header_version(version))
        .expect("encode response header");
    r.encode(&mut body, version).expect("encode response");
    let mut frame = (body.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    let _ = conn.write_all(&frame);
    let _ = conn.flush();
}

fn api(key: ApiKey, min: i16, max: i16) -> ApiVersion {
    let mut v = ApiVersion::default();
    v.api_key = key as i16;
    v.min_version = min;
    v.max_version = max;
    v
}

fn serve(mut conn: impl Read + Write, port: u16, partitions: i32, seen: &Mutex<Seen>) {
    while let Some(mut frame) = read_frame(&mut conn) {
        let key = i16::from_be_bytes([frame[0], frame[1]]);
        let version = i16::from_be_bytes([frame[2], frame[3]]);
        let Ok(api_key) = ApiKey::try_from(key) else {
            return;
        };
        let header = RequestHeader::decode(&mut frame, api_key.request_header_version(version))
            .expect("request header");
        {
            let mut s = seen.lock().unwrap();
            s.requests.push((key, version));
            if let Some(c) = &header.client_id {
                s.client_ids.push(c.to_string());
            }
        }
        let c = header.correlation_id;
        match api_key {
            ApiKey::ApiVersions => {
                ApiVersionsRequest::decode(&mut frame, version).expect("ApiVersions");
                let mut r = ApiVersionsResponse::default();
                r.api_keys = vec![
                    api(ApiKey::Produce, 3, 9),
                    api(ApiKey::Metadata, 4, 12),
                    api(ApiKey::ApiVersions, 0, 3),
                    api(ApiKey::SaslHandshake, 0, 1),
                    api(ApiKey::SaslAuthenticate, 0, 2),
                ];
                reply(&mut conn, c, version, &r);
            }
            ApiKey::SaslHandshake => {
                let req = SaslHandshakeRequest::decode(&mut frame, version).expect("handshake");
                let mut r = SaslHandshakeResponse::default();
                r.mechanisms = vec![StrBytes::from_static_str("PLAIN")];
                if req.mechanism.as_str() != "PLAIN" {
                    r.error_code = 33;
                }
                reply(&mut conn, c, version, &r);
            }
            ApiKey::SaslAuthenticate => {
                let req = SaslAuthenticateRequest::decode(&mut frame, version).expect("auth");
                let parts: Vec<String> = req
                    .auth_bytes
                    .split(|b| *b == 0)
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect();
                if parts.len() == 3 {
                    seen.lock()
                        .unwrap()
                        .plain_logins
                        .push((parts[1].clone(), parts[2].clone()));
                }
                reply(&mut conn, c, version, &SaslAuthenticateResponse::default());
            }
            ApiKey::Metadata => {
                let req = MetadataRequest::decode(&mut frame, version).expect("Metadata");
                let mut b = MetadataResponseBroker::default();
                b.node_id = BrokerId(0);
                b.host = StrBytes::from_static_str("127.0.0.1");
                b.port = i32::from(port);
                let mut r = MetadataResponse::default();
                r.brokers = vec![b];
                r.controller_id = BrokerId(0);
                for t in req.topics.unwrap_or_default() {
                    let mut mt = MetadataResponseTopic::default();
                    mt.name = t.name.clone();
                    mt.partitions = (0..partitions)
                        .map(|i| {
                            let mut p = MetadataResponsePartition::default();
                            p.partition_index = i;
                            p.leader_id = BrokerId(0);
                            p.replica_nodes = vec![BrokerId(0)];
                            p.isr_nodes = vec![BrokerId(0)];
                            p
                        })
                        .collect();
                    r.topics.push(mt);
                }
                reply(&mut conn, c, version, &r);
            }
            ApiKey::Produce => {
                let req = ProduceRequest::decode(&mut frame, version).expect("Produce");
                let mut r = ProduceResponse::default();
                for t in &req.topic_data {
                    let mut tr = TopicProduceResponse::default();
                    tr.name = t.name.clone();
                    for p in &t.partition_data {
                        let mut records = p.records.clone().unwrap_or_default();
                        let sets = RecordBatchDecoder::decode_all(&mut records)
                            .expect("a valid record batch");
                        let mut s = seen.lock().unwrap();
                        for set in sets {
                            for rec in set.records {
                                s.records.push(Captured {
                                    topic: t.name.0.to_string(),
                                    partition: p.index,
                                    key: rec.key.map(|k| k.to_vec()),
                                    value: rec.value.map(|v| v.to_vec()),
                                    timestamp: rec.timestamp,
                                    acks: req.acks,
                                });
                            }
                        }
                        let mut pr = PartitionProduceResponse::default();
                        pr.index = p.index;
                        tr.partition_responses.push(pr);
                    }
                    r.responses.push(tr);
                }
                reply(&mut conn, c, version, &r);
            }
            _ => return,
        }
    }
}
