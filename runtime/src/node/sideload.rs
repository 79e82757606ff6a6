//! `sideload()` (reference §4.2): `source(s)`, `order(tmpl…)`,
//! `field(name, default)`, `tag(name, default s)`. For each point the
//! `order` templates (Go templates over the point's tags, e.g.
//! `host/{{.host}}.yml`) name files of the source, in priority order; each
//! field/tag takes the first value found in those files, else its default.
//! A value is converted to the default's type as Kapacitor does (ints and
//! exact floats interconvert, strings parse, values format into strings);
//! one that cannot be is an error and the default is used.
//!
//! Sources: `file://<dir>` — every `.json`, `.yml` and `.yaml` file under
//! the directory is loaded at build time, keyed by its path relative to the
//! directory; `http(s)://<base>` — each order path is fetched from
//! `<base>/<path>` on first use (`sideload_http.rs`); or the name of an
//! `[[httppost]]` endpoint, whose URL is one of those (and whose basic auth
//! the HTTP requests carry). JSON files are objects of scalars; YAML files
//! are mappings of scalars parsed as YAML (see `parse_yaml`). A rebuilt task
//! (reload) reads its source afresh.

use super::edit::set;
use super::sideload_http::HttpSource;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Fields, Message, Str, Tags};
use crate::node::influxql::column::go_type_name;
use crate::template::value::{Elem, Map, Value as TValue};
use crate::template::{Mode, Template};
use compiler::ir::{self, Arg};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) type FileValues = HashMap<String, FieldValue>;

/// Where the values files come from.
enum Source {
    Files(HashMap<String, FileValues>),
    Http(HttpSource),
}

pub struct Sideload {
    source: Source,
    order: Vec<Template>,
    fields: Vec<(Str, FieldValue)>,
    tags: Vec<(Str, Str)>,
}

pub fn build(node: &ir::Node, env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let named = node
        .string("source")
        .ok_or_else(|| BuildError::new(node, "sideload needs a source"))?;
    let source = open_source(node, named, env)?;
    let mut order = Vec::new();
    for (i, t) in node.strings("order").into_iter().enumerate() {
        order.push(
            Template::parse(&format!("order{i}"), t, Mode::Text)
                .map_err(|e| BuildError::new(node, e.to_string()))?,
        );
    }
    let mut fields = Vec::new();
    for p in node.props_named("field") {
        let v = match p.arg(1) {
            Some(Arg::Float(v)) => FieldValue::Float(*v),
            Some(Arg::Int(v)) => FieldValue::Int(*v),
            Some(Arg::String(v)) => FieldValue::String(Str::from(v.as_str())),
            Some(Arg::Bool(v)) => FieldValue::Bool(*v),
            _ => {
                return Err(BuildError::new(
                    node,
                    "field needs a name and a default value",
                ))
            }
        };
        let name = p
            .arg(0)
            .and_then(Arg::as_str)
            .ok_or_else(|| BuildError::new(node, "field needs a name"))?;
        fields.push((Str::from(name), v));
    }
    let mut tags = Vec::new();
    for p in node.props_named("tag") {
        match (
            p.arg(0).and_then(Arg::as_str),
            p.arg(1).and_then(Arg::as_str),
        ) {
            (Some(k), Some(v)) => tags.push((Str::from(k), Str::from(v))),
            _ => {
                return Err(BuildError::new(
                    node,
                    "tag needs a name and a default string",
                ))
            }
        }
    }
    Ok(Box::new(Sideload {
        source,
        order,
        fields,
        tags,
    }))
}

/// The source a `source(s)` names: a URL, or an `[[httppost]]` endpoint
/// whose URL is one (with its basic auth for HTTP).
fn open_source(node: &ir::Node, named: &str, env: &BuildEnv<'_>) -> Result<Source, BuildError> {
    let (url, auth) = if named.contains("://") {
        (named.to_string(), None)
    } else {
        let e = env.config.handler_configs.httppost(named).ok_or_else(|| {
            BuildError::new(
                node,
                format!("sideload source {named:?} is neither a URL nor an [[httppost]] endpoint"),
            )
        })?;
        let auth = e
            .basic_auth
            .as_ref()
            .filter(|a| !a.username.is_empty() && !a.password.is_empty())
            .map(|a| (a.username.clone(), a.password.clone()));
        (e.url.clone(), auth)
    };
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    match scheme {
        "file" => {
            let dir = &url["file://".len()..];
            if !Path::new(dir).is_absolute() {
                return Err(BuildError::new(
                    node,
                    format!("sideload source path must be absolute {dir:?}"),
                ));
            }
            let mut files = HashMap::new();
            load_dir(Path::new(dir), Path::new(dir), &mut files)
                .map_err(|e| BuildError::new(node, e.to_string()))?;
            Ok(Source::Files(files))
        }
        "http" | "https" => HttpSource::new(&url, auth, None)
            .map(Source::Http)
            .map_err(|e| BuildError::new(node, e.to_string())),
        other => Err(BuildError::new(
            node,
            format!("unsupported source scheme {other:?}, must be 'file', 'http', or 'https'"),
        )),
    }
}

