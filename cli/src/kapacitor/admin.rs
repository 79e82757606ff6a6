//! Server-wide commands: `level`, `stats general|ingress`, `vars`, `version`,
//! `service-tests` and `backup`.

use crate::kapacitor::client::{api_path, Method};
use crate::kapacitor::error::{CliError, FileOp};
use crate::kapacitor::gojson::{self, Object};
use crate::kapacitor::gourl::Query;
use crate::kapacitor::list::list_service_tests;
use crate::kapacitor::model::{DebugVars, ServiceTestResult};
use crate::kapacitor::output::{self, left, right};
use crate::kapacitor::{page, usage_exit, Ctx};
use std::io::Read;

const LEVEL_USAGE: &str = "Usage: kapacitor level (debug|info|error)

\tSets the logging level on the kapacitord server.
";

pub fn level_usage() -> String {
    page(LEVEL_USAGE, None)
}

const STATS_USAGE: &str = "Usage: kapacitor stats <general|ingress>

\tPrint stats about a certain aspect of Kapacitor.

\tgeneral - Display summary stats about Kapacitor.
\tingress - Display stats about the data Kapacitor is receiving by database, retention policy and measurement.
";

pub fn stats_usage() -> String {
    page(STATS_USAGE, None)
}

const VERSION_USAGE: &str = "Usage: kapacitor version

\tPrint version info.
";

pub fn version_usage() -> String {
    page(VERSION_USAGE, None)
}

const VARS_USAGE: &str = "Usage: kapacitor vars

\tPrint debug vars in JSON format.
";

pub fn vars_usage() -> String {
    page(VARS_USAGE, None)
}

const SERVICE_TESTS_USAGE: &str = "Usage: kapacitor service-tests <service name...>

\tPerform the service test using defaults.
\tThe service name can be a glob style pattern.
";

pub fn service_tests_usage() -> String {
    page(SERVICE_TESTS_USAGE, None)
}

const BACKUP_USAGE: &str = "Usage: kapacitor backup <output file>

\tPerform a backup of the Kapacitor database.

\tTo restore a database first stop Kapacitor, then replace the existing kapacitor.db file with the backup file.
";

pub fn backup_usage() -> String {
    page(BACKUP_USAGE, None)
}

pub fn run_level(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let Some(level) = args.first() else {
        return Err(usage_exit("Must pass a log level", level_usage));
    };
    let body = gojson::encoder_line(Object::new().str("level", level).finish());
    ctx.client.call(
        Method::Post,
        &api_path(&["loglevel"]),
        &Query::new(),
        Some(body),
        &[204],
    )?;
    Ok(())
}

pub fn run_stats(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let [category] = args else {
        output::err(&stats_usage());
        return Err(CliError::Required("must provide a stats category"));
    };
    let vars: DebugVars = ctx.client.json(
        Method::Get,
        &api_path(&["debug/vars"]),
        &Query::new(),
        None,
        &[200],
    )?;
    match category.as_str() {
        "general" => {
            let s = |k: &str, v: &str| format!("{}{}", left(k, 30), left(v, 30));
            let out = &mut ctx.out;
            out.line(&s("ClusterID:", &vars.cluster_id));
            out.line(&s("ServerID:", &vars.server_id));
            out.line(&s("Host:", &vars.host));
            out.line(&s("Tasks:", &vars.num_tasks.to_string()));
            out.line(&s("Enabled Tasks:", &vars.num_enabled_tasks.to_string()));
            out.line(&s("Subscriptions:", &vars.num_subscriptions.to_string()));
            out.line(&s("Platform:", &vars.platform));
            out.line(&s("Version:", &vars.version));
        }
        "ingress" => {
            let mut rows: Vec<(&str, &str, &str, i64)> = vars
                .stats
                .values()
                .filter(|s| {
                    s.name == "ingress"
                        && s.tags.get("task_master").map(String::as_str) == Some("main")
                })
                .map(|s| {
                    let tag = |k: &str| s.tags.get(k).map(String::as_str).unwrap_or("");
                    // Kapacitor reads the count as a float64 (JSON number) and truncates it.
                    let n = s
                        .values
                        .get("points_received")
                        .and_then(|v| v.as_f64())
                        .map(|f| f as i64)
                        .unwrap_or(0);
                    (
                        tag("database"),
                        tag("retention_policy"),
                        tag("measurement"),
                        n,
                    )
                })
                .collect();
            let wd = rows.iter().map(|r| r.0.len()).fold(8, usize::max) + 1;
            let wr = rows.iter().map(|r| r.1.len()).fold(16, usize::max) + 1;
            let wm = rows.iter().map(|r| r.2.len()).fold(11, usize::max) + 1;
            rows.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
            let out = &mut ctx.out;
            out.line(&format!(
                "{}{}{}Points Received",
                left("Database", wd),
                left("Retention Policy", wr),
                left("Measurement", wm)
            ));
            for (db, rp, m, n) in rows {
                out.line(&format!(
                    "{}{}{}{}",
                    left(db, wd),
                    left(rp, wr),
                    left(m, wm),
                    right(&n.to_string(), 15)
                ));
            }
        }
        // Ours (`[cluster]`): this node's cluster counters, one per line; a
        // server without a cluster has none and prints nothing.
        "cluster" => {
            let out = &mut ctx.out;
            for s in vars.stats.values().filter(|s| s.name == "cluster") {
                let node = s.tags.get("node").map(String::as_str).unwrap_or("");
                out.line(&format!("{}{}", left("Node:", 30), node));
                for (k, v) in &s.values {
                    out.line(&format!("{}{}", left(&format!("{k}:"), 30), v));
                }
            }
        }
        // Kapacitor prints nothing for any other category.
        _ => {}
    }
    Ok(())
}

