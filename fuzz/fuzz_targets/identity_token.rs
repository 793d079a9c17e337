//! libFuzzer entry for `targets::identity_token` (its contract is described there).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::identity_token(data));
