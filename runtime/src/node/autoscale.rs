//! What `k8sAutoscale`, `swarmAutoscale` and `ec2Autoscale` share (Kapacitor's
//! `autoscale.go`; reference §4.2): per point, the resource is named from the
//! node's settings or a tag; its current replica count is read from the API
//! the first time the resource is seen and remembered after that; the
//! `replicas` lambda (state per group, the current count bound to
//! `currentField` if set) gives the wanted count, clamped to `[min, max]`
//! (`max` 0 = no bound). A change within `increaseCooldown` /
//! `decreaseCooldown` of the resource's last change in that direction (data
//! time) is dropped and counted in `cooldown_drops`; otherwise the API is told
//! the new count and a point `{old, new}` is emitted with the group's tags and
//! the resource tags, counted in `increase_events` / `decrease_events`. Any
//! failure (no resource name, the API, the lambda) is logged and counted in
//! `errors`; the task keeps running and the remembered count is unchanged.
//!
//! The kind-specific halves (how a resource is named and tagged, the API
//! calls) implement [`Autoscaler`] in `k8s_autoscale.rs`, `swarm_autoscale.rs`
//! and `ec2_autoscale.rs`.

use super::edit::set;
use super::group_map::GroupMap;
use super::lambda::SavedLambdaGroups;
use super::{BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Fields, Message, Point, Str};
use crate::point::Scope;
use compiler::golang::quote;
use compiler::ir;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use vm::value::Value;
use vm::{CompiledLambda, EvalError, LambdaState};

pub const INCREASE_EVENTS: &str = "increase_events";
pub const DECREASE_EVENTS: &str = "decrease_events";
pub const COOLDOWN_DROPS: &str = "cooldown_drops";

/// How long an API call may take before it counts as failed: Kapacitor's
/// clients have no limit, but a task must never hang on a dead server.
pub const API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A resource a node scales.
pub trait ResourceId: fmt::Display {
    /// The key its remembered state lives under (Kapacitor's `ID()`: for
    /// Kubernetes the resource name alone).
    fn key(&self) -> &str;
}

/// The kind-specific half of an autoscale node.
pub trait Autoscaler: Send {
    type Id: ResourceId;
    /// The key of the resource a point is about (borrowed: the per-point
    /// path allocates nothing until a change is applied).
    fn resource_key<'a>(&'a self, tags: &'a [(Str, Str)]) -> Result<&'a str, AutoscaleError>;
    /// The resource with that key.
    fn resource_id(&self, key: &str) -> Self::Id;
    /// The resource's replica count as the API reports it now.
    fn replicas(&self, id: &Self::Id) -> Result<i64, ApiError>;
    /// Tells the API the resource's new replica count.
    fn set_replicas(&self, id: &Self::Id, replicas: i64) -> Result<(), ApiError>;
    /// Adds the resource's output tags to an emitted point's tags.
    fn tag_resource(&self, id: &Self::Id, tags: &mut Vec<(Str, Str)>);
}

/// An API call that failed, worded as Kapacitor's clients word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: `<service> client request failed: <reason>`.
    Transport {
        service: &'static str,
        reason: String,
    },
    /// The API refused with its own message (a Kubernetes `Status`, a Docker
    /// `ErrorResponse`, an AWS `Error`).
    Refused { message: String },
    /// An error status whose body could not be read as the API's error.
    Unintelligible {
        service: &'static str,
        code: u16,
        reason: String,
    },
    /// A success status whose body is not what the API returns.
    Undecodable {
        service: &'static str,
        what: &'static str,
        code: u16,
        reason: String,
    },
    /// A request that could not be formed (bad server URL, TLS files).
    Setup { reason: String },
    /// `context: inner`, as Go's `errors.Wrapf`.
    Context {
        context: String,
        inner: Box<ApiError>,
    },
}

