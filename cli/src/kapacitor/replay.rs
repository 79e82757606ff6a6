//! `replay` (a recording against a task) and `replay-live batch|query` (queries against a
//! task without saving them): start the replay, wait unless `-no-wait`, print its ID.

use crate::kapacitor::client::api_path;
use crate::kapacitor::error::CliError;
use crate::kapacitor::flags::{flag, Flag, Kind};
use crate::kapacitor::gojson::Object;
use crate::kapacitor::model::Replay;
use crate::kapacitor::record::{batch_window, missing, time_json};
use crate::kapacitor::wait;
use crate::kapacitor::{output, page, parse_flags, Ctx};

const REAL_CLOCK: &str =
    "If set, replay the data in real time. If not set replay data as fast as possible.";
const REC_TIME: &str = "If set, use the times saved in the recording instead of present times.";
const NO_WAIT: &str = "Do not wait for the replay to finish.";
const REPLAY_ID: &str = "The ID to give to this replay. If not set a random ID is chosen.";

const REPLAY_FLAGS: &[Flag] = &[
    flag("task", Kind::Str, "The task ID."),
    flag("recording", Kind::Str, "The recording ID."),
    flag("real-clock", Kind::Bool, REAL_CLOCK),
    flag("rec-time", Kind::Bool, REC_TIME),
    flag("no-wait", Kind::Bool, NO_WAIT),
    flag("replay-id", Kind::Str, REPLAY_ID),
];

const LIVE_BATCH_FLAGS: &[Flag] = &[
    flag("task", Kind::Str, "The task ID."),
    flag("real-clock", Kind::Bool, REAL_CLOCK),
    flag("rec-time", Kind::Bool, REC_TIME),
    flag("no-wait", Kind::Bool, NO_WAIT),
    flag("replay-id", Kind::Str, REPLAY_ID),
    flag("start", Kind::Str, "The start time for the set of queries."),
    flag(
        "stop",
        Kind::Str,
        "The stop time for the set of queries (default now).",
    ),
    flag("past", Kind::Str, "Set start time via 'now - past'."),
];

const LIVE_QUERY_FLAGS: &[Flag] = &[
    flag("task", Kind::Str, "The task ID."),
    flag("real-clock", Kind::Bool, REAL_CLOCK),
    flag("rec-time", Kind::Bool, REC_TIME),
    flag("no-wait", Kind::Bool, NO_WAIT),
    flag("replay-id", Kind::Str, REPLAY_ID),
    flag("query", Kind::Str, "The query to replay."),
    flag(
        "cluster",
        Kind::Str,
        "Optional named InfluxDB cluster from configuration.",
    ),
];

const REPLAY_USAGE: &str = "Usage: kapacitor replay [options]

Replay a recording to a task. Prints the replay ID.

The times of the data points will either be relative to now or the exact times
in the recording if the '-rec-time' flag is set. In either case the relative times
between the data points remains the same.

See 'kapacitor help record' for how to create a replay.
See 'kapacitor help define' for how to create a task.

Options:
";

pub fn replay_usage() -> String {
    page(REPLAY_USAGE, Some(REPLAY_FLAGS))
}

const LIVE_USAGE: &str = "Usage: kapacitor replay-live <batch|query> [options]

Replay data to a task directly without saving a recording.

The command is a hybrid of the 'kapacitor record batch|query' and 'kapacitor replay' commands.

See either 'kapacitor replay-live batch' or 'kapacitor replay-live query' for more details
";

pub fn live_usage() -> String {
    page(LIVE_USAGE, None)
}

const LIVE_BATCH_USAGE: &str = "Usage: kapacitor replay-live batch [options]

Replay data from the queries in a batch task against the task.

This is similar to 'kapacitor record batch ...' but without saving a recording.

Examples:

\t$ kapacitor replay-live batch -task cpu_idle -start 2015-09-01T00:00:00Z -stop 2015-09-02T00:00:00Z

\t\tThis replays the result of the query defined in task 'cpu_idle' and runs the query
\t\tuntil the queries reaches the stop time, starting at time 'start' and incrementing
\t\tby the schedule defined in the task.

