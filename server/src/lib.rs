//! `kapacitord`: hosts the runtime engine behind Kapacitor's HTTP API, with
//! tasks, templates and recordings kept durably in redb.
//!
//! Map: `config` (Kapacitor's configuration), `settings` (what main reads of it),
//! `state` (the store + engine and the task service), `store` (redb tables),
//! `http/` (one file per resource; `http::app` is the whole API as a
//! function), `recording`/`replay` (stream recordings and replays),
//! `topics` (alert topics and the engine's outputs), `ids` (ID rule, UUIDs,
//! globs, Go times).

pub mod auth;
pub mod batch_recording;
pub mod cluster;
pub mod config;
pub mod fuzzing;
pub mod http;
pub mod ids;
pub mod influxdb;
pub mod inputs;
pub mod load;
pub mod logs;
pub mod overrides;
pub mod recording;
pub mod replay;
pub mod service_tests;
pub mod settings;
pub mod sideload;
pub mod state;
pub mod stats;
pub mod store;
pub mod topics;
pub mod udp;
pub mod vars;

pub use http::app;
