//! Alert handlers: one file per handler, each turning an [`Event`] into its
//! exact wire payload (api.md §5.3, §7). Handlers run in the shared
//! [`HandlerPool`] (`pool.rs`), each behind its own bounded queue, so a slow
//! endpoint stalls neither the alert node nor the other handlers;
//! `HandlerSet::close` waits for delivery (what `tickc run` does at the end).
//! `options.rs` builds a handler from a topic handler's JSON options.
//!
//! HTTP goes through `ureq` (already a workspace dependency): blocking I/O fits
//! the worker thread, and it handles chunked responses and TLS endpoints that a
//! hand-written client would not.

pub mod alerta;
pub mod alertmanager;
pub mod bigpanda;
pub mod discord;
pub mod email;
pub mod error;
pub mod exec;
pub mod hipchat;
pub mod http;
pub mod jsonw;
pub mod kafka;
pub mod kafka_producer;
pub mod log;
pub mod mqtt;
pub mod mqtt_broker;
pub mod opsgenie;
pub mod opsgenie2;
pub mod options;
pub mod pagerduty;
pub mod pagerduty2;
pub mod pool;
pub mod post;
pub mod pushover;
pub mod sensu;
pub mod servicenow;
pub mod slack;
pub mod snmp_ber;
pub mod snmptrap;
pub mod talk;
pub mod tcp;
pub mod teams;
pub mod telegram;
pub mod tls_client;
pub mod victorops;
pub mod zenoss;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_wire;
#[cfg(test)]
mod webhook_tests;

use super::event::Event;
use crate::config::Config;
use crate::node::BuildEnv;
use compiler::catalog::HandlerKind;
use compiler::ir::{self, Arg};
pub use error::HandlerError;
pub use pool::{Delivery, HandlerPool, Lane};
use std::sync::Arc;

/// One configured handler of an alert node.
pub trait Handler: Send {
    /// Delivers one event (`json` is the §5.3 event JSON, no newline).
    fn handle(&mut self, ev: &Event, json: &str) -> Result<(), HandlerError>;
}

/// Queue length per handler before events are dropped (Kapacitor's
/// `[alert] topic-buffer-length` default).
pub const QUEUE: usize = 5000;

/// A built handler and the name its lane is logged under.
pub type NamedHandler = (String, Box<dyn Handler>);

/// An alert node's own handlers: one lane each in the shared pool.
pub struct HandlerSet {
    pool: HandlerPool,
    lanes: Vec<Arc<Lane>>,
}

impl HandlerSet {
    pub fn start(handlers: Vec<NamedHandler>, pool: &HandlerPool, capacity: usize) -> HandlerSet {
        let lanes = handlers
            .into_iter()
            .map(|(name, h)| pool.lane(name, h, capacity))
            .collect();
        HandlerSet {
            pool: pool.clone(),
            lanes,
        }
    }

    /// Queues an event on every handler; an error when a queue was full
    /// (that handler drops the event, the others still get it).
    pub fn send(&mut self, ev: Event, json: String) -> Result<(), HandlerError> {
        if self.lanes.is_empty() {
            return Ok(());
        }
        let d = Arc::new(Delivery { event: ev, json });
        let mut result = Ok(());
        for lane in &self.lanes {
            if let Err(e) = lane.send(&self.pool, d.clone()) {
                result = Err(e);
            }
        }
        result
    }

    /// Events the handlers failed to deliver so far, summed over the lanes.
    pub fn failed(&self) -> u64 {
        self.lanes
            .iter()
            .map(|l| l.failed.load(std::sync::atomic::Ordering::Relaxed))
            .sum()
    }

    /// Waits until every queued event was delivered (a cluster records an
    /// event as delivered only then: `crate::engine::AlertGate`).
    pub fn flush(&self) {
        for lane in &self.lanes {
            lane.flush();
        }
    }

    /// Waits until every queued event was delivered; returns handler errors.
    pub fn close(self) -> Vec<HandlerError> {
        let mut errors = Vec::new();
        for lane in &self.lanes {
            lane.flush();
            errors.extend(lane.take_errors());
        }
        errors
    }
}

