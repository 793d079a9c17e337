//! Garbage on the WebSocket (spec 4): errors that keep the connection, and refusals that close it.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn unparseable_frame_gets_bad_request_and_the_connection_stays() {
    let server = Server::start(CONFIG_247);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    visitor.send_raw("this is { not json").await;
    let err = visitor.recv().await;
    assert_eq!((err["type"].clone(), err["code"].clone()), (json!("error"), json!("bad_request")), "{err}");
    assert!(visitor.ping_pong().await.is_empty());
    // A real message still works afterwards.
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    assert!(ack["conversation_id"].is_string());
}

#[tokio::test]
async fn unknown_type_gets_bad_request_with_the_ref() {
    let server = Server::start(CONFIG_247);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    visitor.send(json!({"type": "teleport", "ref": 17})).await;
    let err = visitor.recv().await;
    assert_eq!((err["type"].clone(), err["code"].clone()), (json!("error"), json!("bad_request")), "{err}");
    assert_eq!(err["ref"], 17, "{err}");
    visitor.send(json!({"text": "no type at all"})).await;
    assert_eq!(visitor.recv().await["code"], "bad_request");
    assert!(visitor.ping_pong().await.is_empty());
}

#[tokio::test]
async fn oversized_frame_gets_too_large_and_the_connection_stays() {
    let server = Server::start(CONFIG_247);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let big = "x".repeat(70 * 1024);
    visitor.send(json!({"type": "message", "client_msg_id": "big", "text": big, "ref": "big-1"})).await;
    let err = visitor.recv().await;
    assert_eq!((err["type"].clone(), err["code"].clone()), (json!("error"), json!("too_large")), "{err}");
    assert_eq!(err["ref"], "big-1", "the refusal names the frame it refuses: {err}");
    assert!(visitor.ping_pong().await.is_empty());
    // Nothing was stored or opened by it: the next message is seq 1.
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    assert_eq!(ack["seq"], 1);
}

#[tokio::test]
async fn message_over_the_text_limit_gets_too_large() {
    let server = Server::start(CONFIG_247);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    visitor.send(json!({"type": "message", "text": "y".repeat(5000), "ref": "long"})).await;
    let err = visitor.recv().await;
    assert_eq!((err["code"].clone(), err["ref"].clone()), (json!("too_large"), json!("long")), "{err}");
    assert!(visitor.ping_pong().await.is_empty());
}

#[tokio::test]
async fn frame_over_four_times_the_limit_closes_with_1009() {
    let server = Server::start(CONFIG_247);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let huge = "z".repeat(300 * 1024);
    visitor.send(message("huge", &huge)).await;
    assert_eq!(visitor.expect_close().await, 1009);
}

#[tokio::test]
async fn forged_agent_token_closes_with_4001() {
    let server = Server::start(CONFIG_247);
    let mut agent = Client::connect(&server.addr, "/ws/agent").await;
    agent.send(json!({"type": "hello", "v": 1, "token": "sba_0000000000000000000000000000000000000000000000000000000000000000"})).await;
    assert_eq!(agent.expect_close().await, 4001);
    assert!(agent.skipped.iter().any(|v| v["code"] == "unauthorized"), "{:?}", agent.skipped);

    let mut bot = Client::connect(&server.addr, "/ws/bot").await;
    bot.send(json!({"type": "hello", "v": 1})).await;
    assert_eq!(bot.expect_close().await, 4001, "a missing token too");

    // A visitor token is not an agent token.
    let (_, welcome) = server.visitor_connect(json!({})).await;
    let mut agent = Client::connect(&server.addr, "/ws/agent").await;
    agent.send(json!({"type": "hello", "v": 1, "token": welcome["visitor_token"]})).await;
    assert_eq!(agent.expect_close().await, 4001);
}

#[tokio::test]
async fn no_hello_within_the_deadline_closes_the_connection() {
    let server = Server::start(&format!("{CONFIG_247}\n[limits]\nhello_timeout_secs = 1\n"));
    let mut silent = Client::connect(&server.addr, "/ws/visitor").await;
    let started = std::time::Instant::now();
    silent.expect_close().await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "not before the deadline");
}

#[tokio::test]
async fn first_frame_must_be_hello() {
    let server = Server::start(CONFIG_247);
    let mut visitor = Client::connect(&server.addr, "/ws/visitor").await;
    visitor.send(message("c1", ENGLISH)).await;
    assert_eq!(visitor.recv().await["code"], "bad_request");
    visitor.send(json!({"type": "hello", "v": 1, "site": "default"})).await;
    assert_eq!(visitor.recv().await["type"], "welcome");
}

