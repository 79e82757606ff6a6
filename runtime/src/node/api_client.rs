//! The HTTP side the autoscale nodes' API clients share: the servers of a
//! `[[kubernetes]]`/`[[swarm]]` section taken in turn (Kapacitor's `pickURL`:
//! the index advances before each request, and only the scheme and host of a
//! server URL are used, its path is not), TLS from the section's PEM files, and
//! one blocking request → (status, body).

use super::autoscale::{ApiError, API_TIMEOUT};
use std::sync::atomic::{AtomicUsize, Ordering};

/// TLS files of a section (empty = not given).
#[derive(Debug, Clone, Copy, Default)]
pub struct TlsFiles<'a> {
    pub ca: &'a str,
    pub cert: &'a str,
    pub key: &'a str,
    pub insecure_skip_verify: bool,
}

pub struct ApiClient {
    service: &'static str,
    agent: ureq::Agent,
    /// `scheme://host[:port]` of each server.
    bases: Vec<String>,
    next: AtomicUsize,
}

fn setup(reason: impl Into<String>) -> ApiError {
    ApiError::Setup {
        reason: reason.into(),
    }
}

/// `scheme://authority` of a server URL (http or https only).
fn base_of(url: &str) -> Result<String, ApiError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| setup(format!("invalid url {url:?}: missing scheme")))?;
    if scheme != "http" && scheme != "https" {
        return Err(setup(format!(
            "invalid url {url:?}: unsupported scheme {scheme:?}"
        )));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(setup(format!("invalid url {url:?}: missing host")));
    }
    Ok(format!("{scheme}://{authority}"))
}

fn tls_config(files: &TlsFiles<'_>) -> Result<ureq::tls::TlsConfig, ApiError> {
    use ureq::tls::{parse_pem, Certificate, ClientCert, PemItem, PrivateKey, RootCerts};
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| setup(format!("failed to read {path:?}: {e}")))
    };
    let certs_in = |path: &str| -> Result<Vec<Certificate<'static>>, ApiError> {
        let certs: Vec<_> = parse_pem(&read(path)?)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(setup(
                "failed to parse ca certificate as PEM encoded content",
            ));
        }
        Ok(certs)
    };
    let mut b = ureq::tls::TlsConfig::builder().disable_verification(files.insecure_skip_verify);
    if !files.ca.is_empty() {
        b = b.root_certs(RootCerts::new_with_certs(&certs_in(files.ca)?));
    }
    match (files.cert.is_empty(), files.key.is_empty()) {
        (true, true) => {}
        (false, false) => {
            let chain = certs_in(files.cert)?;
            let key = PrivateKey::from_pem(&read(files.key)?)
                .map_err(|e| setup(format!("failed to read {:?}: {e}", files.key)))?;
            b = b.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
        }
        _ => return Err(setup("ssl-cert and ssl-key must be given together")),
    }
    Ok(b.build())
}

/// A path as Go's `URL.EscapedPath` sends it: bytes outside the unreserved
/// set and `$&+,/:;=@` are percent-encoded.
pub fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ApiClient {
    pub fn new(
        service: &'static str,
        servers: &[String],
        tls: &TlsFiles<'_>,
    ) -> Result<ApiClient, ApiError> {
        let bases = servers
            .iter()
            .map(|s| base_of(s))
            .collect::<Result<Vec<_>, _>>()?;
        if bases.is_empty() {
            return Err(setup(
                "no api-servers specified, must provide at least one server URL",
            ));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(API_TIMEOUT))
            .tls_config(tls_config(tls)?)
            .build()
            .into();
        Ok(ApiClient {
            service,
            agent,
            bases,
            next: AtomicUsize::new(0),
        })
    }

    /// The next server in turn (Kapacitor advances before use).
    fn base(&self) -> &str {
        let i = (self.next.fetch_add(1, Ordering::Relaxed) + 1) % self.bases.len();
        &self.bases[i]
    }

    /// One request to `path_and_query` on the next server.
    pub fn send(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        let url = format!("{}{path_and_query}", self.base());
        let transport = |reason: String| ApiError::Transport {
            service: self.service,
            reason,
        };
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let result = match body {
            Some(b) => self
                .agent
                .run(req.body(b).map_err(|e| transport(e.to_string()))?),
            None => self
                .agent
                .run(req.body(()).map_err(|e| transport(e.to_string()))?),
        };
        let mut resp = result.map_err(|e| transport(format!("{method} {url}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_vec()
            .map_err(|e| transport(format!("{method} {url}: {e}")))?;
        Ok((status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_url_keeps_scheme_and_host_only() {
        assert_eq!(
            base_of("https://k8s.example:6443/ignored/path").unwrap(),
            "https://k8s.example:6443"
        );
        assert!(base_of("ftp://x").is_err());
        assert!(base_of("localhost:80").is_err());
    }

    #[test]
    fn paths_are_escaped_as_go_sends_them() {
        assert_eq!(escape_path("/a b/c%d/é:x"), "/a%20b/c%25d/%C3%A9:x");
    }

    #[test]
    fn servers_are_taken_in_turn_starting_after_the_first() {
        let c = ApiClient::new(
            "k8s",
            &["http://a".to_string(), "http://b".to_string()],
            &TlsFiles::default(),
        )
        .unwrap();
        assert_eq!(
            [c.base(), c.base(), c.base()],
            ["http://b", "http://a", "http://b"]
        );
    }
}
