//! Kapacitor's HTTP API (api.md §1) over hyper: `app` turns one request into
//! one response and knows nothing of sockets, so tests can call it directly;
//! `main` binds the listener. One file per resource.

pub mod access_log;
mod cluster;
mod config;
mod debug_vars;
pub mod error;
mod json_patch;
mod list;
mod logs;
mod pprof;
mod recordings;
mod replays;
mod service_tests;
mod storage;
mod subscriptions;
mod tasks;
mod templates;
mod topic_handlers;
mod topics;
mod users;
mod write;

use crate::state::AppState;
use bytes::Bytes;
pub use error::ApiError;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response};
pub use recordings::path_of as recording_path;
use serde::Serialize;
use std::convert::Infallible;
use std::sync::Arc;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const BASE: &str = "/kapacitor/v1";

/// A request as the handlers see it: body read (within the size limit).
pub struct Req {
    pub method: Method,
    /// The path decoded, as Go's `URL.Path` (what auth checks).
    pub path: String,
    /// The path as sent: routing splits it and decodes each segment
    /// (`tasks/t%C3%A2che` names the task `tâche`); forwarding sends it on.
    pub raw_path: String,
    pub query: Vec<(String, String)>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
    /// The request URI as sent (path + query), for self links.
    pub uri: String,
    /// Who the request acts as (an admin when auth is off).
    pub user: crate::auth::User,
}

impl Req {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    pub fn params<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// A response body: whole (`Full`) for almost every endpoint, streamed for logs and backup.
pub type Body = BoxBody<Bytes, Infallible>;
pub type Resp = Response<Body>;

pub fn full(b: Bytes) -> Body {
    Full::new(b).boxed()
}

fn response(status: u16, content_type: &str, body: Bytes) -> Resp {
    let mut r = Response::new(full(body));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    let h = r.headers_mut();
    h.insert(
        "Content-Type",
        hyper::header::HeaderValue::from_str(content_type)
            .unwrap_or(hyper::header::HeaderValue::from_static("application/json")),
    );
    h.insert(
        "X-Kapacitor-Version",
        hyper::header::HeaderValue::from_static(VERSION),
    );
    r
}

/// A body of any content type (pprof text, backup bytes).
pub fn plain(status: u16, content_type: &str, body: Bytes) -> Resp {
    response(status, content_type, body)
}

/// 4-space pretty JSON without a trailing newline (tasks, recordings, …).
pub fn pretty<T: Serialize>(status: u16, v: &T) -> Resp {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if v.serialize(&mut ser).is_err() {
        return error_response(&ApiError::Internal("cannot encode the response".into()));
    }
    response(status, "application/json; charset=utf-8", Bytes::from(buf))
}

/// Compact JSON text as is (httpOut).
pub fn raw_json(status: u16, text: String) -> Resp {
    response(status, "application/json; charset=utf-8", Bytes::from(text))
}

pub fn no_content() -> Resp {
    response(204, "application/json; charset=utf-8", Bytes::new())
}

pub fn error_response(e: &ApiError) -> Resp {
    let msg = e.to_string();
    if e.is_plain() {
        return response(
            e.status(),
            "application/json; charset=utf-8",
            Bytes::from(format!("{msg}\n")),
        );
    }
    pretty(
        e.status(),
        &serde_json::json!({"error": msg, "message": msg}),
    )
}

/// Auth refusals: compact JSON, unlike the API's other errors.
fn refusal_response(r: &crate::auth::Refusal) -> Resp {
    let msg = r.to_string();
    let body = serde_json::json!({"error": msg, "message": msg}).to_string();
    response(
        r.status(),
        "application/json; charset=utf-8",
        Bytes::from(body),
    )
}

/// The query string's parameters; one whose decoded bytes are not UTF-8 is
/// a 400 naming it (never silently replaced).
fn parse_query(q: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(q) = q else {
        return Ok(Vec::new());
    };
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let invalid = || {
                ApiError::BadRequest(format!(
                    "invalid query: parameter {:?} is not valid UTF-8",
                    percent_decode(k)
                ))
            };
            let key = String::from_utf8(percent_decode_bytes(k)).map_err(|_| invalid())?;
            let value = String::from_utf8(percent_decode_bytes(v)).map_err(|_| invalid())?;
            Ok((key, value))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s)).into_owned()
}

/// A request path with its `%XX` escapes decoded (`+` stays `+` in a path).
/// A `%` not followed by two hex digits is a 400, as Go's server refuses
/// such a URL; bytes that are not UTF-8 can name nothing and become U+FFFD.
fn decode_path(raw: &str) -> Result<String, ApiError> {
    if !raw.contains('%') {
        return Ok(raw.to_string());
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    let bad: String = raw[i..].chars().take(3).collect();
                    ApiError::BadRequest(format!("invalid URL escape {bad:?} in path {raw:?}"))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn percent_decode_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(x) => {
                        out.push(x);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            x => out.push(x),
        }
        i += 1;
    }
    out
}

