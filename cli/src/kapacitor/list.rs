//! `list tasks|templates|recordings|replays|topics|topic-handlers|service-tests [pattern...]`:
//! the tables of Kapacitor's CLI (column widths from the longest value), plus the list requests
//! the other commands share (each with the exact query Kapacitor's client sends).

use crate::kapacitor::client::{api_path, ClientError, Method};
use crate::kapacitor::dbrp;
use crate::kapacitor::error::CliError;
use crate::kapacitor::gourl::Query;
use crate::kapacitor::model::{
    Recording, RecordingList, Replay, ReplayList, ServiceTests, Task, TaskList, Template,
    TemplateList, TopicHandlers, Topics,
};
use crate::kapacitor::output::{human_bytes, left, right};
use crate::kapacitor::{page, usage_exit, Ctx};

const USAGE: &str = "Usage: kapacitor list (tasks|templates|recordings|replays|topics|topic-handlers|service-tests) [ID or pattern]...

\tList tasks, templates, recordings, replays, topics or handlers and their current state.

\tIf no ID or pattern is given then all items will be listed.

\tListing handlers requires that the topic ID or pattern be specified before the handler patterns.

\t\t$ kapacitor list topic-handlers [topicID or pattern] [ID or pattern]

\tFor example list all handlers in the system topic

\t\t$ kapacitor list topic-handlers system

\tFor example list all email* handlers in the system topic

\t\t$ kapacitor list topic-handlers system email*

";

pub fn usage() -> String {
    page(USAGE, None)
}

const LIMIT: usize = 100;

fn paged(pattern: &str, fields: &[&str], offset: usize, limit: usize) -> Query {
    let mut q = Query::new();
    q.set("pattern", pattern);
    for f in fields {
        q.add("fields", f);
    }
    q.set("offset", &offset.to_string())
        .set("limit", &limit.to_string());
    q
}

/// `GET /tasks` as `ListTasks` sends it (with the task view options).
pub fn list_tasks(
    ctx: &Ctx,
    pattern: &str,
    fields: &[&str],
    offset: usize,
    limit: usize,
) -> Result<Vec<Task>, ClientError> {
    let mut q = paged(pattern, fields, offset, limit);
    q.set("dot-view", "attributes")
        .set("script-format", "formatted")
        .set("replay-id", "");
    let l: TaskList = ctx
        .client
        .json(Method::Get, &api_path(&["tasks"]), &q, None, &[200])?;
    Ok(l.tasks)
}

pub fn list_templates(
    ctx: &Ctx,
    pattern: &str,
    fields: &[&str],
    offset: usize,
    limit: usize,
) -> Result<Vec<Template>, ClientError> {
    let mut q = paged(pattern, fields, offset, limit);
    q.set("script-format", "formatted");
    let l: TemplateList =
        ctx.client
            .json(Method::Get, &api_path(&["templates"]), &q, None, &[200])?;
    Ok(l.templates)
}

pub fn list_recordings(
    ctx: &Ctx,
    pattern: &str,
    fields: &[&str],
    offset: usize,
    limit: usize,
) -> Result<Vec<Recording>, ClientError> {
    let q = paged(pattern, fields, offset, limit);
    let l: RecordingList =
        ctx.client
            .json(Method::Get, &api_path(&["recordings"]), &q, None, &[200])?;
    Ok(l.recordings)
}

pub fn list_replays(
    ctx: &Ctx,
    pattern: &str,
    fields: &[&str],
    offset: usize,
    limit: usize,
) -> Result<Vec<Replay>, ClientError> {
    let q = paged(pattern, fields, offset, limit);
    let l: ReplayList = ctx
        .client
        .json(Method::Get, &api_path(&["replays"]), &q, None, &[200])?;
    Ok(l.replays)
}

/// `GET /alerts/topics?min-level=OK&pattern=…`.
pub fn list_topics(ctx: &Ctx, pattern: &str) -> Result<Topics, ClientError> {
    let mut q = Query::new();
    q.set("pattern", pattern).set("min-level", "OK");
    ctx.client
        .json(Method::Get, &api_path(&["alerts/topics"]), &q, None, &[200])
}