/// Why a sideload source could not be loaded (a build error of the node).
#[derive(Debug)]
pub enum SourceError {
    /// A directory or file of the source could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file is not a JSON object / YAML mapping of scalars.
    Parse { path: PathBuf, reason: FileError },
}

/// Why one source file's text is not a map of values.
#[derive(Debug)]
pub enum FileError {
    Json(serde_json::Error),
    Yaml(yaml_rust2::ScanError),
    /// The top level is not an object (JSON) or mapping (YAML).
    NotAMap(&'static str),
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Read { path, source } => write!(f, "reading {}: {source}", path.display()),
            SourceError::Parse { path, reason } => write!(f, "{}: {reason}", path.display()),
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Json(e) => write!(f, "{e}"),
            FileError::Yaml(e) => write!(f, "{e}"),
            FileError::NotAMap(what) => write!(f, "expected {what}"),
        }
    }
}

impl std::error::Error for SourceError {}
impl std::error::Error for FileError {}

fn load_dir(
    root: &Path,
    dir: &Path,
    out: &mut HashMap<String, FileValues>,
) -> Result<(), SourceError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SourceError::Read { path, source }
    };
    let entries = std::fs::read_dir(dir).map_err(read_err(dir))?;
    for entry in entries {
        let path = entry.map_err(read_err(dir))?.path();
        if path.is_dir() {
            load_dir(root, &path, out)?;
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "json" | "yml" | "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(read_err(&path))?;
        let values = if ext == "json" {
            parse_json(&text)
        } else {
            parse_yaml(&text)
        }
        .map_err(|reason| SourceError::Parse {
            path: path.clone(),
            reason,
        })?;
        // `path` was found under `root` by walking it.
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.insert(rel, values);
    }
    Ok(())
}

pub(crate) fn parse_json(text: &str) -> Result<FileValues, FileError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(FileError::Json)?;
    let serde_json::Value::Object(m) = v else {
        return Err(FileError::NotAMap("a JSON object"));
    };
    let mut out = HashMap::new();
    for (k, v) in m {
        let fv = match v {
            serde_json::Value::Bool(b) => FieldValue::Bool(b),
            serde_json::Value::Number(n) => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => FieldValue::String(Str::from(s)),
            _ => continue,
        };
        out.insert(k, fv);
    }
    Ok(out)
}

/// A YAML document whose top level is a mapping (an empty document is an
/// empty mapping); only the first document of a stream is read. Scalars
/// follow YAML (yaml-rust2, YAML 1.2 core schema: quoting, comments, `true`
/// /`false`, ints incl. `0x`/`0o`, floats incl. `.inf`/`.nan`): an int is an
/// int, a float a float, quoted or plain text a string. Null, list and map
/// values are skipped, as non-scalars are in JSON files.
pub(crate) fn parse_yaml(text: &str) -> Result<FileValues, FileError> {
    use yaml_rust2::{Yaml, YamlLoader};
    let docs = YamlLoader::load_from_str(text).map_err(FileError::Yaml)?;
    let map = match docs.into_iter().next() {
        None | Some(Yaml::Null) => return Ok(HashMap::new()),
        Some(Yaml::Hash(m)) => m,
        Some(_) => return Err(FileError::NotAMap("a YAML mapping at the top level")),
    };
    let mut out = HashMap::new();
    for (k, v) in map {
        // Keys are read as strings, as the decoder into a string-keyed map does.
        let key = match k {
            Yaml::String(s) | Yaml::Real(s) => s,
            Yaml::Integer(i) => i.to_string(),
            Yaml::Boolean(b) => b.to_string(),
            _ => continue,
        };
        let fv = match v {
            Yaml::Boolean(b) => FieldValue::Bool(b),
            Yaml::Integer(i) => FieldValue::Int(i),
            Yaml::Real(_) => match v.as_f64() {
                Some(f) => FieldValue::Float(f),
                None => continue,
            },
            Yaml::String(s) => FieldValue::String(Str::from(s)),
            _ => continue,
        };
        out.insert(key, fv);
    }
    Ok(out)
}

