//! A `sideload()` source over HTTP(S), as Kapacitor's `httpSource`: each
//! `order` path is fetched once from `<source>/<path>` (GET, with the basic
//! auth of the `[[httppost]]` endpoint that named the source), its body
//! read as a values file, and the result kept until the task is rebuilt
//! (`POST /sideload/reload` and SIGHUP restart sideload tasks). A 404 is a
//! missing file. A body is YAML when the response says so
//! (`application/yaml`, `application/x-yaml`, `text/yaml`) or, for other
//! content types, when the path ends in `.yml`/`.yaml`; JSON otherwise.
//!
//! Requests go through `net_policy` (`-blacklist-cidrs`). Server
//! certificates are checked against the webpki roots, or against the PEM
//! file in `SSL_CERT_FILE` when set (Go's `crypto/x509` honours it, so
//! Kapacitor does too).

use super::sideload::{parse_json, parse_yaml, FileError, FileValues};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a failed fetch (transport error, 5xx) is not retried.
const RETRY_AFTER: Duration = Duration::from_secs(10);
/// Kapacitor's sideload HTTP client timeout.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a path of an HTTP source has no values.
#[derive(Debug)]
pub enum FetchError {
    Transport { url: String, message: String },
    Status { url: String, status: u16 },
    Parse { url: String, reason: FileError },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Transport { url, message } => {
                write!(f, "failed to fetch sideload data from {url}: {message}")
            }
            FetchError::Status { url, status } => write!(
                f,
                "failed to fetch sideload data from {url}: unexpected response code {status}"
            ),
            FetchError::Parse { url, reason } => {
                write!(f, "failed to load sideload data from {url}: {reason}")
            }
        }
    }
}

impl std::error::Error for FetchError {}

/// Why the TLS roots could not be set up.
#[derive(Debug)]
pub struct RootsError(pub String);

impl fmt::Display for RootsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

enum Entry {
    Values(FileValues),
    Missing,
    /// A failure not to retry before `until`.
    Failed {
        until: Instant,
    },
}

pub struct HttpSource {
    base: String,
    basic_auth: Option<(String, String)>,
    agent: ureq::Agent,
    cache: HashMap<String, Entry>,
}

/// Reads the certificates of a PEM file as TLS roots.
fn roots_from(path: &Path) -> Result<ureq::tls::TlsConfig, RootsError> {
    use ureq::tls::{parse_pem, PemItem, RootCerts};
    let pem =
        std::fs::read(path).map_err(|e| RootsError(format!("reading {}: {e}", path.display())))?;
    let certs: Vec<_> = parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(RootsError(format!(
            "{}: no PEM certificate found",
            path.display()
        )));
    }
    Ok(ureq::tls::TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
}

