//! The alert topic store (Kapacitor's alert service, api.md §1.9) and the
//! engine's shared outputs.
//!
//! Every alert event of a running task lands in a topic — the node's
//! `.topic()`, else its anonymous topic `main:<task>:<node>` — which keeps
//! each event ID's latest state and hands the event to the topic's handlers
//! (`handler.rs`: a spec, its `match` and its lane in the server's one
//! handler pool). Topics are implicit: created by the first event or the
//! first handler. `persist.rs` keeps their event states in the store.
//!
//! The hot path takes the map's read lock only to find the topic (its write
//! lock only when a topic is created) and then the topic's own lock: writers
//! to different topics never contend, and the event arrives typed — nothing
//! is parsed back from JSON.

pub mod handler;
pub mod persist;

use crate::store::{EventStateRecord, Store, StoreError, TopicHandlerRecord, TopicStateRecord};
use handler::{HandlerSpecError, TopicHandler};
use runtime::alert::event::Event;
use runtime::alert::handlers::HandlerPool;
use runtime::alert::level::Level;
use runtime::alert::restore::EventStates;
use runtime::config::Config;
use runtime::engine::Outputs;
use runtime::output::Output;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// The live server's task master name, the anonymous topics' prefix.
pub const TASK_MASTER: &str = "main";

#[derive(Debug, Clone, PartialEq)]
pub struct EventState {
    pub message: String,
    pub details: String,
    /// ns since the epoch.
    pub time: i64,
    /// ns since the alert left OK.
    pub duration: i64,
    pub level: Level,
}

impl EventState {
    fn of(ev: &Event) -> EventState {
        EventState {
            message: ev.message.clone(),
            details: ev.details.clone(),
            time: ev.time,
            duration: ev.duration,
            level: ev.level,
        }
    }

    /// Overwrites in place, reusing the strings' buffers.
    fn update(&mut self, ev: &Event) {
        self.message.clone_from(&ev.message);
        self.details.clone_from(&ev.details);
        self.time = ev.time;
        self.duration = ev.duration;
        self.level = ev.level;
    }
}

#[derive(Default)]
pub struct TopicState {
    /// Events received.
    pub collected: u64,
    pub events: HashMap<String, EventState>,
    /// Sorted by ID.
    pub handlers: Vec<TopicHandler>,
    /// Changed since the last persist flush.
    dirty: bool,
}

impl TopicState {
    /// The highest level among the current events.
    pub fn level(&self) -> Level {
        self.events
            .values()
            .map(|e| e.level)
            .max()
            .unwrap_or(Level::Ok)
    }
}

pub struct Topic {
    pub id: String,
    state: Mutex<TopicState>,
}

impl Topic {
    pub fn lock(&self) -> MutexGuard<'_, TopicState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Parses a level name, case-insensitively (`?min-level=`).
pub fn parse_level(s: &str) -> Option<Level> {
    Level::ALL
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(s))
}

pub struct Topics {
    map: RwLock<BTreeMap<String, Arc<Topic>>>,
    /// Handler sections, the shared pool and the queue length handlers are
    /// built with (the engine's own config).
    config: Config,
    persist: bool,
    /// Some topic is dirty (saves the flush a walk when nothing changed).
    dirty: AtomicBool,
}

impl Default for Topics {
    fn default() -> Self {
        Topics::new(Config::default(), false)
    }
}

