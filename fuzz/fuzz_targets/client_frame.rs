//! libFuzzer entry for `targets::client_frame` (its contract is described there).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::client_frame(data));
