//! A topic handler's `match` expression (Kapacitor's match handler): a
//! lambda body over the event's tags, with the level names `OK`, `INFO`,
//! `WARNING`, `CRITICAL` as integers and five event functions —
//! `changed()` (the level differs from the event's previous level in the
//! topic), `level()` (an integer), `name()`, `taskName()`, `duration()`.
//!
//! The compiler's builtin catalog has no such functions (they exist only
//! here), so each call is rewritten, token by token, into a reference to a
//! binding this module supplies in the scope's `extra` slots; the rest of
//! the expression is checked and compiled like any lambda.

use super::event::Event;
use super::level::Level;
use compiler::diagnostic::Severity;
use compiler::ir::Arg;
use compiler::lexer::{lex, Token};
use std::collections::HashMap;
use std::fmt;
use vm::lambda::{CompiledLambda, Engine, LambdaState};
use vm::point::{Scope, Str};
use vm::value::Value;

/// The event functions and the expression each call becomes. A reference
/// is untyped for the checker, which refuses comparing it with a duration
/// literal, so `duration()` goes through the `duration(float, unit)`
/// conversion to be typed a duration (in microseconds: TICKscript has no
/// nanosecond unit; a float keeps the nanoseconds as its fraction).
const FUNCTIONS: [(&str, &str); 5] = [
    ("changed", "\"__match_changed\""),
    ("level", "\"__match_level\""),
    ("name", "\"__match_name\""),
    ("taskName", "\"__match_taskName\""),
    ("duration", "duration(\"__match_duration\", 1u)"),
];
/// The bindings, in `FUNCTIONS` order.
const BINDINGS: [&str; 5] = [
    "__match_changed",
    "__match_level",
    "__match_name",
    "__match_taskName",
    "__match_duration",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchError {
    /// The expression does not parse or type-check (the checker's message).
    Invalid(String),
    /// Evaluating it failed or did not give a boolean.
    Eval(String),
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchError::Invalid(m) => write!(f, "invalid match expression: {m}"),
            MatchError::Eval(m) => write!(f, "failed to evaluate match expression: {m}"),
        }
    }
}

impl std::error::Error for MatchError {}

pub struct TopicMatch {
    lambda: CompiledLambda,
    state: LambdaState,
    keys: [Str; 5],
}

impl fmt::Debug for TopicMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicMatch")
            .field("source", &self.lambda.source())
            .finish()
    }
}

/// `source` with every event-function call replaced by its binding reference.
fn rewrite(source: &str) -> String {
    let tokens = lex(source).tokens;
    let mut out = String::with_capacity(source.len() + 32);
    let mut copied = 0;
    let mut i = 0;
    while i < tokens.len() {
        if let (Token::Ident(name), Some((_, Token::LParen, _)), Some((_, Token::RParen, end))) =
            (tokens[i].1, tokens.get(i + 1), tokens.get(i + 2))
        {
            if let Some((_, binding)) = FUNCTIONS.iter().find(|(f, _)| *f == name) {
                out.push_str(&source[copied..tokens[i].0]);
                out.push_str(binding);
                copied = *end;
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&source[copied..]);
    out
}

impl TopicMatch {
    pub fn compile(source: &str) -> Result<TopicMatch, MatchError> {
        let vars: HashMap<String, Arg> = Level::ALL
            .iter()
            .map(|l| (l.as_str().to_string(), Arg::Int(*l as i64)))
            .collect();
        let (lambda, diags) = compiler::check_lambda_with_vars(&rewrite(source), &vars);
        let Some(lambda) = lambda.filter(|_| !diags.iter().any(|d| d.severity == Severity::Error))
        else {
            let msg = diags
                .iter()
                .find(|d| d.severity == Severity::Error)
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "does not compile".to_string());
            return Err(MatchError::Invalid(msg));
        };
        let lambda = CompiledLambda::compile(&lambda, Engine::Vm)
            .map_err(|e| MatchError::Invalid(e.to_string()))?;
        let state = lambda.new_state();
        Ok(TopicMatch {
            lambda,
            state,
            keys: BINDINGS.map(Str::from),
        })
    }

    /// Whether `ev` passes; `previous` is the event's level in the topic
    /// before it (OK for a new event).
    pub fn matches(&mut self, ev: &Event, previous: Level) -> Result<bool, MatchError> {
        let [changed, level, name, task, duration] = self.keys.clone();
        let extra = [
            (changed, Value::Bool(ev.level != previous)),
            (level, Value::Int(ev.level as i64)),
            (name, Value::String(ev.name.clone())),
            (task, Value::String(ev.task.clone())),
            (duration, Value::Float(ev.duration as f64 / 1000.0)),
        ];
        let scope = Scope {
            time: ev.time,
            fields: &[],
            tags: &ev.tags,
            extra: &extra,
        };
        self.lambda
            .eval_bool(&scope, &mut self.state)
            .map_err(|e| MatchError::Eval(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(level: Level, host: &str) -> Event {
        Event {
            level,
            name: "cpu".into(),
            task: "t1".into(),
            duration: 90_000_000_000,
            tags: vec![("host".into(), host.into())],
            ..Event::default()
        }
    }

    #[test]
    fn rewrites_only_calls_outside_strings() {
        assert_eq!(
            rewrite("changed() AND 'level()' == name()"),
            "\"__match_changed\" AND 'level()' == \"__match_name\""
        );
    }

    #[test]
    fn functions_levels_and_tags() {
        let ev = event(Level::Critical, "a");
        let mut m = TopicMatch::compile("level() == CRITICAL AND \"host\" == 'a'").unwrap();
        assert!(m.matches(&ev, Level::Ok).unwrap());
        assert!(!m.matches(&event(Level::Warning, "a"), Level::Ok).unwrap());
        let mut m = TopicMatch::compile("changed()").unwrap();
        assert!(m.matches(&ev, Level::Ok).unwrap());
        assert!(!m.matches(&ev, Level::Critical).unwrap());
        let mut m =
            TopicMatch::compile("name() == 'cpu' AND taskName() == 't1' AND duration() > 1m")
                .unwrap();
        assert!(m.matches(&ev, Level::Ok).unwrap());
    }

    #[test]
    fn bad_expressions_are_errors() {
        assert!(matches!(
            TopicMatch::compile("level() =="),
            Err(MatchError::Invalid(_))
        ));
        let mut m = TopicMatch::compile("level()").unwrap();
        assert!(matches!(
            m.matches(&event(Level::Ok, "a"), Level::Ok),
            Err(MatchError::Eval(_))
        ));
    }
}
