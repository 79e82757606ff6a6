//! What a command can fail with. Every variant prints Kapacitor's CLI text; `exit_code` gives
//! the status the process ends with (3 for a failed command, or the code of an already printed
//! usage error).

use crate::kapacitor::client::ClientError;
use crate::kapacitor::duration::DurationError;
use crate::kapacitor::gotime::TimeParseError;
use crate::kapacitor::vars::VarsError;
use crate::kapacitor::yaml::YamlError;
use std::fmt;
use std::io;

/// The file operation that failed, for Go's `*PathError` text (`open x: no such file or directory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    Open,
    Read,
    Write,
}

impl FileOp {
    fn word(self) -> &'static str {
        match self {
            FileOp::Open => "open",
            FileOp::Read => "read",
            FileOp::Write => "write",
        }
    }
}

#[derive(Debug)]
pub enum CliError {
    /// The usage page or message was already printed; exit with this status.
    Exit(i32),
    Client(ClientError),
    /// Kapacitor's `errors.Wrap(err, context)`: `context: err`.
    Wrapped {
        context: String,
        source: Box<CliError>,
    },
    File {
        op: FileOp,
        path: String,
        err: io::Error,
    },
    Json(serde_json::Error),
    Yaml(YamlError),
    Vars(VarsError),
    Duration(DurationError),
    Time(TimeParseError),
    /// A required flag or argument is missing; the text says which.
    Required(&'static str),
    UnknownRecordType(String),
    UnknownReplayLiveType(String),
    CannotList(String),
    CannotDelete(String),
    TaskIdMismatch(String),
    BadFileExtension,
    /// `record -type` other than stream or batch, which the client cannot encode.
    UnencodableTaskType,
    /// A recording or replay the server reports as failed, with its error.
    RunFailed(String),
    BadPair(String),
    BackupIncomplete {
        wrote: u64,
        total: i64,
    },
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Exit(code) => *code,
            _ => 3,
        }
    }

    pub fn wrap(self, context: impl Into<String>) -> CliError {
        CliError::Wrapped {
            context: context.into(),
            source: Box::new(self),
        }
    }

    pub fn file(op: FileOp, path: &str, err: io::Error) -> CliError {
        CliError::File {
            op,
            path: path.to_string(),
            err,
        }
    }
}

/// Go's errno text: the OS message, lower-case, without Rust's `(os error N)`.
pub fn go_errno_text(err: &io::Error) -> String {
    let s = err.to_string();
    let s = match s.find(" (os error") {
        Some(i) => &s[..i],
        None => &s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Exit(code) => write!(f, "exit status {code}"),
            CliError::Client(e) => e.fmt(f),
            CliError::Wrapped { context, source } => write!(f, "{context}: {source}"),
            CliError::File { op, path, err } => {
                write!(f, "{} {path}: {}", op.word(), go_errno_text(err))
            }
            CliError::Json(e) => e.fmt(f),
            CliError::Yaml(e) => e.fmt(f),
            CliError::Vars(e) => e.fmt(f),
            CliError::Duration(e) => e.fmt(f),
            CliError::Time(e) => e.fmt(f),
            CliError::Required(msg) => f.write_str(msg),
            CliError::UnknownRecordType(t) => write!(
                f,
                "Unknown record type {}, expected 'stream', 'batch' or 'query'",
                crate::kapacitor::output::go_quote(t)
            ),
            CliError::UnknownReplayLiveType(t) => write!(
                f,
                "Unknown replay-live type {}, expected 'batch' or 'query'",
                crate::kapacitor::output::go_quote(t)
            ),
            CliError::CannotList(k) => write!(
                f,
                "cannot list '{k}' did you mean 'tasks', 'recordings', 'replays', 'topics', 'topic-handlers' or 'service-tests'?"
            ),
            CliError::CannotDelete(k) => write!(
                f,
                "cannot delete '{k}' did you mean 'tasks', 'templates', 'recordings', 'replays', 'topics' or 'topic-handlers'?"
            ),
            CliError::TaskIdMismatch(file) => {
                write!(f, "Task id given on command line does not match id in {file}")
            }
            CliError::BadFileExtension => f.write_str("bad file extension. Must be YAML or JSON"),
            CliError::UnencodableTaskType => f.write_str(
                "json: error calling MarshalText for type client.TaskType: unknown TaskType 0",
            ),
            CliError::RunFailed(msg) => f.write_str(msg),
            CliError::BadPair(p) => write!(f, "bad keyvalue pair: '{p}'"),
            CliError::BackupIncomplete { wrote, total } => write!(
                f,
                "failed to download entire backup, only wrote {wrote} bytes out of a total {total} bytes."
            ),
        }
    }
}

impl std::error::Error for CliError {}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        CliError::Client(e)
    }
}

impl From<VarsError> for CliError {
    fn from(e: VarsError) -> Self {
        CliError::Vars(e)
    }
}

impl From<DurationError> for CliError {
    fn from(e: DurationError) -> Self {
        CliError::Duration(e)
    }
}

impl From<TimeParseError> for CliError {
    fn from(e: TimeParseError) -> Self {
        CliError::Time(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_errors() {
        let e = CliError::file(FileOp::Open, "x.tick", io::Error::from_raw_os_error(2));
        assert_eq!(e.to_string(), "open x.tick: no such file or directory");
        let wrapped = e.wrap("failed to open file x.tick");
        assert_eq!(
            wrapped.to_string(),
            "failed to open file x.tick: open x.tick: no such file or directory"
        );
        assert_eq!(wrapped.exit_code(), 3);
        assert_eq!(CliError::Exit(2).exit_code(), 2);
    }
}
