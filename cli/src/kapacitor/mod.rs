//! `kapacitor`, the command-line client of the HTTP API (Kapacitor's `cmd/kapacitor`): global
//! flags, the command table, usage pages and exit codes. Each command (or family) lives in its
//! own file; `client.rs` speaks HTTP, `output.rs` formats text as Go's `fmt` does.
//!
//! Exit codes as Kapacitor's: 0 success (and `-h`), 1 no or unknown command, 2 bad arguments or
//! flags (usage printed), 3 a failed command (its error on stderr), 4 an unusable `-url`.

pub mod client;
pub mod dbrp;
pub mod duration;
pub mod error;
pub mod flags;
pub mod gojson;
pub mod gotime;
pub mod gourl;
pub mod model;
pub mod output;
pub mod vars;
pub mod yaml;

mod admin;
mod define;
mod delete;
mod list;
mod logs;
mod record;
mod replay;
mod show;
mod status;
mod wait;

use client::Client;
use error::CliError;
use flags::{flag, Flag, FlagError, Kind};
use output::{err, Out};

const DEFAULT_URL: &str = "http://localhost:9092";

const MAIN_FLAGS: &[Flag] = &[
    flag(
        "url",
        Kind::Str,
        "The URL http(s)://host:port of the kapacitord server. Defaults to the KAPACITOR_URL environment variable or http://localhost:9092 if not set.",
    ),
    flag(
        "skipVerify",
        Kind::Bool,
        "Disable SSL verification (note, this is insecure). Defaults to the KAPACITOR_UNSAFE_SSL environment variable or false if not set.",
    ),
];

const MAIN_USAGE: &str = "
Usage: kapacitor [options] [command] [args]

Commands:

\trecord                Record the result of a query or a snapshot of the current stream data.
\tdefine                Create/update a task.
\tdefine-template       Create/update a template.
\tdefine-topic-handler  Create/update an alert handler for a topic.
\treplay                Replay a recording to a task.
\treplay-live           Replay data against a task without recording it.
\twatch                 Watch logs for a task.
\tlogs                  Follow arbitrary Kapacitor logs.
\tenable                Enable and start running a task with live data.
\tdisable               Stop running a task.
\treload                Reload a running task with an updated task definition.
\tpush                  Publish a task definition to another Kapacitor instance. Not implemented yet.
\tdelete                Delete tasks, templates, recordings, replays, topics or topic-handlers.
\tlist                  List information about tasks, templates, recordings, replays, topics, topic-handlers or service-tests.
\tshow                  Display detailed information about a task.
\tshow-template         Display detailed information about a template.
\tshow-topic-handler    Display detailed information about an alert handler for a topic.
\tshow-topic            Display detailed information about an alert topic.
\tbackup                Backup the Kapacitor database.
\tlevel                 Sets the logging level on the kapacitord server.
\tstats                 Display various stats about Kapacitor.
\tversion               Displays the Kapacitor version info.
\tvars                  Print debug vars in JSON format.
\tservice-tests         Test a service.
\thelp                  Prints help for a command.

Options:
";

/// What every command gets: the client and standard output.
pub struct Ctx {
    pub client: Client,
    pub out: Out,
}

type Run = fn(&mut Ctx, &[String]) -> Result<(), CliError>;

/// One command: its name, what it does and its help page.
struct Command {
    name: &'static str,
    run: Run,
    help: fn() -> String,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "record",
        run: record::run,
        help: record::usage,
    },
    Command {
        name: "define",
        run: define::run_define,
        help: define::define_usage,
    },
    Command {
        name: "define-template",
        run: define::run_define_template,
        help: define::template_usage,
    },
    Command {
        name: "define-topic-handler",
        run: define::run_define_topic_handler,
        help: define::topic_handler_usage,
    },
    Command {
        name: "replay",
        run: replay::run_replay,
        help: replay::replay_usage,
    },
    Command {
        name: "replay-live",
        run: replay::run_replay_live,
        help: replay::live_usage,
    },
    Command {
        name: "watch",
        run: logs::run_watch,
        help: logs::watch_usage,
    },
    Command {
        name: "logs",
        run: logs::run_logs,
        help: logs::logs_usage,
    },
    Command {
        name: "enable",
        run: status::run_enable,
        help: status::enable_usage,
    },
    Command {
        name: "disable",
        run: status::run_disable,
        help: status::disable_usage,
    },
    Command {
        name: "reload",
        run: status::run_reload,
        help: status::reload_usage,
    },
    Command {
        name: "delete",
        run: delete::run,
        help: delete::usage,
    },
    Command {
        name: "list",
        run: list::run,
        help: list::usage,
    },
    Command {
        name: "show",
        run: show::run_show,
        help: show::show_usage,
    },
    Command {
        name: "show-template",
        run: show::run_show_template,
        help: show::template_usage,
    },
    Command {
        name: "show-topic-handler",
        run: show::run_show_topic_handler,
        help: show::topic_handler_usage,
    },
    Command {
        name: "show-topic",
        run: show::run_show_topic,
        help: show::topic_usage,
    },
    Command {
        name: "backup",
        run: admin::run_backup,
        help: admin::backup_usage,
    },
    Command {
        name: "level",
        run: admin::run_level,
        help: admin::level_usage,
    },
    Command {
        name: "stats",
        run: admin::run_stats,
        help: admin::stats_usage,
    },
    Command {
        name: "version",
        run: admin::run_version,
        help: admin::version_usage,
    },
    Command {
        name: "vars",
        run: admin::run_vars,
        help: admin::vars_usage,
    },
    Command {
        name: "service-tests",
        run: admin::run_service_tests,
        help: admin::service_tests_usage,
    },
];

