//! The alert topic store and the engine's shared outputs: every alert event
//! of a running task lands in its topic (Kapacitor's anonymous topic
//! `main:<task>:<node>`), keeping each event ID's latest state; log lines
//! and node errors go to the server log.

use runtime::engine::Outputs;
use runtime::output::Output;
use std::collections::BTreeMap;
use std::sync::RwLock;

#[derive(Debug, Clone, PartialEq)]
pub struct EventState {
    pub message: String,
    pub details: String,
    pub time: String,
    /// ns since the alert left OK.
    pub duration: i64,
    pub level: String,
}

#[derive(Debug, Clone, Default)]
pub struct Topic {
    pub collected: u64,
    pub events: BTreeMap<String, EventState>,
}

pub const LEVELS: [&str; 4] = ["OK", "INFO", "WARNING", "CRITICAL"];

pub fn level_rank(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| l.eq_ignore_ascii_case(level))
}

impl Topic {
    /// The highest level among the current events.
    pub fn level(&self) -> &'static str {
        let rank = self
            .events
            .values()
            .filter_map(|e| level_rank(&e.level))
            .max()
            .unwrap_or(0);
        LEVELS[rank]
    }
}

#[derive(Debug, Default)]
pub struct Topics {
    pub topics: RwLock<BTreeMap<String, Topic>>,
}

impl Topics {
    pub fn record(&self, topic: String, event_json: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(event_json) else {
            return;
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let id = s("id");
        let state = EventState {
            message: s("message"),
            details: s("details"),
            time: s("time"),
            duration: v.get("duration").and_then(|d| d.as_i64()).unwrap_or(0),
            level: s("level"),
        };
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        let t = topics.entry(topic).or_default();
        t.collected += 1;
        t.events.insert(id, state);
    }
}

impl Outputs for Topics {
    fn output(&self, task: &str, out: Output<'_>) {
        match out {
            Output::Alert { node, event_json } => {
                self.record(format!("main:{task}:{node}"), event_json)
            }
            Output::Log { node, line } => tracing::info!(task, node, "{line}"),
            Output::Point { .. } | Output::HttpOut { .. } => {}
        }
    }

    fn diagnostic(&self, task: &str, node: &str, message: &str) {
        tracing::error!(task, node, "{message}");
    }
}
