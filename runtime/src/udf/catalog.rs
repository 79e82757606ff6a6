//! The configured UDFs as the checker sees them: each `@name()` in a task
//! being defined starts the agent, asks for its info and closes it, as
//! Kapacitor's UDF service does (`services/udf/service.go`, `loadUDFInfo`).
//! Answers are kept for the one check, so a UDF used twice starts once.

use super::agent::Agent;
use super::config::UdfFunctions;
use super::proto;
use compiler::catalog::EdgeType;
use compiler::udf::{UdfCatalog, UdfInfo, UdfLookupError, UdfValueType};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

pub struct AgentCatalog<'a> {
    functions: &'a UdfFunctions,
    seen: RefCell<HashMap<String, Result<UdfInfo, UdfLookupError>>>,
}

impl<'a> AgentCatalog<'a> {
    pub fn new(functions: &'a UdfFunctions) -> Self {
        AgentCatalog {
            functions,
            seen: RefCell::new(HashMap::new()),
        }
    }
}

impl UdfCatalog for AgentCatalog<'_> {
    fn info(&self, name: &str) -> Result<UdfInfo, UdfLookupError> {
        if let Some(r) = self.seen.borrow().get(name) {
            return r.clone();
        }
        let r = match self.functions.get(name) {
            None => Err(UdfLookupError::NotConfigured),
            Some(f) => fetch(name, f),
        };
        self.seen.borrow_mut().insert(name.to_string(), r.clone());
        r
    }

    fn names(&self) -> Vec<String> {
        self.functions.keys().cloned().collect()
    }
}

fn fetch(name: &str, f: &super::UdfFunction) -> Result<UdfInfo, UdfLookupError> {
    let mut agent = Agent::open(name, f).map_err(|e| UdfLookupError::Agent(e.to_string()))?;
    let info = agent.info().map_err(|e| UdfLookupError::Agent(e.to_string()))?;
    // Dropping the agent stops it: an info connection does no work.
    drop(agent);
    info_of(&info).map_err(UdfLookupError::Agent)
}

/// The checker's view of an InfoResponse; unknown enum values are errors.
pub fn info_of(info: &proto::InfoResponse) -> Result<UdfInfo, String> {
    let mut options = BTreeMap::new();
    for (name, o) in &info.options {
        let types = o
            .value_types
            .iter()
            .map(|&t| value_type(t).ok_or_else(|| format!("option {name}: unknown value type {t}")))
            .collect::<Result<Vec<_>, _>>()?;
        options.insert(name.clone(), types);
    }
    Ok(UdfInfo {
        wants: edge(info.wants).ok_or_else(|| format!("unknown edge type {}", info.wants))?,
        provides: edge(info.provides).ok_or_else(|| format!("unknown edge type {}", info.provides))?,
        options,
    })
}

fn edge(e: i32) -> Option<EdgeType> {
    match proto::EdgeType::try_from(e).ok()? {
        proto::EdgeType::Stream => Some(EdgeType::Stream),
        proto::EdgeType::Batch => Some(EdgeType::Batch),
    }
}

fn value_type(t: i32) -> Option<UdfValueType> {
    Some(match proto::ValueType::try_from(t).ok()? {
        proto::ValueType::Bool => UdfValueType::Bool,
        proto::ValueType::Int => UdfValueType::Int,
        proto::ValueType::Double => UdfValueType::Double,
        proto::ValueType::String => UdfValueType::String,
        proto::ValueType::Duration => UdfValueType::Duration,
    })
}
