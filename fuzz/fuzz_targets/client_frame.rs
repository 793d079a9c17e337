//! The client frame decoder: any text a client sends is decoded, its `ref` peeked, and its strings
//! checked against their bounds, without a panic; what decodes keeps the bounds' promise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::config::Limits;
use switchboard::transport::{bounds, codec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = codec::peek_ref(text);
    if let Ok((reference, frame)) = codec::decode(text) {
        if bounds::check_ref(&reference).is_ok() {
            assert!(reference.is_none_or(|r| r.0.len() <= bounds::MAX_REF_BYTES));
        }
        let _ = bounds::check(&frame, &Limits::default());
    }
});
