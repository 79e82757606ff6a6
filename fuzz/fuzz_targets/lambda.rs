//! Lambda bodies (the `tickc eval` path): parse, format round trip, check.
//! Properties in `compiler::fuzzing::lambda`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    compiler::fuzzing::lambda(data);
});
