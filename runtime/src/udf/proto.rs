//! The messages of Kapacitor's UDF protocol (`udf/agent/udf.proto`,
//! package `agent`), written with prost's derive so the build needs no
//! `protoc`. Field numbers, types and oneof tags are the .proto's; maps
//! keep their keys sorted (`BTreeMap`) so what we send is deterministic.
//! Fields are declared in field-number order, the order Go's marshaller
//! writes them, so our bytes are Kapacitor's (`tests/udf.rs` checks them).

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum EdgeType {
    Stream = 0,
    Batch = 1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ValueType {
    Bool = 0,
    Int = 1,
    Double = 2,
    String = 3,
    Duration = 4,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct InfoRequest {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct InfoResponse {
    #[prost(enumeration = "EdgeType", tag = "1")]
    pub wants: i32,
    #[prost(enumeration = "EdgeType", tag = "2")]
    pub provides: i32,
    #[prost(btree_map = "string, message", tag = "3")]
    pub options: BTreeMap<String, OptionInfo>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct OptionInfo {
    #[prost(enumeration = "ValueType", repeated, tag = "1")]
    pub value_types: Vec<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct InitRequest {
    #[prost(message, repeated, tag = "1")]
    pub options: Vec<Option>,
    #[prost(string, tag = "2")]
    pub task_id: String,
    #[prost(string, tag = "3")]
    pub node_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Option {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, repeated, tag = "2")]
    pub values: Vec<OptionValue>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct OptionValue {
    #[prost(enumeration = "ValueType", tag = "1")]
    pub r#type: i32,
    #[prost(oneof = "option_value::Value", tags = "2, 3, 4, 5, 6")]
    pub value: core::option::Option<option_value::Value>,
}

pub mod option_value {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(bool, tag = "2")]
        BoolValue(bool),
        #[prost(int64, tag = "3")]
        IntValue(i64),
        #[prost(double, tag = "4")]
        DoubleValue(f64),
        #[prost(string, tag = "5")]
        StringValue(String),
        #[prost(int64, tag = "6")]
        DurationValue(i64),
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct InitResponse {
    #[prost(bool, tag = "1")]
    pub success: bool,
    #[prost(string, tag = "2")]
    pub error: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SnapshotRequest {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SnapshotResponse {
    #[prost(bytes = "vec", tag = "1")]
    pub snapshot: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RestoreRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub snapshot: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RestoreResponse {
    #[prost(bool, tag = "1")]
    pub success: bool,
    #[prost(string, tag = "2")]
    pub error: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeepaliveRequest {
    /// Nanoseconds since the epoch (for debugging only).
    #[prost(int64, tag = "1")]
    pub time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeepaliveResponse {
    #[prost(int64, tag = "1")]
    pub time: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ErrorResponse {
    #[prost(string, tag = "1")]
    pub error: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct BeginBatch {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub group: String,
    #[prost(btree_map = "string, string", tag = "3")]
    pub tags: BTreeMap<String, String>,
    #[prost(int64, tag = "4")]
    pub size: i64,
    #[prost(bool, tag = "5")]
    pub by_name: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Point {
    #[prost(int64, tag = "1")]
    pub time: i64,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub database: String,
    #[prost(string, tag = "4")]
    pub retention_policy: String,
    #[prost(string, tag = "5")]
    pub group: String,
    #[prost(string, repeated, tag = "6")]
    pub dimensions: Vec<String>,
    #[prost(btree_map = "string, string", tag = "7")]
    pub tags: BTreeMap<String, String>,
    #[prost(btree_map = "string, double", tag = "8")]
    pub fields_double: BTreeMap<String, f64>,
    #[prost(btree_map = "string, int64", tag = "9")]
    pub fields_int: BTreeMap<String, i64>,
    #[prost(btree_map = "string, string", tag = "10")]
    pub fields_string: BTreeMap<String, String>,
    // Declared in field-number order (byName 11 before fieldsBool 12): prost
    // encodes in declaration order, Go's protobuf in field-number order.
    #[prost(bool, tag = "11")]
    pub by_name: bool,
    #[prost(btree_map = "string, bool", tag = "12")]
    pub fields_bool: BTreeMap<String, bool>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EndBatch {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub group: String,
    #[prost(int64, tag = "3")]
    pub tmax: i64,
    #[prost(btree_map = "string, string", tag = "4")]
    pub tags: BTreeMap<String, String>,
    #[prost(bool, tag = "5")]
    pub by_name: bool,
}

/// Kapacitor -> agent.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    #[prost(oneof = "request::Message", tags = "1, 2, 3, 4, 5, 16, 17, 18")]
    pub message: core::option::Option<request::Message>,
}

pub mod request {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Message {
        #[prost(message, tag = "1")]
        Info(super::InfoRequest),
        #[prost(message, tag = "2")]
        Init(super::InitRequest),
        #[prost(message, tag = "3")]
        Keepalive(super::KeepaliveRequest),
        #[prost(message, tag = "4")]
        Snapshot(super::SnapshotRequest),
        #[prost(message, tag = "5")]
        Restore(super::RestoreRequest),
        #[prost(message, tag = "16")]
        Begin(super::BeginBatch),
        #[prost(message, tag = "17")]
        Point(super::Point),
        #[prost(message, tag = "18")]
        End(super::EndBatch),
    }
}

/// Agent -> Kapacitor.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Response {
    #[prost(oneof = "response::Message", tags = "1, 2, 3, 4, 5, 6, 16, 17, 18")]
    pub message: core::option::Option<response::Message>,
}

pub mod response {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Message {
        #[prost(message, tag = "1")]
        Info(super::InfoResponse),
        #[prost(message, tag = "2")]
        Init(super::InitResponse),
        #[prost(message, tag = "3")]
        Keepalive(super::KeepaliveResponse),
        #[prost(message, tag = "4")]
        Snapshot(super::SnapshotResponse),
        #[prost(message, tag = "5")]
        Restore(super::RestoreResponse),
        #[prost(message, tag = "6")]
        Error(super::ErrorResponse),
        #[prost(message, tag = "16")]
        Begin(super::BeginBatch),
        #[prost(message, tag = "17")]
        Point(super::Point),
        #[prost(message, tag = "18")]
        End(super::EndBatch),
    }
}
