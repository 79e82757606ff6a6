//! A subscription destination URL: the one we advertise
//! (`<protocol>://[~subscriber:<token>@]<host>:<port><subscription-path>`)
//! and the parts of an existing one Kapacitor compares against it.

/// The user InfluxDB presents when it forwards writes with a token.
pub const SUBSCRIPTION_USER: &str = "~subscriber";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub scheme: String,
    pub user: Option<(String, Option<String>)>,
    pub host: String,
    pub port: String,
}

impl Destination {
    /// Split `scheme://[user[:password]@]host:port[/path]` as Go's
    /// `url.Parse` + `net.SplitHostPort` would; `None` when either fails.
    pub fn parse(url: &str) -> Option<Destination> {
        let (scheme, rest) = url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => {
                let user = match u.split_once(':') {
                    Some((n, p)) => (n.to_string(), Some(p.to_string())),
                    None => (u.to_string(), None),
                };
                (Some(user), h)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, p) = v6.split_once("]:")?;
            (h, p)
        } else {
            let (h, p) = hostport.rsplit_once(':')?;
            if h.contains(':') {
                return None;
            }
            (h, p)
        };
        Some(Destination {
            scheme: scheme.to_string(),
            user,
            host: host.to_string(),
            port: port.to_string(),
        })
    }
}

/// The destination we create: `token` adds `~subscriber:<token>@`.
pub fn advertised(
    protocol: &str,
    host: &str,
    port: u16,
    path: &str,
    token: Option<&str>,
) -> String {
    let user = token
        .map(|t| format!("{SUBSCRIPTION_USER}:{t}@"))
        .unwrap_or_default();
    format!("{protocol}://{user}{host}:{port}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_round_trip() {
        let d = advertised("http", "localhost", 9092, "", Some("abc"));
        assert_eq!(d, "http://~subscriber:abc@localhost:9092");
        let p = Destination::parse(&d).expect("parses");
        assert_eq!(p.scheme, "http");
        assert_eq!(p.host, "localhost");
        assert_eq!(p.port, "9092");
        assert_eq!(
            p.user,
            Some((SUBSCRIPTION_USER.to_string(), Some("abc".to_string())))
        );
        let u = Destination::parse("udp://[::1]:5000").expect("v6");
        assert_eq!((u.host.as_str(), u.port.as_str()), ("::1", "5000"));
        assert!(Destination::parse("http://nohostport").is_none());
        assert_eq!(
            advertised("https", "k", 1, "/kapacitor/v1", None),
            "https://k:1/kapacitor/v1"
        );
    }
}
