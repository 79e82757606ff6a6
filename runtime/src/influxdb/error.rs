//! Why a call to InfluxDB failed. The texts follow Kapacitor's client:
//! the server's own `{"error": …}` text when it sent one, else
//! `invalid response: code N: body: …`.

use std::fmt;

#[derive(Debug)]
pub enum InfluxError {
    /// The cluster has no URL to talk to.
    NoUrls,
    /// A configured URL is not `http://` or `https://` (Kapacitor's wording).
    InvalidUrl { url: String, reason: String },
    /// A TLS file (`ssl-ca`, `ssl-cert`, `ssl-key`) cannot be used.
    Tls { path: String, reason: String },
    /// No answer from any URL: connection refused, TLS, timeout.
    Transport { url: String, message: String },
    /// A non-accepted status whose body carried `{"error": "…"}`.
    Server { status: u16, message: String },
    /// A non-accepted status without an error text.
    Status { status: u16, body: String },
    /// The answer was not the JSON InfluxDB sends.
    Decode(String),
    /// The answer (or one of its statements) reported an error.
    Query(String),
    /// Compressing a write body failed.
    Gzip(std::io::Error),
    /// No `[[influxdb]]` cluster by that name (empty = no default cluster).
    UnknownCluster(String),
}

impl fmt::Display for InfluxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InfluxError::NoUrls => write!(f, "no InfluxDB URLs configured"),
            InfluxError::InvalidUrl { url, reason } => write!(f, "invalid URL {url:?}: {reason}"),
            InfluxError::Tls { path, reason } => write!(f, "TLS file {path:?}: {reason}"),
            InfluxError::Transport { url, message } => write!(f, "{url}: {message}"),
            InfluxError::Server { message, .. } => write!(f, "{message}"),
            InfluxError::Status { status, body } => {
                write!(f, "invalid response: code {status}: body: {body}")
            }
            InfluxError::Decode(e) => write!(f, "failed to decode JSON: {e}"),
            InfluxError::Query(e) => write!(f, "{e}"),
            InfluxError::Gzip(e) => write!(f, "gzip: {e}"),
            InfluxError::UnknownCluster(name) if name.is_empty() => {
                write!(f, "no default InfluxDB cluster configured")
            }
            // Kapacitor's `NewNamedClient` wording.
            InfluxError::UnknownCluster(name) => write!(f, "no such InfluxDB config {name}"),
        }
    }
}

impl std::error::Error for InfluxError {}