\t$ kapacitor replay-live batch -task cpu_idle -past 10h

\t\tThis replays the result of the query defined in task 'cpu_idle' and runs the query
\t\tuntil the queries reaches the present time.
\t\tThe starting time for the queries is 'now - 10h' and increments by the schedule defined in the task.

Options:
";

fn live_batch_usage() -> String {
    page(LIVE_BATCH_USAGE, Some(LIVE_BATCH_FLAGS))
}

const LIVE_QUERY_USAGE: &str = "Usage: kapacitor replay-live query [options]

Replay the result of a querty against a task.

This is similar to 'kapacitor record query...' but without saving a recording.

Examples:

\t$ kapacitor replay-live query -task cpu_alert -rec-time -query 'select value from \"telegraf\".\"default\".\"cpu_idle\" where time > now() - 1h and time < now()'

\t\tThis replays the result of the query against the cpu_alert task.


Options:
";

fn live_query_usage() -> String {
    page(LIVE_QUERY_USAGE, Some(LIVE_QUERY_FLAGS))
}

fn clock(real: bool) -> &'static str {
    if real {
        "real"
    } else {
        "fast"
    }
}

pub fn run_replay(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let p = parse_flags(REPLAY_FLAGS, args, replay_usage)?;
    if p.str("recording").is_empty() {
        return Err(missing(replay_usage, "must pass recording ID"));
    }
    if p.str("task").is_empty() {
        return Err(missing(replay_usage, "must pass task ID"));
    }
    // Kapacitor's CreateReplayOptions has no `omitempty` on the ID.
    let body = Object::new()
        .str("id", p.str("replay-id"))
        .str("recording", p.str("recording"))
        .str("task", p.str("task"))
        .bool("recording-time", p.bool("rec-time"))
        .str("clock", clock(p.bool("real-clock")))
        .finish();
    start_and_wait(ctx, "", body, p.bool("no-wait"))
}

pub fn run_replay_live(ctx: &mut Ctx, args: &[String]) -> Result<(), CliError> {
    let Some((kind, rest)) = args.split_first() else {
        output::err(&live_usage());
        return Err(CliError::Exit(2));
    };
    match kind.as_str() {
        "batch" => {
            let p = parse_flags(LIVE_BATCH_FLAGS, rest, live_batch_usage)?;
            if p.str("task").is_empty() {
                return Err(missing(live_batch_usage, "task is required"));
            }
            let (start, stop) = batch_window(&p, live_batch_usage)?;
            let body = Object::new()
                .str_opt("id", p.str("replay-id"))
                .str("task", p.str("task"))
                .raw("start", &time_json(start))
                .raw("stop", &time_json(stop))
                .bool("recording-time", p.bool("rec-time"))
                .str("clock", clock(p.bool("real-clock")))
                .finish();
            start_and_wait(ctx, "batch", body, p.bool("no-wait"))
        }
        "query" => {
            let p = parse_flags(LIVE_QUERY_FLAGS, rest, live_query_usage)?;
            if p.str("query").is_empty() || p.str("task").is_empty() {
                return Err(missing(
                    live_query_usage,
                    "both query and task are required",
                ));
            }
            let body = Object::new()
                .str_opt("id", p.str("replay-id"))
                .str("task", p.str("task"))
                .str("query", p.str("query"))
                .str_opt("cluster", p.str("cluster"))
                .bool("recording-time", p.bool("rec-time"))
                .str("clock", clock(p.bool("real-clock")))
                .finish();
            start_and_wait(ctx, "query", body, p.bool("no-wait"))
        }
        other => Err(CliError::UnknownReplayLiveType(other.to_string())),
    }
}

/// POSTs the replay (to `/replays`, or `/replays/<sub>`) and waits for it unless `no_wait`.
fn start_and_wait(ctx: &mut Ctx, sub: &str, body: String, no_wait: bool) -> Result<(), CliError> {
    wait::start_and_wait::<Replay>(ctx, &api_path(&["replays", sub]), body, no_wait)
}
