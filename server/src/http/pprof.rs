//! `GET /kapacitor/v1/debug/pprof/…`: Go's profiler endpoints. kapacitord is no Go program,
//! so of Go's profiles only `cmdline` (the process's arguments, NUL-separated) has a meaning
//! here; the index lists it, and every other profile (`profile`, `heap`, `trace`, `symbol`,
//! …) answers 404 naming why, rather than a body a Go pprof tool would misread.

use super::{ApiError, Resp};
use bytes::Bytes;

pub fn get(rest: &[&str]) -> Result<Resp, ApiError> {
    match rest {
        [] | [""] => Ok(super::plain(
            200,
            "text/html; charset=utf-8",
            Bytes::from_static(
                b"<html><head><title>/debug/pprof/</title></head><body>/debug/pprof/<br>\n\
                  <a href=\"cmdline\">cmdline</a>: the command line of this kapacitord<br>\n\
                  Go runtime profiles are not available: kapacitord is not a Go program.\n\
                  </body></html>\n",
            ),
        )),
        ["cmdline"] => {
            let args: Vec<String> = std::env::args().collect();
            Ok(super::plain(
                200,
                "text/plain; charset=utf-8",
                Bytes::from(args.join("\0")),
            ))
        }
        [name, ..] => Err(ApiError::NotFound(format!(
            "profile {name:?} is not available: kapacitord is not a Go program"
        ))),
    }
}
