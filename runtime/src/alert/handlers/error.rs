//! Why a handler could not be built or could not deliver an event: typed, so
//! a server can tell a bad definition (4xx) from a failing service.

use crate::template::TemplateError;
use compiler::catalog::HandlerKind;
use std::fmt;

#[derive(Debug)]
pub enum HandlerError {
    /// Bad settings found when the handler is built: a missing or malformed
    /// property, an unknown endpoint (build time).
    Invalid(String),
    /// A handler template failed to parse (build) or render (delivery).
    Template(TemplateError),
    /// The event is one this service does not take (a level it ignores, a
    /// name it rejects); nothing was sent.
    Rejected(String),
    /// A local operation failed: `what` names it and its target
    /// (`log handler: open /tmp/a.log`).
    Io {
        what: String,
        source: std::io::Error,
    },
    /// An HTTP service could not be reached.
    Transport { url: String, message: String },
    /// An HTTP service answered with a non-2xx status.
    Status {
        url: String,
        status: u16,
        body: String,
    },
    /// A non-HTTP service answered wrongly (SMTP reply, Sensu answer, exec
    /// exit status); the text says what was expected and what came.
    Protocol(String),
    /// The section of this handler's service is disabled in the config.
    NotEnabled(HandlerKind),
    /// The delivery queue could not take the event.
    Queue(&'static str),
}

impl HandlerError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HandlerError {
        let what = what.into();
        move |source| HandlerError::Io { what, source }
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Invalid(m) | HandlerError::Rejected(m) | HandlerError::Protocol(m) => {
                f.write_str(m)
            }
            HandlerError::Template(e) => write!(f, "{e}"),
            HandlerError::Io { what, source } => write!(f, "{what}: {source}"),
            HandlerError::Transport { url, message } => write!(f, "POST {url}: {message}"),
            HandlerError::Status { url, status, body } => {
                write!(f, "POST {url}: unexpected response code {status}: {body}")
            }
            HandlerError::NotEnabled(k) => write!(f, "{}: service is not enabled", k.kind()),
            HandlerError::Queue(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for HandlerError {}

impl From<TemplateError> for HandlerError {
    fn from(e: TemplateError) -> Self {
        HandlerError::Template(e)
    }
}