/// The main usage page (`usage()`), as printed before exiting 1.
fn main_usage() -> String {
    format!("{MAIN_USAGE}\n{}", flags::defaults(MAIN_FLAGS))
}

const HELP_USAGE: &str = "Usage: kapacitor help [command]\n\n";

/// A usage page: Kapacitor prints the text with `Println`, then the flag defaults.
pub(crate) fn page(text: &str, table: Option<&[Flag]>) -> String {
    let mut s = format!("{text}\n");
    if let Some(t) = table {
        s.push_str(&flags::defaults(t));
    }
    s
}

/// Parses a command's flags as its Go `FlagSet` (ExitOnError) would: a bad flag prints the
/// error and the usage page and exits 2; `-h` prints the usage page and exits 0.
pub(crate) fn parse_flags(
    table: &[Flag],
    args: &[String],
    usage: fn() -> String,
) -> Result<flags::Parsed, CliError> {
    flags::parse(table, args).map_err(|e| match e {
        FlagError::Help => {
            err(&usage());
            CliError::Exit(0)
        }
        e => {
            err(&format!("{e}\n{}", usage()));
            CliError::Exit(2)
        }
    })
}

/// Prints `message` and the usage page, then exits 2 (Kapacitor's argument errors).
pub(crate) fn usage_exit(message: &str, usage: fn() -> String) -> CliError {
    if !message.is_empty() {
        err(&format!("{message}\n"));
    }
    err(&usage());
    CliError::Exit(2)
}

/// Runs the CLI on `args` (program name first) and returns the exit status.
pub fn run(args: &[String]) -> i32 {
    let rest = args.get(1..).unwrap_or(&[]);
    let main_flags = match flags::parse(MAIN_FLAGS, rest) {
        Ok(p) => p,
        Err(FlagError::Help) => {
            err(&format!("Usage of main:\n{}", flags::defaults(MAIN_FLAGS)));
            return 0;
        }
        Err(e) => {
            err(&format!(
                "{e}\nUsage of main:\n{}",
                flags::defaults(MAIN_FLAGS)
            ));
            return 2;
        }
    };

    let mut skip_verify = false;
    if let Ok(v) = std::env::var("KAPACITOR_UNSAFE_SSL") {
        if !v.is_empty() {
            match flags::parse_go_bool(&v) {
                Some(b) => skip_verify = b,
                None => {
                    err(&format!(
                        "strconv.ParseBool: parsing {}: invalid syntax\n",
                        output::go_quote(&v)
                    ));
                    return 1;
                }
            }
        }
    }
    if main_flags.bool("skipVerify") {
        skip_verify = true;
    }

    let mut url = DEFAULT_URL.to_string();
    if let Ok(v) = std::env::var("KAPACITOR_URL") {
        if !v.is_empty() {
            url = v;
        }
    }
    if !main_flags.str("url").is_empty() {
        url = main_flags.str("url").to_string();
    }
    let client = match Client::connect(&url, skip_verify) {
        Ok(c) => c,
        Err(e) => {
            err(&format!("{e}\n"));
            return 4;
        }
    };

    let Some((command, cmd_args)) = main_flags.args.split_first() else {
        err(&format!("Error: Must pass a command.\n{}", main_usage()));
        return 1;
    };
    let mut ctx = Ctx {
        client,
        out: Out::new(),
    };
    let result = if command == "help" {
        help(cmd_args)
    } else {
        match COMMANDS.iter().find(|c| c.name == command) {
            Some(c) => (c.run)(&mut ctx, cmd_args),
            None => {
                err(&format!("Unknown command {command}\n{}", main_usage()));
                return 1;
            }
        }
    };
    match result {
        Ok(()) => 0,
        Err(CliError::Exit(code)) => code,
        Err(e) => {
            err(&format!("{e}\n"));
            e.exit_code()
        }
    }
}

/// `kapacitor help [command]`: the command's usage page on stderr.
fn help(args: &[String]) -> Result<(), CliError> {
    if let [command] = args {
        if command == "help" {
            err(HELP_USAGE);
            return Ok(());
        }
        match COMMANDS.iter().find(|c| c.name == command) {
            Some(c) => {
                err(&(c.help)());
                Ok(())
            }
            None => {
                err(&format!("Unknown command {command}\n{}", main_usage()));
                Err(CliError::Exit(1))
            }
        }
    } else {
        err(&format!("{HELP_USAGE}{}", main_usage()));
        Err(CliError::Exit(1))
    }
}