impl ApiError {
    /// This error wrapped with `context`.
    pub fn context(self, context: impl Into<String>) -> ApiError {
        ApiError::Context {
            context: context.into(),
            inner: Box::new(self),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Transport { service, reason } => {
                write!(f, "{service} client request failed: {reason}")
            }
            ApiError::Refused { message } => f.write_str(message),
            ApiError::Unintelligible {
                service,
                code,
                reason,
            } => write!(
                f,
                "failed to understand {service} server response: Code: {code}: {reason}"
            ),
            ApiError::Undecodable {
                service,
                what,
                code,
                reason,
            } => write!(
                f,
                "failed to decode {service} server response into {what}: Code: {code}: {reason}"
            ),
            ApiError::Setup { reason } => f.write_str(reason),
            ApiError::Context { context, inner } => write!(f, "{context}: {inner}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// Why a point produced no scaling event (logged, counted in `errors`).
#[derive(Debug, Clone, PartialEq)]
pub enum AutoscaleError {
    /// Neither the name nor the name tag property is set.
    NameUnset {
        name: &'static str,
        tag: &'static str,
    },
    /// The name tag is missing or empty on the point.
    NoName,
    /// The first read of the resource's count failed.
    InitialScale { id: String, source: ApiError },
    /// The replicas lambda failed.
    Eval(EvalError),
    /// The replicas lambda gave something other than an int.
    NotInt { got: &'static str },
    /// The API refused the new count.
    Apply { id: String, source: ApiError },
}

impl fmt::Display for AutoscaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutoscaleError::NameUnset { name, tag } => {
                write!(f, "expected one of {name} or {tag} to be set")
            }
            AutoscaleError::NoName => f.write_str("could not determine the name of the resource"),
            AutoscaleError::InitialScale { id, source } => {
                write!(f, "could not determine initial scale for {id}: {source}")
            }
            AutoscaleError::Eval(e) => {
                write!(f, "failed to evaluate the replicas expression: {e}")
            }
            AutoscaleError::NotInt { got } => write!(
                f,
                "failed to evaluate the replicas expression: TypeGuard: expression returned unexpected type {got}, expected int"
            ),
            AutoscaleError::Apply { id, source } => write!(
                f,
                "failed to apply scaling event: failed to set new replica count for {id}: {source}"
            ),
        }
    }
}

impl std::error::Error for AutoscaleError {}

/// The resource name from `name` (the node's fixed name) or the point's `tag`,
/// as Kapacitor's `ResourceIDFromTags`.
pub fn name_from<'a>(
    name: &'a str,
    tag: &str,
    tags: &'a [(Str, Str)],
    props: (&'static str, &'static str),
) -> Result<&'a str, AutoscaleError> {
    let found: &str = if !name.is_empty() {
        name
    } else if !tag.is_empty() {
        crate::point::lookup(tags, tag).map_or("", |v| &**v)
    } else {
        return Err(AutoscaleError::NameUnset {
            name: props.0,
            tag: props.1,
        });
    };
    if found.is_empty() {
        return Err(AutoscaleError::NoName);
    }
    Ok(found)
}

/// The API of a resource addressed by its name alone (a Swarm service, an
/// EC2 autoscaling group): what [`ByName`] needs from its client.
pub trait NamedApi: Send {
    type Id: ResourceId;
    fn id(name: &str) -> Self::Id;
    fn replicas(&self, id: &Self::Id) -> Result<i64, ApiError>;
    fn set_replicas(&self, id: &Self::Id, replicas: i64) -> Result<(), ApiError>;
}

/// The node properties that name a [`ByName`] resource, as TICKscript spells
/// them, and the Go names Kapacitor's errors use for the first two.
pub struct NameProps {
    pub name: &'static str,
    pub tag: &'static str,
    pub output_tag: &'static str,
    pub go: (&'static str, &'static str),
}

/// The autoscaler of a resource given by a name or by a tag holding it; the
/// emitted point names it in the output tag (by default the name tag).
pub struct ByName<C> {
    client: C,
    name: String,
    name_tag: String,
    output_tag: String,
    go: (&'static str, &'static str),
}

impl<C: NamedApi> ByName<C> {
    pub fn new(node: &ir::Node, client: C, props: &NameProps) -> ByName<C> {
        let s = |name: &str| node.string(name).unwrap_or("").to_string();
        let name_tag = s(props.tag);
        let output = s(props.output_tag);
        ByName {
            client,
            name: s(props.name),
            output_tag: if output.is_empty() {
                name_tag.clone()
            } else {
                output
            },
            name_tag,
            go: props.go,
        }
    }
}

impl<C: NamedApi> Autoscaler for ByName<C> {
    type Id = C::Id;

    fn resource_key<'a>(&'a self, tags: &'a [(Str, Str)]) -> Result<&'a str, AutoscaleError> {
        name_from(&self.name, &self.name_tag, tags, self.go)
    }

    fn resource_id(&self, key: &str) -> C::Id {
        C::id(key)
    }

    fn replicas(&self, id: &C::Id) -> Result<i64, ApiError> {
        self.client.replicas(id)
    }