/// Go `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `value` converted to the default's type (Kapacitor's rules: ints and
/// exact floats interconvert, strings parse, anything formats as a string),
/// or `None` when it cannot be.
fn coerce(value: &FieldValue, default: &FieldValue) -> Option<FieldValue> {
    use FieldValue as F;
    Some(match (default, value) {
        (F::Int(_), F::Int(v)) => F::Int(*v),
        (F::Int(_), F::Float(v)) if (*v as i64) as f64 == *v => F::Int(*v as i64),
        (F::Int(_), F::String(v)) => F::Int(v.parse().ok()?),
        (F::Float(_), F::Int(v)) => F::Float(*v as f64),
        (F::Float(_), F::Float(v)) => F::Float(*v),
        (F::Float(_), F::String(v)) => F::Float(v.parse().ok()?),
        (F::Bool(_), F::Bool(v)) => F::Bool(*v),
        (F::Bool(_), F::String(v)) => F::Bool(parse_bool(v)?),
        (F::String(_), F::Int(v)) => F::String(Str::from(v.to_string())),
        (F::String(_), F::Float(v)) => F::String(Str::from(format!("{v}"))),
        (F::String(_), F::Bool(v)) => F::String(Str::from(v.to_string())),
        (F::String(_), F::String(v)) => F::String(v.clone()),
        _ => return None,
    })
}

impl Sideload {
    /// The rendered `order` paths; `None` (reported) when one fails to render.
    fn keys(&self, tags: &Tags, cx: &mut NodeCx<'_>) -> Option<Vec<String>> {
        let data = TValue::Map(Arc::new(Map::new(
            tags.iter()
                .map(|(k, v)| (k.clone(), TValue::Str(v.clone())))
                .collect(),
            Elem::String,
        )));
        let mut keys = Vec::with_capacity(self.order.len());
        for t in &self.order {
            match t.render(&data) {
                Ok(k) => keys.push(k),
                Err(e) => {
                    cx.error(format!("failed to evaluate order template: {e}"));
                    return None;
                }
            }
        }
        Some(keys)
    }

    fn lookup(&self, keys: &[String], name: &str) -> Option<&FieldValue> {
        keys.iter().find_map(|k| {
            let file = match &self.source {
                Source::Files(files) => files.get(k),
                Source::Http(http) => http.cached(k),
            };
            file.and_then(|f| f.get(name))
        })
    }

    fn apply(&mut self, tags: &mut Tags, fields: &mut Fields, cx: &mut NodeCx<'_>) {
        // A template that fails to render leaves the point untouched.
        let Some(keys) = self.keys(tags, cx) else {
            return;
        };
        if let Source::Http(http) = &mut self.source {
            for k in &keys {
                if let Err(e) = http.fetch_once(k) {
                    cx.error(e.to_string());
                }
            }
        }
        for (name, default) in &self.fields {
            let v = match self.lookup(&keys, name) {
                None => default.clone(),
                Some(found) => coerce(found, default).unwrap_or_else(|| {
                    cx.error(format!(
                        "failed to load key: cannot convert value of type {} to type {} (key {name})",
                        go_type_name(found),
                        go_type_name(default)
                    ));
                    default.clone()
                }),
            };
            set(fields, name, v);
        }
        for (name, default) in &self.tags {
            let as_string = FieldValue::String(default.clone());
            let v = match self.lookup(&keys, name) {
                None => default.clone(),
                Some(found) => match coerce(found, &as_string) {
                    Some(FieldValue::String(s)) => s,
                    _ => {
                        cx.error(format!(
                            "failed to load key: cannot convert value of type {} to type string (key {name})",
                            go_type_name(found)
                        ));
                        default.clone()
                    }
                },
            };
            set(tags, name, v);
        }
    }
}

