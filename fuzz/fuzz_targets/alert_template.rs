//! Alert templates: parse as text and HTML, execute on a fixed event
//! (`runtime::fuzzing::alert_template`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    runtime::fuzzing::alert_template(data);
});
