//! Differential: the runtime's own line-protocol parser against the model
//! (the `influxdb-line-protocol` crate based parser) on arbitrary bytes,
//! as a body (`parse_text`) and line by line (`parse_line`), at two
//! precisions. Any difference in accepted lines, parsed points, line numbers
//! or error reasons panics with both results (`model::assert_same_as_model`,
//! shared with `runtime/tests/line_protocol_diff.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime::line_protocol::model::assert_same_as_model;
use runtime::line_protocol::Precision;

fuzz_target!(|data: &[u8]| {
    // Bodies reach the parser as `&str` (the HTTP layer and `tickc` reject
    // invalid UTF-8 before it).
    if let Ok(text) = std::str::from_utf8(data) {
        assert_same_as_model(text, Precision::Nanoseconds);
        assert_same_as_model(text, Precision::Hours);
    }
});
