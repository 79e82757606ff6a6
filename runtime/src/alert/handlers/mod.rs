//! Alert handlers: one file per handler, each turning an [`Event`] into its
//! exact wire payload (api.md §5.3, §7). Handlers run on one worker thread
//! behind a bounded queue so a slow endpoint never stalls the alert node;
//! `HandlerSet::close` waits for delivery (what `tickc run` does at the end).
//!
//! HTTP goes through `ureq` (already a workspace dependency): blocking I/O fits
//! the worker thread, and it handles chunked responses and TLS endpoints that a
//! hand-written client would not.

pub mod alerta;
pub mod email;
pub mod error;
pub mod exec;
pub mod http;
pub mod jsonw;
pub mod log;
pub mod opsgenie;
pub mod opsgenie2;
pub mod pagerduty;
pub mod pagerduty2;
pub mod post;
pub mod pushover;
pub mod sensu;
pub mod slack;
pub mod tcp;
pub mod telegram;
pub mod victorops;

#[cfg(test)]
mod tests;

use super::event::Event;
use crate::config::Config;
use crate::node::BuildEnv;
use compiler::catalog::HandlerKind;
use compiler::ir::{self, Arg};
pub use error::HandlerError;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// One configured handler of an alert node.
pub trait Handler: Send {
    /// Delivers one event (`json` is the §5.3 event JSON, no newline).
    fn handle(&mut self, ev: &Event, json: &str) -> Result<(), HandlerError>;
}

/// Queue length before events are dropped (Kapacitor's topic buffer default).
const QUEUE: usize = 5000;

pub struct HandlerSet {
    tx: Option<SyncSender<(Event, String)>>,
    worker: Option<JoinHandle<()>>,
    errors: Arc<Mutex<Vec<HandlerError>>>,
}

impl HandlerSet {
    pub fn start(mut handlers: Vec<Box<dyn Handler>>) -> HandlerSet {
        let (tx, rx) = sync_channel::<(Event, String)>(QUEUE);
        let errors = Arc::new(Mutex::new(Vec::new()));
        let errs = errors.clone();
        let worker = std::thread::Builder::new()
            .name("alert-handlers".into())
            .spawn(move || {
                for (ev, json) in rx {
                    for h in handlers.iter_mut() {
                        if let Err(e) = h.handle(&ev, &json) {
                            errs.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                        }
                    }
                }
            })
            .ok();
        HandlerSet {
            tx: Some(tx),
            worker,
            errors,
        }
    }

    /// Queues an event; fails (event dropped) when the queue is full.
    pub fn send(&mut self, ev: Event, json: String) -> Result<(), HandlerError> {
        let Some(tx) = &self.tx else {
            return Err(HandlerError::Queue("handlers closed"));
        };
        match tx.try_send((ev, json)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(HandlerError::Queue(
                "alert handler queue full, event dropped",
            )),
            Err(TrySendError::Disconnected(_)) => {
                Err(HandlerError::Queue("alert handler worker stopped"))
            }
        }
    }

    /// Waits until every queued event was delivered; returns handler errors.
    pub fn close(mut self) -> Vec<HandlerError> {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
        std::mem::take(&mut *self.errors.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for HandlerSet {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
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
        _ => return None,
    })
}

fn build_one(h: &ir::Handler, env: &BuildEnv<'_>) -> Result<Box<dyn Handler>, HandlerError> {
    let cfg = &env.config.handler_configs;
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
        other => return Err(HandlerError::Unsupported(other)),
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
    out
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
}

/// Every handler of the node plus the applicable global ones. A handler kind
/// this runtime does not implement is an error when `strict`, else it is left
/// out and listed in `skipped` (the caller warns about it).
pub fn build_all(
    node: &ir::Node,
    env: &BuildEnv<'_>,
    strict: bool,
    skipped: &mut Vec<HandlerKind>,
) -> Result<Vec<Box<dyn Handler>>, HandlerError> {
    let mut out = Vec::new();
    for h in &node.handlers {
        match build_one(h, env) {
            Ok(b) => out.push(b),
            Err(HandlerError::Unsupported(k)) if !strict => skipped.push(k),
            Err(e) => return Err(e),
        }
    }
    for k in globals(env.config) {
        if !node.handlers.iter().any(|h| h.kind == k) {
            out.push(build_one(&empty_handler(k), env)?);
        }
    }
    Ok(out)
}

/// First non-empty of the two.
pub fn or<'a>(a: Option<&'a str>, b: &'a str) -> &'a str {
    a.filter(|s| !s.is_empty()).unwrap_or(b)
}
