//! User-defined functions: Kapacitor's UDF protocol and agents.
//!
//! - `proto.rs` — the messages of `udf/agent/udf.proto` (prost derive, no protoc);
//! - `framing.rs` — a uvarint length before each message (`udf/agent/io.go`);
//! - `config.rs` — `[udf.functions.<name>]`: a program or a unix socket, and its timeout;
//! - `agent.rs` — one live connection: writer/reader/keepalive threads, requests with deadlines;
//! - `convert.rs` — points and batches to and from the protocol's messages;
//! - `catalog.rs` — the agents' info for the checker (`compiler::udf::UdfCatalog`);
//! - the node that runs a UDF in a task is `node/udf.rs`.

pub mod agent;
pub mod catalog;
pub mod config;
pub mod convert;
pub mod framing;
pub mod proto;

pub use agent::{Agent, AgentError};
pub use catalog::AgentCatalog;
pub use config::{UdfFunction, UdfFunctions};
