//! The HTTP client: Kapacitor's Go client (`client/v1`) as the CLI uses it. Every request
//! carries `User-Agent: KapacitorClient`; a status outside the expected ones becomes the
//! server's `error` text, or `invalid response: code N: body: …`; transport failures read as Go's
//! `url.Error` (`Get "http://…": dial tcp …: connect: connection refused`).

use crate::kapacitor::gourl::{self, Query};
use serde::de::DeserializeOwned;
use std::fmt;
use std::io::Read;

pub const USER_AGENT: &str = "KapacitorClient";
pub const BASE_PATH: &str = "/kapacitor/v1";

/// Why the `-url` value cannot be used (the CLI exits 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    MissingScheme(String),
    UnsupportedScheme(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme(u) => write!(
                f,
                "parse {}: missing protocol scheme",
                crate::kapacitor::output::go_quote(u)
            ),
            UrlError::UnsupportedScheme(s) => write!(
                f,
                "Unsupported protocol scheme: {s}, your address must start with http:// or https://"
            ),
        }
    }
}

impl std::error::Error for UrlError {}

/// A failed API call, worded as Kapacitor's client words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The request never got an answer: `Get "<url>": <detail>`.
    Transport {
        op: &'static str,
        url: String,
        detail: String,
    },
    /// The server answered with an unexpected status and an `error` text.
    Server(String),
    /// An unexpected status without an `error` text.
    InvalidResponse { code: u16, body: String },
    /// A success body that is not the expected JSON.
    Decode(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Transport { op, url, detail } => write!(f, "{op} \"{url}\": {detail}"),
            ClientError::Server(msg) => f.write_str(msg),
            ClientError::InvalidResponse { code, body } => {
                write!(f, "invalid response: code {code}: body: {body}")
            }
            ClientError::Decode(e) => write!(f, "failed to decode JSON: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// The operation word of Go's `url.Error` (`Get`, `Post`, ...).
    fn op(self) -> &'static str {
        match self {
            Method::Get => "Get",
            Method::Post => "Post",
            Method::Put => "Put",
            Method::Patch => "Patch",
            Method::Delete => "Delete",
        }
    }
}

/// A complete response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_length: Option<u64>,
    pub body: Vec<u8>,
}

/// A connection to one Kapacitor server.
pub struct Client {
    /// The `-url` text as given (Go's `cli.URL()`, used verbatim by `kapacitor vars`).
    raw: String,
    /// `scheme://host[:port]`, to which request paths are appended.
    origin: String,
    /// `host:port` for transport error texts.
    host_port: String,
    host: String,
    basic_auth: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    /// `client.New`: the URL must be `http://` or `https://`.
    pub fn connect(url: &str, skip_verify: bool) -> Result<Client, UrlError> {
        let (scheme, rest) = split_scheme(url)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(UrlError::UnsupportedScheme(scheme));
        }
        let authority = rest
            .strip_prefix("//")
            .map(|a| a.split(['/', '?', '#']).next().unwrap_or(""))
            .unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let basic_auth = userinfo.map(|u| {
            use base64::Engine;
            let decoded = percent_decode(u);
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(decoded)
            )
        });
        let default_port = if scheme == "https" { "443" } else { "80" };
        let (host, has_port) = split_host(hostport);
        let host_port = if has_port {
            hostport.to_string()
        } else {
            format!("{hostport}:{default_port}")
        };
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(skip_verify)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .into();
        Ok(Client {
            raw: url.to_string(),
            origin: format!("{scheme}://{hostport}"),
            host_port,
            host: host.to_string(),
            basic_auth,
            agent,
        })
    }

    /// The base URL as given.
    pub fn url(&self) -> &str {
        &self.raw
    }

    fn full_url(&self, path: &str, query: &Query) -> String {
        let mut u = format!("{}{}", self.origin, gourl::path_escape(path));
        if !query.is_empty() {
            u.push('?');
            u.push_str(&query.encode());
        }
        u
    }

    /// Sends one request and returns the response with its body still unread.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
    ) -> Result<ureq::http::Response<ureq::Body>, ClientError> {
        let url = self.full_url(path, query);
        self.send_url(method, &url, body, &[])
    }

    /// Sends one request to an absolute URL, with any extra headers.
    pub fn send_url(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        extra: &[(&str, &str)],
    ) -> Result<ureq::http::Response<ureq::Body>, ClientError> {
        let transport = |detail: String| ClientError::Transport {
            op: method.op(),
            url: url.to_string(),
            detail,
        };
        if self.host.is_empty() {
            return Err(transport("http: no Host in request URL".to_string()));
        }
        macro_rules! headers {
            ($req:expr) => {{
                let mut r = $req.header("User-Agent", USER_AGENT);
                if let Some(auth) = &self.basic_auth {
                    r = r.header("Authorization", auth.as_str());
                }
                for (k, v) in extra {
                    r = r.header(*k, *v);
                }
                r
            }};
        }
        let result = match method {
            Method::Get => headers!(self.agent.get(url)).call(),
            Method::Delete => headers!(self.agent.delete(url)).call(),
            Method::Post | Method::Put | Method::Patch => {
                let req = match method {
                    Method::Post => self.agent.post(url),
                    Method::Put => self.agent.put(url),
                    _ => self.agent.patch(url),
                };
                let req = headers!(req).header("Content-Type", "application/json");
                req.send(body.unwrap_or_default())
            }
        };
        result.map_err(|e| transport(self.describe(e)))
    }

    /// Go's wording for a transport failure.
    fn describe(&self, e: ureq::Error) -> String {
        use std::io::ErrorKind;
        match e {
            ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
                format!("dial tcp {}: connect: connection refused", self.host_port)
            }
            ureq::Error::ConnectionFailed => {
                format!("dial tcp {}: connect: connection refused", self.host_port)
            }
            ureq::Error::HostNotFound => format!("dial tcp: lookup {}: no such host", self.host),
            ureq::Error::Io(io) if io.to_string().contains("lookup address") => {
                format!("dial tcp: lookup {}: no such host", self.host)
            }
            ureq::Error::Timeout(_) => format!("dial tcp {}: i/o timeout", self.host_port),
            ureq::Error::Io(io) if io.kind() == ErrorKind::UnexpectedEof => "EOF".to_string(),
            ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionReset => format!(
                "read tcp {}: read: connection reset by peer",
                self.host_port
            ),
            other => other.to_string(),
        }
    }

    /// One request whose whole body is read; a status outside `codes` is an error.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
        codes: &[u16],
    ) -> Result<Response, ClientError> {
        self.call_with(method, path, query, body, codes, &[])
    }

    /// `call` with extra request headers.
    pub fn call_with(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
        codes: &[u16],
        extra: &[(&str, &str)],
    ) -> Result<Response, ClientError> {
        let url = self.full_url(path, query);
        let mut resp = self.send_url(method, &url, body, extra)?;
        let status = resp.status().as_u16();
        let content_length = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let mut bytes = Vec::new();
        resp.body_mut()
            .with_config()
            .limit(u64::MAX)
            .reader()
            .read_to_end(&mut bytes)
            .map_err(|e| ClientError::Transport {
                op: method.op(),
                url: url.clone(),
                detail: e.to_string(),
            })?;
        if !codes.contains(&status) {
            return Err(error_from_body(status, &bytes));
        }
        Ok(Response {
            status,
            content_length,
            body: bytes,
        })
    }

    /// One request whose success body is JSON decoded into `T`.
    pub fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
        codes: &[u16],
    ) -> Result<T, ClientError> {
        let resp = self.call(method, path, query, body, codes)?;
        decode(&resp.body)
    }
}

