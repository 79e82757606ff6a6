//! The API objects the CLI reads (api.md §1), decoded as Kapacitor's Go client decodes them:
//! absent keys take Go's zero values, enums accept only their known words.

use crate::kapacitor::dbrp::Dbrp;
use crate::kapacitor::gotime::GoTime;
use crate::kapacitor::vars::{self, Vars};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Link {
    #[serde(default)]
    pub href: String,
}

/// Declares a Go text-marshalled enum: its words, its zero value and how Go prints a value that
/// is not one of them (`unknown TaskType 0`).
macro_rules! go_enum {
    ($name:ident, $go:literal, zero = $zero:ident, { $($variant:ident = $word:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub enum $name {
            #[default]
            $zero,
            $($variant),*
        }

        impl $name {
            fn word(self) -> Option<&'static str> {
                match self {
                    $($name::$variant => Some($word),)*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.word() {
                    Some(w) => f.write_str(w),
                    None => write!(f, "unknown {} 0", $go),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $(if s == $word { return Ok($name::$variant); })*
                Err(serde::de::Error::custom(format!("unknown {} {}", $go, s)))
            }
        }
    };
}

go_enum!(TaskType, "TaskType", zero = Unset, { Stream = "stream", Batch = "batch" });
go_enum!(TaskStatus, "TaskStatus", zero = Unset, { Disabled = "disabled", Enabled = "enabled" });

/// Recording and replay status; Go's zero value is `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Failed,
    Running,
    Finished,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Failed => "failed",
            Status::Running => "running",
            Status::Finished => "finished",
        })
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "failed" => Ok(Status::Failed),
            "running" => Ok(Status::Running),
            "finished" => Ok(Status::Finished),
            s => Err(serde::de::Error::custom(format!("unknown Status {s}"))),
        }
    }
}

/// Replay clock; Go's zero value is `fast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    #[default]
    Fast,
    Real,
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Clock::Fast => "fast",
            Clock::Real => "real",
        })
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "fast" => Ok(Clock::Fast),
            "real" => Ok(Clock::Real),
            s => Err(serde::de::Error::custom(format!("unknown Clock {s}"))),
        }
    }
}

fn de_vars<'de, D: Deserializer<'de>>(d: D) -> Result<Vars, D::Error> {
    let v = Value::deserialize(d)?;
    vars::decode(&v).map_err(serde::de::Error::custom)
}

fn de_null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Task {
    pub link: Link,
    pub id: String,
    #[serde(rename = "template-id")]
    pub template_id: String,
    #[serde(rename = "type")]
    pub typ: TaskType,
    #[serde(deserialize_with = "de_null_default")]
    pub dbrps: Vec<Dbrp>,
    pub script: String,
    #[serde(deserialize_with = "de_vars")]
    pub vars: Vars,
    pub dot: String,
    pub status: TaskStatus,
    pub executing: bool,
    pub error: String,
    pub created: GoTime,
    pub modified: GoTime,
    #[serde(rename = "last-enabled")]
    pub last_enabled: GoTime,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Template {
    pub link: Link,
    pub id: String,
    #[serde(rename = "type")]
    pub typ: TaskType,
    pub script: String,
    #[serde(deserialize_with = "de_vars")]
    pub vars: Vars,
    pub dot: String,
    pub error: String,
    pub created: GoTime,
    pub modified: GoTime,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Recording {
    pub link: Link,
    pub id: String,
    #[serde(rename = "type")]
    pub typ: TaskType,
    pub size: i64,
    pub date: GoTime,
    pub error: String,
    pub status: Status,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Replay {
    pub link: Link,
    pub id: String,
    pub task: String,
    pub recording: String,
    pub clock: Clock,
    pub date: GoTime,
    pub error: String,
    pub status: Status,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskList {
    #[serde(default, deserialize_with = "de_null_default")]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplateList {
    #[serde(default, deserialize_with = "de_null_default")]
    pub templates: Vec<Template>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordingList {
    #[serde(default, deserialize_with = "de_null_default")]
    pub recordings: Vec<Recording>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReplayList {
    #[serde(default, deserialize_with = "de_null_default")]
    pub replays: Vec<Replay>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Topic {
    pub link: Link,
    pub id: String,
    pub level: String,
    pub collected: i64,
    #[serde(rename = "events-link")]
    pub events_link: Link,
    #[serde(rename = "handlers-link")]
    pub handlers_link: Link,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Topics {
    #[serde(default, deserialize_with = "de_null_default")]
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventState {
    pub message: String,
    pub time: GoTime,
    pub level: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TopicEvent {
    pub id: String,
    pub state: EventState,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TopicEvents {
    #[serde(default, deserialize_with = "de_null_default")]
    pub events: Vec<TopicEvent>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TopicHandler {
    pub link: Link,
    pub id: String,
    pub kind: String,
    pub options: Value,
    #[serde(rename = "match")]
    pub match_: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TopicHandlers {
    #[serde(default, deserialize_with = "de_null_default")]
    pub handlers: Vec<TopicHandler>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceTest {
    pub link: Link,
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServiceTests {
    #[serde(default, deserialize_with = "de_null_default")]
    pub services: Vec<ServiceTest>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceTestResult {
    pub success: bool,
    pub message: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Stat {
    pub name: String,
    pub tags: BTreeMap<String, String>,
    pub values: BTreeMap<String, Value>,
}

/// `GET /kapacitor/v1/debug/vars`, the parts `stats` prints.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DebugVars {
    pub cluster_id: String,
    pub server_id: String,
    pub host: String,
    #[serde(rename = "kapacitor")]
    pub stats: BTreeMap<String, Stat>,
    pub num_enabled_tasks: i64,
    pub num_subscriptions: i64,
    pub num_tasks: i64,
    pub version: String,
    pub platform: String,
}
