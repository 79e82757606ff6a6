//! `define`, `define-template` and `define-topic-handler`: create the object when the server
//! does not have it, else update it with only the options given (a task that was enabled is
//! reloaded unless `-no-reload`).

use crate::kapacitor::client::{api_path, Method};
use crate::kapacitor::dbrp::{self, Dbrp};
use crate::kapacitor::error::{CliError, FileOp};
use crate::kapacitor::flags::{flag, Flag, Kind};
use crate::kapacitor::gojson::{self, Object};
use crate::kapacitor::gourl::Query;
use crate::kapacitor::model::{Task, TaskStatus, Template, TopicHandler};
use crate::kapacitor::vars::{self, Vars};
use crate::kapacitor::{page, parse_flags, usage_exit, yaml, Ctx};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::path::Path;

const DEFINE_FLAGS: &[Flag] = &[
    flag("tick", Kind::Str, "Path to the TICKscript"),
    flag("type", Kind::Str, "The task type (stream|batch)"),
    flag("template", Kind::Str, "Optional template ID"),
    flag("vars", Kind::Str, "Optional path to a JSON vars file"),
    flag(
        "file",
        Kind::Str,
        "Optional path to a YAML or JSON template task file. If id is given in the task file, it must match the Task id given on the command line.",
    ),
    flag("no-reload", Kind::Bool, "Do not reload the task even if it is enabled"),
    flag(
        "dbrp",
        Kind::Dbrp,
        "A database and retention policy pair of the form \"db\".\"rp\" the quotes are optional. The flag can be specified multiple times.",
    ),
];

const DEFINE_USAGE: &str = "Usage: kapacitor define <task ID> [options]

\tCreate or update a task.

\tA task is defined via a TICKscript that defines the data processing pipeline of the task.

\tIf an option is absent it will be left unmodified.

\tIf the task is enabled then it will be reloaded unless -no-reload is specified.

For example:

\tYou must define a task for the first time with all the flags.

\t\t$ kapacitor define my_task -tick path/to/TICKscript -type stream -dbrp mydb.myrp

\tLater you can change a single property of the task by referencing its name
\tand only providing the single option you wish to modify.

\t\t$ kapacitor define my_task -tick path/to/TICKscript

\tor

\t\t$ kapacitor define my_task -dbrp mydb.myrp -dbrp otherdb.default

\tNOTE: you must specify all 'dbrp' flags you desire if you wish to modify them.

Options:

";

pub fn define_usage() -> String {
    page(DEFINE_USAGE, Some(DEFINE_FLAGS))
}

const TEMPLATE_FLAGS: &[Flag] = &[
    flag("tick", Kind::Str, "Path to the TICKscript"),
    flag("type", Kind::Str, "The template type (stream|batch)"),
];

const TEMPLATE_USAGE: &str = "Usage: kapacitor define-template <template ID> [options]

\tCreate or update a template.

\tA template is defined via a TICKscript that defines the data processing pipeline of the template.

\tIf an option is absent it will be left unmodified.

\tNOTE: Updating a template will reload all associated tasks.

For example:

\tYou must define a template for the first time with all the flags.

\t\t$ kapacitor define-template my_template -tick path/to/TICKscript -type stream

\tLater you can change a single property of the template by referencing its name
\tand only providing the single option you wish to modify.

\t\t$ kapacitor define-template my_template -tick path/to/TICKscript

\tor

\t\t$ kapacitor define-template my_template -type batch

Options:

";

pub fn template_usage() -> String {
    page(TEMPLATE_USAGE, Some(TEMPLATE_FLAGS))
}

const TOPIC_HANDLER_USAGE: &str =
    "Usage: kapacitor define-topic-handler <path to handler spec file>

\tCreate or update a handler.

\tA handler is defined via a JSON or YAML file.

For example:

\tDefine a handler using the slack.yaml file:

\t\t$ kapacitor define-topic-handler slack.yaml

Options:
";

pub fn topic_handler_usage() -> String {
    page(TOPIC_HANDLER_USAGE, None)
}

/// The query Kapacitor's client sends with every single-task GET.
pub fn task_query(replay_id: &str) -> Query {
    let mut q = Query::new();
    q.set("dot-view", "attributes")
        .set("script-format", "formatted")
        .set("replay-id", replay_id);
    q
}

pub fn template_query() -> Query {
    let mut q = Query::new();
    q.set("script-format", "formatted");
    q
}

