//! `record stream|batch|query`: start a recording, wait for it (polling every 500 ms) unless
//! `-no-wait`, print its ID; a failed recording prints its ID then fails with its error.

use crate::kapacitor::client::api_path;
use crate::kapacitor::duration;
use crate::kapacitor::error::CliError;
use crate::kapacitor::flags::{flag, Flag, Kind, Parsed};
use crate::kapacitor::gojson::{self, Object};
use crate::kapacitor::gotime::GoTime;
use crate::kapacitor::model::Recording;
use crate::kapacitor::wait;
use crate::kapacitor::{output, page, parse_flags, Ctx};

const STREAM_FLAGS: &[Flag] = &[
    flag(
        "task",
        Kind::Str,
        "The ID of a task. Uses the dbrp value for the task.",
    ),
    flag("duration", Kind::Str, "How long to record the data stream."),
    flag(
        "no-wait",
        Kind::Bool,
        "Do not wait for the recording to finish.",
    ),
    flag(
        "recording-id",
        Kind::Str,
        "The ID to give to this recording. If not set an random ID is chosen.",
    ),
];

const BATCH_FLAGS: &[Flag] = &[
    flag(
        "task",
        Kind::Str,
        "The ID of a task. Uses the queries contained in the task.",
    ),
    flag("start", Kind::Str, "The start time for the set of queries."),
    flag(
        "stop",
        Kind::Str,
        "The stop time for the set of queries (default now).",
    ),
    flag("past", Kind::Str, "Set start time via 'now - past'."),
    flag(
        "no-wait",
        Kind::Bool,
        "Do not wait for the recording to finish.",
    ),
    flag(
        "recording-id",
        Kind::Str,
        "The ID to give to this recording. If not set an random ID is chosen.",
    ),
];

const QUERY_FLAGS: &[Flag] = &[
    flag("query", Kind::Str, "The query to record."),
    flag(
        "type",
        Kind::Str,
        "The type of the recording to save (stream|batch).",
    ),
    flag(
        "cluster",
        Kind::Str,
        "Optional named InfluxDB cluster from configuration.",
    ),
    flag(
        "no-wait",
        Kind::Bool,
        "Do not wait for the recording to finish.",
    ),
    flag(
        "recording-id",
        Kind::Str,
        "The ID to give to this recording. If not set an random ID is chosen.",
    ),
];

const USAGE: &str = "Usage: kapacitor record [batch|stream|query] [options]

\tRecord the result of a InfluxDB query or a snapshot of the live data stream.

\tPrints the recording ID on exit.

\tSee 'kapacitor help replay' for how to replay a recording.
";

pub fn usage() -> String {
    page(USAGE, None)
}

const STREAM_USAGE: &str = "Usage: kapacitor record stream [options]

\tRecord a snapshot of the live data stream.

\tPrints the recording ID on exit.

\tSee 'kapacitor help replay' for how to replay a recording.

Examples:

\t$ kapacitor record stream -task mem_free -duration 1m

\t\tThis records the live data stream for 1 minute using the databases and retention policies
\t\tfrom the named task.

Options:
";

fn stream_usage() -> String {
    page(STREAM_USAGE, Some(STREAM_FLAGS))
}

const BATCH_USAGE: &str = "Usage: kapacitor record batch [options]

\tRecord the result of a InfluxDB query from a task.

\tPrints the recording ID on exit.

\tSee 'kapacitor help replay' for how to replay a recording.

Examples:

\t$ kapacitor record batch -task cpu_idle -start 2015-09-01T00:00:00Z -stop 2015-09-02T00:00:00Z

\t\tThis records the result of the query defined in task 'cpu_idle' and runs the query
\t\tuntil the queries reaches the stop time, starting at time 'start' and incrementing
\t\tby the schedule defined in the task.

\t$ kapacitor record batch -task cpu_idle -past 10h

\t\tThis records the result of the query defined in task 'cpu_idle' and runs the query
\t\tuntil the queries reaches the present time.
\t\tThe starting time for the queries is 'now - 10h' and increments by the schedule defined in the task.

Options:
";

fn batch_usage() -> String {
    page(BATCH_USAGE, Some(BATCH_FLAGS))
}