thread_local! {
    /// The anonymous topic name being built (no allocation per event).
    static ANON: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Topics {
    pub fn new(config: Config, persist: bool) -> Topics {
        Topics {
            map: RwLock::new(BTreeMap::new()),
            config,
            persist,
            dirty: AtomicBool::new(false),
        }
    }

    pub fn pool(&self) -> &HandlerPool {
        &self.config.handler_pool
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A snapshot of the topics (sorted by ID).
    pub fn list(&self) -> Vec<Arc<Topic>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Topic>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn get_or_create(&self, id: &str) -> Arc<Topic> {
        if let Some(t) = self.get(id) {
            return t;
        }
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(Topic {
                    id: id.to_string(),
                    state: Mutex::new(TopicState::default()),
                })
            })
            .clone()
    }

    /// Collects one event into `topic` and hands it to the topic's handlers.
    pub fn record(&self, topic: &str, ev: &Event, json: &str) {
        let t = self.get_or_create(topic);
        let mut st = t.lock();
        st.collected += 1;
        let previous = match st.events.get_mut(&ev.id) {
            Some(e) => {
                let p = e.level;
                e.update(ev);
                p
            }
            None => {
                st.events.insert(ev.id.clone(), EventState::of(ev));
                Level::Ok
            }
        };
        if self.persist {
            st.dirty = true;
            self.dirty.store(true, Ordering::Relaxed);
        }
        if st.handlers.is_empty() {
            return;
        }
        let mut delivery = None;
        for h in st.handlers.iter_mut() {
            h.offer(self.pool(), ev, json, previous, &mut delivery);
        }
    }

    /// Removes a topic with its events and handlers.
    pub fn delete(&self, store: &Store, id: &str) -> Result<(), StoreError> {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        store.delete_topic(id)
    }

    /// Adds a handler (persisted first). `Exists` when the ID is taken.
    pub fn add_handler(
        &self,
        store: &Store,
        spec: TopicHandlerRecord,
    ) -> Result<TopicHandlerRecord, HandlerSpecError> {
        let h = TopicHandler::build(spec, &self.config)?;
        let t = self.get_or_create(&h.spec.topic);
        let mut st = t.lock();
        if st.handlers.iter().any(|x| x.spec.id == h.spec.id) {
            return Err(HandlerSpecError::Exists(h.spec.id.clone()));
        }
        store.put_topic_handler(&h.spec)?;
        let spec = h.spec.clone();
        let at = st.handlers.partition_point(|x| x.spec.id < spec.id);
        st.handlers.insert(at, h);
        Ok(spec)
    }

    /// Replaces handler `old_id` of the spec's topic by `spec` (its ID may change).
    pub fn replace_handler(
        &self,
        store: &Store,
        old_id: &str,
        spec: TopicHandlerRecord,
    ) -> Result<TopicHandlerRecord, HandlerSpecError> {
        let h = TopicHandler::build(spec, &self.config)?;
        let t = self.get_or_create(&h.spec.topic);
        let mut st = t.lock();
        if h.spec.id != old_id && st.handlers.iter().any(|x| x.spec.id == h.spec.id) {
            return Err(HandlerSpecError::Exists(h.spec.id.clone()));
        }
        store.put_topic_handler(&h.spec)?;
        if h.spec.id != old_id {
            store.delete_topic_handler(&h.spec.topic, old_id)?;
        }
        st.handlers.retain(|x| x.spec.id != old_id);
        let spec = h.spec.clone();
        let at = st.handlers.partition_point(|x| x.spec.id < spec.id);
        st.handlers.insert(at, h);
        Ok(spec)
    }

    /// Whether `spec` builds into a handler (validated, options, match), without
    /// adding it: a cluster checks before writing the definition to its bucket.
    pub fn check_handler(&self, spec: &TopicHandlerRecord) -> Result<(), HandlerSpecError> {
        TopicHandler::build(spec.clone(), &self.config).map(|_| ())
    }

    /// Adds `spec`, or replaces the handler of its topic with its ID: how a
    /// cluster node applies a definition from the bucket (applying one twice, as
    /// the node that wrote it does, changes nothing).
    pub fn upsert_handler(
        &self,
        store: &Store,
        spec: TopicHandlerRecord,
    ) -> Result<TopicHandlerRecord, HandlerSpecError> {
        if let Some(t) = self.get(&spec.topic) {
            if t.lock().handlers.iter().any(|x| x.spec == spec) {
                return Ok(spec);
            }
        }
        let h = TopicHandler::build(spec, &self.config)?;
        let t = self.get_or_create(&h.spec.topic);
        let mut st = t.lock();
        store.put_topic_handler(&h.spec)?;
        st.handlers.retain(|x| x.spec.id != h.spec.id);
        let spec = h.spec.clone();
        let at = st.handlers.partition_point(|x| x.spec.id < spec.id);
        st.handlers.insert(at, h);
        Ok(spec)
    }

    /// Waits until the handlers of the topic an alert output of `task`'s node
    /// `node` went to (`record_output`) delivered what they queued: a cluster
    /// records an event as delivered only then.
    pub fn flush_output(&self, master: &str, task: &str, node: &str, topic: Option<&str>) {
        let Some(t) = output_topic(master, task, node, topic, |name| self.get(name)) else {
            return;
        };
        // Lanes are flushed outside the topic's lock: the pool's workers take it
        // for nothing, but the task threads recording events do.
        let lanes: Vec<_> = t.lock().handlers.iter().map(|h| h.lane().clone()).collect();
        for lane in lanes {
            lane.flush();
        }
    }

    /// Removes a handler; deleting an unknown one is not an error (Kapacitor).
    pub fn remove_handler(&self, store: &Store, topic: &str, id: &str) -> Result<(), StoreError> {
        store.delete_topic_handler(topic, id)?;
        if let Some(t) = self.get(topic) {
            t.lock().handlers.retain(|x| x.spec.id != id);
        }
        Ok(())
    }

    /// The specs of `topic`'s handlers, sorted by ID (none for an unknown topic).
    pub fn handler_specs(&self, topic: &str) -> Vec<TopicHandlerRecord> {
        self.get(topic)
            .map(|t| t.lock().handlers.iter().map(|h| h.spec.clone()).collect())
            .unwrap_or_default()
    }

    /// At startup: the stored handlers, and the stored event states when
    /// topics persist. A stored handler that no longer builds is logged and
    /// skipped, as Kapacitor does.
    pub fn restore(&self, store: &Store) -> Result<(), StoreError> {
        for spec in store.topic_handlers()? {
            let (topic, id) = (spec.topic.clone(), spec.id.clone());
            match TopicHandler::build(spec, &self.config) {
                Ok(h) => {
                    let t = self.get_or_create(&topic);
                    let mut st = t.lock();
                    let at = st.handlers.partition_point(|x| x.spec.id < h.spec.id);
                    st.handlers.insert(at, h);
                }
                Err(e) => tracing::error!(
                    topic,
                    handler = id,
                    "failed to load handler on startup: {e}"
                ),
            }
        }
        if self.persist {
            for rec in store.topic_states()? {
                let t = self.get_or_create(&rec.topic);
                let mut st = t.lock();
                for (id, e) in rec.events {
                    st.events.insert(
                        id,
                        EventState {
                            message: e.message,
                            details: e.details,
                            time: e.time,
                            duration: e.duration,
                            level: parse_level(&e.level).unwrap_or(Level::Ok),
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// The states of the topics changed since the last call (clearing the
    /// marks), for `persist.rs`.
    fn take_dirty(&self) -> Vec<TopicStateRecord> {
        if !self.dirty.swap(false, Ordering::Relaxed) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for t in self.list() {
            let mut st = t.lock();
            if !st.dirty {
                continue;
            }
            st.dirty = false;
            out.push(TopicStateRecord {
                topic: t.id.clone(),
                events: st
                    .events
                    .iter()
                    .map(|(id, e)| {
                        (
                            id.clone(),
                            EventStateRecord {
                                message: e.message.clone(),
                                details: e.details.clone(),
                                time: e.time,
                                duration: e.duration,
                                level: e.level.as_str().to_string(),
                            },
                        )
                    })
                    .collect(),
            });
        }
        out
    }

    /// Records an alert output of task master `master`'s task `task`.
    pub fn record_output(&self, master: &str, task: &str, node: &str, out: &Output<'_>) {
        let Output::Alert {
            event,
            event_json,
            topic,
            ..
        } = out
        else {
            return;
        };
        output_topic(master, task, node, *topic, |name| {
            self.record(name, event, event_json)
        });
    }
}

/// `f` of the topic an alert node's output goes to: its `.topic()`, else its
/// anonymous topic `<master>:<task>:<node>` (named in a reused buffer: no
/// allocation per event).
fn output_topic<R>(
    master: &str,
    task: &str,
    node: &str,
    topic: Option<&str>,
    f: impl FnOnce(&str) -> R,
) -> R {
    match topic {
        Some(t) => f(t),
        None => ANON.with(|b| {
            let mut name = b.borrow_mut();
            name.clear();
            let _ = write!(name, "{master}:{task}:{node}");
            f(&name)
        }),
    }
}

impl std::fmt::Debug for Topics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topics")
            .field("persist", &self.persist)
            .finish_non_exhaustive()
    }
}

impl Topics {
    fn event_state(&self, topic: &str, id: &str) -> Option<(Level, i64)> {
        let t = self.get(topic)?;
        let st = t.lock();
        st.events.get(id).map(|e| (e.level, e.time))
    }
}

impl EventStates for Topics {
    /// The anonymous topic takes precedence over the named one, as in
    /// Kapacitor's `restoreEvent`.
    fn restore(
        &self,
        task: &str,
        node: &str,
        topic: Option<&str>,
        id: &str,
    ) -> Option<(Level, i64)> {
        let anon = format!("{TASK_MASTER}:{task}:{node}");
        self.event_state(&anon, id)
            .or_else(|| topic.and_then(|t| self.event_state(t, id)))
    }
}

impl Outputs for Topics {
    fn output(&self, task: &str, out: Output<'_>) {
        match out {
            Output::Alert { node, .. } => self.record_output(TASK_MASTER, task, node, &out),
            Output::Log { node, line } => tracing::info!(task, node, "{line}"),
            Output::Point { .. } | Output::HttpOut { .. } => {}
        }
    }

    fn diagnostic(&self, task: &str, node: &str, message: &str) {
        tracing::error!(task, node, "{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: &str, level: Level, t: i64) -> Event {
        Event {
            id: id.into(),
            message: format!("{id} {}", level.as_str()),
            level,
            time: t,
            ..Event::default()
        }
    }

    #[test]
    fn changed_compares_with_the_events_previous_level_in_the_topic() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).unwrap();
        let log = dir.path().join("h.log");
        let topics = Topics::new(Config::default(), true);
        let spec = TopicHandlerRecord {
            id: "h".into(),
            topic: "t".into(),
            kind: "log".into(),
            options: json!({"path": log.to_str().unwrap()})
                .as_object()
                .unwrap()
                .clone(),
            match_: "changed()".into(),
        };
        topics.add_handler(&store, spec).unwrap();
        // a: CRITICAL (changed from OK), CRITICAL (same), OK (changed);
        // b: OK as its first event (no change from the implicit OK).
        let events = [
            ev("a", Level::Critical, 1),
            ev("a", Level::Critical, 2),
            ev("b", Level::Ok, 3),
            ev("a", Level::Ok, 4),
        ];
        for e in &events {
            topics.record("t", e, &e.to_json());
        }
        let t = topics.get("t").unwrap();
        t.lock().handlers[0].lane().flush();
        let text = std::fs::read_to_string(&log).unwrap();
        let messages: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["message"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(messages, ["a CRITICAL", "a OK"]);
        let st = t.lock();
        assert_eq!(st.collected, 4);
        assert_eq!(st.level(), Level::Ok);
        drop(st);

        // persist: the dirty topic is written once, and restored.
        persist::flush(&topics, &store).unwrap();
        assert!(topics.take_dirty().is_empty());
        let again = Topics::new(Config::default(), true);
        again.restore(&store).unwrap();
        let t2 = again.get("t").unwrap();
        let st2 = t2.lock();
        assert_eq!(st2.events["a"].message, "a OK");
        assert_eq!(st2.events["a"].time, 4);
        assert_eq!(st2.handlers.len(), 1);
    }
}
