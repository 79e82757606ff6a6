//! The alert node runtime: level evaluation, emission rules, event building,
//! forwarding of triggering data (reference §4.4).

use super::data::ServerInfo;
use super::event::Event;
use super::handlers::HandlerSet;
use super::inhibit::{InhibitRegistry, Inhibitor};
use super::level::Level;
use super::render::{EventData, Renderer};
use super::state::AlertState;
use crate::message::{Batch, FieldValue, Message, Point, Str};
use crate::node::lambda::SavedFuncs;
use crate::node::{NodeCx, NodeError, NodeImpl};
use crate::output::Output;
use crate::point::Scope;
use crate::result::{row_from_batch, row_from_point};
use crate::snapshot::SnapshotError;
use crate::template::Template;
use std::collections::HashMap;
use std::sync::Arc;
use vm::lambda::{CompiledLambda, LambdaState};

/// A level or reset predicate with its single shared state (§5.5: alert
/// predicates share state across groups).
pub struct Predicate {
    pub lambda: CompiledLambda,
    pub state: LambdaState,
}

impl Predicate {
    pub fn new(lambda: CompiledLambda) -> Self {
        let state = lambda.new_state();
        Predicate { lambda, state }
    }
}

/// Extra data added to forwarded points (`levelTag`, `idField`, …).
#[derive(Default)]
pub struct Additions {
    pub level_tag: Option<Str>,
    pub level_field: Option<Str>,
    pub id_tag: Option<Str>,
    pub id_field: Option<Str>,
    pub message_field: Option<Str>,
    pub duration_field: Option<Str>,
}

impl Additions {
    fn any(&self) -> bool {
        self.level_tag.is_some()
            || self.level_field.is_some()
            || self.id_tag.is_some()
            || self.id_field.is_some()
            || self.message_field.is_some()
            || self.duration_field.is_some()
    }

    fn tags(&self, tags: &mut Vec<(Str, Str)>, ev: &Event) {
        if let Some(k) = &self.level_tag {
            set_sorted(tags, k, Str::from(ev.level.as_str()));
        }
        if let Some(k) = &self.id_tag {
            set_sorted(tags, k, Str::from(ev.id.as_str()));
        }
    }

    fn fields(&self, fields: &mut Vec<(Str, FieldValue)>, ev: &Event) {
        if let Some(k) = &self.level_field {
            set_sorted(fields, k, FieldValue::String(Str::from(ev.level.as_str())));
        }
        if let Some(k) = &self.id_field {
            set_sorted(fields, k, FieldValue::String(Str::from(ev.id.as_str())));
        }
        if let Some(k) = &self.message_field {
            set_sorted(
                fields,
                k,
                FieldValue::String(Str::from(ev.message.as_str())),
            );
        }
        if let Some(k) = &self.duration_field {
            set_sorted(fields, k, FieldValue::Int(ev.duration));
        }
    }
}

fn set_sorted<V>(v: &mut Vec<(Str, V)>, key: &Str, val: V) {
    match v.binary_search_by(|(k, _)| k.as_ref().cmp(key.as_ref())) {
        Ok(i) => v[i].1 = val,
        Err(i) => v.insert(i, (key.clone(), val)),
    }
}

/// Static settings of one alert node.
pub struct Settings {
    pub task: Str,
    pub id: Template,
    /// Whether the ID depends on anything but Name/TaskName/Group/ServerInfo.
    pub id_per_point: bool,
    pub message: Template,
    pub details: Template,
    pub history: usize,
    pub flapping: Option<(f64, f64)>,
    pub state_changes_only: bool,
    pub max_interval: i64,
    pub no_recoveries: bool,
    pub all: bool,
    pub additions: Additions,
    pub category: Option<Str>,
    pub inhibitors: Vec<Inhibitor>,
    pub server: ServerInfo,
    /// `.topic()`: the named topic events are published to.
    pub topic: Option<Str>,
    /// The node's name (`alert2`), naming its anonymous topic.
    pub node: Str,
}

/// The node's checkpoint: per group its alert state; per level and reset
/// predicate its stateful calls (shared, own); the node's category's
/// entries in the inhibition registry.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedAlert {
    groups: Vec<(Str, AlertState)>,
    levels: [Option<(SavedFuncs, SavedFuncs)>; 4],
    resets: [Option<(SavedFuncs, SavedFuncs)>; 4],
    inhibit: Vec<super::inhibit::Entry>,
}

