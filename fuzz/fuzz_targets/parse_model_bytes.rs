//! Any bytes through `parse_model_bytes` (what `load_model` does after reading the
//! file): invalid UTF-8 is located, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|bytes: &[u8]| {
    let lines = bytes.split(|&b| b == b'\n').count();
    match agi_timelines::priors::parse_model_bytes("fuzz.toml", bytes.to_vec()) {
        Ok(m) => common::check_model(&m),
        Err(e) => common::check_error(&e, lines),
    }
});
