//! Typed configuration errors. Every variant names where the problem is:
//! the file, the TOML key path (`influxdb[0].timeout`) or the environment
//! variable, so the message alone tells the user what to fix.

use runtime::config::secrets::SecretError;
pub use runtime::config::secrets::SecretProblem;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum ConfigError {
    /// The config file could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The text is not TOML.
    Syntax {
        path: Option<PathBuf>,
        message: String,
    },
    /// A key has a value of the wrong type or form (a bad duration, a
    /// string where a number belongs, ...).
    Value { key: String, message: String },
    /// A `KAPACITOR_*` variable could not be applied (Kapacitor's
    /// "failed to apply" error).
    Env {
        var: String,
        value: String,
        message: String,
    },
    /// The decoded config breaks one of Kapacitor's validation rules.
    Invalid { key: String, message: String },
    /// A `${NAME}` reference or a `<key>-file` secret could not be resolved.
    Secret { key: String, problem: SecretProblem },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The TOML key path the error is about, when it is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Value { key, .. }
            | ConfigError::Invalid { key, .. }
            | ConfigError::Secret { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, source } => {
                write!(f, "failed to read config file {}: {source}", path.display())
            }
            ConfigError::Syntax {
                path: Some(path),
                message,
            } => write!(f, "parse config file {}: {message}", path.display()),
            ConfigError::Syntax {
                path: None,
                message,
            } => write!(f, "parse config: {message}"),
            ConfigError::Value { key, message } => write!(f, "invalid value for {key}: {message}"),
            ConfigError::Env {
                var,
                value,
                message,
            } => write!(f, "failed to apply {var} using value '{value}': {message}"),
            ConfigError::Invalid { key, message } => write!(f, "{key}: {message}"),
            ConfigError::Secret { key, problem } => write!(f, "{key}: {problem}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read { source, .. } => Some(source),
            ConfigError::Secret {
                problem: SecretProblem::Read { source, .. },
                ..
            } => Some(source),
            _ => None,
        }
    }
}

impl From<SecretError> for ConfigError {
    fn from(e: SecretError) -> Self {
        ConfigError::Secret {
            key: e.key,
            problem: e.problem,
        }
    }
}
