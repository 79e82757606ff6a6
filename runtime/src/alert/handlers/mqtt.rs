//! `.mqtt(topic)` with `.brokerName(n)`, `.qos(0|1|2)`, `.retained(b)`:
//! publishes the alert's message (the bare text, as Kapacitor's mqtt
//! service does) to the topic on the `[[mqtt]]` broker, through the shared
//! connection of `mqtt_broker.rs`. Errors are Kapacitor's: an empty topic
//! is "missing MQTT topic", a broker that is not configured or not enabled
//! is "unknown MQTT broker".

use super::error::HandlerError;
use super::mqtt_broker;
use super::{hargs, hstr, Handler};
use crate::alert::event::Event;
use crate::config::HandlerConfigs;
use compiler::ir::{self, Arg};
use rumqttc::QoS;

pub struct MqttHandler {
    broker_name: String,
    config: Option<crate::config::handlers::MqttConfig>,
    topic: String,
    qos: QoS,
    retained: bool,
}

/// Kapacitor's QoS levels (`QoSLevel` 0, 1, 2).
pub fn qos_of(level: i64) -> Result<QoS, HandlerError> {
    match level {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        other => Err(HandlerError::Invalid(format!(
            "invalid QoS {other}: want 0, 1 or 2"
        ))),
    }
}

impl MqttHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<MqttHandler, HandlerError> {
        let broker_name = hstr(h, "brokerName").unwrap_or("").to_string();
        let topic = hstr(h, "topic")
            .map(str::to_string)
            .or_else(|| hargs(h).into_iter().next())
            .unwrap_or_default();
        let qos = match h.prop("qos").and_then(|p| p.args.first()) {
            Some(Arg::Int(i)) => qos_of(*i)?,
            _ => QoS::AtMostOnce,
        };
        let retained = h
            .prop("retained")
            .and_then(|p| p.args.first())
            .and_then(Arg::as_bool)
            .unwrap_or(false);
        Ok(MqttHandler {
            config: cfg.mqtt(&broker_name).filter(|c| c.enabled).cloned(),
            broker_name,
            topic,
            qos,
            retained,
        })
    }
}

impl Handler for MqttHandler {
    fn handle(&mut self, ev: &Event, _json: &str) -> Result<(), HandlerError> {
        if self.topic.is_empty() {
            return Err(HandlerError::Invalid("missing MQTT topic".into()));
        }
        let Some(config) = &self.config else {
            return Err(HandlerError::Invalid(format!(
                "unknown MQTT broker {:?}",
                self.broker_name
            )));
        };
        mqtt_broker::broker(config)?.publish(
            &self.topic,
            self.qos,
            self.retained,
            ev.message.as_bytes(),
        )
    }
}