/// `{"status":"…"}`, the body of enable/disable.
pub fn status_body(status: &str) -> Vec<u8> {
    gojson::encoder_line(Object::new().str("status", status).finish())
}

fn read_text(path: &str) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let op = if e.kind() == std::io::ErrorKind::IsADirectory {
            FileOp::Read
        } else {
            FileOp::Open
        };
        CliError::file(op, path, e)
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn is_yaml(path: &str) -> bool {
    matches!(extension(path).as_str(), ".yaml" | ".yml")
}

/// Go's `path.Ext`.
fn extension(path: &str) -> String {
    Path::new(path)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default()
}

/// A JSON document, or a YAML one converted to JSON.
fn parse_document(text: &str, yaml_file: bool) -> Result<Value, CliError> {
    if yaml_file {
        yaml::to_json(text).map_err(CliError::Yaml)
    } else {
        serde_json::from_str(text).map_err(CliError::Json)
    }
}

/// A `-vars` document: a vars map, or an object holding one under `vars` (a task file). A var
/// that happens to be named `vars` is told apart by its string `type`.
fn vars_in(doc: &Value) -> &Value {
    if let Value::Object(m) = doc {
        if let Some(inner @ Value::Object(im)) = m.get("vars") {
            if !matches!(im.get("type"), Some(Value::String(_))) {
                return inner;
            }
        }
    }
    doc
}

fn read_vars(path: &str) -> Result<Vars, CliError> {
    let text = read_text(path).map_err(|e| e.wrap(format!("failed to open file {path}")))?;
    let yaml_file = is_yaml(path);
    let what = if yaml_file { "YAML" } else { "JSON" };
    let context = format!("invalid {what} in file {path}");
    let doc = parse_document(&text, yaml_file).map_err(|e| e.wrap(context.clone()))?;
    vars::decode(vars_in(&doc)).map_err(|e| CliError::Vars(e).wrap(context))
}

/// A `-file` task definition (Kapacitor's `TaskVars`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TaskFile {
    id: String,
    #[serde(rename = "template-id")]
    template_id: String,
    #[serde(deserialize_with = "de_dbrps")]
    dbrps: Vec<Dbrp>,
    vars: Value,
}

/// DBRPs as `{"db","rp"}` objects, or `db.rp` strings in the `-dbrp` syntax.
fn de_dbrps<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Dbrp>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Text(String),
        Pair(Dbrp),
    }
    let items = Option::<Vec<Item>>::deserialize(d)?.unwrap_or_default();
    items
        .into_iter()
        .map(|i| match i {
            Item::Pair(p) => Ok(p),
            Item::Text(t) => dbrp::parse(&t).map_err(serde::de::Error::custom),
        })
        .collect()
}

fn read_task_file(path: &str) -> Result<(TaskFile, Vars), CliError> {
    let text = read_text(path).map_err(|e| e.wrap(format!("failed to open file {path}")))?;
    let (yaml_file, kind) = match extension(path).as_str() {
        ".yaml" | ".yml" => (true, "yaml"),
        ".json" => (false, "json"),
        _ => return Err(CliError::BadFileExtension),
    };
    let context = format!(
        "failed to unmarshal {kind} task vars file {}",
        crate::kapacitor::output::go_quote(path)
    );
    let doc = parse_document(&text, yaml_file).map_err(|e| e.wrap(context.clone()))?;
    let file: TaskFile =
        serde_json::from_value(doc).map_err(|e| CliError::Json(e).wrap(context.clone()))?;
    let vars = vars::decode(&file.vars).map_err(|e| CliError::Vars(e).wrap(context))?;
    Ok((file, vars))
}

/// The create/update body of a task (Kapacitor's `CreateTaskOptions`/`UpdateTaskOptions`, every
/// field `omitempty`).
#[derive(Default)]
struct TaskBody<'a> {
    id: &'a str,
    template_id: &'a str,
    typ: &'a str,
    dbrps: &'a [Dbrp],
    script: &'a str,
    status: &'a str,
    vars: Option<&'a Vars>,
}

impl TaskBody<'_> {
    fn encode(&self) -> Result<Vec<u8>, CliError> {
        let mut o = Object::new()
            .str_opt("id", self.id)
            .str_opt("template-id", self.template_id)
            .str_opt("type", self.typ);
        if !self.dbrps.is_empty() {
            let items: Vec<String> = self.dbrps.iter().map(Dbrp::to_json).collect();
            o = o.raw("dbrps", &format!("[{}]", items.join(",")));
        }
        o = o
            .str_opt("script", self.script)
            .str_opt("status", self.status);
        if let Some(v) = self.vars.filter(|v| !v.is_empty()) {
            o = o.raw("vars", &vars::encode(v)?);
        }
        Ok(gojson::encoder_line(o.finish()))
    }
}

