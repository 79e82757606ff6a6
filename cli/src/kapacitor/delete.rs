//! `delete tasks|templates|recordings|replays|topics <pattern>...` and
//! `delete topic-handlers <topic> <pattern>...`: list what matches, DELETE each by its link.
//! Kapacitor re-lists from offset 0 after each page, since the deleted items are gone.

use crate::kapacitor::client::{api_path, ClientError, Method};
use crate::kapacitor::error::CliError;
use crate::kapacitor::gourl::Query;
use crate::kapacitor::list::{
    list_recordings, list_replays, list_tasks, list_templates, list_topic_handlers, list_topics,
};
use crate::kapacitor::{page, usage_exit, Ctx};

const USAGE: &str = "Usage: kapacitor delete (tasks|templates|recordings|replays|topics|topic-handlers) [ID or pattern]...

\tDelete a tasks, templates, recordings, replays, topics or handlers.

\tIf a task is enabled it will be disabled and then deleted.

\tDeleting a handler requires that the topic be specified before the pattern.

\t\t$ kapacitor delete topic-handlers [topic] [ID or pattern]


For example:

\tYou can delete task:

\t\t$ kapacitor delete tasks my_task

\tOr you can delete items by glob:

\t\t$ kapacitor delete tasks *_alert

\tYou can delete recordings:

\t\t$ kapacitor delete recordings b0a2ba8a-aeeb-45ec-bef9-1a2939963586

\tYou can delete a handler in the topic 'system':

\t\t$ kapacitor delete topic-handlers system slack
";

pub fn usage() -> String {
    page(USAGE, None)
}

const LIMIT: usize = 100;

fn delete(ctx: &Ctx, href: &str) -> Result<(), ClientError> {
    ctx.client
        .call(Method::Delete, href, &Query::new(), None, &[204])
        .map(|_| ())
}

/// Lists the first page of matches, deletes them, and repeats while pages come back full.
/// A full page identical to the previous one (a server that acknowledges deletes but keeps
/// the items) ends the loop instead of spinning forever.
fn delete_pages(
    ctx: &Ctx,
    list: impl Fn(&Ctx) -> Result<Vec<String>, ClientError>,
) -> Result<(), ClientError> {
    let mut previous: Vec<String> = Vec::new();
    loop {
        let links = list(ctx)?;
        if !links.is_empty() && links == previous {
            return Ok(());
        }
        for href in &links {
            delete(ctx, href)?;
        }
        if links.len() != LIMIT {
            return Ok(());
        }
        previous = links;
    }
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    if args.len() < 2 {
        return Err(usage_exit("Must pass at least one ID", usage));
    }
    let kind = args[0].as_str();
    let patterns = &args[1..];
    let link = ["link"];
    match kind {
        "tasks" => {
            for p in patterns {
                delete_pages(ctx, |c| {
                    Ok(list_tasks(c, p, &link, 0, LIMIT)?
                        .into_iter()
                        .map(|t| t.link.href)
                        .collect())
                })?;
            }
        }
        "templates" => {
            for p in patterns {
                delete_pages(ctx, |c| {
                    Ok(list_templates(c, p, &link, 0, LIMIT)?
                        .into_iter()
                        .map(|t| t.link.href)
                        .collect())
                })?;
            }
        }
        "recordings" => {
            for p in patterns {
                delete_pages(ctx, |c| {
                    Ok(list_recordings(c, p, &link, 0, LIMIT)?
                        .into_iter()
                        .map(|r| r.link.href)
                        .collect())
                })?;
            }
        }
        "replays" => {
            for p in patterns {
                delete_pages(ctx, |c| {
                    Ok(list_replays(c, p, &link, 0, LIMIT)?
                        .into_iter()
                        .map(|r| r.link.href)
                        .collect())
                })?;
            }
        }
        "topics" => {
            for p in patterns {
                for t in list_topics(ctx, p)?.topics {
                    delete(ctx, &t.link.href)?;
                }
            }
        }
        "topic-handlers" => {
            let topic = args[1].as_str();
            let handlers_link = api_path(&["alerts/topics", topic, "handlers"]);
            for p in &args[2..] {
                for h in list_topic_handlers(ctx, &handlers_link, p)?.handlers {
                    delete(ctx, &h.link.href)?;
                }
            }
        }
        other => return Err(CliError::CannotDelete(other.to_string())),
    }
    Ok(())
}
