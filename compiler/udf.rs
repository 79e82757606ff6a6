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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Arg;

    fn catalog() -> BTreeMap<String, UdfInfo> {
        BTreeMap::from([(
            "outliers".to_string(),
            UdfInfo {
                wants: EdgeType::Batch,
                provides: EdgeType::Stream,
                options: BTreeMap::from([
                    ("field".to_string(), vec![UdfValueType::String]),
                    ("scale".to_string(), vec![UdfValueType::Double]),
                    (
                        "every".to_string(),
                        vec![UdfValueType::Duration, UdfValueType::Bool],
                    ),
                ]),
            },
        )])
    }

    const SCRIPT: &str = "stream\n    |from()\n        .measurement('m')\n    |window()\n        .period(1m)\n        .every(1m)\n    @outliers()\n        .field('v')\n        .scale(1.5)\n        .every(10s, TRUE)\n    |window()\n        .period(1m)\n        .every(1m)\n";

    #[test]
    fn the_agents_info_sets_the_edges_and_options() {
        let (p, diags) = crate::check_with_udfs(SCRIPT, None, &catalog());
        let p = p.unwrap_or_else(|| panic!("{diags:?}"));
        let n = p
            .nodes
            .iter()
            .find(|n| n.udf.as_deref() == Some("outliers"))
            .unwrap();
        assert_eq!((n.wants, n.provides), (EdgeType::Batch, EdgeType::Stream));
        assert_eq!(n.name, "outliers3");
        let every = n.prop("every").unwrap();
        assert_eq!(
            every.args,
            vec![Arg::Duration(10_000_000_000), Arg::Bool(true)]
        );
    }

    #[test]
    fn offline_any_udf_is_checked_by_signature_only() {
        // The UDF's edges are unknown offline: it passes on what it gets.
        let script = SCRIPT.replace(".scale(1.5)", ".scale('x')");
        let script = script.replace(
            "    |window()\n        .period(1m)\n        .every(1m)\n",
            "",
        );
        let (p, diags) = crate::check(&format!("{script}    |httpOut('x')\n"));
        assert!(p.is_some(), "{diags:?}");
    }

    #[test]
    fn a_server_without_that_udf_says_how_to_configure_it() {
        let none: BTreeMap<String, UdfInfo> = BTreeMap::new();
        let (p, diags) = crate::check_with_udfs(SCRIPT, None, &none);
        assert!(p.is_none());
        let d = diags
            .iter()
            .find(|d| d.code.as_str() == "E0310")
            .expect("unknown UDF");
        assert_eq!(d.message, "unknown UDF \"outliers\"");
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("[udf.functions.outliers]")),
            "{d:?}"
        );
    }

    #[test]
    fn an_edge_the_agent_does_not_want_is_an_edge_mismatch() {
        let script = SCRIPT.replace(
            "    |window()\n        .period(1m)\n        .every(1m)\n    @outliers",
            "    @outliers",
        );
        let (p, diags) = crate::check_with_udfs(&script, None, &catalog());
        assert!(p.is_none());
        assert!(
            diags.iter().any(|d| d.code.as_str() == "E0501"),
            "{diags:?}"
        );
    }
}