/// The whole API: one request in, one response out.
pub async fn app<B>(state: Arc<AppState>, req: Request<B>) -> Resp
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // Requests made inside the server (the load directory) are not the
    // clients' and are not logged; below `info` nothing is gathered.
    let access = (state.opts.config.http.log_enabled
        && req.extensions().get::<crate::auth::InProcess>().is_none()
        && tracing::enabled!(tracing::Level::INFO))
    .then(|| access_log::AccessLog::start(&req));
    let resp = answer(state, req).await;
    if let Some(a) = access {
        a.finish(&resp);
    }
    resp
}

async fn answer<B>(state: Arc<AppState>, req: Request<B>) -> Resp
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let in_process = parts.extensions.get::<crate::auth::InProcess>().is_some();
    let limit = state.opts.max_body_size;
    // A client dribbling its body must not hold the connection forever.
    let read = tokio::time::timeout(
        state.opts.read_body_timeout,
        Limited::new(body, limit).collect(),
    );
    let body = match read.await {
        Err(_) => {
            let mut d = String::new();
            runtime::template::gotime::duration_string(
                state.opts.read_body_timeout.as_nanos() as i64,
                &mut d,
            );
            return error_response(&ApiError::Timeout(format!(
                "request body not received within {d} (http-limits.read-body-timeout)"
            )));
        }
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            let err = if too_large {
                ApiError::TooLarge(limit)
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {e}"))
            };
            return error_response(&err);
        }
    };
    let mut r = Req {
        method: parts.method,
        path: match decode_path(parts.uri.path()) {
            Ok(p) => p,
            Err(e) => return error_response(&e),
        },
        raw_path: parts.uri.path().to_string(),
        query: match parse_query(parts.uri.query()) {
            Ok(q) => q,
            Err(e) => return error_response(&e),
        },
        headers: parts.headers,
        body,
        uri: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.to_string()),
        user: crate::auth::User::admin("ADMIN_USER"),
    };
    let authorized = if r.method == Method::OPTIONS || in_process {
        Ok(())
    } else {
        state
            .auth
            .authorize(&state.store, &r.method, &r.path, &r.headers, &r.query)
            .await
            .map(|u| r.user = u)
    };
    let mut resp = match authorized {
        Err(refusal) => {
            if refusal.status() == 401 {
                state.stats.auth_failed();
            }
            refusal_response(&refusal)
        }
        Ok(()) if r.method == Method::OPTIONS => {
            response(200, "application/json; charset=utf-8", Bytes::new())
        }
        Ok(()) => match route(&state, &r).await {
            Ok(resp) => resp,
            Err(e) => error_response(&e),
        },
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&crate::ids::random_uuid()) {
        h.insert("Request-Id", v);
    }
    // CORS, as Kapacitor's handler answers any Origin.
    if let Some(origin) = r.headers.get("Origin") {
        h.insert("Access-Control-Allow-Origin", origin.clone());
        h.insert(
            "Access-Control-Allow-Methods",
            HeaderValue::from_static("DELETE, GET, OPTIONS, POST, PATCH"),
        );
        h.insert(
            "Access-Control-Allow-Headers",
            HeaderValue::from_static("Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token, X-HTTP-Method-Override"),
        );
    }
    resp
}

fn not_found() -> ApiError {
    ApiError::NotFound("Not Found".into())
}

