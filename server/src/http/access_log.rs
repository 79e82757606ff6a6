//! `[http] log-enabled` (on by default, as in Kapacitor): one `http request`
//! record per request with Kapacitor's keys, in its order —
//! `service=http host=… username=… start=… method=… uri=… protocol=…
//! status=… referer=… user-agent=… request-id=… duration=…` — so the log
//! reads as Kapacitor's and `kapacitor logs service=http` follows requests.
//! A `p` (password) query parameter is logged as `[REDACTED]`.

use super::Resp;
use compiler::golang::query_escape;
use hyper::Request;
use std::net::SocketAddr;
use std::time::Instant;

/// The client's address, set on each request by the listener.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// What is known of a request when it arrives.
pub struct AccessLog {
    started: Instant,
    start_ns: i64,
    host: String,
    username: String,
    method: String,
    uri: String,
    protocol: &'static str,
    referer: String,
    user_agent: String,
}

impl AccessLog {
    pub fn start<B>(req: &Request<B>) -> AccessLog {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .unwrap_or("-")
                .to_string()
        };
        let query = req.uri().query().unwrap_or("");
        let pairs = query_pairs(query);
        let username = first_value(&pairs, "u")
            .map(str::to_string)
            .or_else(|| basic_auth_user(req))
            .unwrap_or_else(|| "-".into());
        AccessLog {
            started: Instant::now(),
            start_ns: crate::ids::now_ns(),
            host: req
                .extensions()
                .get::<Peer>()
                .map_or_else(String::new, |p| p.0.ip().to_string()),
            username,
            method: req.method().to_string(),
            uri: request_uri(req.uri().path(), query, pairs),
            protocol: match req.version() {
                hyper::Version::HTTP_10 => "HTTP/1.0",
                hyper::Version::HTTP_2 => "HTTP/2.0",
                _ => "HTTP/1.1",
            },
            referer: header("referer"),
            user_agent: header("user-agent"),
        }
    }

    /// Log the answer.
    pub fn finish(self, resp: &Resp) {
        let request_id = resp
            .headers()
            .get("Request-Id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info!(
            service = "http",
            host = self.host.as_str(),
            username = self.username.as_str(),
            start = runtime::time::rfc3339_nano(self.start_ns).as_str(),
            method = self.method.as_str(),
            uri = self.uri.as_str(),
            protocol = self.protocol,
            status = resp.status().as_u16(),
            referer = self.referer.as_str(),
            "user-agent" = self.user_agent.as_str(),
            "request-id" = request_id,
            duration =
                runtime::time::go_duration(self.started.elapsed().as_nanos() as i64).as_str(),
            "http request"
        );
    }
}

/// A raw query's `(key, value)` pairs, decoded (bytes that are not UTF-8
/// replaced: the record must be written whatever the client sent).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (super::percent_decode(k), super::percent_decode(v))
        })
        .collect()
}

/// `url.Values.Get`: the first value of `key`, `None` when absent or empty.
fn first_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn basic_auth_user<B>(req: &Request<B>) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    crate::auth::credentials::basic_auth(value).map(|(user, _)| user)
}

/// The path and query as sent; with a `p` parameter, the query as Go's
/// `url.Values.Encode` writes it (keys sorted) with `p=[REDACTED]`.
fn request_uri(path: &str, query: &str, mut pairs: Vec<(String, String)>) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    if first_value(&pairs, "p").is_none() {
        return format!("{path}?{query}");
    }
    // `Values.Set("p", …)`: one value.
    let mut seen = false;
    pairs.retain_mut(|(k, v)| {
        if k != "p" {
            return true;
        }
        if seen {
            return false;
        }
        seen = true;
        *v = "[REDACTED]".into();
        true
    });
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect();
    format!("{path}?{}", encoded.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_as_go_reencodes_the_query() {
        let uri = |q: &str| request_uri("/write", q, query_pairs(q));
        assert_eq!(uri(""), "/write");
        assert_eq!(uri("db=a&rp=b"), "/write?db=a&rp=b");
        assert_eq!(
            uri("u=bob&p=s3cret&db=a%20b&p=again"),
            "/write?db=a+b&p=%5BREDACTED%5D&u=bob"
        );
    }

    #[test]
    fn the_username_comes_from_u_then_basic_auth() {
        let req = |uri: &str, auth: Option<&str>| {
            let mut b = Request::builder().uri(uri);
            if let Some(a) = auth {
                b = b.header("Authorization", a);
            }
            b.body(()).unwrap()
        };
        // "bob:pw" and "eve:pw".
        assert_eq!(AccessLog::start(&req("/ping", None)).username, "-");
        assert_eq!(
            AccessLog::start(&req("/ping", Some("Basic Ym9iOnB3"))).username,
            "bob"
        );
        assert_eq!(
            AccessLog::start(&req("/ping?u=eve", Some("Basic Ym9iOnB3"))).username,
            "eve"
        );
    }
}
