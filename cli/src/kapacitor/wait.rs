//! Starting a recording or replay and waiting for it: Kapacitor's CLI POSTs the
//! job, prints its ID at once with `-no-wait`, else polls the job's link until it
//! is no longer running, prints the ID, and fails with the job's error (or
//! "<what> failed: unknown reason") when it failed.

use crate::kapacitor::client::Method;
use crate::kapacitor::error::CliError;
use crate::kapacitor::gojson;
use crate::kapacitor::gourl::Query;
use crate::kapacitor::model::{Recording, Replay, Status};
use crate::kapacitor::Ctx;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// How often a waiting `record`/`replay` polls the server (Kapacitor's CLI: 500 ms).
pub const POLL: Duration = Duration::from_millis(500);

/// A job the server runs in the background: a recording or a replay.
pub trait Job: DeserializeOwned {
    /// "recording" or "replay", for the unknown-reason message.
    const WHAT: &'static str;
    fn id(&self) -> &str;
    fn status(&self) -> Status;
    fn href(&self) -> &str;
    fn error(&self) -> &str;
}

/// Recordings and replays carry the same job fields under the same names.
macro_rules! job {
    ($ty:ty, $what:literal) => {
        impl Job for $ty {
            const WHAT: &'static str = $what;
            fn id(&self) -> &str {
                &self.id
            }
            fn status(&self) -> Status {
                self.status
            }
            fn href(&self) -> &str {
                &self.link.href
            }
            fn error(&self) -> &str {
                &self.error
            }
        }
    };
}

job!(Recording, "recording");
job!(Replay, "replay");

/// POSTs `body` to `path` (a 201 answer is the job), then waits as the module says.
pub fn start_and_wait<J: Job>(
    ctx: &mut Ctx,
    path: &str,
    body: String,
    no_wait: bool,
) -> Result<(), CliError> {
    let mut job: J = ctx.client.json(
        Method::Post,
        path,
        &Query::new(),
        Some(gojson::encoder_line(body)),
        &[201],
    )?;
    if no_wait {
        ctx.out.line(job.id());
        return Ok(());
    }
    while job.status() == Status::Running {
        std::thread::sleep(POLL);
        let href = job.href().to_string();
        job = ctx
            .client
            .json(Method::Get, &href, &Query::new(), None, &[200, 202])?;
    }
    ctx.out.line(job.id());
    if job.status() == Status::Failed {
        let msg = if job.error().is_empty() {
            format!("{} failed: unknown reason", J::WHAT)
        } else {
            job.error().to_string()
        };
        return Err(CliError::RunFailed(msg));
    }
    Ok(())
}