async fn route(state: &Arc<AppState>, r: &Req) -> Result<Resp, ApiError> {
    if r.path == "/write" {
        return match r.method {
            Method::POST => write::write(state, r).await,
            _ => Err(not_found()),
        };
    }
    // `/kapacitor/v1preview` first: `/kapacitor/v1` is a prefix of it.
    let path = r
        .raw_path
        .strip_prefix("/kapacitor/v1preview")
        .or_else(|| r.raw_path.strip_prefix(BASE))
        .filter(|p| p.is_empty() || p.starts_with('/'))
        .ok_or_else(not_found)?;
    // Split as sent, then decode each segment: an escaped `/` stays inside
    // its ID (`tasks/..%2Fx` names the task `../x`, as Kapacitor takes the
    // rest of the path as the ID), and `t%C3%A2che` names `tâche`.
    let segs = path
        .trim_start_matches('/')
        .split('/')
        .map(decode_path)
        .collect::<Result<Vec<String>, ApiError>>()?;
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = &r.method;
    match (segs.as_slice(), m) {
        (["ping"], &Method::GET | &Method::HEAD) => Ok(no_content()),
        (["write"], &Method::POST) => write::write(state, r).await,
        (["debug", "vars"], &Method::GET) => debug_vars::get(state),
        (["cluster"], &Method::GET) => cluster::get(state).await,
        (["users", ..], _) if state.auth.users().is_some() => {
            users::route(state, r, &segs[1..]).await
        }
        (["subscriptions"], &Method::POST) => subscriptions::sync(state).await,
        (["debug", "pprof", rest @ ..], &Method::GET) => pprof::get(rest),
        (["loglevel"], &Method::POST) => logs::set_level(r),
        (["logs"], &Method::GET) => logs::stream(r),
        (["storage", "stores"], &Method::GET) => storage::list(),
        (["storage", "stores", name], &Method::POST) => storage::action(state, r, name).await,
        (["storage", "backup"], &Method::GET) => storage::backup(state).await,
        (["sideload", "reload"], &Method::POST) => match crate::sideload::reload(state).await {
            Ok(_) => Ok(no_content()),
            Err(e) => Err(ApiError::Internal(e.to_string())),
        },
        (["config"], &Method::GET) => config::get_all(state).await,
        (["config", section], &Method::GET) => config::get_section(state, section).await,
        (["config", section, element], &Method::GET) => {
            config::get_element(state, section, element).await
        }
        (["config", section], &Method::POST) => config::update(state, r, section, None).await,
        (["config", section, element], &Method::POST) => {
            config::update(state, r, section, Some(element)).await
        }
        (["tasks"], &Method::GET) => tasks::list(state, r),
        (["tasks"], &Method::POST) => tasks::create(state, r).await,
        (["tasks", id], &Method::GET) => tasks::get(state, r, id).await,
        (["tasks", id], &Method::PATCH) => tasks::update(state, r, id).await,
        (["tasks", id], &Method::DELETE) => tasks::delete(state, id).await,
        (["tasks", id, endpoint], &Method::GET) => tasks::http_out(state, id, endpoint),
        (["templates"], &Method::GET) => templates::list(state, r),
        (["templates"], &Method::POST) => templates::create(state, r).await,
        (["templates", id], &Method::GET) => templates::get(state, id),
        (["templates", id], &Method::PATCH) => templates::update(state, r, id).await,
        (["templates", id], &Method::DELETE) => templates::delete(state, id).await,
        (["recordings"], &Method::GET) => recordings::list(state, r),
        (["recordings", "stream"], &Method::POST) => recordings::stream(state, r).await,
        (["recordings", "batch"], &Method::POST) => recordings::batch(state, r).await,
        (["recordings", "query"], &Method::POST) => recordings::query(state, r).await,
        (["recordings", id], &Method::GET) => recordings::get(state, id),
        (["recordings", id], &Method::DELETE) => recordings::delete(state, id),
        (["replays"], &Method::GET) => replays::list(state, r),
        (["replays"], &Method::POST) => replays::create(state, r).await,
        (["replays", "batch"], &Method::POST) => replays::batch(state, r).await,
        (["replays", "query"], &Method::POST) => replays::query(state, r).await,
        (["replays", id], &Method::GET) => replays::get(state, id),
        (["replays", id], &Method::DELETE) => replays::delete(state, id),
        (["alerts", "topics"], &Method::GET) => topics::list(state, r).await,
        (["alerts", "topics", id], &Method::GET) => topics::get(state, r, id).await,
        (["alerts", "topics", id], &Method::DELETE) => topics::delete(state, r, id).await,
        (["alerts", "topics", id, "events"], &Method::GET) => topics::events(state, r, id).await,
        (["alerts", "topics", id, "events", ev], &Method::GET) => {
            topics::event(state, r, id, ev).await
        }
        (["service-tests"], &Method::GET) => service_tests::list(state, r),
        (["service-tests", name], &Method::GET) => service_tests::get(state, name),
        (["service-tests", name], &Method::POST) => service_tests::run(state, r, name).await,
        (["alerts", "topics", t, "handlers"], &Method::GET) => topic_handlers::list(state, r, t),
        (["alerts", "topics", t, "handlers"], &Method::POST) => {
            topic_handlers::create(state, r, t).await
        }
        (["alerts", "topics", t, "handlers", h], &Method::GET) => topic_handlers::get(state, t, h),
        (["alerts", "topics", t, "handlers", h], &Method::PUT) => {
            topic_handlers::put(state, r, t, h).await
        }
        (["alerts", "topics", t, "handlers", h], &Method::PATCH) => {
            topic_handlers::patch(state, r, t, h).await
        }
        (["alerts", "topics", t, "handlers", h], &Method::DELETE) => {
            topic_handlers::delete(state, t, h).await
        }
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::decode_path;

    #[test]
    fn paths_decode_as_go_routes_them() {
        assert_eq!(decode_path("/a/b+c").unwrap(), "/a/b+c");
        assert_eq!(decode_path("/t%C3%A2che%2Fx").unwrap(), "/tâche/x");
        assert_eq!(decode_path("/%ff").unwrap(), "/\u{fffd}");
        for bad in ["/a%", "/a%4", "/a%zz", "/a%+1", "/%é"] {
            assert!(decode_path(bad).is_err(), "{bad}");
        }
    }
}
