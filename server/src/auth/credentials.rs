//! Kapacitor's `parseCredentials`: where a request's credentials come from, in
//! its order — `Authorization: Bearer <JWT>`, then Basic auth (user
//! `~subscriber` carries a subscription token as its password), then the
//! `u` and `p` query parameters.

use base64::Engine as _;

/// The Basic-auth user name InfluxDB subscriptions write with.
pub const SUBSCRIPTION_USER: &str = "~subscriber";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    User { username: String, password: String },
    Bearer(String),
    Subscription(String),
}

/// `None`: no credentials (Kapacitor: `unable to parse authentication credentials`).
pub fn parse(headers: &hyper::HeaderMap, query: &[(String, String)]) -> Option<Credentials> {
    if let Some(h) = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
    {
        // Exactly two space-separated parts, the first `Bearer` (case matters).
        let mut parts = h.split(' ');
        if let (Some("Bearer"), Some(token), None) = (parts.next(), parts.next(), parts.next()) {
            return Some(Credentials::Bearer(token.to_string()));
        }
        if let Some((u, p)) = basic_auth(h) {
            if u == SUBSCRIPTION_USER {
                return Some(Credentials::Subscription(p));
            }
            return Some(Credentials::User {
                username: u,
                password: p,
            });
        }
    }
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let (u, p) = (get("u"), get("p"));
    if !u.is_empty() && !p.is_empty() {
        return Some(Credentials::User {
            username: u.to_string(),
            password: p.to_string(),
        });
    }
    None
}

/// Go's `Request.BasicAuth`: `Basic ` (any case) + standard base64 of `user:pass`.
pub fn basic_auth(h: &str) -> Option<(String, String)> {
    const PREFIX: &str = "Basic ";
    let head = h.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&h[PREFIX.len()..])
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> hyper::HeaderMap {
        let mut h = hyper::HeaderMap::new();
        h.insert("Authorization", auth.parse().unwrap());
        h
    }

    fn basic(u: &str, p: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    }

    #[test]
    fn kapacitor_order() {
        let q = vec![
            ("u".to_string(), "qu".to_string()),
            ("p".to_string(), "qp".to_string()),
        ];
        assert_eq!(
            parse(&headers("Bearer abc"), &q),
            Some(Credentials::Bearer("abc".into()))
        );
        assert_eq!(
            parse(&headers(&basic("bob", "pw:x")), &q),
            Some(Credentials::User {
                username: "bob".into(),
                password: "pw:x".into()
            })
        );
        assert_eq!(
            parse(&headers(&basic("~subscriber", "tok")), &[]),
            Some(Credentials::Subscription("tok".into()))
        );
        // `bearer` in lower case, or three parts, is not a bearer token; query params win then.
        assert_eq!(
            parse(&headers("bearer abc"), &q),
            Some(Credentials::User {
                username: "qu".into(),
                password: "qp".into()
            })
        );
        assert_eq!(parse(&headers("Bearer a b"), &[]), None);
        assert_eq!(parse(&hyper::HeaderMap::new(), &q[..1]), None);
        assert_eq!(parse(&headers("Basic !!!"), &[]), None);
    }
}
