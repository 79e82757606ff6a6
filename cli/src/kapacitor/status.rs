//! `enable`, `disable` and `reload`: every task matching each ID or glob (listed 100 at a
//! time) gets its `status` PATCHed; `reload` disables them all, then enables them all.

use crate::kapacitor::define::{status_body, update_task};
use crate::kapacitor::error::CliError;
use crate::kapacitor::list::list_tasks;
use crate::kapacitor::{page, usage_exit, Ctx};

const ENABLE_USAGE: &str = "Usage: kapacitor enable [task ID...]

\tEnable and start a task running from the live data.

For example:

\tYou can enable by specific task ID.

\t\t$ kapacitor enable cpu_alert

\tOr, you can enable by glob:

\t\t$ kapacitor enable *_alert
";

pub fn enable_usage() -> String {
    page(ENABLE_USAGE, None)
}

const DISABLE_USAGE: &str = "Usage: kapacitor disable [task ID...]

\tDisable and stop a task running.

For example:

\tYou can disable by specific task ID.

\t\t$ kapacitor disable cpu_alert

\tOr, you can disable by glob:

\t\t$ kapacitor disable *_alert
";

pub fn disable_usage() -> String {
    page(DISABLE_USAGE, None)
}

const RELOAD_USAGE: &str = "Usage: kapacitor reload [task ID...]

\tDisable then enable a running task.

For example:

\tYou can reload by specific task ID.

\t\t$ kapacitor reload cpu_alert

\tOr, you can reload by glob:

\t\t$ kapacitor reload *_alert
";

pub fn reload_usage() -> String {
    page(RELOAD_USAGE, None)
}

const LIMIT: usize = 100;

fn set_status(
    ctx: &mut Ctx,
    patterns: &[String],
    status: &str,
    verb: &str,
) -> Result<(), CliError> {
    for pattern in patterns {
        let mut offset = 0;
        loop {
            let tasks = list_tasks(ctx, pattern, &["link"], offset, LIMIT)
                .map_err(|e| CliError::from(e).wrap("listing tasks"))?;
            for task in &tasks {
                update_task(ctx, &task.link.href, status_body(status))
                    .map_err(|e| e.wrap(format!("{verb} task {}", task.id)))?;
            }
            if tasks.len() != LIMIT {
                break;
            }
            offset += LIMIT;
        }
    }
    Ok(())
}

pub fn run_enable(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    if args.is_empty() {
        return Err(usage_exit("Must pass at least one task ID", enable_usage));
    }
    set_status(ctx, args, "enabled", "enabling")
}

pub fn run_disable(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    if args.is_empty() {
        return Err(usage_exit("Must pass at least one task ID", disable_usage));
    }
    set_status(ctx, args, "disabled", "disabling")
}

pub fn run_reload(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    if args.is_empty() {
        return Err(usage_exit("Must pass at least one task ID", reload_usage));
    }
    set_status(ctx, args, "disabled", "disabling")?;
    set_status(ctx, args, "enabled", "enabling")
}
