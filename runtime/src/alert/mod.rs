//! The alert node (reference §4.4): level state machine per group, event
//! construction with Go templates, emission rules, inhibition, and the
//! handlers (one file each under `handlers/`).
//!
//! Map: `node.rs` (the NodeImpl: level evaluation §4.4 steps 1–3, stream and
//! batch emission rules, forwarding with levelTag/idField/… additions),
//! `state.rs` (history ring, flapping weights, trigger times), `data.rs`
//! (template data), `render.rs` (id/message/details rendering over
//! template data reused across events), `event.rs` (event JSON, api.md §5.3), `inhibit.rs`
//! (category/inhibit registry shared by a run), `handlers/` (wire payloads).
//!
//! Events go out as `Output::Alert` with the node's `.topic()` (the server's
//! topic store publishes them to that topic, or to the node's anonymous one).
//! Offline differences from a Kapacitor server, on purpose: no topic store
//! (nothing to restore a level from); an ID template that fails to execute is logged as a node
//! error instead of stopping the task, and the ID is only rendered for points
//! that produce an event.

pub mod data;
pub mod event;
pub mod handlers;
pub mod inhibit;
pub mod level;
pub mod node;
pub mod render;
pub mod restore;
pub mod state;
pub mod topic_match;

#[cfg(test)]
mod event_json_tests;
#[cfg(test)]
mod tests;

use crate::node::{BuildEnv, BuildError, NodeImpl};
use crate::template::{Mode, Template};
use compiler::ir::{self, Arg};
use data::ServerInfo;
use inhibit::Inhibitor;
use node::{Additions, AlertNode, Predicate, Settings};
use vm::lambda::CompiledLambda;

pub const DEFAULT_ID: &str = "{{ .Name }}:{{ .Group }}";
pub const DEFAULT_MESSAGE: &str = "{{ .ID }} is {{ .Level }}";
pub const DEFAULT_DETAILS: &str = "{{ json . }}";
pub const DEFAULT_HISTORY: i64 = 21;

fn template(
    node: &ir::Node,
    prop: &str,
    default: &str,
    mode: Mode,
) -> Result<Template, BuildError> {
    let src = node.string(prop).unwrap_or(default);
    Template::parse(prop, src, mode).map_err(|e| BuildError::new(node, e.to_string()))
}

fn predicate(node: &ir::Node, prop: &str) -> Result<Option<Predicate>, BuildError> {
    match node.lambda(prop) {
        None => Ok(None),
        Some(l) => CompiledLambda::compile(l, vm::tier::task_engine())
            .map(|c| Some(Predicate::new(c)))
            .map_err(|e| BuildError::new(node, format!("{prop}: {e}"))),
    }
}

fn opt_str(node: &ir::Node, prop: &str) -> Option<crate::message::Str> {
    node.string(prop)
        .filter(|s| !s.is_empty())
        .map(crate::message::Str::from)
}

/// Builds the alert node from its IR.
pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let id = template(node, "id", DEFAULT_ID, Mode::Text)?;
    let id_per_point = id.may_read(&["Tags"]);
    let message = template(node, "message", DEFAULT_MESSAGE, Mode::Text)?;
    let details = template(node, "details", DEFAULT_DETAILS, Mode::Html)?;
    let history = node.int("history").unwrap_or(DEFAULT_HISTORY).max(2) as usize;
    let flapping = match node.prop("flapping") {
        None => None,
        Some(p) => {
            let low = p.arg(0).and_then(Arg::as_float).unwrap_or(0.0);
            let high = p.arg(1).and_then(Arg::as_float).unwrap_or(0.0);
            if low > 1.0 || high > 1.0 {
                return Err(BuildError::new(
                    node,
                    "alert flapping thresholds must be <= 1",
                ));
            }
            Some((low, high))
        }
    };
    let (state_changes_only, max_interval) = match node.prop("stateChangesOnly") {
        None => (false, 0),
        Some(p) => (true, p.arg(0).and_then(Arg::as_duration).unwrap_or(0)),
    };
    let inhibitors = node
        .props_named("inhibit")
        .filter_map(|p| {
            let mut it = p.args.iter().filter_map(Arg::as_str);
            let cat = it.next()?;
            Some(Inhibitor {
                category: cat.into(),
                equal_tags: it.map(Into::into).collect(),
            })
        })
        .collect::<Vec<_>>();
    let cfg = env.config;
    let settings = Settings {
        task: env.task_name.into(),
        id,
        id_per_point,
        message,
        details,
        history,
        flapping,
        state_changes_only: state_changes_only || handlers::forces_state_changes_only(node, cfg),
        max_interval,
        no_recoveries: node.flag("noRecoveries"),
        all: node.flag("all"),
        additions: Additions {
            level_tag: opt_str(node, "levelTag"),
            level_field: opt_str(node, "levelField"),
            id_tag: opt_str(node, "idTag"),
            id_field: opt_str(node, "idField"),
            message_field: opt_str(node, "messageField"),
            duration_field: opt_str(node, "durationField"),
        },
        category: opt_str(node, "category"),
        inhibitors,
        server: ServerInfo {
            hostname: cfg.hostname().into(),
            cluster_id: cfg.cluster_id.as_str().into(),
            server_id: cfg.server_id.as_str().into(),
        },
        topic: opt_str(node, "topic"),
        node: node.name.as_str().into(),
    };
    let levels = [
        None,
        predicate(node, "info")?,
        predicate(node, "warn")?,
        predicate(node, "crit")?,
    ];
    let resets = [
        None,
        predicate(node, "infoReset")?,
        predicate(node, "warnReset")?,
        predicate(node, "critReset")?,
    ];
    let handlers = if cfg.handlers_enabled {
        let hs =
            handlers::build_all(node, env).map_err(|e| BuildError::new(node, e.to_string()))?;
        Some(handlers::HandlerSet::start(
            hs,
            &cfg.handler_pool,
            cfg.handler_queue(),
        ))
    } else {
        // Still validate handler settings (templates, required args) at build
        // time, so a run that calls no handler reports the same errors.
        handlers::build_all(node, env).map_err(|e| BuildError::new(node, e.to_string()))?;
        None
    };
    let needs_registry = settings.category.is_some() || !settings.inhibitors.is_empty();
    let registry = needs_registry.then(|| cfg.inhibit_registry.clone());
    let mut alert = AlertNode::new(settings, levels, resets, registry, handlers);
    alert.event_states = cfg.event_states.clone();
    alert.gate = cfg.alert_gate.clone();
    Ok(Box::new(alert))
}