// --- property access on an ir::Handler --------------------------------------

/// The last string value of property `name`.
pub fn hstr<'a>(h: &'a ir::Handler, name: &str) -> Option<&'a str> {
    h.prop(name)?.args.first()?.as_str()
}

/// Every string argument of every setting of `name` (accumulating lists).
pub fn hstrs(h: &ir::Handler, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in h.props.iter().filter(|p| p.name == name) {
        for a in &p.args {
            flatten(a, &mut out);
        }
    }
    out
}

fn flatten(a: &Arg, out: &mut Vec<String>) {
    match a {
        Arg::String(s) => out.push(s.clone()),
        Arg::List(l) => l.iter().for_each(|x| flatten(x, out)),
        _ => {}
    }
}

pub fn hflag(h: &ir::Handler, name: &str) -> bool {
    h.prop(name)
        .is_some_and(|p| p.args.first().and_then(Arg::as_bool).unwrap_or(true))
}

/// `(k, v)` pairs of every setting of a two-argument property.
pub fn hpairs(h: &ir::Handler, name: &str) -> Vec<(String, String)> {
    h.props
        .iter()
        .filter(|p| p.name == name)
        .filter_map(|p| {
            let k = p.args.first()?.as_str()?;
            let v = match p.args.get(1)? {
                Arg::String(s) => s.clone(),
                Arg::Int(i) => i.to_string(),
                Arg::Float(f) => f.to_string(),
                Arg::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.to_string(), v))
        })
        .collect()
}

/// The handler's chain-call string arguments.
pub fn hargs(h: &ir::Handler) -> Vec<String> {
    let mut out = Vec::new();
    for a in &h.args {
        flatten(a, &mut out);
    }
    out
}

/// A handler whose config section is not enabled: Kapacitor's services
/// refuse every event with "service is not enabled".
struct NotEnabled(HandlerKind);

impl Handler for NotEnabled {
    fn handle(&mut self, _ev: &Event, _json: &str) -> Result<(), HandlerError> {
        Err(HandlerError::NotEnabled(self.0))
    }
}

/// Whether the config section behind a vendor handler is enabled (`None`
/// for handlers without a section: log, post, tcp, exec).
fn section_enabled(h: &ir::Handler, cfg: &crate::config::HandlerConfigs) -> Option<bool> {
    Some(match h.kind {
        HandlerKind::Slack => cfg.slack(hstr(h, "workspace").unwrap_or("")).enabled,
        HandlerKind::PagerDuty => cfg.pagerduty.enabled,
        HandlerKind::PagerDuty2 => cfg.pagerduty2.enabled,
        HandlerKind::VictorOps => cfg.victorops.enabled,
        HandlerKind::OpsGenie => cfg.opsgenie.enabled,
        HandlerKind::OpsGenie2 => cfg.opsgenie2.enabled,
        HandlerKind::Telegram => cfg.telegram.enabled,
        HandlerKind::Alerta => cfg.alerta.enabled,
        HandlerKind::Sensu => cfg.sensu.enabled,
        HandlerKind::Pushover => cfg.pushover.enabled,
        HandlerKind::Email => cfg.smtp.enabled,
        // No section at all is Kapacitor's default (one disabled
        // workspace); an unknown workspace is the handler's build error.
        HandlerKind::Discord if cfg.discord.is_empty() => false,
        HandlerKind::Discord => cfg.discord(hstr(h, "workspace").unwrap_or(""))?.enabled,
        HandlerKind::Teams => cfg.teams.enabled,
        HandlerKind::BigPanda => cfg.bigpanda.enabled,
        HandlerKind::ServiceNow => cfg.servicenow.enabled,
        HandlerKind::Zenoss => cfg.zenoss.enabled,
        HandlerKind::Talk => cfg.talk.enabled,
        HandlerKind::HipChat => cfg.hipchat.enabled,
        HandlerKind::Alertmanager => cfg.alertmanager.enabled,
        HandlerKind::SnmpTrap => cfg.snmptrap.enabled,
        _ => return None,
    })
}

