//! Connection limits (spec 4, docs/protocol.md "Connection lifecycle"): the idle timeout with WebSocket
//! pings, connections per IP address, and the bounded outbound queue that drops a client too slow to read.

mod common;

use std::time::{Duration, Instant};

use common::raw::{Frame, RawWs, raw_visitor};
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_silent_connection_is_closed_with_1001_while_live_ones_stay() {
    let server = Server::start(&format!("{CONFIG_247}\n[limits]\nping_interval_secs = 1\nidle_timeout_secs = 2\n"));
    // Answers the hub's pings by itself (tungstenite pongs whenever it is read), sends nothing else.
    let (mut ponging, _) = server.visitor_connect(json!({})).await;
    // Never pongs, but sends an application frame now and then.
    let mut chatty = raw_visitor(&server, json!({}), None).await;
    // Never pongs and never sends.
    let started = Instant::now();
    let mut silent = raw_visitor(&server, json!({}), None).await;

    let silent_side = async {
        let mut pings = 0;
        loop {
            match silent.next(Duration::from_secs(10)).await {
                Frame::Ping => pings += 1,
                Frame::Close(code, reason) => return (code, reason, pings, started.elapsed()),
                other => panic!("silent client got {other:?}"),
            }
        }
    };
    let chatty_side = async {
        let mut tick = tokio::time::interval(Duration::from_millis(700));
        let mut pongs = 0;
        while started.elapsed() < Duration::from_secs(5) {
            tick.tick().await;
            chatty.send(json!({"type": "ping"})).await;
            loop {
                match chatty.next(FRAME_TIMEOUT).await {
                    Frame::Text(v) if v["type"] == "pong" => break,
                    Frame::Close(code, reason) => panic!("a client that sends frames was closed: {code} {reason}"),
                    _ => {}
                }
            }
            pongs += 1;
        }
        pongs
    };
    let ponging_side = ponging.try_recv(Duration::from_secs(5));
    let ((code, reason, pings, after), pongs, frame) = tokio::join!(silent_side, chatty_side, ponging_side);

    assert_eq!((code, reason.as_str()), (1001, "idle timeout"), "the silent connection is closed as idle");
    assert!(pings >= 1, "the hub pinged the silent client before giving up");
    assert!(after >= Duration::from_secs(2), "not before idle_timeout_secs: closed after {after:?}");
    assert!(after < Duration::from_secs(5), "closed at a ping tick soon after the timeout, not {after:?}");
    assert!(pongs >= 6, "the chatty client kept talking for 5 s ({pongs} pongs)");
    assert!(frame.is_none(), "nothing unexpected for the ponging client: {frame:?}");
    // Both live connections are still open and served.
    assert!(ponging.ping_pong().await.is_empty());
    chatty.send(json!({"type": "ping", "ref": "last"})).await;
    let last = loop {
        if let Frame::Text(v) = chatty.next(FRAME_TIMEOUT).await {
            break v;
        }
    };
    assert_eq!((last["type"].clone(), last["ref"].clone()), (json!("pong"), json!("last")), "{last}");
}

#[tokio::test]
async fn connections_per_ip_over_the_limit_get_http_429() {
    let server = Server::start(&format!("{CONFIG_247}\n[limits]\nconnections_per_ip = 2\n"));
    let first = RawWs::connect(&server.addr, "/ws/visitor", None, None).await.expect("first connection");
    let (mut second, _) = server.visitor_connect(json!({})).await;
    assert_eq!(
        RawWs::connect(&server.addr, "/ws/agent", None, None).await.err(),
        Some(429),
        "a third WebSocket from 127.0.0.1 is refused before the upgrade"
    );
    assert_eq!(RawWs::connect(&server.addr, "/ws/visitor", None, None).await.err(), Some(429), "on every endpoint");
    // The limit is per address: another loopback address still gets in.
    let mut other = RawWs::connect(&server.addr, "/ws/visitor", Some("127.0.0.2"), None).await.expect("127.0.0.2");
    other.send(json!({"type": "hello", "v": 1, "site": "default"})).await;
    assert!(matches!(other.next(FRAME_TIMEOUT).await, Frame::Text(v) if v["type"] == "welcome"));
    // Plain HTTP is not limited, and the existing connections are served.
    assert_eq!(server.get("/healthz", None).await.0, 200);
    assert!(second.ping_pong().await.is_empty());

    // A closed connection gives its place back (the hub notices the close a moment later: retry briefly).
    drop(first);
    let deadline = Instant::now() + FRAME_TIMEOUT;
    let again = loop {
        match RawWs::connect(&server.addr, "/ws/visitor", None, None).await {
            Ok(ws) => break ws,
            Err(429) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(status) => panic!("the freed place was not given back: {status}"),
        }
    };
    drop(again);
}