fn task_type(flag: &str) -> &'static str {
    match flag {
        "stream" => "stream",
        "batch" => "batch",
        _ => "",
    }
}

pub fn run_define(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    // Kapacitor expects one task ID plus flag/value pairs, so it rejects an even count. A
    // bool flag is one argument, so `-no-reload` needs one more (`-no-reload true`; flag
    // parsing stops at the `true`).
    if args.len().is_multiple_of(2) {
        return Err(usage_exit("Must provide a task ID.", define_usage));
    }
    let p = parse_flags(DEFINE_FLAGS, &args[1..], define_usage)?;
    let id = args[0].as_str();

    let script = match p.str("tick") {
        "" => String::new(),
        path => read_text(path)?,
    };
    let typ = task_type(p.str("type"));
    let flag_vars = match p.str("vars") {
        "" => Vars::new(),
        path => read_vars(path)?,
    };
    let file_path = p.str("file");
    let file = match file_path {
        "" => None,
        path => Some(read_task_file(path)?),
    };

    let path = api_path(&["tasks", id]);
    let existing: Option<Task> = ctx
        .client
        .json(Method::Get, &path, &task_query(""), None, &[200])
        .ok()
        .filter(|t: &Task| !t.id.is_empty());

    let file_id = |f: &TaskFile| -> Result<(), CliError> {
        if !f.id.is_empty() && f.id != id {
            return Err(CliError::TaskIdMismatch(file_path.to_string()));
        }
        Ok(())
    };
    match (&existing, &file) {
        (None, Some((f, fvars))) => {
            file_id(f)?;
            let body = TaskBody {
                id,
                template_id: &f.template_id,
                dbrps: &f.dbrps,
                status: "disabled",
                vars: Some(fvars),
                ..TaskBody::default()
            };
            create_task(ctx, body.encode()?)?;
        }
        (None, None) => {
            let body = TaskBody {
                id,
                template_id: p.str("template"),
                typ,
                dbrps: p.dbrps(),
                script: &script,
                status: "disabled",
                vars: Some(&flag_vars),
            };
            create_task(ctx, body.encode()?)?;
        }
        (Some(_), Some((f, fvars))) => {
            file_id(f)?;
            let body = TaskBody {
                id,
                template_id: &f.template_id,
                dbrps: &f.dbrps,
                vars: Some(fvars),
                ..TaskBody::default()
            };
            update_task(ctx, &path, body.encode()?)?;
        }
        (Some(_), None) => {
            let body = TaskBody {
                template_id: p.str("template"),
                typ,
                dbrps: p.dbrps(),
                script: &script,
                vars: Some(&flag_vars),
                ..TaskBody::default()
            };
            update_task(ctx, &path, body.encode()?)?;
        }
    }

    let was_enabled = existing.is_some_and(|t| t.status == TaskStatus::Enabled);
    if !p.bool("no-reload") && was_enabled {
        update_task(ctx, &path, status_body("disabled"))?;
        update_task(ctx, &path, status_body("enabled"))?;
    }
    Ok(())
}

fn create_task(ctx: &mut Ctx, body: Vec<u8>) -> Result<(), CliError> {
    let _: Task = ctx.client.json(
        Method::Post,
        &api_path(&["tasks"]),
        &Query::new(),
        Some(body),
        &[200],
    )?;
    Ok(())
}

pub fn update_task(ctx: &mut Ctx, path: &str, body: Vec<u8>) -> Result<(), CliError> {
    let _: Task = ctx
        .client
        .json(Method::Patch, path, &Query::new(), Some(body), &[200])?;
    Ok(())
}

pub fn run_define_template(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    if args.is_empty() {
        return Err(usage_exit("Must provide a template ID.", template_usage));
    }
    let p = parse_flags(TEMPLATE_FLAGS, &args[1..], template_usage)?;
    let id = args[0].as_str();
    let script = match p.str("tick") {
        "" => String::new(),
        path => read_text(path)?,
    };
    let typ = task_type(p.str("type"));
    let path = api_path(&["templates", id]);
    let existing: Option<Template> = ctx
        .client
        .json(Method::Get, &path, &template_query(), None, &[200])
        .ok()
        .filter(|t: &Template| !t.id.is_empty());
    let body = |with_id: bool| {
        gojson::encoder_line(
            Object::new()
                .str_opt("id", if with_id { id } else { "" })
                .str_opt("type", typ)
                .str_opt("script", &script)
                .finish(),
        )
    };
    let (method, target, body) = match existing {
        None => (Method::Post, api_path(&["templates"]), body(true)),
        Some(_) => (Method::Patch, path, body(false)),
    };
    let _: Template = ctx
        .client
        .json(method, &target, &Query::new(), Some(body), &[200])?;
    Ok(())
}

