//! The alert handler sections. Every one is defined once, with Kapacitor's
//! struct defaults and key order, in `runtime::config::handlers` (the runtime
//! builds the handlers from them); the server re-exports the ones its own
//! code names through this module.

pub use runtime::config::handlers::{KafkaConfig, MqttConfig, SnmpTrapConfig};
