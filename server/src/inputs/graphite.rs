//! `[[graphite]]` (InfluxDB's graphite service, which Kapacitor embeds):
//! `<metric path> <value> [<unix seconds>]` lines over TCP or UDP
//! (`protocol`), into `database` (default `graphite`) / `retention-policy`.
//! The metric path is split on `.` and mapped by a template: each part is
//! `measurement` (joined with `separator`), `measurement*` (the rest),
//! `field` / `field*` (the field name, default `value`), a tag name, or empty
//! (skipped). `templates` entries are `[filter] template [k=v,...]`; the
//! filter tree picks the most specific match (exact parts before `*`),
//! without one the last filterless template or `measurement*`. `tags`
//! (`k=v`) are added where the template set none. A missing timestamp or
//! `-1` is now; NaN and ±Inf values are refused.

use super::lines::{read_lines, LineParser, TcpServer, UdpServer};
use super::{point, socket_addr, InputError};
use crate::udp::Ingest;
use runtime::engine::WriteBatch;
use runtime::message::{FieldValue, Point};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{TcpListener, UdpSocket};
use std::sync::Arc;

const SECTION: &str = "graphite";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct GraphiteConfig {
    pub enabled: bool,
    pub bind_address: String,
    pub database: String,
    pub retention_policy: String,
    pub protocol: String,
    pub separator: String,
    pub templates: Vec<String>,
    pub tags: Vec<String>,
    pub udp_read_buffer: usize,
}

impl Default for GraphiteConfig {
    fn default() -> Self {
        GraphiteConfig {
            enabled: false,
            bind_address: ":2003".into(),
            database: "graphite".into(),
            retention_policy: String::new(),
            protocol: "tcp".into(),
            separator: ".".into(),
            templates: Vec::new(),
            tags: Vec::new(),
            udp_read_buffer: 0,
        }
    }
}

/// A mapping of metric path parts.
#[derive(Debug, Clone, PartialEq)]
struct Template {
    parts: Vec<String>,
    tags: BTreeMap<String, String>,
    separator: String,
}

/// What a template made of a metric path.
#[derive(Debug, Default, PartialEq)]
struct Applied {
    measurement: String,
    tags: BTreeMap<String, String>,
    field: String,
}

impl Template {
    fn new(
        pattern: &str,
        tags: BTreeMap<String, String>,
        separator: &str,
    ) -> Result<Template, String> {
        let parts: Vec<String> = pattern.split('.').map(str::to_string).collect();
        if !parts.iter().any(|p| p.starts_with("measurement")) {
            return Err(format!(
                "no measurement specified for template. {pattern:?}"
            ));
        }
        Ok(Template {
            parts,
            tags,
            separator: separator.to_string(),
        })
    }

    fn apply(&self, metric: &str) -> Result<Applied, String> {
        let fields: Vec<&str> = metric.split('.').collect();
        let mut measurement: Vec<&str> = Vec::new();
        let mut tags: BTreeMap<String, Vec<String>> = self
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), vec![v.clone()]))
            .collect();
        let mut field = String::new();
        if self.parts.iter().any(|p| p == "measurement*")
            && self.parts.iter().any(|p| p == "field*")
        {
            return Err(format!(
                "either 'field*' or 'measurement*' can be used in each template (but not both together): {:?}",
                self.parts.join(&self.separator)
            ));
        }
        for (i, part) in self.parts.iter().enumerate() {
            let Some(value) = fields.get(i) else { continue };
            match part.as_str() {
                "measurement" => measurement.push(value),
                "field" => {
                    if !field.is_empty() {
                        return Err(format!(
                            "'field' can only be used once in each template: {metric:?}"
                        ));
                    }
                    field = value.to_string();
                }
                "field*" => {
                    field = fields[i..].join(&self.separator);
                    break;
                }
                "measurement*" => {
                    measurement.extend(&fields[i..]);
                    break;
                }
                "" => {}
                tag => tags
                    .entry(tag.to_string())
                    .or_default()
                    .push(value.to_string()),
            }
        }
        Ok(Applied {
            measurement: measurement.join(&self.separator),
            tags: tags
                .into_iter()
                .map(|(k, v)| (k, v.join(&self.separator)))
                .collect(),
            field,
        })
    }
}

/// A node of the filter tree: children sorted by value with `*` last.
#[derive(Debug, Default)]
struct Node {
    value: String,
    children: Vec<Node>,
    template: Option<Arc<Template>>,
}

impl Node {
    fn insert(&mut self, values: &[&str], template: Arc<Template>) {
        let Some((first, rest)) = values.split_first() else {
            self.template = Some(template);
            return;
        };
        if let Some(child) = self.children.iter_mut().find(|c| c.value == *first) {
            child.insert(rest, template);
            return;
        }
        let mut node = Node {
            value: first.to_string(),
            ..Node::default()
        };
        // A wildcard inherits the template of its parent.
        if *first == "*" {
            node.template = self.template.clone();
        }
        node.insert(rest, template);
        self.children.push(node);
        self.children
            .sort_by(|a, b| match (a.value == "*", b.value == "*") {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => a.value.cmp(&b.value),
            });
    }

