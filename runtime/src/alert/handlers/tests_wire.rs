//! Tests of the non-HTTP wire handlers (mqtt, snmpTrap, kafka) against
//! real receivers: a real `mosquitto` broker and subscriber, a real
//! `snmptrapd`, and local listeners that capture and decode the exact bytes.

use super::*;
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::handlers::MqttConfig;
use crate::config::HandlerConfigs;
use compiler::ir::Arg;

// The event and handler fixtures are the HTTP handler tests' own.
use super::tests::{event, handler, s};

fn config(cfg: HandlerConfigs) -> Config {
    Config {
        handler_configs: cfg,
        ..Config::default()
    }
}

fn deliver(h: &ir::Handler, cfg: &Config, ev: &Event) -> Result<(), HandlerError> {
    build_handler(h, cfg)?.handle(ev, &ev.to_json())
}

// --- mqtt ---------------------------------------------------------------------

fn mqtt_configs(name: &str, url: &str) -> HandlerConfigs {
    HandlerConfigs {
        mqtt: vec![MqttConfig {
            enabled: true,
            name: name.into(),
            url: url.into(),
            ..MqttConfig::default()
        }],
        ..HandlerConfigs::default()
    }
}

#[test]
fn mqtt_publishes_the_message_with_qos_and_retained_flag() {
    let broker = testkit::mosquitto::Mosquitto::start();
    let cfg = config(mqtt_configs("mqtt-test-1", &broker.url()));
    let sub = broker.subscribe("alerts/#");

    // OK: QoS 2, not retained, delivered live.
    let ok = handler(
        HandlerKind::Mqtt,
        vec![s("alerts/cpu")],
        vec![("qos", vec![Arg::Int(2)])],
    );
    deliver(&ok, &cfg, &event(Level::Ok)).unwrap();
    let got = sub.next();
    assert_eq!(got.topic, "alerts/cpu");
    assert_eq!(got.payload, b"cpu:nil is OK");
    assert_eq!((got.qos, got.retained), (2, false));

    // CRITICAL: QoS 1, retained — a subscriber arriving later still gets it,
    // flagged as retained.
    let crit = handler(
        HandlerKind::Mqtt,
        vec![s("alerts/crit")],
        vec![
            ("qos", vec![Arg::Int(1)]),
            ("retained", vec![Arg::Bool(true)]),
            ("brokerName", vec![s("mqtt-test-1")]),
        ],
    );
    deliver(&crit, &cfg, &event(Level::Critical)).unwrap();
    let live = sub.next();
    assert_eq!(live.payload, b"cpu:nil is CRITICAL");
    let late = broker.subscribe("alerts/crit").next();
    assert_eq!(late.topic, "alerts/crit");
    assert_eq!(late.payload, b"cpu:nil is CRITICAL");
    assert_eq!((late.qos, late.retained), (1, true));
}

#[test]
fn mqtt_errors_are_kapacitors() {
    let cfg = config(mqtt_configs("mqtt-test-2", "tcp://127.0.0.1:1"));
    let no_topic = handler(HandlerKind::Mqtt, vec![s("")], vec![]);
    let e = deliver(&no_topic, &cfg, &event(Level::Ok)).unwrap_err();
    assert_eq!(e.to_string(), "missing MQTT topic");
    let unknown = handler(
        HandlerKind::Mqtt,
        vec![s("t")],
        vec![("brokerName", vec![s("nope")])],
    );
    let e = deliver(&unknown, &cfg, &event(Level::Ok)).unwrap_err();
    assert_eq!(e.to_string(), "unknown MQTT broker \"nope\"");
    let bad_qos = handler(
        HandlerKind::Mqtt,
        vec![s("t")],
        vec![("qos", vec![Arg::Int(3)])],
    );
    assert!(matches!(
        build_handler(&bad_qos, &cfg),
        Err(HandlerError::Invalid(_))
    ));
    // Nothing listens on port 1: a clear error, no hang.
    let down = handler(HandlerKind::Mqtt, vec![s("t")], vec![]);
    let e = deliver(&down, &cfg, &event(Level::Ok)).unwrap_err();
    assert!(e.to_string().contains("mqtt-test-2"), "{e}");
}

// --- snmpTrap -----------------------------------------------------------------

use super::snmp_ber::{Oid, SnmpValue, Trap};
use crate::config::handlers::SnmpTrapConfig;

fn snmp_configs(addr: &str) -> HandlerConfigs {
    HandlerConfigs {
        snmptrap: SnmpTrapConfig {
            enabled: true,
            addr: addr.into(),
            community: "public".into(),
            retries: 1,
        },
        ..HandlerConfigs::default()
    }
}