impl NodeImpl for Sideload {
    fn process(
        &mut self,
        _input: usize,
        msg: Message,
        cx: &mut NodeCx<'_>,
    ) -> Result<(), NodeError> {
        match msg {
            Message::Point(mut p) => {
                let pm = Arc::make_mut(&mut p);
                self.apply(&mut pm.tags, &mut pm.fields, cx);
                cx.emit(Message::Point(p));
            }
            Message::Batch(mut b) => {
                for bp in &mut Arc::make_mut(&mut b).points {
                    self.apply(&mut bp.tags, &mut bp.fields, cx);
                }
                cx.emit(Message::Batch(b));
            }
            other => cx.emit(other),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::message::FieldValue;
    use crate::node::harness::{f, s, Harness};
    use crate::testing::{point, secs};
    use compiler::catalog::NodeKind;
    use compiler::ir::Arg;

    #[test]
    fn conversions_follow_kapacitor() {
        use super::coerce;
        use FieldValue as F;
        let s = |x: &str| F::String(x.into());
        assert_eq!(coerce(&F::Float(3.0), &F::Int(0)), Some(F::Int(3)));
        assert_eq!(coerce(&F::Float(3.5), &F::Int(0)), None);
        assert_eq!(coerce(&s("42"), &F::Int(0)), Some(F::Int(42)));
        assert_eq!(coerce(&s("x"), &F::Float(0.0)), None);
        assert_eq!(coerce(&s("T"), &F::Bool(false)), Some(F::Bool(true)));
        assert_eq!(coerce(&F::Float(0.5), &s("")), Some(s("0.5")));
        assert_eq!(coerce(&F::Int(7), &s("")), Some(s("7")));
        assert_eq!(coerce(&F::Bool(true), &F::Float(0.0)), None);
    }

    #[test]
    fn yaml_files_follow_yaml_scalars_quoting_and_comments() {
        use super::parse_yaml;
        use FieldValue as F;
        let text = "---\n# a comment line\nint: 42 # trailing comment\nhex: 0x1f\nfloat: 1.5e3\ninf: .inf\n\
                    yes_bool: true\nno_bool: false\nquoted_int: '42'\ndq: \"a # not a comment\"\n\
                    sq: 'it''s'\nplain: hello world\nnull_v: ~\nlist: [1, 2]\nnested:\n  a: 1\n\
                    \"quoted key\": x\n7: seven\n...\n---\nsecond: ignored\n";
        let m = parse_yaml(text).expect("valid YAML");
        let get = |k: &str| m.get(k).cloned();
        let st = |x: &str| Some(F::String(x.into()));
        assert_eq!(get("int"), Some(F::Int(42)));
        assert_eq!(get("hex"), Some(F::Int(31)));
        assert_eq!(get("float"), Some(F::Float(1500.0)));
        assert_eq!(get("inf"), Some(F::Float(f64::INFINITY)));
        assert_eq!(get("yes_bool"), Some(F::Bool(true)));
        assert_eq!(get("no_bool"), Some(F::Bool(false)));
        assert_eq!(get("quoted_int"), st("42"));
        assert_eq!(get("dq"), st("a # not a comment"));
        assert_eq!(get("sq"), st("it's"));
        assert_eq!(get("plain"), st("hello world"));
        assert_eq!(get("quoted key"), st("x"));
        assert_eq!(get("7"), st("seven"));
        // Null, list and map values are skipped; later documents are not read.
        for k in ["null_v", "list", "nested", "second"] {
            assert_eq!(get(k), None, "{k}");
        }
        assert_eq!(m.len(), 12);
        assert!(parse_yaml("").expect("empty").is_empty());
        assert!(parse_yaml("# only a comment\n").expect("empty").is_empty());
        assert!(parse_yaml("- a\n- b\n").is_err(), "top level must be a map");
        assert!(parse_yaml("a: 'unterminated\n").is_err());
        assert!(parse_yaml("a: [1, 2\n").is_err());
    }

    #[test]
    fn order_templates_pick_the_first_file_with_the_key() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(dir.path().join("host")).unwrap();
        std::fs::write(
            dir.path().join("host/a.yml"),
            "threshold: 5\n# note\nowner: 'ops'\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("default.json"),
            r#"{"threshold": 1.5, "owner": "nobody", "bad": true}"#,
        )
        .unwrap();
        let mut h = Harness::new(
            false,
            NodeKind::Sideload,
            vec![],
            vec![
                (
                    "source",
                    vec![Arg::String(format!("file://{}", dir.path().display()))],
                ),
                ("order", vec![s("host/{{.host}}.yml"), s("default.json")]),
                ("field", vec![s("threshold"), Arg::Float(0.0)]),
                ("field", vec![s("bad"), Arg::Float(9.0)]),
                ("tag", vec![s("owner"), s("?")]),
            ],
        );
        h.point(point("m", &[("host", "a")], &[("v", f(1.0))], secs(1)));
        h.point(point("m", &[("host", "b")], &[("v", f(1.0))], secs(2)));
        let out = h.take_points();
        assert_eq!(out[0].field("threshold"), Some(&f(5.0)));
        assert_eq!(out[0].tag("owner").map(|t| &**t), Some("ops"));
        assert_eq!(out[1].field("threshold"), Some(&f(1.5)));
        assert_eq!(out[1].tag("owner").map(|t| &**t), Some("nobody"));
        assert_eq!(out[1].field("bad"), Some(&FieldValue::Float(9.0)));
        assert_eq!(
            h.stats.errors, 2,
            "bool for a float default, twice (once per point)"
        );
    }
}