const QUERY_USAGE: &str = "Usage: kapacitor record query [options]

\tRecord the result of a InfluxDB query.

\tPrints the recording ID on exit.

\tRecordings have types like tasks. you must specify the desired type.

\tSee 'kapacitor help replay' for how to replay a recording.

Examples:

\t$ kapacitor record query -query 'select value from \"telegraf\".\"default\".\"cpu_idle\" where time > now() - 1h and time < now()' -type stream

\t\tThis records the result of the query and stores it as a stream recording. Use '-type batch' to store as batch recording.

Options:
";

fn query_usage() -> String {
    page(QUERY_USAGE, Some(QUERY_FLAGS))
}

/// Prints the usage page, then fails with `msg` (Kapacitor's `Usage(); return errors.New(msg)`).
pub fn missing(usage: fn() -> String, msg: &'static str) -> CliError {
    output::err(&usage());
    CliError::Required(msg)
}

/// `-start`/`-stop`/`-past` as `record batch` and `replay-live batch` read them.
pub fn batch_window(p: &Parsed, usage: fn() -> String) -> Result<(GoTime, GoTime), CliError> {
    let (start_s, stop_s, past_s) = (p.str("start"), p.str("stop"), p.str("past"));
    if start_s.is_empty() && past_s.is_empty() {
        return Err(missing(usage, "must set one of start or past flags."));
    }
    if !start_s.is_empty() && !past_s.is_empty() {
        return Err(missing(usage, "cannot set both start and past flags."));
    }
    let mut start = GoTime::default();
    let mut stop = GoTime::now();
    if !start_s.is_empty() {
        start = GoTime::parse_rfc3339(start_s)?;
    }
    if !stop_s.is_empty() {
        stop = GoTime::parse_rfc3339(stop_s)?;
    }
    if !past_s.is_empty() {
        let past = duration::parse_influxql(past_s)?;
        start = stop.add_nanos(-past);
    }
    Ok((start, stop))
}

pub fn time_json(t: GoTime) -> String {
    gojson::string(&t.rfc3339_nano())
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let Some((kind, rest)) = args.split_first() else {
        output::err(&usage());
        return Err(CliError::Exit(2));
    };
    let (path, body, no_wait) = match kind.as_str() {
        "stream" => {
            let p = parse_flags(STREAM_FLAGS, rest, stream_usage)?;
            if p.str("task").is_empty() || p.str("duration").is_empty() {
                return Err(missing(stream_usage, "both task and duration are required"));
            }
            let d = duration::parse_influxql(p.str("duration"))?;
            let body = Object::new()
                .str_opt("id", p.str("recording-id"))
                .str("task", p.str("task"))
                .raw("stop", &time_json(GoTime::now().add_nanos(d)))
                .finish();
            ("stream", body, p.bool("no-wait"))
        }
        "batch" => {
            let p = parse_flags(BATCH_FLAGS, rest, batch_usage)?;
            if p.str("task").is_empty() {
                return Err(missing(batch_usage, "task is required"));
            }
            let (start, stop) = batch_window(&p, batch_usage)?;
            let body = Object::new()
                .str_opt("id", p.str("recording-id"))
                .str("task", p.str("task"))
                .raw("start", &time_json(start))
                .raw("stop", &time_json(stop))
                .finish();
            ("batch", body, p.bool("no-wait"))
        }
        "query" => {
            let p = parse_flags(QUERY_FLAGS, rest, query_usage)?;
            if p.str("query").is_empty() || p.str("type").is_empty() {
                return Err(missing(query_usage, "both query and type are required"));
            }
            let typ = match p.str("type") {
                t @ ("stream" | "batch") => t,
                _ => return Err(CliError::UnencodableTaskType),
            };
            let body = Object::new()
                .str_opt("id", p.str("recording-id"))
                .str("query", p.str("query"))
                .str("type", typ)
                .str_opt("cluster", p.str("cluster"))
                .finish();
            ("query", body, p.bool("no-wait"))
        }
        other => return Err(CliError::UnknownRecordType(other.to_string())),
    };
    wait::start_and_wait::<Recording>(ctx, &api_path(&["recordings", path]), body, no_wait)
}