/// `GET <handlers link>?pattern=…`.
pub fn list_topic_handlers(
    ctx: &Ctx,
    handlers_link: &str,
    pattern: &str,
) -> Result<TopicHandlers, ClientError> {
    let mut q = Query::new();
    q.set("pattern", pattern);
    ctx.client
        .json(Method::Get, handlers_link, &q, None, &[200])
}

/// `GET /service-tests?pattern=…` (an empty pattern means `*`).
pub fn list_service_tests(ctx: &Ctx, pattern: &str) -> Result<ServiceTests, ClientError> {
    let mut q = Query::new();
    q.set("pattern", if pattern.is_empty() { "*" } else { pattern });
    ctx.client
        .json(Method::Get, &api_path(&["service-tests"]), &q, None, &[200])
}

/// Fetches every page of a list for one pattern.
fn all_pages<T>(
    mut page_at: impl FnMut(usize) -> Result<Vec<T>, ClientError>,
) -> Result<Vec<T>, ClientError> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let items = page_at(offset)?;
        let n = items.len();
        all.extend(items);
        if n != LIMIT {
            return Ok(all);
        }
        offset += LIMIT;
    }
}

/// The width of an ID-like column: the longest value (in bytes, as Go's `len`), at least
/// `min`, plus one space.
fn width<'a>(min: usize, values: impl Iterator<Item = &'a str>) -> usize {
    values.map(str::len).fold(min, usize::max) + 1
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let Some((kind, rest)) = args.split_first() else {
        return Err(usage_exit(
            "Must specify 'tasks', 'recordings', 'replays', 'topics', or 'topic-handlers'",
            usage,
        ));
    };
    let patterns: Vec<String> = if rest.is_empty() {
        vec![String::new()]
    } else {
        rest.to_vec()
    };
    match kind.as_str() {
        "tasks" => {
            let mut tasks = Vec::new();
            for p in &patterns {
                let fields = ["type", "status", "executing", "dbrps"];
                tasks.extend(all_pages(|o| list_tasks(ctx, p, &fields, o, LIMIT))?);
            }
            let w = width(2, tasks.iter().map(|t| t.id.as_str()));
            tasks.sort_by(|a, b| a.id.cmp(&b.id));
            let row = |id: &str, typ: &str, status: &str, exec: &str, dbrps: &str| {
                format!(
                    "{}{}{}{}{dbrps}",
                    left(id, w),
                    left(typ, 10),
                    left(status, 10),
                    left(exec, 10)
                )
            };
            ctx.out.line(&row(
                "ID",
                "Type",
                "Status",
                "Executing",
                "Databases and Retention Policies",
            ));
            for t in &tasks {
                let line = row(
                    &t.id,
                    &t.typ.to_string(),
                    &t.status.to_string(),
                    &t.executing.to_string(),
                    &dbrp::list_string(&t.dbrps),
                );
                ctx.out.line(&line);
            }
        }
        "templates" => {
            let mut templates = Vec::new();
            for p in &patterns {
                templates.extend(all_pages(|o| {
                    list_templates(ctx, p, &["type", "vars"], o, LIMIT)
                })?);
            }
            let w = width(2, templates.iter().map(|t| t.id.as_str()));
            templates.sort_by(|a, b| a.id.cmp(&b.id));
            ctx.out.line(&format!(
                "{}{}{}",
                left("ID", w),
                left("Type", 10),
                left("Vars", 40)
            ));
            for t in &templates {
                let names: Vec<&str> = t.vars.keys().map(String::as_str).collect();
                let line = format!(
                    "{}{}{}",
                    left(&t.id, w),
                    left(&t.typ.to_string(), 10),
                    left(&names.join(","), 40)
                );
                ctx.out.line(&line);
            }
        }
        "recordings" => {
            let mut recs = Vec::new();
            for p in &patterns {
                let fields = ["type", "size", "date", "status"];
                recs.extend(all_pages(|o| list_recordings(ctx, p, &fields, o, LIMIT))?);
            }
            let w = width(2, recs.iter().map(|r| r.id.as_str()));
            let row = |id: &str, typ: &str, status: &str, size: &str, date: &str| {
                format!(
                    "{}{}{}{}{}",
                    left(id, w),
                    left(typ, 8),
                    left(status, 10),
                    left(size, 10),
                    left(date, 23)
                )
            };
            ctx.out.line(&row("ID", "Type", "Status", "Size", "Date"));
            for r in &recs {
                let line = row(
                    &r.id,
                    &r.typ.to_string(),
                    &r.status.to_string(),
                    &human_bytes(r.size.max(0) as u64),
                    &r.date.local_rfc822(),
                );
                ctx.out.line(&line);
            }
        }
        "replays" => {
            let mut replays = Vec::new();
            for p in &patterns {
                let fields = ["task", "recording", "status", "clock", "date"];
                replays.extend(all_pages(|o| list_replays(ctx, p, &fields, o, LIMIT))?);
            }
            let wi = width(2, replays.iter().map(|r| r.id.as_str()));
            let wt = width(4, replays.iter().map(|r| r.task.as_str()));
            let wr = width(9, replays.iter().map(|r| r.recording.as_str()));
            let row = |id: &str, task: &str, rec: &str, status: &str, clock: &str, date: &str| {
                format!(
                    "{}{}{}{}{}{}",
                    left(id, wi),
                    left(task, wt),
                    left(rec, wr),
                    left(status, 9),
                    left(clock, 8),
                    left(date, 23)
                )
            };
            ctx.out
                .line(&row("ID", "Task", "Recording", "Status", "Clock", "Date"));
            for r in &replays {
                let line = row(
                    &r.id,
                    &r.task,
                    &r.recording,
                    &r.status.to_string(),
                    &r.clock.to_string(),
                    &r.date.local_rfc822(),
                );
                ctx.out.line(&line);
            }
        }
        "service-tests" => {
            ctx.out.line("Service Name");
            for p in &patterns {
                let tests = list_service_tests(ctx, p)?;
                for s in &tests.services {
                    ctx.out.line(&s.name);
                }
            }
        }
        "topic-handlers" => {
            let topics = list_topics(ctx, &patterns[0])?;
            let handler_patterns: Vec<String> = if patterns.len() > 1 {
                patterns[1..].to_vec()
            } else {
                vec![String::new()]
            };
            let mut rows: Vec<(String, String, String)> = Vec::new();
            for topic in &topics.topics {
                for p in &handler_patterns {
                    let handlers = list_topic_handlers(ctx, &topic.handlers_link.href, p)?;
                    for h in handlers.handlers {
                        rows.push((topic.id.clone(), h.id, h.kind));
                    }
                }
            }
            let wt = width(10, rows.iter().map(|r| r.0.as_str()));
            let wi = width(10, rows.iter().map(|r| r.1.as_str()));
            let wk = width(10, rows.iter().map(|r| r.2.as_str()));
            let row = |t: &str, i: &str, k: &str| {
                format!("{}{}{}", left(t, wt), left(i, wi), left(k, wk))
            };
            ctx.out.line(&row("Topic", "ID", "Kind"));
            for (t, i, k) in &rows {
                ctx.out.line(&row(t, i, k));
            }
        }
        "topics" => {
            let mut topics = Vec::new();
            for p in &patterns {
                topics.extend(list_topics(ctx, p)?.topics);
            }
            let wi = width(2, topics.iter().map(|t| t.id.as_str()));
            let wl = width(8, topics.iter().map(|t| t.level.as_str()));
            let row = |id: &str, level: &str, collected: &str| {
                format!(
                    "{}{}{}",
                    left(id, wi),
                    left(level, wl),
                    right(collected, 10)
                )
            };
            ctx.out.line(&row("ID", "Level", "Collected"));
            for t in &topics {
                ctx.out
                    .line(&row(&t.id, &t.level, &t.collected.to_string()));
            }
        }
        other => return Err(CliError::CannotList(other.to_string())),
    }
    Ok(())
}
