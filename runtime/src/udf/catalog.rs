//! The configured UDFs as the checker sees them: each `@name()` in a task
//! being defined starts the agent, asks for its info and closes it, as
//! Kapacitor's UDF service does (`services/udf/service.go`, `loadUDFInfo`).
//! An answer is kept (a server holds one catalog), so an agent starts for
//! its info once, not at every task listed or defined; a failed lookup is
//! not kept, so a fixed agent is seen at the next define.

use super::agent::Agent;
use super::config::UdfFunctions;
use super::proto;
use compiler::catalog::EdgeType;
use compiler::udf::{UdfCatalog, UdfInfo, UdfLookupError, UdfValueType};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub struct AgentCatalog {
    functions: Arc<UdfFunctions>,
    infos: Mutex<HashMap<String, UdfInfo>>,
}

impl AgentCatalog {
    pub fn new(functions: Arc<UdfFunctions>) -> Self {
        AgentCatalog {
            functions,
            infos: Mutex::new(HashMap::new()),
        }
    }
}

impl UdfCatalog for AgentCatalog {
    fn info(&self, name: &str) -> Result<UdfInfo, UdfLookupError> {
        let known = self
            .infos
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned();
        if let Some(info) = known {
            return Ok(info);
        }
        let f = self
            .functions
            .get(name)
            .ok_or(UdfLookupError::NotConfigured)?;
        // Not under the lock: an agent may take up to its timeout to answer.
        let info = fetch(name, f)?;
        self.infos
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), info.clone());
        Ok(info)
    }

    fn names(&self) -> Vec<String> {
        self.functions.keys().cloned().collect()
    }
}

fn fetch(name: &str, f: &super::UdfFunction) -> Result<UdfInfo, UdfLookupError> {
    let mut agent = Agent::open(name, f).map_err(|e| UdfLookupError::Agent(e.to_string()))?;
    let info = agent
        .info()
        .map_err(|e| UdfLookupError::Agent(e.to_string()))?;
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
        provides: edge(info.provides)
            .ok_or_else(|| format!("unknown edge type {}", info.provides))?,
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
