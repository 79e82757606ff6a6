//! `sideload()` (reference §4.2): `source(s)`, `order(tmpl…)`,
//! `field(name, default)`, `tag(name, default s)`. For each point the
//! `order` templates (Go templates over the point's tags, e.g.
//! `host/{{.host}}.yml`) name files of the source, in priority order; each
//! field/tag takes the first value found in those files, else its default.
//! A value is converted to the default's type as Kapacitor does (ints and
//! exact floats interconvert, strings parse, values format into strings);
//! one that cannot be is an error and the default is used.
//!
//! Sources: `file://<dir>` only — every `.json`, `.yml` and `.yaml` file
//! under the directory is loaded at build time, keyed by its path relative
//! to the directory. JSON files are objects of scalars. **Partial:** YAML
//! files are read as flat `key: value` maps of scalars (no nesting, lists or
//! multi-line values); http(s) sources and `[[httppost]]` endpoints are
//! refused at build time.

use super::edit::set;
use super::{BuildEnv, BuildError, NodeCx, NodeError, NodeImpl};
use crate::message::{FieldValue, Fields, Message, Str, Tags};
use crate::node::influxql::column::go_type_name;
use crate::template::value::{Elem, Map, Value as TValue};
use crate::template::{Mode, Template};
use compiler::ir::{self, Arg};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

type FileValues = HashMap<String, FieldValue>;

pub struct Sideload {
    files: HashMap<String, FileValues>,
    order: Vec<Template>,
    fields: Vec<(Str, FieldValue)>,
    tags: Vec<(Str, Str)>,
}

pub fn build(node: &ir::Node, _env: &BuildEnv<'_>) -> Result<Box<dyn NodeImpl>, BuildError> {
    let source = node
        .string("source")
        .ok_or_else(|| BuildError::new(node, "sideload needs a source"))?;
    let Some(dir) = source.strip_prefix("file://") else {
        return Err(BuildError::new(
            node,
            format!(
                "unsupported sideload source {source:?}: only file:// sources are supported yet"
            ),
        ));
    };
    let mut files = HashMap::new();
    load_dir(Path::new(dir), Path::new(dir), &mut files).map_err(|e| BuildError::new(node, e))?;
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
        files,
        order,
        fields,
        tags,
    }))
}

fn load_dir(root: &Path, dir: &Path, out: &mut HashMap<String, FileValues>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            load_dir(root, &path, out)?;
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "json" | "yml" | "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let values = if ext == "json" {
            parse_json(&text)
        } else {
            parse_flat_yaml(&text)
        }
        .map_err(|e| format!("{}: {e}", path.display()))?;
        let rel = path
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.insert(rel, values);
    }
    Ok(())
}

fn parse_json(text: &str) -> Result<FileValues, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(m) = v else {
        return Err("expected a JSON object".into());
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

/// `key: value` lines of scalars; `#` comments and blank lines skipped.
fn parse_flat_yaml(text: &str) -> Result<FileValues, String> {
    let mut out = HashMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        if line.starts_with([' ', '\t']) || trimmed.starts_with("- ") {
            return Err(format!(
                "line {}: only flat `key: value` YAML is supported",
                n + 1
            ));
        }
        let Some((k, v)) = trimmed.split_once(':') else {
            return Err(format!("line {}: expected `key: value`", n + 1));
        };
        let k = k.trim().trim_matches(|c| c == '"' || c == '\'');
        let v = v.trim();
        let v = match v.find(" #") {
            Some(i) => v[..i].trim_end(),
            None => v,
        };
        out.insert(k.to_string(), yaml_scalar(v));
    }
    Ok(out)
}

fn yaml_scalar(v: &str) -> FieldValue {
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        return FieldValue::String(Str::from(&v[1..v.len() - 1]));
    }
    match v {
        "true" | "True" | "TRUE" => return FieldValue::Bool(true),
        "false" | "False" | "FALSE" => return FieldValue::Bool(false),
        _ => {}
    }
    if let Ok(i) = v.parse::<i64>() {
        return FieldValue::Int(i);
    }
    if let Ok(f) = v.parse::<f64>() {
        return FieldValue::Float(f);
    }
    FieldValue::String(Str::from(v))
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
        keys.iter()
            .find_map(|k| self.files.get(k).and_then(|f| f.get(name)))
    }

    fn apply(&self, tags: &mut Tags, fields: &mut Fields, cx: &mut NodeCx<'_>) {
        // A template that fails to render leaves the point untouched.
        let Some(keys) = self.keys(tags, cx) else {
            return;
        };
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