/// The body of a success response decoded as Go's `json.Decoder` decodes the first value.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ClientError> {
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(ClientError::Decode(e.to_string())),
        None => Err(ClientError::Decode("EOF".to_string())),
    }
}

/// The error of an unexpected status: the body's `error` text when there is one.
fn error_from_body(code: u16, body: &[u8]) -> ClientError {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        error: Option<serde_json::Value>,
    }
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<ErrorBody>();
    if let Some(Ok(ErrorBody {
        error: Some(serde_json::Value::String(msg)),
    })) = stream.next()
    {
        if !msg.is_empty() {
            return ClientError::Server(msg);
        }
    }
    ClientError::InvalidResponse {
        code,
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

/// Go's `getScheme`: a scheme is letters then letters, digits, `+`, `-`, `.` up to a `:`.
fn split_scheme(url: &str) -> Result<(&str, &str), UrlError> {
    for (i, c) in url.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if i > 0 && (c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
            continue;
        }
        if c == ':' {
            if i == 0 {
                return Err(UrlError::MissingScheme(url.to_string()));
            }
            return Ok((&url[..i], &url[i + 1..]));
        }
        break;
    }
    Ok(("", url))
}

/// The host of `host[:port]` (IPv6 in brackets) and whether a port is given.
fn split_host(hostport: &str) -> (&str, bool) {
    if let Some(rest) = hostport.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((h, tail)) => (h, tail.starts_with(':')),
            None => (rest, false),
        };
    }
    match hostport.rsplit_once(':') {
        Some((h, _)) => (h, true),
        None => (hostport, false),
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// `path.Join(BASE_PATH, parts...)`: the path of a resource from its IDs.
pub fn api_path(parts: &[&str]) -> String {
    let mut all = vec![BASE_PATH];
    all.extend_from_slice(parts);
    gourl::path_join(&all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_checks_like_client_new() {
        assert!(Client::connect("http://localhost:9092", false).is_ok());
        assert!(Client::connect("HTTPS://h", false).is_ok());
        assert_eq!(
            Client::connect("localhost:9092", false).err().unwrap().to_string(),
            "Unsupported protocol scheme: localhost, your address must start with http:// or https://"
        );
        assert_eq!(
            Client::connect("ftp://x", false).err().unwrap(),
            UrlError::UnsupportedScheme("ftp".into())
        );
        assert_eq!(
            Client::connect("://x", false).err().unwrap().to_string(),
            "parse \"://x\": missing protocol scheme"
        );
        assert_eq!(
            Client::connect("x", false).err().unwrap(),
            UrlError::UnsupportedScheme(String::new())
        );
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_from_body(
                400,
                br#"{"error":"task x already exists","message":"task x already exists"}"#
            ),
            ClientError::Server("task x already exists".into())
        );
        assert_eq!(
            error_from_body(502, b"Bad Gateway").to_string(),
            "invalid response: code 502: body: Bad Gateway"
        );
        assert_eq!(
            error_from_body(404, br#"{"error":""}"#).to_string(),
            "invalid response: code 404: body: {\"error\":\"\"}"
        );
    }

    #[test]
    fn paths() {
        assert_eq!(api_path(&["tasks", "cpu"]), "/kapacitor/v1/tasks/cpu");
        assert_eq!(
            api_path(&["alerts/topics", "t", "handlers", "h"]),
            "/kapacitor/v1/alerts/topics/t/handlers/h"
        );
        assert_eq!(percent_decode("a%20b"), b"a b");
    }
}
