//! Tests of the non-HTTP wire handlers (mqtt, snmpTrap, kafka) against
//! real receivers: a real `mosquitto` broker and subscriber, a real
//! `snmptrapd`, and local listeners that capture and decode the exact bytes.

use super::*;
use crate::alert::event::Event;
use crate::alert::level::Level;
use crate::config::handlers::MqttConfig;
use crate::config::HandlerConfigs;
use crate::message::{FieldValue, Str};
use crate::result::{Cell, Row};
use compiler::ir::{Arg, Property};

const T: i64 = 1_462_383_840_000_000_000; // 2016-05-04T17:44:00Z

fn event(level: Level) -> Event {
    Event {
        id: "cpu:nil".into(),
        message: format!("cpu:nil is {}", level.as_str()),
        details: "<b>details</b>".into(),
        time: T,
        duration: 60_000_000_000,
        level,
        previous_level: Level::Ok,
        recoverable: true,
        data: Row {
            name: Str::from("cpu"),
            tags: vec![(Str::from("host"), Str::from("a"))],
            columns: vec![Str::from("time"), Str::from("usage_idle")],
            values: vec![(T, vec![Cell::Field(FieldValue::Float(3.2))])],
        },
        task: Str::from("cpu_alert"),
        name: Str::from("cpu"),
        group: Str::from(""),
        tags: vec![(Str::from("host"), Str::from("a"))],
    }
}

fn handler(kind: HandlerKind, args: Vec<Arg>, props: Vec<(&str, Vec<Arg>)>) -> ir::Handler {
    ir::Handler {
        kind,
        args,
        props: props
            .into_iter()
            .map(|(n, a)| Property {
                name: n.into(),
                args: a,
                span: Default::default(),
            })
            .collect(),
        span: Default::default(),
    }
}

fn s(v: &str) -> Arg {
    Arg::String(v.into())
}

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