struct GroupState {
    state: AlertState,
    /// Cached ID (name it was rendered for, ID) when it does not depend on tags.
    id_cache: Option<(Str, Str)>,
}

pub struct AlertNode {
    pub settings: Settings,
    /// Index = level (0 = OK is always `None`).
    pub levels: [Option<Predicate>; 4],
    pub resets: [Option<Predicate>; 4],
    groups: HashMap<Str, GroupState>,
    /// The template data, rebuilt in place per event.
    renderer: Renderer,
    /// The event JSON, written here for each event (one buffer for the node).
    json: String,
    registry: Option<Arc<InhibitRegistry>>,
    handlers: Option<HandlerSet>,
    stats_registered: bool,
    /// Where a new group's level is restored from (`restore.rs`).
    pub event_states: Option<Arc<dyn super::restore::EventStates>>,
    /// Decides whether an event is delivered (a cluster's deduplication).
    pub gate: Option<Arc<dyn crate::engine::AlertGate>>,
}

const STATS: [&str; 6] = [
    "alerts_triggered",
    "oks_triggered",
    "infos_triggered",
    "warns_triggered",
    "crits_triggered",
    "alerts_inhibited",
];

impl AlertNode {
    pub fn new(
        settings: Settings,
        levels: [Option<Predicate>; 4],
        resets: [Option<Predicate>; 4],
        registry: Option<Arc<InhibitRegistry>>,
        handlers: Option<HandlerSet>,
    ) -> Self {
        let renderer = Renderer::new(&settings.server);
        AlertNode {
            settings,
            levels,
            resets,
            groups: HashMap::new(),
            renderer,
            json: String::new(),
            registry,
            handlers,
            stats_registered: false,
            event_states: None,
            gate: None,
        }
    }

    /// Creates the state of a group seen for the first time, restoring its
    /// level from the topic store when there is one (`restore.rs`).
    fn new_group(&mut self, gid: &Str, name: &Str, tags: &[(Str, Str)], t: i64) {
        let mut gs = GroupState::new(self.settings.history);
        if let Some(src) = self.event_states.clone() {
            match self.render_id(name, gid, tags) {
                Ok(id) => {
                    let s = &self.settings;
                    if let Some((level, triggered)) =
                        src.restore(&s.task, &s.node, s.topic.as_deref(), &id)
                    {
                        if level != Level::Ok {
                            gs.state.add_event(level, t, s.max_interval);
                            gs.state.triggered(triggered);
                        }
                    }
                }
                Err(e) => tracing::warn!(
                    task = &*self.settings.task,
                    "cannot restore an alert level: {e}"
                ),
            }
        }
        self.groups.insert(gid.clone(), gs);
    }

    /// §4.4 steps 1–3 for the node's predicates.
    pub fn determine_level(
        &mut self,
        scope: &Scope<'_>,
        current: Level,
        cx: &mut NodeCx<'_>,
    ) -> Level {
        determine_level(&mut self.levels, &mut self.resets, scope, current, cx)
    }

