//! `tickc run SCRIPT --data FILE`: run a task offline over line protocol, a
//! stream recording (`.srpl`), a batch recording (`.brpl`) or JSON batches,
//! printing one JSON object per output on stdout (issue 4 item 4):
//! `{"kind":"alert"|"point"|"log"|"httpOut","node":NAME,...}`. NAME is the
//! node's Kapacitor name (`alert2`, `http_out3`, `influxdb_out4`), the name
//! the DOT and the stats use. Bad input lines are reported on stderr with
//! their line number and skipped, unless `--strict`. The work is
//! `cli::offline::execute`, shared with `tickc test` and the spec harness.

use super::EXIT_OK;
pub use crate::offline::{execute, task_name, Failure, RunArgs};
use std::io::Write;

pub fn run(args: &RunArgs) -> u8 {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let result = execute(args, &mut out, &mut err);
    let _ = out.flush();
    match result {
        Ok(()) => EXIT_OK,
        Err(f) => {
            let _ = writeln!(err, "error: {}", f.message);
            f.code
        }
    }
}