    fn search(&self, parts: &[&str]) -> Option<Arc<Template>> {
        let Some(first) = parts.first() else {
            return self.template.clone();
        };
        if self.children.is_empty() {
            return self.template.clone();
        }
        if let Some(child) = self
            .children
            .iter()
            .find(|c| c.value != "*" && c.value == *first)
        {
            return child.search(&parts[1..]);
        }
        match self.children.last() {
            Some(w) if w.value == "*" => w.search(&parts[1..]),
            _ => self.template.clone(),
        }
    }
}

/// The parser of one `[[graphite]]` section.
pub struct Parser {
    root: Node,
    default: Arc<Template>,
    tags: BTreeMap<String, String>,
}

/// `k=v,k2=v2` into a map.
fn parse_tags(s: &str) -> Result<BTreeMap<String, String>, String> {
    s.split(',')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("invalid tag format {kv:?}")),
        })
        .collect()
}

impl Parser {
    pub fn new(c: &GraphiteConfig) -> Result<Parser, String> {
        let separator = if c.separator.is_empty() {
            "."
        } else {
            &c.separator
        };
        let mut default = Arc::new(Template::new("measurement*", BTreeMap::new(), ".")?);
        let mut root = Node::default();
        for pattern in &c.templates {
            let parts: Vec<&str> = pattern.split_whitespace().collect();
            let Some(last) = parts.last() else { continue };
            let (filter, template) = match parts.as_slice() {
                [t] => ("", *t),
                [a, b, ..] if b.contains('=') => ("", *a),
                [f, t, ..] => (*f, *t),
                [] => continue,
            };
            let tags = if parts.len() > 1 && last.contains('=') {
                parse_tags(last)?
            } else {
                BTreeMap::new()
            };
            let t = Arc::new(Template::new(template, tags, separator)?);
            if filter.is_empty() {
                default = t;
            } else {
                root.insert(&filter.split('.').collect::<Vec<_>>(), t);
            }
        }
        let mut tags = BTreeMap::new();
        for t in &c.tags {
            tags.extend(parse_tags(t)?);
        }
        Ok(Parser {
            root,
            default,
            tags,
        })
    }

    /// One line into a point (`now` for a missing or `-1` timestamp).
    pub fn parse(&self, line: &str, now: i64, db: &str, rp: &str) -> Result<Point, String> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 2 && fields.len() != 3 {
            return Err(format!(
                "received {line:?} which doesn't have required fields"
            ));
        }
        let metric = fields[0];
        let template = self
            .root
            .search(&metric.split('.').collect::<Vec<_>>())
            .unwrap_or_else(|| self.default.clone());
        let mut applied = template.apply(metric)?;
        if applied.measurement.is_empty() {
            applied.measurement = metric.to_string();
        }
        let v: f64 = fields[1]
            .parse()
            .map_err(|e| format!("field \"{metric}\" value: {e}"))?;
        if !v.is_finite() {
            return Err(format!("unsupported value: {metric}={v}"));
        }
        let mut time = now;
        if let Some(ts) = fields.get(2) {
            let unix: f64 = ts
                .parse()
                .map_err(|e| format!("field \"{metric}\" time: {e}"))?;
            if unix != -1.0 {
                // 1901-12-13 .. 2038-01-19, InfluxDB's graphite range.
                if !(-2_147_472_000.0..=2_147_472_000.0).contains(&unix) {
                    return Err("timestamp out of range".into());
                }
                let secs = unix.trunc() as i64;
                let frac = ((unix - unix.floor()) * 1e9) as i64;
                time = secs * 1_000_000_000 + frac;
            }
        }
        for (k, v) in &self.tags {
            applied.tags.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let field = if applied.field.is_empty() {
            "value".to_string()
        } else {
            applied.field
        };
        let mut values = BTreeMap::new();
        values.insert(field, FieldValue::Float(v));
        Ok(point(
            &applied.measurement,
            &applied.tags,
            &values,
            time,
            db,
            rp,
        ))
    }
}

enum Listener {
    Tcp(TcpServer),
    Udp(UdpServer),
}

pub struct Graphite {
    listener: Listener,
}

