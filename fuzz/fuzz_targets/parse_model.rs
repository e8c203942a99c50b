//! Any UTF-8 text through `parse_model`: never a panic, errors located inside the
//! text, and a model that validates can be sampled and walked.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|text: &str| {
    match agi_timelines::priors::parse_model("fuzz.toml", text) {
        Ok(m) => common::check_model(&m),
        Err(e) => common::check_error(&e, text.split('\n').count()),
    }
});
