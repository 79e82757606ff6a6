//! A topic handler: its spec (Kapacitor's `HandlerSpec`, api.md §1.9), the
//! runtime handler its `kind` and `options` build, the compiled `match`, and
//! its lane in the server's handler pool.

use crate::store::{StoreError, TopicHandlerRecord};
use regex::Regex;
use runtime::alert::event::Event;
use runtime::alert::handlers::options::{handler_from_options, OptionsError};
use runtime::alert::handlers::{build_handler, Delivery, HandlerError, HandlerPool, Lane};
use runtime::alert::level::Level;
use runtime::alert::topic_match::{MatchError, TopicMatch};
use runtime::config::Config;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Why a handler spec was refused.
#[derive(Debug)]
pub enum HandlerSpecError {
    /// Fails Kapacitor's `HandlerSpec.Validate` (the API's 400).
    Invalid(String),
    /// The handler cannot be built from the spec (the API's "failed to create").
    Options(OptionsError),
    Build(HandlerError),
    Match(MatchError),
    Exists(String),
    Store(StoreError),
    /// The cluster's bucket did not take the definition.
    Cluster(String),
}

impl fmt::Display for HandlerSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerSpecError::Invalid(m) => f.write_str(m),
            HandlerSpecError::Options(e) => write!(f, "{e}"),
            HandlerSpecError::Build(e) => write!(f, "{e}"),
            HandlerSpecError::Match(e) => write!(f, "{e}"),
            HandlerSpecError::Exists(id) => write!(
                f,
                "cannot register handler, handler with ID {id:?} already exists"
            ),
            HandlerSpecError::Store(e) => write!(f, "{e}"),
            HandlerSpecError::Cluster(e) => write!(f, "cluster: {e}"),
        }
    }
}

impl std::error::Error for HandlerSpecError {}

impl From<StoreError> for HandlerSpecError {
    fn from(e: StoreError) -> Self {
        HandlerSpecError::Store(e)
    }
}

fn handler_id_rule() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^[-\._\p{L}0-9]+$").expect("valid regex"))
}

fn topic_id_rule() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^[-:\._\p{L}0-9]+$").expect("valid regex"))
}

/// Kapacitor's `HandlerSpec.Validate`, messages included (the topic message
/// quotes the handler ID, as Kapacitor's does).
pub fn validate(spec: &TopicHandlerRecord) -> Result<(), HandlerSpecError> {
    if !topic_id_rule().is_match(&spec.topic) {
        return Err(HandlerSpecError::Invalid(format!(
            "handler topic must contain only letters, numbers, '-', '.' and '_'. {:?}",
            spec.id
        )));
    }
    if !handler_id_rule().is_match(&spec.id) {
        return Err(HandlerSpecError::Invalid(format!(
            "handler ID must contain only letters, numbers, '-', '.' and '_'. {:?}",
            spec.id
        )));
    }
    if spec.kind.is_empty() {
        return Err(HandlerSpecError::Invalid(
            "handler Kind must not be empty".into(),
        ));
    }
    Ok(())
}

pub struct TopicHandler {
    pub spec: TopicHandlerRecord,
    lane: Arc<Lane>,
    matcher: Option<TopicMatch>,
}

impl TopicHandler {
    pub fn build(
        spec: TopicHandlerRecord,
        config: &Config,
    ) -> Result<TopicHandler, HandlerSpecError> {
        validate(&spec)?;
        let ir =
            handler_from_options(&spec.kind, &spec.options).map_err(HandlerSpecError::Options)?;
        let handler = build_handler(&ir, config).map_err(HandlerSpecError::Build)?;
        let matcher = if spec.match_.trim().is_empty() {
            None
        } else {
            Some(TopicMatch::compile(&spec.match_).map_err(HandlerSpecError::Match)?)
        };
        let lane = config.handler_pool.lane(
            format!("{}/{}", spec.topic, spec.id),
            handler,
            config.handler_queue(),
        );
        Ok(TopicHandler {
            spec,
            lane,
            matcher,
        })
    }

    pub fn lane(&self) -> &Arc<Lane> {
        &self.lane
    }

    /// Queues `ev` when it passes the match; `delivery` is the event shared
    /// by every handler of the topic, made on first use.
    pub fn offer(
        &mut self,
        pool: &HandlerPool,
        ev: &Event,
        json: &str,
        previous: Level,
        delivery: &mut Option<Arc<Delivery>>,
    ) {
        if let Some(m) = &mut self.matcher {
            match m.matches(ev, previous) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::error!(handler = self.lane.name(), "{e}");
                    return;
                }
            }
        }
        let d = delivery
            .get_or_insert_with(|| {
                Arc::new(Delivery {
                    event: ev.clone(),
                    json: json.to_string(),
                })
            })
            .clone();
        if let Err(e) = self.lane.send(pool, d) {
            tracing::warn!(handler = self.lane.name(), "{e}");
        }
    }
}
