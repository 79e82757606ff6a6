//! `.kafka().cluster(id).kafkaTopic(t)`, with `.template(t)`,
//! `.disablePartitionById()` and `.partitionHashAlgorithm(a)`: one record
//! per alert on the `[[kafka]]` cluster's topic, produced through the shared
//! producer of `kafka_producer.rs`. As Kapacitor's kafka service does: the
//! key is the alert ID; the value is the alert data JSON as Go's
//! `json.Encoder` writes it (with its trailing newline), or the template
//! rendered over that data; the partition is the key's hash (`crc32` by
//! default; with `disablePartitionById` sarama's default, fnv-1a).
//! An unknown cluster or a template that does not parse fails the build
//! ("failed to create kafka handler: …"), as Kapacitor's alert node does.

use super::error::HandlerError;
use super::kafka_producer::{self, Partitioner};
use super::post::event_value;
use super::{hflag, hstr, Handler};
use crate::alert::event::Event;
use crate::config::handlers::KafkaConfig;
use crate::config::HandlerConfigs;
use crate::template::{Mode, Template};
use compiler::ir;

pub struct KafkaHandler {
    cluster: KafkaConfig,
    topic: String,
    template: Option<Template>,
    /// `Err` holds the text of an unknown algorithm: Kapacitor reports it
    /// when the first message is written.
    partitioner: Result<Partitioner, String>,
}

impl KafkaHandler {
    pub fn new(h: &ir::Handler, cfg: &HandlerConfigs) -> Result<KafkaHandler, HandlerError> {
        let failed =
            |m: String| HandlerError::Invalid(format!("failed to create kafka handler: {m}"));
        let id = hstr(h, "cluster").unwrap_or("");
        let cluster = cfg
            .kafka(id)
            .cloned()
            .ok_or_else(|| failed(format!("unknown cluster {id:?}")))?;
        let template = match hstr(h, "template").filter(|t| !t.is_empty()) {
            Some(src) => Some(
                Template::parse("kafka alert template", src, Mode::Text)
                    .map_err(|e| failed(format!("failed to parse template: {e}")))?,
            ),
            None => None,
        };
        let partitioner = if hflag(h, "disablePartitionById") {
            Ok(Partitioner::Fnv1a)
        } else {
            let name = hstr(h, "partitionHashAlgorithm").unwrap_or("");
            Partitioner::by_name(name).ok_or_else(|| name.to_string())
        };
        Ok(KafkaHandler {
            cluster,
            topic: hstr(h, "kafkaTopic").unwrap_or("").to_string(),
            template,
            partitioner,
        })
    }
}

impl Handler for KafkaHandler {
    fn handle(&mut self, ev: &Event, json: &str) -> Result<(), HandlerError> {
        let partitioner = self.partitioner.clone().map_err(|name| {
            HandlerError::Invalid(format!("invalid partition algorithm: {name:?}"))
        })?;
        let body = match &self.template {
            Some(t) => t.render(&event_value(ev)).map_err(HandlerError::Template)?,
            None => format!("{json}\n"),
        };
        let producer = kafka_producer::producer(&self.cluster)
            .map_err(|e| HandlerError::Protocol(e.to_string()))?;
        producer
            .send(
                &self.topic,
                partitioner,
                ev.id.as_bytes(),
                body.as_bytes(),
                // sarama stamps a message with the time it is produced.
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64),
            )
            .map_err(|e| HandlerError::Protocol(format!("failed to write message to kafka: {e}")))
    }
}