    fn set_replicas(&self, id: &C::Id, replicas: i64) -> Result<(), ApiError> {
        self.client.set_replicas(id, replicas)
    }

    fn tag_resource(&self, id: &C::Id, tags: &mut Vec<(Str, Str)>) {
        if !self.output_tag.is_empty() {
            set(
                tags,
                &Str::from(self.output_tag.as_str()),
                Str::from(id.key()),
            );
        }
    }
}

/// What the node remembers of one resource.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
struct ResourceState {
    current: i64,
    last_increase: Option<i64>,
    last_decrease: Option<i64>,
}

/// The settings every autoscale node has.
#[derive(Debug, Clone)]
pub struct Limits {
    pub min: i64,
    pub max: i64,
    pub increase_cooldown: i64,
    pub decrease_cooldown: i64,
    pub current_field: Option<Str>,
}

impl Limits {
    /// From the node's `min` (default 1), `max` (0), cooldowns and `currentField`.
    pub fn of(node: &ir::Node) -> Result<Limits, BuildError> {
        let min = node.int("min").unwrap_or(1);
        if min < 1 {
            return Err(BuildError::new(
                node,
                format!("minimum count must be >= 1, got {min}"),
            ));
        }
        Ok(Limits {
            min,
            max: node.int("max").unwrap_or(0),
            increase_cooldown: node.duration("increaseCooldown").unwrap_or(0),
            decrease_cooldown: node.duration("decreaseCooldown").unwrap_or(0),
            current_field: node
                .string("currentField")
                .filter(|s| !s.is_empty())
                .map(Str::from),
        })
    }

    fn clamp(&self, n: i64) -> i64 {
        let n = if self.max > 0 && n > self.max {
            self.max
        } else {
            n
        };
        n.max(self.min)
    }
}

pub struct AutoscaleNode<A: Autoscaler> {
    scaler: A,
    limits: Limits,
    replicas: CompiledLambda,
    groups: GroupMap<LambdaState>,
    resources: HashMap<String, ResourceState>,
    /// The three counters are registered (at 0) on the first message, so
    /// the stats list them before any event.
    registered: bool,
}

/// Builds the node around `scaler` from the IR node's shared settings.
pub fn build<A: Autoscaler + 'static>(
    node: &ir::Node,
    scaler: A,
) -> Result<Box<dyn NodeImpl>, BuildError> {
    let limits = Limits::of(node)?;
    let lambda = node
        .lambda("replicas")
        .ok_or_else(|| BuildError::new(node, "must provide a replicas lambda"))?;
    let replicas = CompiledLambda::compile(lambda, vm::tier::task_engine())
        .map_err(|e| BuildError::new(node, format!("invalid replicas expression: {e}")))?;
    Ok(Box::new(AutoscaleNode {
        scaler,
        limits,
        replicas,
        groups: GroupMap::new(),
        resources: HashMap::new(),
        registered: false,
    }))
}

/// One point's view: what the lambda sees and what the emitted point keeps.
struct Input<'a> {
    name: &'a Str,
    time: i64,
    fields: &'a Fields,
    tags: &'a [(Str, Str)],
    group: &'a crate::message::Group,
}

impl<A: Autoscaler> AutoscaleNode<A> {
    fn eval(
        &self,
        state: &mut LambdaState,
        current: i64,
        p: &Input<'_>,
    ) -> Result<i64, AutoscaleError> {
        let extra;
        let extra_slice: &[(Str, Value)] = match &self.limits.current_field {
            Some(name) => {
                extra = [(name.clone(), Value::Int(current))];
                &extra
            }
            None => &[],
        };
        let scope = Scope {
            time: p.time,
            fields: p.fields,
            tags: p.tags,
            extra: extra_slice,
        };
        match self
            .replicas
            .eval(&scope, state)
            .map_err(AutoscaleError::Eval)?
        {
            Value::Int(n) => Ok(n),
            other => Err(AutoscaleError::NotInt {
                got: other.type_name(),
            }),
        }
    }