    fn render_id(&mut self, name: &Str, group: &Str, tags: &[(Str, Str)]) -> Result<Str, String> {
        let s = &self.settings;
        let cached = !s.id_per_point;
        if cached {
            if let Some(g) = self.groups.get(group) {
                if let Some((n, id)) = &g.id_cache {
                    if Arc::ptr_eq(n, name) || n == name {
                        return Ok(id.clone());
                    }
                }
            }
        }
        let id = self.renderer.id(&s.id, name, &s.task, group, tags)?;
        if cached {
            if let Some(g) = self.groups.get_mut(group) {
                g.id_cache = Some((name.clone(), id.clone()));
            }
        }
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    fn build_event(
        &mut self,
        id: Str,
        name: &Str,
        group: &Str,
        tags: &[(Str, Str)],
        fields: &[(Str, FieldValue)],
        level: Level,
        t: i64,
        data: crate::result::Row,
    ) -> Result<Event, String> {
        let st = &self.groups[group].state;
        let duration = st.duration();
        let previous = st.previous();
        let s = &self.settings;
        let ed = EventData {
            name,
            task: &s.task,
            group,
            tags,
            fields,
            level,
            time: t,
            duration,
        };
        let (message, details) = self
            .renderer
            .message_details(&s.message, &s.details, &id, &ed)?;
        Ok(Event {
            id: String::from(&*id),
            message,
            details,
            time: t,
            duration,
            level,
            previous_level: previous,
            recoverable: !s.no_recoveries,
            data,
            task: s.task.clone(),
            name: name.clone(),
            group: group.clone(),
            tags: tags.to_vec(),
            fields: fields.to_vec(),
        })
    }

    /// Counts, checks inhibition, outputs and hands the event to handlers.
    fn publish(&mut self, ev: &Event, cx: &mut NodeCx<'_>) {
        cx.stats.add("alerts_triggered", 1);
        cx.stats.add(
            match ev.level {
                Level::Ok => "oks_triggered",
                Level::Info => "infos_triggered",
                Level::Warning => "warns_triggered",
                Level::Critical => "crits_triggered",
            },
            1,
        );
        if let Some(reg) = &self.registry {
            if let Some(cat) = &self.settings.category {
                reg.update(cat, &ev.id, &ev.tags, ev.level);
            }
            if self
                .settings
                .inhibitors
                .iter()
                .any(|i| reg.inhibits(i, &ev.tags))
            {
                cx.stats.add("alerts_inhibited", 1);
                return;
            }
        }
        let topic = self.settings.topic.as_deref();
        let handlers = &mut self.handlers;
        let json = &mut self.json;
        let gated = self.gate.is_some();
        let mut deliver = || {
            // One buffer per node: the JSON is written once and only copied
            // when handlers need their own.
            json.clear();
            ev.write_json(json);
            cx.output(Output::Alert {
                node: cx.node,
                event_json: json,
                event: ev,
                topic,
            });
            if let Some(h) = handlers {
                if let Err(e) = h.send(ev.clone(), json.clone()) {
                    cx.error(e);
                }
                if gated {
                    // Delivered means handled: the gate records it next.
                    h.flush();
                }
                // Delivery failures happen on the pool's threads; they reach the task's stats
                // here (only once there are some, so a healthy node's stats keep Kapacitor's keys).
                let failed = h.failed();
                if failed > 0 {
                    cx.stats.set("handler_errors", failed as i64);
                }
            }
        };
        match &self.gate {
            Some(gate) => gate.publish(&self.settings.node, topic, ev, &mut deliver),
            None => deliver(),
        }
    }

    fn point(&mut self, p: Arc<Point>, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        let gid = p.group.id.clone();
        let history = self.settings.history;
        if self.event_states.is_some() && !self.groups.contains_key(&gid) {
            self.new_group(&gid, &p.name, &p.tags, p.time);
        }
        // One hash lookup per point: the group's state is borrowed for both
        // the level evaluation and the emission decision.
        let gs = self
            .groups
            .entry(gid.clone())
            .or_insert_with(|| GroupState::new(history));
        let current = gs.state.current();
        let level = determine_level(&mut self.levels, &mut self.resets, &p.scope(), current, cx);
        if !self.settings.should_emit(&mut gs.state, level, p.time) {
            return Ok(());
        }
        // The ID is only needed for an event, so it is rendered after the
        // emission decision: points that trigger nothing cost no allocation.
        let id = match self.render_id(&p.name, &gid, &p.tags) {
            Ok(id) => id,
            Err(e) => {
                cx.error(e);
                return Ok(());
            }
        };
        let row = row_from_point(&p);
        let ev = match self.build_event(id, &p.name, &gid, &p.tags, &p.fields, level, p.time, row) {
            Ok(ev) => ev,
            Err(e) => {
                cx.error(e);
                return Ok(());
            }
        };
        self.publish(&ev, cx);
        let mut p = p;
        if self.settings.additions.any() {
            let m = Arc::make_mut(&mut p);
            self.settings.additions.tags(&mut m.tags, &ev);
            self.settings.additions.fields(&mut m.fields, &ev);
        }
        cx.emit(Message::Point(p));
        Ok(())
    }

    fn batch(&mut self, b: Arc<Batch>, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        if b.points.is_empty() {
            return Ok(());
        }
        let gid = b.group.id.clone();
        let history = self.settings.history;
        if self.event_states.is_some() && !self.groups.contains_key(&gid) {
            self.new_group(&gid, &b.name, &b.tags, b.tmax);
        }
        let gs = self
            .groups
            .entry(gid.clone())
            .or_insert_with(|| GroupState::new(history));
        let current = gs.state.current();
        let mut lowest = Level::Critical;
        let mut highest = Level::Ok;
        let mut hi_idx: Option<usize> = None;
        for (i, bp) in b.points.iter().enumerate() {
            let l = determine_level(&mut self.levels, &mut self.resets, &bp.scope(), current, cx);
            lowest = lowest.min(l);
            if l > highest || hi_idx.is_none() {
                highest = l;
                hi_idx = Some(i);
            }
        }
        let hp = &b.points[hi_idx.unwrap_or(0)];
        let level = if self.settings.all { lowest } else { highest };
        let t = if self.settings.all || level == Level::Ok {
            b.tmax
        } else {
            hp.time
        };
        if !self.settings.should_emit_batch(&mut gs.state, level, t) {
            return Ok(());
        }
        let id = match self.render_id(&b.name, &gid, &b.tags) {
            Ok(id) => id,
            Err(e) => {
                cx.error(e);
                return Ok(());
            }
        };
        let row = row_from_batch(&b);
        let fields = hp.fields.clone();
        let ev = match self.build_event(id, &b.name, &gid, &b.tags, &fields, level, t, row) {
            Ok(ev) => ev,
            Err(e) => {
                cx.error(e);
                return Ok(());
            }
        };
        self.publish(&ev, cx);
        let mut b = b;
        if self.settings.additions.any() {
            let m = Arc::make_mut(&mut b);
            self.settings.additions.tags(&mut m.tags, &ev);
            for bp in &mut m.points {
                self.settings.additions.tags(&mut bp.tags, &ev);
                self.settings.additions.fields(&mut bp.fields, &ev);
            }
        }
        cx.emit(Message::Batch(b));
        Ok(())
    }
}

/// §4.4 steps 1–3. Predicate errors count as false (logged).
fn determine_level(
    levels: &mut [Option<Predicate>; 4],
    resets: &mut [Option<Predicate>; 4],
    scope: &Scope<'_>,
    current: Level,
    cx: &mut NodeCx<'_>,
) -> Level {
    if let Some(l) = first_match(
        levels,
        Level::Critical as usize,
        current as usize,
        scope,
        cx,
    ) {
        return l;
    }
    if let Some(r) = &mut resets[current as usize] {
        match r.lambda.eval_bool(scope, &mut r.state) {
            Err(e) => cx.error(format!(
                "error evaluating reset expression for current level: {e}"
            )),
            Ok(false) => return current,
            Ok(true) => {}
        }
    }
    first_match(levels, current as usize, 1, scope, cx).unwrap_or(Level::Ok)
}

/// Tests levels from `start` down to `stop` (inclusive, stop ≥ 1).
fn first_match(
    levels: &mut [Option<Predicate>; 4],
    start: usize,
    stop: usize,
    scope: &Scope<'_>,
    cx: &mut NodeCx<'_>,
) -> Option<Level> {
    let stop = stop.max(1);
    let mut l = start;
    while l >= stop {
        if let Some(p) = &mut levels[l] {
            match p.lambda.eval_bool(scope, &mut p.state) {
                Ok(true) => return Some(Level::from_index(l)),
                Ok(false) => {}
                Err(e) => cx.error(format!(
                    "error evaluating expression for level {}: {e}",
                    Level::from_index(l).as_str()
                )),
            }
        }
        l -= 1;
    }
    None
}

impl Settings {
    /// Applies the stream emission rules after `level` was determined for an
    /// evaluation at `t`; returns whether an event must be built.
    fn should_emit(&self, st: &mut AlertState, level: Level, t: i64) -> bool {
        self.add(st, level, t);
        if (self.flapping.is_some() && st.flapping) || self.suppressed_repeat(st) {
            return false;
        }
        // Not OK, or OK and changed (a recovery).
        if level == Level::Ok && !st.changed {
            return false;
        }
        st.triggered(t);
        !(level == Level::Ok && self.no_recoveries)
    }

