//! `show`, `show-template`, `show-topic` and `show-topic-handler`: one object as Kapacitor's
//! CLI prints it (`Key: value` lines, the TICKscript, a vars table, the DOT graph).

use crate::kapacitor::client::{api_path, Method};
use crate::kapacitor::dbrp;
use crate::kapacitor::define::{task_query, template_query};
use crate::kapacitor::error::CliError;
use crate::kapacitor::flags::{flag, Flag, Kind};
use crate::kapacitor::gojson;
use crate::kapacitor::gourl::Query;
use crate::kapacitor::list::list_topic_handlers;
use crate::kapacitor::model::{Task, Template, Topic, TopicEvents, TopicHandler};
use crate::kapacitor::output::left;
use crate::kapacitor::vars::{show_value, VarValue};
use crate::kapacitor::{page, parse_flags, usage_exit, Ctx};

const SHOW_FLAGS: &[Flag] = &[flag(
    "replay",
    Kind::Str,
    "Optional replay ID. If set the task information is in the context of the running replay.",
)];

const SHOW_USAGE: &str = "Usage: kapacitor show [-replay] [task ID]

\tShow details about a specific task.

Options:
";

pub fn show_usage() -> String {
    page(SHOW_USAGE, Some(SHOW_FLAGS))
}

const TEMPLATE_USAGE: &str = "Usage: kapacitor show-template [template ID]

\tShow details about a specific template.
";

pub fn template_usage() -> String {
    page(TEMPLATE_USAGE, None)
}

const TOPIC_HANDLER_USAGE: &str = "Usage: kapacitor show-topic-handler [topic ID] [handler ID]

\tShow details about a specific handler.
";

pub fn topic_handler_usage() -> String {
    page(TOPIC_HANDLER_USAGE, None)
}

const TOPIC_USAGE: &str = "Usage: kapacitor show-topic [topic ID]

\tShow details about a specific topic.
";

pub fn topic_usage() -> String {
    page(TOPIC_USAGE, None)
}

pub fn run_show(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let p = parse_flags(SHOW_FLAGS, args, show_usage)?;
    let [id] = p.args.as_slice() else {
        return Err(usage_exit("Must specify one task ID", show_usage));
    };
    let t: Task = ctx.client.json(
        Method::Get,
        &api_path(&["tasks", id]),
        &task_query(p.str("replay")),
        None,
        &[200],
    )?;
    let out = &mut ctx.out;
    out.line(&format!("ID: {}", t.id));
    out.line(&format!("Error: {}", t.error));
    out.line(&format!("Template: {}", t.template_id));
    out.line(&format!("Type: {}", t.typ));
    out.line(&format!("Status: {}", t.status));
    out.line(&format!("Executing: {}", t.executing));
    out.line(&format!("Created: {}", t.created.rfc822()));
    out.line(&format!("Modified: {}", t.modified.rfc822()));
    out.line(&format!("LastEnabled: {}", t.last_enabled.rfc822()));
    out.line(&format!(
        "Databases Retention Policies: {}",
        dbrp::list_string(&t.dbrps)
    ));
    out.line(&format!("TICKscript:\n{}", t.script));
    if !t.vars.is_empty() {
        out.line("Vars:");
        out.line(&format!(
            "{}{}{}",
            left("Name", 30),
            left("Type", 10),
            left("Value", 40)
        ));
        for (name, v) in &t.vars {
            let value = show_value(name, &v.value)?;
            out.line(&format!(
                "{}{}{}",
                left(name, 30),
                left(&v.typ.to_string(), 10),
                left(&value, 40)
            ));
        }
    }
    out.line(&format!("DOT:\n{}", t.dot));
    Ok(())
}

pub fn run_show_template(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let [id] = args else {
        return Err(usage_exit("Must specify one template ID", template_usage));
    };
    let t: Template = ctx.client.json(
        Method::Get,
        &api_path(&["templates", id]),
        &template_query(),
        None,
        &[200],
    )?;
    let out = &mut ctx.out;
    out.line(&format!("ID: {}", t.id));
    out.line(&format!("Error: {}", t.error));
    out.line(&format!("Type: {}", t.typ));
    out.line(&format!("Created: {}", t.created.rfc822()));
    out.line(&format!("Modified: {}", t.modified.rfc822()));
    out.line(&format!("TICKscript:\n{}", t.script));
    out.line("Vars:");
    let row = |a: &str, b: &str, c: &str, d: &str| {
        format!(
            "{}{}{}{}",
            left(a, 30),
            left(b, 10),
            left(c, 40),
            left(d, 40)
        )
    };
    out.line(&row("Name", "Type", "Default Value", "Description"));
    for (name, v) in &t.vars {
        let value = match v.value {
            VarValue::Null => "<required>".to_string(),
            ref other => show_value(name, other)?,
        };
        out.line(&row(name, &v.typ.to_string(), &value, &v.description));
    }
    out.line(&format!("DOT:\n{}", t.dot));
    Ok(())
}

pub fn run_show_topic_handler(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let [topic, handler] = args else {
        return Err(usage_exit(
            "Must specify both topic and handler IDs",
            topic_handler_usage,
        ));
    };
    let h: TopicHandler = ctx.client.json(
        Method::Get,
        &api_path(&["alerts/topics", topic, "handlers", handler]),
        &Query::new(),
        None,
        &[200],
    )?;
    let out = &mut ctx.out;
    out.line(&format!("ID: {}", h.id));
    out.line(&format!("Topic: {topic}"));
    out.line(&format!("Kind: {}", h.kind));
    out.line(&format!("Match: {}", h.match_));
    out.line(&format!("Options: {}", gojson::value(&h.options)));
    Ok(())
}

pub fn run_show_topic(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let [id] = args else {
        return Err(usage_exit("Must specify one topic ID", topic_usage));
    };
    let topic: Topic = ctx.client.json(
        Method::Get,
        &api_path(&["alerts/topics", id]),
        &Query::new(),
        None,
        &[200],
    )?;
    let mut q = Query::new();
    q.set("min-level", "OK");
    let mut events: TopicEvents =
        ctx.client
            .json(Method::Get, &topic.events_link.href, &q, None, &[200])?;
    let we = events.events.iter().map(|e| e.id.len()).fold(5, usize::max) + 1;
    let wm = events
        .events
        .iter()
        .map(|e| e.state.message.len())
        .fold(7, usize::max)
        + 1;
    events.events.sort_by_key(|e| e.state.time.unix_nanos());
    let handlers = list_topic_handlers(ctx, &topic.handlers_link.href, "")?;
    let ids: Vec<&str> = handlers.handlers.iter().map(|h| h.id.as_str()).collect();

    let out = &mut ctx.out;
    out.line(&format!("ID: {}", topic.id));
    out.line(&format!("Level: {}", topic.level));
    out.line(&format!("Collected: {}", topic.collected));
    out.line(&format!("Handlers: [{}]", ids.join(", ")));
    out.line("Events:");
    let row = |e: &str, l: &str, m: &str, d: &str| {
        format!(
            "{}{}{}{}",
            left(e, we),
            left(l, 9),
            left(m, wm),
            left(d, 23)
        )
    };
    out.line(&row("Event", "Level", "Message", "Date"));
    for e in &events.events {
        out.line(&row(
            &e.id,
            &e.state.level,
            &e.state.message,
            &e.state.time.local_rfc822(),
        ));
    }
    Ok(())
}
