//! The identity token parser: arbitrary tokens, and arbitrary claims under a valid signature (so that
//! the claims parser is reached, not only the signature check), never panic.
#![no_main]

use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use switchboard::auth::check_identity;

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

fuzz_target!(|data: &[u8]| {
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
});