fn snmp_handler() -> ir::Handler {
    let data = |oid: &str, t: &str, v: &str| ("data", vec![s(oid), s(t), s(v)]);
    handler(
        HandlerKind::SnmpTrap,
        vec![s("1.3.6.1.4.1.1")],
        vec![
            data("1.3.6.1.4.1.1.1", "s", "{{ .Message }}"),
            data(
                "1.3.6.1.4.1.1.2",
                "i",
                "{{ index .Fields \"usage_idle\" | printf \"%.0f\" }}",
            ),
            data("1.3.6.1.4.1.1.3", "c", "-1"),
            data("1.3.6.1.4.1.1.4", "t", "4294967297"),
            data("1.3.6.1.4.1.1.5", "n", ""),
            data(
                "1.3.6.1.4.1.1.6",
                "s",
                "{{ .Level }} {{ index .Tags \"host\" }} {{ .TaskName }}/{{ .Name }}",
            ),
        ],
    )
}

fn oid(s: &str) -> Oid {
    Oid::parse(s).unwrap()
}

#[test]
fn snmptrap_sends_a_v2c_trap_datagram() {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let cfg = config(snmp_configs(&sock.local_addr().unwrap().to_string()));
    for level in [Level::Critical, Level::Ok] {
        deliver(&snmp_handler(), &cfg, &event(level)).unwrap();
        let mut buf = [0u8; 2048];
        let n = sock.recv(&mut buf).unwrap();
        let trap = Trap::decode(&buf[..n]).unwrap();
        assert_eq!(trap.community, b"public");
        let msg = format!("cpu:nil is {}", level.as_str());
        assert_eq!(
            trap.varbinds,
            vec![
                (oid("1.3.6.1.2.1.1.3.0"), SnmpValue::TimeTicks(1000)),
                (
                    oid("1.3.6.1.6.3.1.1.4.1.0"),
                    SnmpValue::Oid(oid("1.3.6.1.4.1.1"))
                ),
                (
                    oid("1.3.6.1.4.1.1.1"),
                    SnmpValue::OctetString(msg.into_bytes())
                ),
                (oid("1.3.6.1.4.1.1.2"), SnmpValue::Integer(3)),
                // Go's uint64(-1) and uint32(2^32+1).
                (oid("1.3.6.1.4.1.1.3"), SnmpValue::Counter64(u64::MAX)),
                (oid("1.3.6.1.4.1.1.4"), SnmpValue::TimeTicks(1)),
                (oid("1.3.6.1.4.1.1.5"), SnmpValue::Null),
                (
                    oid("1.3.6.1.4.1.1.6"),
                    SnmpValue::OctetString(
                        format!("{} a cpu_alert/cpu", level.as_str()).into_bytes()
                    )
                ),
            ]
        );
    }
}

#[test]
fn snmptrap_reaches_a_real_snmptrapd() {
    let d = testkit::snmptrapd::Snmptrapd::start();
    let cfg = config(snmp_configs(&d.addr()));
    deliver(&snmp_handler(), &cfg, &event(Level::Critical)).unwrap();
    let got = d.next_trap();
    assert_eq!(
        got,
        [
            ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00",
            ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.1",
            ".1.3.6.1.4.1.1.1 = STRING: \"cpu:nil is CRITICAL\"",
            ".1.3.6.1.4.1.1.2 = INTEGER: 3",
            ".1.3.6.1.4.1.1.3 = Counter64: 18446744073709551615",
            ".1.3.6.1.4.1.1.4 = Timeticks: (1) 0:00:00.01",
            ".1.3.6.1.4.1.1.5 = NULL",
            ".1.3.6.1.4.1.1.6 = STRING: \"CRITICAL a cpu_alert/cpu\"",
        ]
    );
}

