//! What the checker knows of user-defined functions (`@name()`).
//!
//! Kapacitor asks each configured UDF agent for its `InfoResponse` (the edge
//! it wants and provides, and its options with their value types) and checks
//! a task's `@name().option(...)` calls against it when the task is defined
//! (`pipeline/udf.go`). The compiler knows nothing of agents: whoever runs
//! the checker (the server) hands it a `UdfCatalog` that answers by name.
//! Offline (`tickc check`) there is none, and UDF calls are checked by
//! signature only.

use crate::catalog::EdgeType;
use std::collections::BTreeMap;

/// An option value's type, as `udf.proto`'s `ValueType` (Go prints these
/// enum names in its messages: `got STRING expected INT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UdfValueType {
    Bool,
    Int,
    Double,
    String,
    Duration,
}

impl UdfValueType {
    /// The protobuf enum's name, as Go's generated `String()` gives it.
    pub fn name(self) -> &'static str {
        match self {
            UdfValueType::Bool => "BOOL",
            UdfValueType::Int => "INT",
            UdfValueType::Double => "DOUBLE",
            UdfValueType::String => "STRING",
            UdfValueType::Duration => "DURATION",
        }
    }
}

/// A UDF's answer to an info request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfInfo {
    pub wants: EdgeType,
    pub provides: EdgeType,
    /// Option name -> the types of its arguments, in order.
    pub options: BTreeMap<String, Vec<UdfValueType>>,
}

/// Why a UDF's info could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdfLookupError {
    /// No `[udf.functions.<name>]`.
    NotConfigured,
    /// The agent was configured but did not answer (failed to start, crashed,
    /// timed out, sent garbage); the text says which.
    Agent(String),
}

/// The UDFs a checker may call, by name.
pub trait UdfCatalog {
    /// The info of UDF `name`.
    fn info(&self, name: &str) -> Result<UdfInfo, UdfLookupError>;
    /// Every configured name (for "did you mean" hints), sorted.
    fn names(&self) -> Vec<String>;
}

/// A fixed table (tests, or infos fetched beforehand).
impl UdfCatalog for BTreeMap<String, UdfInfo> {
    fn info(&self, name: &str) -> Result<UdfInfo, UdfLookupError> {
        self.get(name).cloned().ok_or(UdfLookupError::NotConfigured)
    }

    fn names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
}
