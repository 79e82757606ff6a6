//! A blocking InfluxDB 1.x HTTP client, Kapacitor's `influxdb/client.go`
//! (api.md §4.1): one client per `[[influxdb]]` cluster, requests rotating
//! through its URLs, `User-Agent: KapacitorInfluxDBClient`, token or basic
//! auth, `POST /query` answers decoded with integers kept as integers (Go's
//! `json.Number`), chunked answers merged, `POST /write` of line protocol.
//!
//! `clusters.rs` is the registry the server fills from `[[influxdb]]` and
//! nodes (`influxDBOut`, batch `query`) look clusters up in.

mod client;
mod clusters;
mod error;
mod quote;
mod response;

pub use client::{Client, ClientConfig, Query, WriteRequest};
pub use clusters::Clusters;
pub use error::InfluxError;
pub use quote::{ident_needs_quotes, keyword, quote_ident, quote_string};
pub use response::{Message, QueryResult, Response, Row};