impl Graphite {
    pub fn start(c: &GraphiteConfig, ingest: Ingest) -> Result<Graphite, InputError> {
        let parser = Arc::new(Parser::new(c).map_err(|message| InputError::Invalid {
            section: SECTION,
            message,
        })?);
        let (db, rp) = (c.database.clone(), c.retention_policy.clone());
        let parse: LineParser = {
            let (db, rp) = (db.clone(), rp.clone());
            Arc::new(move |line: &str, out: &mut Vec<Point>| {
                match parser.parse(line, crate::ids::now_ns(), &db, &rp) {
                    Ok(p) => out.push(p),
                    Err(e) => {
                        tracing::info!(service = "graphite", "unable to parse line: {line}: {e}")
                    }
                }
            })
        };
        let addr = socket_addr(&c.bind_address);
        let bind_err = |source| InputError::Bind {
            section: SECTION,
            addr: c.bind_address.clone(),
            source,
        };
        let listener = match c.protocol.to_ascii_lowercase().as_str() {
            "tcp" | "" => {
                let l = TcpListener::bind(&addr).map_err(bind_err)?;
                let conn = Arc::new(move |stream: std::net::TcpStream| {
                    read_lines(BufReader::new(stream), &parse, &db, &rp, &ingest)
                });
                Listener::Tcp(TcpServer::start(l, "graphite", conn).map_err(bind_err)?)
            }
            "udp" => {
                let socket = UdpSocket::bind(&addr).map_err(bind_err)?;
                let server = UdpServer::start(socket, "graphite", move |datagram: &[u8]| {
                    let text = String::from_utf8_lossy(datagram);
                    let mut points = Vec::new();
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        parse(line, &mut points);
                    }
                    if !points.is_empty() {
                        ingest(WriteBatch::new(&db, &rp, points));
                    }
                })
                .map_err(bind_err)?;
                Listener::Udp(server)
            }
            other => {
                return Err(InputError::Invalid {
                    section: SECTION,
                    message: format!("unrecognized Graphite input protocol {other}"),
                })
            }
        };
        tracing::info!(service = "graphite", addr = %c.bind_address, protocol = %c.protocol, "Listening");
        Ok(Graphite { listener })
    }

    pub fn port(&self) -> u16 {
        match &self.listener {
            Listener::Tcp(t) => t.port(),
            Listener::Udp(u) => u.port(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(templates: &[&str], tags: &[&str]) -> Parser {
        Parser::new(&GraphiteConfig {
            templates: templates.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            ..GraphiteConfig::default()
        })
        .unwrap()
    }

    /// Name, tags, fields and time of a parsed point.
    type Parsed = (
        String,
        Vec<(String, String)>,
        Vec<(String, FieldValue)>,
        i64,
    );

    fn parsed(p: &Parser, line: &str) -> Parsed {
        let pt = p.parse(line, 42, "db", "rp").unwrap();
        (
            pt.name.to_string(),
            pt.tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            pt.fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            pt.time,
        )
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_default_template_keeps_the_whole_path_as_the_measurement() {
        let p = parser(&[], &["dc=eu"]);
        let (name, tags, fields, time) = parsed(&p, "servers.web01.cpu 0.5 1500000000");
        assert_eq!(name, "servers.web01.cpu");
        assert_eq!(tags, kv(&[("dc", "eu")]));
        assert_eq!(fields, vec![("value".to_string(), FieldValue::Float(0.5))]);
        assert_eq!(time, 1_500_000_000_000_000_000);
        assert_eq!(parsed(&p, "a.b 1").3, 42, "no timestamp is now");
        assert_eq!(parsed(&p, "a.b 1 -1").3, 42, "-1 is now");
    }

    #[test]
    fn filters_pick_the_most_specific_template() {
        let p = parser(
            &[
                "servers.* .host.measurement.field region=us",
                "servers.web01.* .host.measurement*",
                "stats.* .measurement.measurement.field*",
                "measurement.host",
            ],
            &["region=default"],
        );
        let (name, tags, fields, _) = parsed(&p, "servers.db1.cpu.idle 3");
        assert_eq!(name, "cpu");
        assert_eq!(tags, kv(&[("host", "db1"), ("region", "us")]));
        assert_eq!(fields[0].0, "idle");
        let (name, tags, _, _) = parsed(&p, "servers.web01.cpu.idle 3");
        assert_eq!(
            (name.as_str(), tags),
            ("cpu.idle", kv(&[("host", "web01"), ("region", "default")]))
        );
        let (name, _, fields, _) = parsed(&p, "stats.a.b.c.d 1");
        assert_eq!((name.as_str(), fields[0].0.as_str()), ("a.b", "c.d"));
        let (name, tags, _, _) = parsed(&p, "load.h1 2");
        assert_eq!(
            (name.as_str(), tags),
            ("load", kv(&[("host", "h1"), ("region", "default")]))
        );
    }

    #[test]
    fn bad_lines_are_typed_errors() {
        let p = parser(&[], &[]);
        assert!(p.parse("only.name", 0, "", "").is_err());
        assert!(p.parse("a.b notanumber", 0, "", "").is_err());
        assert!(p.parse("a.b NaN", 0, "", "").is_err());
        assert!(p.parse("a.b 1 99999999999", 0, "", "").is_err());
        assert!(Parser::new(&GraphiteConfig {
            templates: vec!["host.cpu".into()],
            ..GraphiteConfig::default()
        })
        .is_err());
    }
}