    /// Kapacitor's `handlePoint`: the event point, or none.
    fn handle(
        &mut self,
        p: &Input<'_>,
        cx: &mut NodeCx<'_>,
    ) -> Result<Option<Point>, AutoscaleError> {
        let key = self.scaler.resource_key(p.tags)?;
        let mut state = match self.resources.get(key) {
            Some(s) => *s,
            None => {
                let id = self.scaler.resource_id(key);
                let current =
                    self.scaler
                        .replicas(&id)
                        .map_err(|source| AutoscaleError::InitialScale {
                            id: quote(&id.to_string()),
                            source,
                        })?;
                let s = ResourceState {
                    current,
                    ..ResourceState::default()
                };
                self.resources.insert(id.key().to_string(), s);
                s
            }
        };
        let mut lambda = self
            .groups
            .remove(&p.group.id)
            .unwrap_or_else(|| self.replicas.new_state());
        let wanted = self.eval(&mut lambda, state.current, p);
        self.groups.insert(p.group.id.clone(), lambda);
        self.groups.report(cx);
        let old = state.current;
        let new = self.limits.clamp(wanted?);
        if new == old {
            return Ok(None);
        }
        state.current = new;
        let hot = |last: Option<i64>, cooldown: i64| {
            last.is_some_and(|l| p.time < l.saturating_add(cooldown))
        };
        let counter = if new > old {
            if hot(state.last_increase, self.limits.increase_cooldown) {
                cx.stats.add(COOLDOWN_DROPS, 1);
                return Ok(None);
            }
            state.last_increase = Some(p.time);
            INCREASE_EVENTS
        } else {
            if hot(state.last_decrease, self.limits.decrease_cooldown) {
                cx.stats.add(COOLDOWN_DROPS, 1);
                return Ok(None);
            }
            state.last_decrease = Some(p.time);
            DECREASE_EVENTS
        };
        let id = self.scaler.resource_id(key);
        tracing::debug!(
            task = cx.task,
            node = cx.node,
            new,
            old,
            event_id = %id.key(),
            "setting replicas"
        );
        self.scaler
            .set_replicas(&id, new)
            .map_err(|source| AutoscaleError::Apply {
                id: quote(&id.to_string()),
                source,
            })?;
        // Only a change the API accepted is remembered.
        self.resources.insert(id.key().to_string(), state);
        cx.stats.add(counter, 1);
        let mut tags: Vec<(Str, Str)> = Vec::with_capacity(p.group.dims.tag_names.len() + 3);
        for d in &p.group.dims.tag_names {
            if let Some(v) = crate::point::lookup(p.tags, d) {
                set(&mut tags, d, v.clone());
            }
        }
        self.scaler.tag_resource(&id, &mut tags);
        Ok(Some(Point {
            name: p.name.clone(),
            database: Str::from(""),
            retention_policy: Str::from(""),
            tags,
            fields: vec![
                (Str::from("new"), FieldValue::Int(new)),
                (Str::from("old"), FieldValue::Int(old)),
            ],
            time: p.time,
            group: p.group.clone(),
        }))
    }

    fn point(&mut self, p: &Input<'_>, cx: &mut NodeCx<'_>) {
        match self.handle(p, cx) {
            Ok(Some(out)) => cx.emit(Message::Point(Arc::new(out))),
            Ok(None) => {}
            Err(e) => cx.error(format_args!("error handling point: {e}")),
        }
    }
}

impl<A: Autoscaler> NodeImpl for AutoscaleNode<A> {
    /// The replicas lambda's per-group state and what the node knows of each
    /// resource (its replica count and cooldown times); the cluster API is
    /// asked again only when a count changes, as before the restart.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, NodeError> {
        let saved = (
            SavedLambdaGroups::save(&self.replicas, &self.groups),
            &self.resources,
        );
        Ok(Some(crate::snapshot::encode(&saved)?))
    }

    fn restore(&mut self, data: &[u8]) -> Result<(), NodeError> {
        let (groups, resources): (SavedLambdaGroups, HashMap<String, ResourceState>) =
            crate::snapshot::decode(data)?;
        self.groups = groups.load(&self.replicas)?;
        self.resources = resources;
        Ok(())
    }

    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        if !self.registered {
            for c in [INCREASE_EVENTS, DECREASE_EVENTS, COOLDOWN_DROPS] {
                cx.stats.register(c);
            }
            self.registered = true;
        }
        match msg {
            Message::Point(p) => self.point(
                &Input {
                    name: &p.name,
                    time: p.time,
                    fields: &p.fields,
                    tags: &p.tags,
                    group: &p.group,
                },
                cx,
            ),
            Message::Batch(b) => {
                for bp in &b.points {
                    self.point(
                        &Input {
                            name: &b.name,
                            time: bp.time,
                            fields: &bp.fields,
                            tags: &bp.tags,
                            group: &b.group,
                        },
                        cx,
                    );
                }
            }
            Message::DeleteGroup(g) => self.groups.delete_group(g, cx),
            other => cx.emit(other),
        }
        Ok(())
    }
}
