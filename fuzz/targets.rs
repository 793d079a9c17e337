//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz_targets/*.rs`, nightly) and by the
//! corpus replay (`tests/fuzz_corpus.rs`, stable), so that the committed corpus checks the same code on
//! every machine, with or without a nightly toolchain.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use switchboard::auth::check_identity;
use switchboard::config::{Config, Limits};
use switchboard::transport::{bounds, codec};

/// A fuzz target: any bytes in, a panic on a broken promise.
pub type Target = fn(&[u8]);

/// The targets by name (the corpus directory of each is `fuzz/corpus/<name>`).
#[allow(dead_code)]
pub const TARGETS: [(&str, Target); 3] =
    [("client_frame", client_frame), ("identity_token", identity_token), ("config", config)];

/// The client frame decoder: any text a client sends is decoded, its `ref` peeked, and its strings
/// checked against their bounds, without a panic; what decodes keeps the bounds' promise.
pub fn client_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = codec::peek_ref(text);
    if let Ok((reference, frame)) = codec::decode(text) {
        if bounds::check_ref(&reference).is_ok() {
            assert!(reference.is_none_or(|r| r.0.len() <= bounds::MAX_REF_BYTES));
        }
        let _ = bounds::check(&frame, &Limits::default());
    }
}

const SECRET: &str = "fuzz-site-secret-0123456789";

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The identity token parser: arbitrary tokens, and arbitrary claims under a valid signature (so that
/// the claims parser is reached, not only the signature check), never panic.
pub fn identity_token(data: &[u8]) {
    if let Ok(token) = std::str::from_utf8(data) {
        let _ = check_identity(Some(token), Some(SECRET));
    }
    // The data as the claims of a token signed with the site's key.
    let head = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let signing = format!("{head}.{}", b64url(data));
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(signing.as_bytes());
    let token = format!("{signing}.{}", b64url(&mac.finalize().into_bytes()));
    let _ = check_identity(Some(&token), Some(SECRET));
}

/// The config loader: any TOML text is either a configuration or a refusal naming a key, never a panic;
/// what is accepted yields its departments and trusted proxies.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::from_toml(text) {
        assert!(config.departments().is_ok(), "an accepted configuration has its departments");
        assert!(config.trusted_proxies().is_ok());
    }
}
