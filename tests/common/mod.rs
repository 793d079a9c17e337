//! Shared harness for the integration tests: a real `switchboard` process per test, a tiny HTTP/1.1
//! client, a WebSocket client that waits for the frame proving a state (never a fixed sleep), and
//! helpers for agents, visitors and identity tokens.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub mod cluster;
mod http;
pub mod raw;
pub mod redis;
mod server;
pub mod smtp;
mod ws;

#[allow(unused_imports)]
pub use http::{http, http_text};
pub use server::Server;
pub use ws::Client;

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
/// HS256 key of the `default` site in the test configs (at least 16 bytes, as the hub requires).
pub const SITE_SECRET: &str = "test-site-secret-0123456789";
pub const PASSWORD: &str = "correct horse battery";
/// How long a test waits for a frame before it fails.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(5);
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A site that signs identity tokens and one department open around the clock.
pub const CONFIG_247: &str = r#"
[[sites]]
key = "default"
secret = "test-site-secret-0123456789"

[[departments]]
name = "support"
timezone = "Etc/GMT"
hours = "24/7"
"#;

/// Rate limits high enough for tests that send many frames quickly.
pub const FAST_LIMITS: &str = r#"
[limits]
frames_per_second = 100000
frame_burst = 100000
"#;

/// `support` is open around the clock except on yesterday, today and tomorrow (UTC holidays), so it is
/// closed now whatever the time of day, and `next_change` is known (midnight after tomorrow).
pub fn config_closed_now() -> String {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let days = [today.yesterday().unwrap(), today, today.tomorrow().unwrap()];
    let holidays: Vec<String> = days.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        r#"
[[sites]]
key = "default"
secret = "{SITE_SECRET}"

[[departments]]
name = "support"
timezone = "Etc/GMT"
hours = "24/7"
holidays = [{}]
"#,
        holidays.join(", ")
    )
}

// ---------------------------------------------------------------------------------------------------
// Identity tokens and conversation helpers

/// An HS256 JWT signed with `secret`.
pub fn sign_identity(secret: &str, claims: &Value) -> String {
    use jsonwebtoken::{EncodingKey, Header, encode};
    encode(&Header::default(), claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign identity")
}

/// Claims for a signed-in user, valid for ten minutes.
pub fn claims(sub: &str, email: &str, plan: &str, email_verified: bool) -> Value {
    json!({
        "sub": sub, "email": email, "email_verified": email_verified, "name": sub,
        "plan": plan, "exp": jiff::Timestamp::now().as_second() + 600,
    })
}

/// A verified identity token of the default test site.
pub fn identity(sub: &str, email: &str, plan: &str) -> String {
    sign_identity(SITE_SECRET, &claims(sub, email, plan, true))
}

pub fn message(client_msg_id: &str, text: &str) -> Value {
    json!({"type": "message", "client_msg_id": client_msg_id, "text": text})
}

pub fn agent_message(conversation_id: &str, client_msg_id: &str, text: &str) -> Value {
    json!({"type": "message", "conversation_id": conversation_id, "client_msg_id": client_msg_id, "text": text})
}

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

/// The visitor sends a first message; returns (ack, first conversation frame).
pub async fn open_conversation(visitor: &mut Client, text: &str) -> (Value, Value) {
    visitor.send(message("first", text)).await;
    let ack = visitor.recv_ack("first").await;
    assert_eq!(ack["seq"], 1, "the first message gets seq 1: {ack}");
    let conv = visitor.recv_type("conversation").await;
    assert_eq!(conv["conversation_id"], ack["conversation_id"], "{conv}");
    (ack, conv)
}

pub const ENGLISH: &str = "Hello, I need some help with the order I placed yesterday, it has not arrived yet.";
pub const GERMAN: &str = "Hallo, ich brauche dringend Hilfe mit meiner Bestellung von gestern. Das Paket ist leider \
     noch nicht angekommen und ich weiß nicht, wo es sich gerade befindet.";
pub const FINNISH: &str = "Hei, tarvitsen apua eilen tekemäni tilauksen kanssa. Paketti ei ole vielä saapunut, \
     enkä tiedä missä se tällä hetkellä on. Voitteko auttaa minua?";
