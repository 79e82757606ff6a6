//! Lexer + parser + formatter round trip + checker + renderers on arbitrary
//! bytes. The properties asserted live in `compiler::fuzzing::script`, shared
//! with the corpus test `tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    compiler::fuzzing::script(data);
});