/// A handler spec file (Kapacitor's `TopicHandlerOptions`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HandlerFile {
    topic: String,
    id: String,
    kind: String,
    #[serde(deserialize_with = "de_options")]
    options: Option<serde_json::Map<String, Value>>,
    #[serde(rename = "match")]
    match_: String,
}

fn de_options<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Map<String, Value>>, D::Error> {
    Option::<serde_json::Map<String, Value>>::deserialize(d)
}

impl HandlerFile {
    fn encode(&self) -> Vec<u8> {
        let options = match &self.options {
            Some(m) => gojson::value(&Value::Object(m.clone())),
            None => "null".to_string(),
        };
        gojson::encoder_line(
            Object::new()
                .str("topic", &self.topic)
                .str("id", &self.id)
                .str("kind", &self.kind)
                .raw("options", &options)
                .str("match", &self.match_)
                .finish(),
        )
    }
}

pub fn run_define_topic_handler(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let [path] = args else {
        return Err(usage_exit(
            "Must provide a path to a handler file.",
            topic_handler_usage,
        ));
    };
    let quoted = crate::kapacitor::output::go_quote(path);
    let text = read_text(path)
        .map_err(|e| e.wrap(format!("failed to open handler spec file {quoted}")))?;
    // Kapacitor decodes only .yaml/.yml/.json files; any other file defines an empty handler.
    let handler = match extension(path).as_str() {
        ".yaml" | ".yml" => decode_handler(&text, true)
            .map_err(|e| e.wrap(format!("failed to unmarshal yaml handler file {quoted}")))?,
        ".json" => decode_handler(&text, false)
            .map_err(|e| e.wrap(format!("failed to unmarshal json handler file {quoted}")))?,
        _ => HandlerFile::default(),
    };
    let link = api_path(&["alerts/topics", &handler.topic, "handlers", &handler.id]);
    let existing: Option<TopicHandler> = ctx
        .client
        .json(Method::Get, &link, &Query::new(), None, &[200])
        .ok()
        .filter(|h: &TopicHandler| !h.id.is_empty());
    let (method, target) = match existing {
        None => (
            Method::Post,
            api_path(&["alerts/topics", &handler.topic, "handlers"]),
        ),
        Some(_) => (Method::Put, link),
    };
    let _: TopicHandler = ctx.client.json(
        method,
        &target,
        &Query::new(),
        Some(handler.encode()),
        &[200],
    )?;
    Ok(())
}

fn decode_handler(text: &str, yaml_file: bool) -> Result<HandlerFile, CliError> {
    let doc = parse_document(text, yaml_file)?;
    serde_json::from_value(doc).map_err(CliError::Json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn task_body_is_go_shaped() {
        let dbrps = [Dbrp {
            db: "telegraf".into(),
            rp: "autogen".into(),
        }];
        let body = TaskBody {
            id: "cpu",
            typ: "stream",
            dbrps: &dbrps,
            script: "stream|from()",
            status: "disabled",
            vars: Some(&Vars::new()),
            ..TaskBody::default()
        };
        assert_eq!(
            String::from_utf8(body.encode().unwrap()).unwrap(),
            "{\"id\":\"cpu\",\"type\":\"stream\",\"dbrps\":[{\"db\":\"telegraf\",\"rp\":\"autogen\"}],\"script\":\"stream|from()\",\"status\":\"disabled\"}\n"
        );
    }

    #[test]
    fn vars_documents() {
        let plain = json!({"x": {"type": "int", "value": 1}});
        assert_eq!(vars_in(&plain), &plain);
        let wrapped = json!({"id": "t", "vars": {"x": {"type": "int", "value": 1}}});
        assert_eq!(vars_in(&wrapped), &wrapped["vars"]);
        let named_vars = json!({"vars": {"type": "string", "value": "v"}});
        assert_eq!(vars_in(&named_vars), &named_vars);
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("a/b.yaml"), ".yaml");
        assert_eq!(extension("noext"), "");
        assert!(is_yaml("x.yml"));
    }
}