/// The version this binary reports: `Kapacitor <platform> <version> (git: <branch> <commit>)`.
pub fn version_line() -> String {
    let branch = option_env!("KAPACITOR_GIT_BRANCH").unwrap_or("unknown");
    let commit = option_env!("KAPACITOR_GIT_COMMIT").unwrap_or("unknown");
    format!(
        "Kapacitor OSS {} (git: {branch} {commit})",
        env!("CARGO_PKG_VERSION")
    )
}

pub fn run_version(ctx: &mut Ctx, _args: &[String]) -> Result<(), CliError> {
    ctx.out.line(&version_line());
    Ok(())
}

/// `vars`: the raw body of `<url>/kapacitor/v1/debug/vars`, whatever its status.
pub fn run_vars(ctx: &mut Ctx, _args: &[String]) -> Result<(), CliError> {
    let url = format!(
        "{}{}/debug/vars",
        ctx.client.url(),
        crate::kapacitor::client::BASE_PATH
    );
    let mut resp = ctx.client.send_url(Method::Get, &url, None, &[])?;
    let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.out.bytes(&buf[..n]),
            Err(_) => break,
        }
    }
    Ok(())
}

pub fn run_service_tests(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    if args.is_empty() {
        return Err(CliError::Required(
            "must provide at least one service name or pattern.",
        ));
    }
    let mut services = Vec::new();
    for pattern in args {
        services.extend(list_service_tests(ctx, pattern)?.services);
    }
    let mut results = Vec::with_capacity(services.len());
    for s in &services {
        let r: ServiceTestResult = ctx.client.json(
            Method::Post,
            &s.link.href,
            &Query::new(),
            Some(gojson::encoder_line("null".to_string())),
            &[200],
        )?;
        results.push(r);
    }
    let row = |a: &str, b: &str, c: &str| format!("{}{}{c}", left(a, 20), left(b, 10));
    ctx.out.line(&row("Service", "Success", "Message"));
    for (s, r) in services.iter().zip(&results) {
        ctx.out
            .line(&row(&s.name, &r.success.to_string(), &r.message));
    }
    Ok(())
}

pub fn run_backup(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let [path] = args else {
        return Err(CliError::Required("must provide file path for backup."));
    };
    let mut file = std::fs::File::create(path)
        .map_err(|e| CliError::file(FileOp::Open, path, e).wrap("failed to create backup file"))?;
    // The byte count is checked against Content-Length, so the body must not be compressed
    // in transit (a transparently gunzipped body would never match).
    let resp = ctx
        .client
        .call_with(
            Method::Get,
            &api_path(&["storage/backup"]),
            &Query::new(),
            None,
            &[200],
            &[("Accept-Encoding", "identity")],
        )
        .map_err(|e| CliError::from(e).wrap("failed to perform backup"))?;
    std::io::Write::write_all(&mut file, &resp.body)
        .map_err(|e| CliError::file(FileOp::Write, path, e).wrap("failed to save backup"))?;
    let wrote = resp.body.len() as u64;
    // Go reports an unknown length as -1.
    let total = resp.content_length.map(|n| n as i64).unwrap_or(-1);
    if total < 0 || wrote != total as u64 {
        return Err(CliError::BackupIncomplete { wrote, total });
    }
    Ok(())
}
