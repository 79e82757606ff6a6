//! `.brpl` recordings: load, then replay through a fixed task to the end
//! (`runtime::fuzzing::recording`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime::fuzzing::{recording, RecordingFormat};

fuzz_target!(|data: &[u8]| {
    recording(RecordingFormat::Batch, data);
});
