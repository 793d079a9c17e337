//! Rates per address and per account (issue 16): new connections per IP, the client's address taken
//! from `X-Forwarded-For` only when a trusted proxy sent it, login attempts per account and per IP, and
//! new conversations per visitor.

mod common;

use common::raw::RawWs;
use common::*;
use serde_json::json;

/// The status of an upgrade of `/ws/visitor` from `source`, with more headers.
async fn upgrade(server: &Server, source: &str, headers: &str) -> u16 {
    match RawWs::connect_with(&server.addr, "/ws/visitor", Some(source), None, headers).await {
        Ok(_) => 101,
        Err(status) => status,
    }
}

#[tokio::test]
async fn new_connections_per_address_are_limited_per_minute() {
    let server = Server::start(&format!("{CONFIG_247}[limits]\nconnections_per_ip_per_minute = 3\n"));
    for _ in 0..3 {
        assert_eq!(upgrade(&server, "127.0.0.1", "").await, 101);
    }
    assert_eq!(upgrade(&server, "127.0.0.1", "").await, 429, "a fourth within the minute");
    assert_eq!(upgrade(&server, "127.0.0.2", "").await, 101, "another address has its own");
}

#[tokio::test]
async fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
    let limits = "[limits]\nconnections_per_ip_per_minute = 2\n";
    // 127.0.0.1 is a proxy: the address it forwards is the client's.
    let server = Server::start(&format!("trusted_proxies = [\"127.0.0.1\"]\n{CONFIG_247}{limits}"));
    let from = |ip: &str| format!("X-Forwarded-For: {ip}\r\n");
    for _ in 0..2 {
        assert_eq!(upgrade(&server, "127.0.0.1", &from("198.51.100.1")).await, 101);
    }
    assert_eq!(upgrade(&server, "127.0.0.1", &from("198.51.100.1")).await, 429);
    assert_eq!(upgrade(&server, "127.0.0.1", &from("198.51.100.2")).await, 101, "another client behind it");
    // 127.0.0.2 is not a proxy: what it forwards is its own writing and counts for nothing.
    for _ in 0..2 {
        assert_eq!(upgrade(&server, "127.0.0.2", &from("203.0.113.1")).await, 101);
    }
    assert_eq!(upgrade(&server, "127.0.0.2", &from("203.0.113.99")).await, 429);
}

#[tokio::test]
async fn login_attempts_are_limited_per_account_and_per_address() {
    let limits = "[limits]\nlogins_per_account_per_minute = 3\nlogins_per_ip_per_minute = 6\n";
    let server = Server::start(&format!("{CONFIG_247}{limits}"));
    let anna = server.create_agent("Anna", &["en"], 3).await;
    let login = |email: &str, password: &str| json!({"email": email, "password": password});
    for _ in 0..3 {
        let (status, _) = server.post("/api/login", None, login(&anna.email, "guess")).await;
        assert_eq!(status, 401);
    }
    let (status, body) = server.post("/api/login", None, login(&anna.email, PASSWORD)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
    // Other accounts from the same address, until the address's own limit.
    for i in 0..2 {
        let (status, _) = server.post("/api/login", None, login(&format!("nobody{i}@x.test"), "guess")).await;
        assert_eq!(status, 401);
    }
    let (status, _) = server.post("/api/login", None, login("ben@x.test", "guess")).await;
    assert_eq!(status, 429, "the seventh attempt from one address");
}

#[tokio::test]
async fn a_visitor_that_keeps_opening_conversations_is_refused() {
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}conversations_per_visitor_per_hour = 2\n"));
    let (mut v, _) = server.visitor_connect(json!({})).await;
    for i in 0..2 {
        v.send(message(&format!("m{i}"), "Hello, I need help with my order please")).await;
        v.recv_ack(&format!("m{i}")).await;
        v.send(json!({"type": "end", "ref": format!("e{i}")})).await;
        v.recv_until("end ack", |f| f["type"] == "ack" && f["ref"] == format!("e{i}")).await;
    }
    v.send(json!({"type": "message", "client_msg_id": "m3", "text": "again", "ref": "x"})).await;
    let e = v.recv_until("the refusal", |f| f["type"] == "error").await;
    assert_eq!((e["code"].as_str(), e["ref"].as_str()), (Some("rate_limited"), Some("x")), "{e}");
}
