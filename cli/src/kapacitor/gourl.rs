//! URL building as Go's `net/url` does it for Kapacitor's client: query strings encoded by
//! `url.Values.Encode` (keys sorted, `QueryEscape`), paths escaped by `URL.EscapedPath` and
//! joined by `path.Join`. Servers (and the tests) see byte-for-byte the requests Kapacitor's CLI sends.

/// An ordered multi-map of query parameters, encoded like Go's `url.Values`.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn new() -> Query {
        Query::default()
    }

    /// `Values.Set`: replaces every value of `key`.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Query {
        self.pairs.retain(|(k, _)| k != key);
        self.pairs.push((key.to_string(), value.to_string()));
        self
    }

    /// `Values.Add`: appends one more value of `key`.
    pub fn add(&mut self, key: &str, value: &str) -> &mut Query {
        self.pairs.push((key.to_string(), value.to_string()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `Values.Encode`: keys sorted, the values of one key in insertion order, `k=v` joined by `&`.
    pub fn encode(&self) -> String {
        let mut keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut out = String::new();
        for key in keys {
            for (k, v) in self.pairs.iter().filter(|(k, _)| k == key) {
                if !out.is_empty() {
                    out.push('&');
                }
                out.push_str(&query_escape(k));
                out.push('=');
                out.push_str(&query_escape(v));
            }
        }
        out
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn push_escaped(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// Go's `url.QueryEscape`: space becomes `+`, everything but unreserved bytes is `%XX`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// Go's path escaping (`encodePath` mode): unreserved bytes and `$&+,/:;=@` stay, the rest is `%XX`.
pub fn path_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b)
            || matches!(
                b,
                b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'@'
            )
        {
            out.push(b as char);
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// Go's `path.Join`: non-empty elements joined by `/`, then cleaned (`.`/`..`/doubled slashes).
pub fn path_join(parts: &[&str]) -> String {
    let joined: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if joined.is_empty() {
        return String::new();
    }
    path_clean(&joined.join("/"))
}

/// Go's `path.Clean` (lexical; a rooted path stays rooted).
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_encode_sorts_keys_and_keeps_value_order() {
        // The query `kapacitor list tasks` sends (seen in Kapacitor issue #1213's error text).
        let mut q = Query::new();
        q.set("dot-view", "attributes")
            .set("script-format", "formatted")
            .set("replay-id", "");
        q.set("pattern", "");
        for f in ["type", "status", "executing", "dbrps"] {
            q.add("fields", f);
        }
        q.set("offset", "0").set("limit", "100");
        assert_eq!(
            q.encode(),
            "dot-view=attributes&fields=type&fields=status&fields=executing&fields=dbrps\
             &limit=100&offset=0&pattern=&replay-id=&script-format=formatted"
        );
    }

    #[test]
    fn escapes_like_go() {
        assert_eq!(query_escape("a b*c/d:é"), "a+b%2Ac%2Fd%3A%C3%A9");
        assert_eq!(
            path_escape("/kapacitor/v1/alerts/topics/main:t:a 2*"),
            "/kapacitor/v1/alerts/topics/main:t:a%202%2A"
        );
    }

    #[test]
    fn join_cleans() {
        assert_eq!(
            path_join(&["/kapacitor/v1/tasks", "x"]),
            "/kapacitor/v1/tasks/x"
        );
        assert_eq!(
            path_join(&["/kapacitor/v1/alerts/topics", "", "handlers", ""]),
            "/kapacitor/v1/alerts/topics/handlers"
        );
        assert_eq!(path_join(&["/kapacitor/v1/tasks", ".."]), "/kapacitor/v1");
        assert_eq!(path_clean("/../a//b/./c/.."), "/a/b");
    }
}
