//! API bodies of the `vars` group through `server::http::app` in-process: every answer
//! is 2xx/4xx (or one of Kapacitor's own 500s) within the deadline. The property lives in
//! `server::fuzzing`, shared with `server/tests/fuzz_inputs.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::fuzzing::{api_group, ApiBody};

fuzz_target!(|data: &[u8]| {
    api_group(ApiBody::group("vars"), data);
});
