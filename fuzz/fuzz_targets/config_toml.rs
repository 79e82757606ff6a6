//! kapacitord's TOML configuration: decode over the defaults, validate, and the rendering
//! of a config that decodes decodes to itself (`server::fuzzing::config_toml`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    server::fuzzing::config_toml(data);
});