#[test]
fn snmptrap_refuses_bad_input_as_kapacitor_does() {
    let cfg = config(snmp_configs("127.0.0.1:9"));
    let one = |t: &str, v: &str| {
        let h = handler(
            HandlerKind::SnmpTrap,
            vec![s("1.3.6.1.4.1.1")],
            vec![("data", vec![s("1.3.6.1.4.1.1.1"), s(t), s(v)])],
        );
        deliver(&h, &cfg, &event(Level::Ok))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        one("a", "1.2.3.4"),
        "Snmptrap Datatype 'IP address' not supported"
    );
    assert_eq!(
        one("x", "ff"),
        "Snmptrap Datatype 'Hexadecimal string' not supported"
    );
    assert_eq!(one("q", "1"), "Snmptrap Datatype not known: q");
    assert_eq!(
        one("i", "abc"),
        "strconv.ParseInt: parsing \"abc\": invalid syntax"
    );
    let bad_oid = handler(HandlerKind::SnmpTrap, vec![s("not.an.oid")], vec![]);
    let e = deliver(&bad_oid, &cfg, &event(Level::Ok))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("invalid trap Oid \"not.an.oid\""), "{e}");
    let bad_tmpl = handler(
        HandlerKind::SnmpTrap,
        vec![s("1.3.6.1.4.1.1")],
        vec![("data", vec![s("1.3.6.1.4.1.1.1"), s("s"), s("{{ .Nope")])],
    );
    assert!(matches!(
        build_handler(&bad_tmpl, &cfg),
        Err(HandlerError::Template(_))
    ));
    let off = config(HandlerConfigs::default());
    let e = deliver(&snmp_handler(), &off, &event(Level::Ok)).unwrap_err();
    assert!(matches!(e, HandlerError::NotEnabled(HandlerKind::SnmpTrap)));
}

// --- kafka --------------------------------------------------------------------

use crate::config::handlers::KafkaConfig;

fn kafka_configs(id: &str, brokers: Vec<String>) -> HandlerConfigs {
    HandlerConfigs {
        kafka: vec![KafkaConfig {
            enabled: true,
            id: id.into(),
            brokers,
            ..KafkaConfig::default()
        }],
        ..HandlerConfigs::default()
    }
}

#[test]
fn kafka_produces_the_alert_json_keyed_by_id() {
    let broker = testkit::kafka::KafkaBroker::start(4);
    let cfg = config(kafka_configs("kafka-test-1", vec![broker.addr()]));
    let h = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-test-1")]),
            ("kafkaTopic", vec![s("alerts")]),
        ],
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for level in [Level::Critical, Level::Ok] {
        deliver(&h, &cfg, &event(level)).unwrap();
    }
    let got = broker.wait_records(2);
    let partition = kafka_producer::Partitioner::Crc32.partition(b"cpu:nil", 4);
    for (rec, level) in got.iter().zip([Level::Critical, Level::Ok]) {
        assert_eq!(rec.topic, "alerts");
        assert_eq!(rec.partition, partition);
        assert_eq!(rec.key.as_deref(), Some(&b"cpu:nil"[..]));
        let want = format!("{}\n", event(level).to_json());
        assert_eq!(rec.value.as_deref(), Some(want.as_bytes()));
        assert_eq!(rec.acks, 1);
        assert!(rec.timestamp >= before, "stamped when produced");
    }
    // The JSON is Kapacitor's alert.Data, keys in its struct order, HTML
    // characters escaped as Go's encoder does.
    let v = String::from_utf8(got[0].value.clone().unwrap()).unwrap();
    assert!(
        v.starts_with(r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"\u003cb\u003edetails\u003c/b\u003e","time":"2016-05-04T17:44:00Z","duration":60000000000,"level":"CRITICAL","data":"#),
        "{v}"
    );
    // One connection: ApiVersions, Metadata v4, then Produce v3 per record.
    assert_eq!(broker.requests(), [(18, 0), (3, 4), (0, 3), (0, 3)]);
    assert!(broker.client_ids().iter().all(|c| c == "kafka-test-1"));
}

#[test]
fn kafka_template_partitioner_and_sasl_plain() {
    let broker = testkit::kafka::KafkaBroker::start(3);
    let mut hc = kafka_configs("kafka-test-2", vec![broker.addr()]);
    hc.kafka[0].sasl_username = "kapacitor".into();
    hc.kafka[0].sasl_password = "s3cret".into();
    let cfg = config(hc);
    let h = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-test-2")]),
            ("kafkaTopic", vec![s("t2")]),
            ("partitionHashAlgorithm", vec![s("murmur2")]),
            ("template", vec![s("{{.Level}}:{{.ID}}:{{.PreviousLevel}}")]),
        ],
    );
    deliver(&h, &cfg, &event(Level::Critical)).unwrap();
    let got = broker.wait_records(1);
    assert_eq!(got[0].value.as_deref(), Some(&b"CRITICAL:cpu:nil:OK"[..]));
    assert_eq!(
        got[0].partition,
        kafka_producer::Partitioner::Murmur2.partition(b"cpu:nil", 3)
    );
    assert_eq!(
        broker.plain_logins(),
        [("kapacitor".to_string(), "s3cret".to_string())]
    );
}