    /// The batch rules differ from the stream ones in one way: a recovery
    /// (OK and changed) is sent even while the alert is flapping.
    fn should_emit_batch(&self, st: &mut AlertState, level: Level, t: i64) -> bool {
        self.add(st, level, t);
        let recovery = st.changed && level == Level::Ok;
        let alerting = level != Level::Ok
            && !((self.flapping.is_some() && st.flapping) || self.suppressed_repeat(st));
        if !(recovery || alerting) {
            return false;
        }
        st.triggered(t);
        !(level == Level::Ok && self.no_recoveries)
    }

    fn add(&self, st: &mut AlertState, level: Level, t: i64) {
        st.add_event(level, t, self.max_interval);
        if let Some((low, high)) = self.flapping {
            st.update_flapping(low, high);
        }
    }

    fn suppressed_repeat(&self, st: &AlertState) -> bool {
        self.state_changes_only && !st.changed && !st.expired
    }
}

impl GroupState {
    fn new(history: usize) -> GroupState {
        GroupState {
            state: AlertState::new(history),
            id_cache: None,
        }
    }
}

impl AlertNode {
    fn register_stats(&mut self, cx: &mut NodeCx<'_>) {
        if !self.stats_registered {
            for s in STATS {
                cx.stats.register(s);
            }
            self.stats_registered = true;
        }
    }
}

impl NodeImpl for AlertNode {
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let save = |p: &Option<Predicate>| {
            p.as_ref()
                .map(|p| (p.lambda.saved_shared(), p.state.saved()))
        };
        let saved = SavedAlert {
            groups: self
                .groups
                .iter()
                .map(|(id, g)| (id.clone(), g.state.clone()))
                .collect(),
            levels: self.levels.each_ref().map(save),
            resets: self.resets.each_ref().map(save),
            inhibit: match (&self.registry, &self.settings.category) {
                (Some(reg), Some(cat)) => reg.entries(cat),
                _ => Vec::new(),
            },
        };
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    /// Restores the groups' levels and history, the predicates' stateful
    /// calls, and re-publishes the node's category's alerts to the
    /// inhibition registry (a restarted process starts with it empty).
    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let saved: SavedAlert = crate::snapshot::decode(data)?;
        for (preds, saved) in [
            (&mut self.levels, saved.levels),
            (&mut self.resets, saved.resets),
        ] {
            for (p, s) in preds.iter_mut().zip(saved) {
                match (p, s) {
                    (Some(p), Some((shared, own))) => {
                        p.lambda.load_shared(shared).map_err(SnapshotError::from)?;
                        p.state = p.lambda.restored_state(own).map_err(SnapshotError::from)?;
                    }
                    (None, None) => {}
                    _ => {
                        return Err(SnapshotError::Shape(
                            "the alert's level expressions differ".into(),
                        )
                        .into())
                    }
                }
            }
        }
        self.groups = saved
            .groups
            .into_iter()
            .map(|(id, state)| {
                (
                    id,
                    GroupState {
                        state,
                        id_cache: None,
                    },
                )
            })
            .collect();
        if let (Some(reg), Some(cat)) = (&self.registry, &self.settings.category) {
            for (id, tags, level) in saved.inhibit {
                reg.update(cat, &id, &tags, level);
            }
        }
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        self.register_stats(cx);
        match msg {
            Message::Point(p) => self.point(p, cx)?,
            Message::Batch(b) => self.batch(b, cx)?,
            Message::Barrier(b) => cx.emit(Message::Barrier(b)),
            Message::DeleteGroup(g) => {
                self.groups.remove(&g.id);
                cx.emit(Message::DeleteGroup(g));
            }
        }
        cx.stats.working_cardinality = self.groups.len() as i64;
        Ok(())
    }

    fn finish(&mut self, cx: &mut NodeCx<'_>) -> Result<(), NodeError> {
        // A node that saw no data still reports its counters (at 0).
        self.register_stats(cx);
        if let Some(h) = self.handlers.take() {
            for e in h.close() {
                cx.error(e);
            }
        }
        Ok(())
    }
}