fn build_one(h: &ir::Handler, env: &BuildEnv<'_>) -> Result<Box<dyn Handler>, HandlerError> {
    build_handler(h, env.config)
}

/// A handler from its IR and the config's handler sections (alert nodes and
/// topic handlers alike).
pub fn build_handler(h: &ir::Handler, config: &Config) -> Result<Box<dyn Handler>, HandlerError> {
    let cfg = &config.handler_configs;
    if section_enabled(h, cfg) == Some(false) {
        return Ok(Box::new(NotEnabled(h.kind)));
    }
    Ok(match h.kind {
        HandlerKind::Log => Box::new(log::LogHandler::new(h)?),
        HandlerKind::Post => Box::new(post::PostHandler::new(h, cfg)?),
        HandlerKind::Tcp => Box::new(tcp::TcpHandler::new(h)?),
        HandlerKind::Exec => Box::new(exec::ExecHandler::new(h)?),
        HandlerKind::Slack => Box::new(slack::SlackHandler::new(h, cfg)),
        HandlerKind::PagerDuty => Box::new(pagerduty::PagerDutyHandler::new(h, cfg)),
        HandlerKind::PagerDuty2 => Box::new(pagerduty2::PagerDuty2Handler::new(h, cfg)),
        HandlerKind::VictorOps => Box::new(victorops::VictorOpsHandler::new(h, cfg)),
        HandlerKind::OpsGenie => Box::new(opsgenie::OpsGenieHandler::new(h, cfg)),
        HandlerKind::OpsGenie2 => Box::new(opsgenie2::OpsGenie2Handler::new(h, cfg)),
        HandlerKind::Telegram => Box::new(telegram::TelegramHandler::new(h, cfg)),
        HandlerKind::Alerta => Box::new(alerta::AlertaHandler::new(h, cfg)?),
        HandlerKind::Sensu => Box::new(sensu::SensuHandler::new(h, cfg)),
        HandlerKind::Pushover => Box::new(pushover::PushoverHandler::new(h, cfg)),
        HandlerKind::Email => Box::new(email::EmailHandler::new(h, cfg)),
        HandlerKind::Discord => Box::new(discord::DiscordHandler::new(h, cfg)?),
        HandlerKind::Teams => Box::new(teams::TeamsHandler::new(h, cfg)),
        HandlerKind::BigPanda => Box::new(bigpanda::BigPandaHandler::new(h, cfg)),
        HandlerKind::ServiceNow => Box::new(servicenow::ServiceNowHandler::new(h, cfg)?),
        HandlerKind::Zenoss => Box::new(zenoss::ZenossHandler::new(h, cfg)?),
        HandlerKind::Talk => Box::new(talk::TalkHandler::new(cfg)),
        HandlerKind::HipChat => Box::new(hipchat::HipChatHandler::new(h, cfg)),
        HandlerKind::Alertmanager => Box::new(alertmanager::AlertmanagerHandler::new(h, cfg)?),
        HandlerKind::Mqtt => Box::new(mqtt::MqttHandler::new(h, cfg)?),
        HandlerKind::SnmpTrap => Box::new(snmptrap::SnmpTrapHandler::new(h, cfg)?),
        HandlerKind::Kafka => Box::new(kafka::KafkaHandler::new(h, cfg)?),
    })
}

fn empty_handler(kind: HandlerKind) -> ir::Handler {
    ir::Handler {
        kind,
        args: vec![],
        props: vec![],
        span: Default::default(),
    }
}