#[test]
fn kafka_errors_are_clear() {
    let cfg = config(kafka_configs("kafka-test-3", vec!["127.0.0.1:1".into()]));
    let unknown = handler(
        HandlerKind::Kafka,
        vec![],
        vec![("cluster", vec![s("nope")])],
    );
    let e = build_handler(&unknown, &cfg).err().unwrap().to_string();
    assert_eq!(
        e,
        "failed to create kafka handler: unknown cluster \"nope\""
    );
    let bad_tmpl = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-test-3")]),
            ("template", vec![s("{{ .X")]),
        ],
    );
    let e = build_handler(&bad_tmpl, &cfg).err().unwrap().to_string();
    assert!(
        e.starts_with("failed to create kafka handler: failed to parse template"),
        "{e}"
    );
    let bad_algo = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-test-3")]),
            ("kafkaTopic", vec![s("t")]),
            ("partitionHashAlgorithm", vec![s("md5")]),
        ],
    );
    let e = deliver(&bad_algo, &cfg, &event(Level::Ok))
        .unwrap_err()
        .to_string();
    assert_eq!(e, "invalid partition algorithm: \"md5\"");
    let no_topic = handler(
        HandlerKind::Kafka,
        vec![],
        vec![("cluster", vec![s("kafka-test-3")])],
    );
    let e = deliver(&no_topic, &cfg, &event(Level::Ok))
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("topic must not be empty"), "{e}");
    // Nothing listens on port 1: a clear error naming the broker, no hang.
    let down = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-test-3")]),
            ("kafkaTopic", vec![s("t")]),
        ],
    );
    let e = deliver(&down, &cfg, &event(Level::Ok))
        .unwrap_err()
        .to_string();
    assert!(e.contains("127.0.0.1:1"), "{e}");
}

// --- TLS (ssl:// brokers, use-ssl clusters) -----------------------------------

#[test]
fn mqtt_over_tls_checks_the_broker_certificate() {
    let certs = testkit::tls::Certs::generate();
    let broker = testkit::mosquitto::Mosquitto::start_tls(&certs);
    let sub = broker.subscribe("tls/#");
    let mut hc = mqtt_configs("mqtt-tls-1", &broker.tls_url());
    hc.mqtt[0].ssl_ca = certs.ca.display().to_string();
    let h = handler(HandlerKind::Mqtt, vec![s("tls/cpu")], vec![]);
    deliver(&h, &config(hc), &event(Level::Critical)).unwrap();
    assert_eq!(sub.next().payload, b"cpu:nil is CRITICAL");
    // Without the CA the broker's certificate is refused; skipping
    // verification accepts it.
    let untrusted = config(mqtt_configs("mqtt-tls-2", &broker.tls_url()));
    let e = deliver(&h, &untrusted, &event(Level::Ok)).unwrap_err();
    assert!(e.to_string().contains("mqtt-tls-2"), "{e}");
    let mut hc = mqtt_configs("mqtt-tls-3", &broker.tls_url());
    hc.mqtt[0].insecure_skip_verify = true;
    deliver(&h, &config(hc), &event(Level::Ok)).unwrap();
    assert_eq!(sub.next().payload, b"cpu:nil is OK");
}

#[test]
fn kafka_over_tls_checks_the_broker_certificate() {
    let certs = testkit::tls::Certs::generate();
    let broker = testkit::kafka::KafkaBroker::start_tls(1, &certs);
    let mut hc = kafka_configs("kafka-tls-1", vec![broker.addr()]);
    hc.kafka[0].use_ssl = true;
    hc.kafka[0].ssl_ca = certs.ca.display().to_string();
    let h = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-tls-1")]),
            ("kafkaTopic", vec![s("tls")]),
        ],
    );
    deliver(&h, &config(hc), &event(Level::Critical)).unwrap();
    let got = broker.wait_records(1);
    assert_eq!(got[0].key.as_deref(), Some(&b"cpu:nil"[..]));
    let mut hc = kafka_configs("kafka-tls-2", vec![broker.addr()]);
    hc.kafka[0].use_ssl = true;
    let h2 = handler(
        HandlerKind::Kafka,
        vec![],
        vec![
            ("cluster", vec![s("kafka-tls-2")]),
            ("kafkaTopic", vec![s("tls")]),
        ],
    );
    let e = deliver(&h2, &config(hc), &event(Level::Ok)).unwrap_err();
    assert!(e.to_string().contains("certificate"), "{e}");
    assert_eq!(broker.records().len(), 1);
}