impl HttpSource {
    /// A source at `base` (`http(s)://host/dir`); `roots` overrides the
    /// TLS roots (else `SSL_CERT_FILE`, else webpki's).
    pub fn new(
        base: &str,
        basic_auth: Option<(String, String)>,
        roots: Option<&Path>,
    ) -> Result<HttpSource, RootsError> {
        let env_roots = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
        let roots = roots.or(env_roots.as_deref().map(Path::new));
        let mut cfg = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT));
        if let Some(path) = roots {
            cfg = cfg.tls_config(roots_from(path)?);
        }
        Ok(HttpSource {
            base: base.trim_end_matches('/').to_string(),
            basic_auth,
            agent: crate::net_policy::agent(cfg.build()),
            cache: HashMap::new(),
        })
    }

    /// The values of `path` if they were fetched (see `fetch_once`).
    pub fn cached(&self, path: &str) -> Option<&FileValues> {
        match self.cache.get(path) {
            Some(Entry::Values(v)) => Some(v),
            _ => None,
        }
    }

    /// Fetches `path` unless it was already. `Err` is reported once per
    /// fetch; the path then counts as missing.
    pub fn fetch_once(&mut self, path: &str) -> Result<(), FetchError> {
        let stale = match self.cache.get(path) {
            None => true,
            Some(Entry::Failed { until }) => Instant::now() >= *until,
            Some(_) => false,
        };
        if stale {
            let (entry, err) = match self.fetch(path) {
                Ok(Some(v)) => (Entry::Values(v), None),
                Ok(None) => (Entry::Missing, None),
                // A body that does not parse will not parse next time either.
                Err(e @ FetchError::Parse { .. }) => (Entry::Missing, Some(e)),
                Err(e) => (
                    Entry::Failed {
                        until: Instant::now() + RETRY_AFTER,
                    },
                    Some(e),
                ),
            };
            self.cache.insert(path.to_string(), entry);
            if let Some(e) = err {
                return Err(e);
            }
        }
        Ok(())
    }

    fn fetch(&self, path: &str) -> Result<Option<FileValues>, FetchError> {
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
        let mut req = self.agent.get(&url);
        if let Some((user, pass)) = &self.basic_auth {
            use base64::Engine;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            req = req.header("Authorization", format!("Basic {token}"));
        }
        let mut resp = req.call().map_err(|e| FetchError::Transport {
            url: url.clone(),
            message: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status { url, status });
        }
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| FetchError::Transport {
                url: url.clone(),
                message: e.to_string(),
            })?;
        let yaml = match content_type.as_str() {
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => true,
            "application/json" => false,
            _ => path.ends_with(".yml") || path.ends_with(".yaml"),
        };
        let parsed = if yaml {
            parse_yaml(&body)
        } else {
            parse_json(&body)
        };
        parsed
            .map(Some)
            .map_err(|reason| FetchError::Parse { url, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::handlers::{BasicAuth, HttpPostConfig};
    use crate::config::Config;
    use crate::message::FieldValue;
    use crate::node::harness::{f, pipeline, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// (path, Authorization header) of each request.
    type Log = Arc<Mutex<Vec<(String, String)>>>;

    /// An HTTP/1.1 server answering from `files` (path → (content type,
    /// body)); other paths are 404, `/boom/…` is 500.
    fn server(files: Vec<(&'static str, &'static str, &'static str)>) -> (String, Log) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let log: Log = Arc::default();
        let seen = log.clone();
        std::thread::spawn(move || {
            for c in l.incoming() {
                let Ok(mut c) = c else { return };
                let mut r = BufReader::new(c.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let mut auth = String::new();
                loop {
                    let mut h = String::new();
                    r.read_line(&mut h).unwrap();
                    if h.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = h
                        .strip_prefix("authorization: ")
                        .or(h.strip_prefix("Authorization: "))
                    {
                        auth = v.trim().to_string();
                    }
                }
                seen.lock().unwrap().push((path.clone(), auth));
                let found = files.iter().find(|(p, _, _)| *p == path);
                let resp = match found {
                    Some((_, ct, body)) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None if path.starts_with("/boom/") => {
                        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                    }
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                };
                let _ = c.write_all(resp.as_bytes());
            }
        });
        (base, log)
    }

    fn node(source: &str, config: Config) -> Result<Harness, crate::node::BuildError> {
        let (p, id) = pipeline(
            false,
            NodeKind::Sideload,
            vec![],
            vec![
                ("source", vec![s(source)]),
                ("order", vec![s("host/{{.host}}.yml"), s("default.json")]),
                ("field", vec![s("threshold"), Arg::Float(0.0)]),
                ("tag", vec![s("owner"), s("?")]),
            ],
        );
        Harness::with_config(&p, id, config)
    }

    #[test]
    fn order_paths_are_fetched_once_each_through_an_endpoint_with_basic_auth() {
        let (base, log) = server(vec![
            (
                "/src/host/a.yml",
                "text/plain; charset=utf-8",
                "threshold: 5\nowner: 'ops'\n",
            ),
            (
                "/src/default.json",
                "application/json",
                r#"{"threshold": 1.5, "owner": "nobody"}"#,
            ),
        ]);
        let mut config = Config::default();
        config.handler_configs.httppost = vec![HttpPostConfig {
            endpoint: "values".into(),
            url: format!("{base}/src"),
            basic_auth: Some(BasicAuth {
                username: "u".into(),
                password: "p".into(),
            }),
            ..HttpPostConfig::default()
        }];
        let mut h = node("values", config).unwrap();
        h.point(point("m", &[("host", "a")], &[("v", f(1.0))], secs(1)));
        h.point(point("m", &[("host", "b")], &[("v", f(1.0))], secs(2)));
        h.point(point("m", &[("host", "a")], &[("v", f(1.0))], secs(3)));
        let out = h.take_points();
        assert_eq!(out[0].field("threshold"), Some(&f(5.0)));
        assert_eq!(out[0].tag("owner").map(|t| &**t), Some("ops"));
        assert_eq!(out[1].field("threshold"), Some(&f(1.5)));
        assert_eq!(out[1].tag("owner").map(|t| &**t), Some("nobody"));
        assert_eq!(out[2].field("threshold"), Some(&f(5.0)));
        assert_eq!(h.stats.errors, 0);
        let mut paths: Vec<String> = log.lock().unwrap().iter().map(|(p, _)| p.clone()).collect();
        paths.sort();
        assert_eq!(
            paths,
            ["/src/default.json", "/src/host/a.yml", "/src/host/b.yml"]
        );
        // base64("u:p")
        assert!(log.lock().unwrap().iter().all(|(_, a)| a == "Basic dTpw"));
    }

    #[test]
    fn failures_are_node_errors_and_the_default_is_used() {
        let (base, _log) = server(vec![("/bad/default.json", "application/json", "{not json")]);
        let mut h = node(&format!("{base}/bad"), Config::default()).unwrap();
        h.point(point("m", &[("host", "a")], &[("v", f(1.0))], secs(1)));
        let out = h.take_points();
        assert_eq!(out[0].field("threshold"), Some(&FieldValue::Float(0.0)));
        assert_eq!(h.stats.errors, 1, "the unparsable default.json");
        let mut h = node(&format!("{base}/boom"), Config::default()).unwrap();
        h.point(point("m", &[("host", "a")], &[("v", f(1.0))], secs(1)));
        assert_eq!(h.stats.errors, 2, "500 for each of the two paths");
        assert!(node("nope", Config::default()).is_err(), "unknown endpoint");
        assert!(node("ftp://x/y", Config::default()).is_err());
        assert!(node("file://relative/dir", Config::default()).is_err());
    }

    #[test]
    fn https_sources_verify_the_server_certificate() {
        let certs = testkit::tls::Certs::generate();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("host")).unwrap();
        std::fs::write(dir.path().join("host/a.yml"), "threshold: 7\n").unwrap();
        let srv = testkit::tls::FileServer::start(dir.path(), &certs);
        let url = format!("https://127.0.0.1:{}", srv.port());
        let mut trusted = HttpSource::new(&url, None, Some(&certs.ca)).unwrap();
        trusted.fetch_once("host/a.yml").unwrap();
        assert_eq!(
            trusted
                .cached("host/a.yml")
                .and_then(|v| v.get("threshold")),
            Some(&FieldValue::Int(7))
        );
        // The webpki roots do not know the test CA: refused, not read.
        let mut untrusted = HttpSource::new(&url, None, None).unwrap();
        let e = untrusted.fetch_once("host/a.yml").unwrap_err();
        assert!(matches!(e, FetchError::Transport { .. }), "{e}");
        assert!(untrusted.cached("host/a.yml").is_none());
    }
}