/// Handler kinds a `global = true` (and enabled) config section adds to
/// every alert node that has none of that kind.
fn globals(cfg: &Config) -> Vec<HandlerKind> {
    let c = &cfg.handler_configs;
    let mut out = Vec::new();
    let mut add = |on: bool, k: HandlerKind| {
        if on {
            out.push(k)
        }
    };
    add(c.smtp.enabled && c.smtp.global, HandlerKind::Email);
    add(
        c.victorops.enabled && c.victorops.global,
        HandlerKind::VictorOps,
    );
    add(
        c.pagerduty.enabled && c.pagerduty.global,
        HandlerKind::PagerDuty,
    );
    add(
        c.pagerduty2.enabled && c.pagerduty2.global,
        HandlerKind::PagerDuty2,
    );
    add(
        c.slack.iter().any(|s| s.enabled && s.global),
        HandlerKind::Slack,
    );
    add(
        c.telegram.enabled && c.telegram.global,
        HandlerKind::Telegram,
    );
    add(
        c.opsgenie.enabled && c.opsgenie.global,
        HandlerKind::OpsGenie,
    );
    add(
        c.opsgenie2.enabled && c.opsgenie2.global,
        HandlerKind::OpsGenie2,
    );
    for (on, k) in global_sections(c) {
        add(on, k);
    }
    out
}

/// The sections of the handlers added with discord/teams/…: (enabled and
/// global, kind), and whether `state-changes-only` is also set.
fn global_sections(c: &crate::config::HandlerConfigs) -> [(bool, HandlerKind); 7] {
    let discord = c.discord("").is_some_and(|d| d.enabled && d.global);
    [
        (discord, HandlerKind::Discord),
        (c.teams.enabled && c.teams.global, HandlerKind::Teams),
        (
            c.bigpanda.enabled && c.bigpanda.global,
            HandlerKind::BigPanda,
        ),
        (
            c.servicenow.enabled && c.servicenow.global,
            HandlerKind::ServiceNow,
        ),
        (c.zenoss.enabled && c.zenoss.global, HandlerKind::Zenoss),
        (c.hipchat.enabled && c.hipchat.global, HandlerKind::HipChat),
        (
            c.alertmanager.enabled && c.alertmanager.global,
            HandlerKind::Alertmanager,
        ),
    ]
}

/// Whether a global section of the handlers above forces stateChangesOnly.
/// Kapacitor's discord service answers `StateChangesOnly()` with its
/// `global` flag, so a global default discord workspace forces it too.
fn forces_state_changes_only_more(c: &crate::config::HandlerConfigs) -> bool {
    let discord = c.discord("").is_some_and(|d| d.enabled && d.global);
    discord
        || (c.teams.enabled && c.teams.global && c.teams.state_changes_only)
        || (c.bigpanda.enabled && c.bigpanda.global && c.bigpanda.state_changes_only)
        || (c.servicenow.enabled && c.servicenow.global && c.servicenow.state_changes_only)
        || (c.zenoss.enabled && c.zenoss.global && c.zenoss.state_changes_only)
        || (c.hipchat.enabled && c.hipchat.global && c.hipchat.state_changes_only)
}

/// Whether a global smtp/slack/telegram section with `state-changes-only`
/// forces stateChangesOnly on this node.
pub fn forces_state_changes_only(_node: &ir::Node, cfg: &Config) -> bool {
    let c = &cfg.handler_configs;
    (c.smtp.enabled && c.smtp.global && c.smtp.state_changes_only)
        || c.slack
            .iter()
            .any(|s| s.enabled && s.global && s.state_changes_only)
        || (c.telegram.enabled && c.telegram.global && c.telegram.state_changes_only)
        || forces_state_changes_only_more(c)
}

/// Every handler of the node plus the applicable global ones.
pub fn build_all(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Vec<NamedHandler>, HandlerError> {
    let mut out = Vec::new();
    let name = |k: HandlerKind| format!("{}:{}:{}", env.task_name, node.name, k.kind());
    for h in &node.handlers {
        out.push((name(h.kind), build_one(h, env)?));
    }
    for k in globals(env.config) {
        if !node.handlers.iter().any(|h| h.kind == k) {
            out.push((name(k), build_one(&empty_handler(k), env)?));
        }
    }
    Ok(out)
}

/// First non-empty of the two.
pub fn or<'a>(a: Option<&'a str>, b: &'a str) -> &'a str {
    a.filter(|s| !s.is_empty()).unwrap_or(b)
}