#[tokio::test]
async fn wrong_version_gets_unsupported_version() {
    let server = Server::start(CONFIG_247);
    let mut visitor = Client::connect(&server.addr, "/ws/visitor").await;
    visitor.send(json!({"type": "hello", "v": 2, "site": "default", "ref": "h"})).await;
    let err = visitor.recv().await;
    assert_eq!((err["type"].clone(), err["code"].clone()), (json!("error"), json!("unsupported_version")), "{err}");
    assert_eq!(err["ref"], "h");
}

#[tokio::test]
async fn too_many_frames_get_rate_limited() {
    let server = Server::start(&format!("{CONFIG_247}\n[limits]\nframes_per_second = 1\nframe_burst = 3\n"));
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    for i in 0..10 {
        visitor.send(json!({"type": "ping", "ref": format!("p{i}")})).await;
    }
    let limited = visitor.recv_until("rate_limited", |v| v["type"] == "error").await;
    assert_eq!(limited["code"], "rate_limited", "{limited}");
    assert!(limited["ref"].as_str().is_some_and(|r| r.starts_with('p')), "the refused frame's ref: {limited}");
}

#[tokio::test]
async fn a_flood_is_closed_with_1008_after_its_errors_arrive() {
    // Defaults: 20 frames/s, a burst of 40, more than 20 refusals in 10 s closes.
    let server = Server::start(CONFIG_247);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    for i in 0..200 {
        visitor.send(json!({"type": "typing", "on": true, "ref": format!("t{i}")})).await;
    }
    assert_eq!(visitor.expect_close().await, 1008, "a close frame, not a reset");
    let refused: Vec<&Value> = visitor.skipped.iter().filter(|v| v["code"] == "rate_limited").collect();
    assert_eq!(refused.len(), 21, "every refusal up to the limit arrives first: {:?}", visitor.skipped);
    assert!(refused.iter().all(|v| v["ref"].as_str().is_some_and(|r| r.starts_with('t'))), "{refused:?}");
}

#[tokio::test]
async fn malformed_frames_between_good_ones_still_count_as_abuse() {
    let server = Server::start(&format!(
        "{CONFIG_247}{FAST_LIMITS}max_violations = 3
"
    ));
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    for i in 0..3 {
        visitor.send_raw("garbage{").await;
        assert_eq!(visitor.recv().await["code"], "bad_request");
        visitor.send(json!({"type": "ping", "ref": i})).await;
        assert_eq!(visitor.recv().await["type"], "pong", "good frames still work in between");
    }
    visitor.send_raw("garbage{").await;
    assert_eq!(visitor.expect_close().await, 1008);
}

#[tokio::test]
async fn welcome_echoes_the_hello_ref() {
    let server = Server::start(CONFIG_247);
    let mut visitor = Client::connect(&server.addr, "/ws/visitor").await;
    visitor.send(json!({"type": "hello", "v": 1, "site": "default", "ref": "h1"})).await;
    let welcome = visitor.recv().await;
    assert_eq!((welcome["type"].clone(), welcome["ref"].clone()), (json!("welcome"), json!("h1")), "{welcome}");
}

#[tokio::test]
async fn unknown_department_is_refused() {
    let server = Server::start(CONFIG_247);
    let mut visitor = Client::connect(&server.addr, "/ws/visitor").await;
    visitor.send(json!({"type": "hello", "v": 1, "site": "default", "department": "nosuchdept", "ref": "h"})).await;
    assert_eq!(visitor.expect_close().await, 1008);
    let err = &visitor.skipped[0];
    assert_eq!((err["code"].clone(), err["ref"].clone()), (json!("not_found"), json!("h")), "{err}");
}

#[tokio::test]
async fn websocket_from_a_foreign_origin_is_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let config = format!(
        "[[sites]]\nkey = \"default\"\nsecret = \"{SITE_SECRET}\"\nallowed_origins = [\"https://shop.example\"]\n\n\
         [[departments]]\nname = \"support\"\nhours = \"24/7\"\n"
    );
    let server = Server::start(&config);
    let connect = |origin: &'static str| {
        let mut req = format!("ws://{}/ws/visitor", server.addr).into_client_request().unwrap();
        req.headers_mut().insert("Origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    assert!(connect("https://evil.example").await.is_err(), "a foreign Origin must not get a WebSocket");
    let (mut ws, _) = connect("https://shop.example").await.expect("the allowed Origin connects");
    use futures_util::{SinkExt, StreamExt};
    let hello = json!({"type": "hello", "v": 1, "site": "default"}).to_string();
    ws.send(tokio_tungstenite::tungstenite::Message::text(hello)).await.unwrap();
    let welcome = ws.next().await.unwrap().unwrap();
    assert!(welcome.to_text().unwrap().contains("\"welcome\""), "{welcome}");
}