#[tokio::test]
async fn a_client_too_slow_to_read_is_dropped_and_the_others_keep_up() {
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}outbound_queue = 32\n"));
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut fast, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (ack, _) = open_conversation(&mut fast, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    fast.recv_status("assigned").await;
    fast.recv_system("assigned").await;
    // A second tab of the same visitor with a tiny receive buffer, which then stops reading.
    let mut slow = raw_visitor(&server, json!({"visitor_token": token}), Some(4096)).await;

    // The agent writes in windows of 16 and waits for the reading tab to get each window, so that the
    // tabs that read never have more than 16 frames queued; the slow tab's queue only grows.
    const N: usize = 1200;
    const WINDOW: usize = 16;
    let text = "The parcel is on its way. ".repeat(130);
    let started = Instant::now();
    let mut seqs = Vec::new();
    for w in 0..N / WINDOW {
        for i in w * WINDOW..(w + 1) * WINDOW {
            agent.send(agent_message(&conv_id, &format!("a{i}"), &format!("{i}: {text}"))).await;
        }
        for i in w * WINDOW..(w + 1) * WINDOW {
            agent.recv_ack(&format!("a{i}")).await;
        }
        while seqs.len() < (w + 1) * WINDOW {
            let v = fast.recv().await;
            if v["type"] == "message" {
                seqs.push(v["seq"].as_u64().unwrap());
            }
        }
    }
    let took = started.elapsed();
    // Seq 1 opened the conversation, seq 2 is the `assigned` system line.
    assert_eq!(seqs, (3..=N as u64 + 2).collect::<Vec<_>>(), "the reading tab gets every message, in order");
    assert!(took < Duration::from_secs(20), "the slow tab must not hold up the others: {took:?}");

    // The slow tab now reads what was written to it before it was dropped, then the close.
    let (code, reason, texts) = slow.until_close(Duration::from_secs(10)).await;
    assert_eq!((code, reason.as_str()), (1008, "too slow to read"), "after {} frames", texts.len());
    let got = texts.iter().filter(|v| v["type"] == "message").count();
    assert!(got < N, "the slow tab was dropped, not served everything ({got} of {N})");
    // The conversation goes on for the others.
    fast.send(message("after", "Thank you!")).await;
    assert_eq!(fast.recv_ack("after").await["seq"], N as u64 + 3);
    assert_eq!(agent.recv_type("message").await["text"], "Thank you!");
}

#[tokio::test]
async fn connections_over_max_connections_get_http_503_and_a_freed_place_is_reused() {
    let server = Server::start(&format!("{CONFIG_247}\n[limits]\nmax_connections = 2\n"));
    let first = RawWs::connect(&server.addr, "/ws/visitor", None, None).await.expect("first connection");
    let (mut second, _) = server.visitor_connect(json!({})).await;
    // The cap counts every address: another loopback address is refused too, on every endpoint.
    assert_eq!(RawWs::connect(&server.addr, "/ws/visitor", Some("127.0.0.3"), None).await.err(), Some(503));
    assert_eq!(RawWs::connect(&server.addr, "/ws/agent", None, None).await.err(), Some(503));
    assert_eq!(server.get("/healthz", None).await.0, 200, "plain HTTP is not counted");
    assert!(second.ping_pong().await.is_empty(), "the connections in place are served");

    drop(first);
    let deadline = Instant::now() + FRAME_TIMEOUT;
    let mut again = loop {
        match RawWs::connect(&server.addr, "/ws/visitor", Some("127.0.0.3"), None).await {
            Ok(ws) => break ws,
            Err(503) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(status) => panic!("the freed place was not given back: {status}"),
        }
    };
    again.send(json!({"type": "hello", "v": 1, "site": "default"})).await;
    assert!(matches!(again.next(FRAME_TIMEOUT).await, Frame::Text(v) if v["type"] == "welcome"));
}
