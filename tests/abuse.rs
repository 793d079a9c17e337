//! Attacks by clients that need no account, each against the real binary, each answered by a limit,
//! while the other clients keep chatting: clients that never read (bytes queued, socket writes), and
//! the strings a client may send.

mod common;

use std::time::{Duration, Instant};

use common::raw::raw_visitor;
use common::*;
use serde_json::json;

/// Messages written between two reads of the tab that reads.
const WINDOW: usize = 16;
/// Messages written: 3.6 MB, more than the socket buffers of the loopback hold.
const N: usize = 1200;

/// An assigned conversation, a second tab of its visitor that stops reading (small receive buffer), and
/// an agent who writes `n` messages of 3,000 characters while the first tab reads them. Returns the
/// slow tab and the time the writing took.
async fn slow_tab_under_load(server: &Server, n: usize, chars: usize) -> (common::raw::RawWs, Duration) {
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut fast, welcome) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut fast, "Hello, I need help with my order please").await;
    let conv = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    let slow = raw_visitor(server, json!({"visitor_token": welcome["visitor_token"]}), Some(4096)).await;
    let text = "x".repeat(chars);
    let started = Instant::now();
    let mut got = 0;
    for w in 0..n / WINDOW {
        for i in w * WINDOW..(w + 1) * WINDOW {
            agent.send(agent_message(&conv, &format!("a{i}"), &text)).await;
        }
        for i in w * WINDOW..(w + 1) * WINDOW {
            agent.recv_ack(&format!("a{i}")).await;
        }
        while got < (w + 1) * WINDOW {
            if fast.recv().await["type"] == "message" {
                got += 1;
            }
        }
    }
    (slow, started.elapsed())
}

#[tokio::test]
async fn a_client_that_lets_bytes_pile_up_is_cut_however_few_frames_they_are() {
    // Room for 100,000 frames, but 64 KiB: the byte bound is the one that cuts.
    let limits = "outbound_queue = 100000\noutbound_queue_bytes = 65536\nwrite_timeout_secs = 60\n";
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}{limits}"));
    let (mut slow, took) = slow_tab_under_load(&server, N, 3000).await;
    assert!(took < Duration::from_secs(20), "the slow tab held up the others: {took:?}");
    let (code, reason, texts) = slow.until_close(Duration::from_secs(10)).await;
    assert_eq!((code, reason.as_str()), (1008, "too slow to read"));
    let messages = texts.iter().filter(|v| v["type"] == "message").count();
    assert!(messages < N, "cut before it had everything ({messages})");
}

#[tokio::test]
async fn a_client_whose_socket_stops_taking_writes_is_dropped_within_the_write_timeout() {
    // Queue bounds out of reach: only the write timeout can cut it. 240 messages of 50,000 characters
    // are 12 MB, more than the loopback's socket buffers take.
    let limits = "outbound_queue = 100000\noutbound_queue_bytes = 1073741824\nwrite_timeout_secs = 1\n\
                  max_text_chars = 50000\nmax_frame_bytes = 262144\n";
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}{limits}"));
    let (mut slow, took) = slow_tab_under_load(&server, 240, 50_000).await;
    assert!(took < Duration::from_secs(20), "the slow tab held up the others: {took:?}");
    // Reading now would let a write that is still within its second go through: wait out the timeout.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let texts = slow.until_dropped(Duration::from_secs(10)).await.expect("the hub dropped the slow tab");
    let messages = texts.iter().filter(|v| v["type"] == "message").count();
    assert!(messages < 240, "dropped before it had everything ({messages})");
}

#[tokio::test]
async fn oversized_client_strings_are_refused_and_a_long_ref_is_not_echoed() {
    let server = Server::start(CONFIG_247);
    let mut c = Client::connect(&server.addr, "/ws/visitor").await;
    c.send(json!({"type": "hello", "v": 1, "site": "default", "locale": "x".repeat(36)})).await;
    let e = c.recv_type("error").await;
    assert_eq!(
        (e["code"].as_str(), e["message"].as_str()),
        (Some("bad_request"), Some("locale is limited to 35 bytes"))
    );
    let (mut v, _) = server.visitor_connect(json!({})).await;
    v.send(json!({"type": "ping", "ref": "r".repeat(300)})).await;
    let e = v.recv_type("error").await;
    assert_eq!(e["message"], "ref is limited to 256 bytes");
    assert!(e.get("ref").is_none(), "not echoed: {e}");
    v.send(json!({"type": "ping", "ref": "fine"})).await;
    assert_eq!(v.recv_type("pong").await["ref"], "fine");
}

#[tokio::test]
async fn a_nearly_full_disk_refuses_new_conversations_with_a_clear_error_and_serves_the_rest() {
    // No disk has this much free: as if it were nearly full from the start.
    let server = Server::start(&format!("{CONFIG_247}[limits]\nmin_free_disk_bytes = 1152921504606846976\n"));
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut v, _) = server.visitor_connect(json!({})).await;
    v.send(json!({"type": "message", "client_msg_id": "m1", "text": "Hello, I need help", "ref": "r"})).await;
    let e = v.recv_type("error").await;
    assert_eq!((e["code"].as_str(), e["ref"].as_str()), (Some("unavailable"), Some("r")), "{e}");
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200, "the hub itself is up");
    agent.send(json!({"type": "ping", "ref": "p"})).await;
    assert_eq!(agent.recv_type("pong").await["ref"], "p");
}

/// Every attack above at once, from one address, while a visitor who connected before chats with an
/// agent: every message still arrives, each within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_others_keep_chatting_while_anonymous_clients_attack() {
    use common::raw::RawWs;
    let server = Server::start(CONFIG_247);
    let (anna, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, "Hello, I need help with my order please").await;
    let conv = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;

    let addr = server.addr.clone();
    let attacks = tokio::spawn(async move {
        // A flood of upgrades that never say hello, held open, until the hub refuses more.
        let mut held = Vec::new();
        for _ in 0..700 {
            match RawWs::connect(&addr, "/ws/visitor", None, Some(4096)).await {
                Ok(ws) => held.push(ws),
                Err(status) => {
                    assert_eq!(status, 429);
                    break;
                }
            }
        }
        assert!(held.len() <= 500, "the per-address caps held ({})", held.len());
        // Garbage, huge refs and bad logins on connections that never read.
        for ws in held.iter_mut().take(20) {
            for _ in 0..30 {
                ws.send(json!({"type": "ping", "ref": "x".repeat(60_000)})).await;
                ws.send(json!({"type": "no such frame"})).await;
            }
        }
        for _ in 0..40 {
            let body = json!({"email": "anna@test", "password": "guess"});
            let _ = http(&addr, "POST", "/api/login", None, Some(&body)).await;
        }
        held
    });

    let mut worst = Duration::ZERO;
    for i in 0..30 {
        let started = Instant::now();
        visitor.send(message(&format!("v{i}"), &format!("question {i}"))).await;
        let question = format!("question {i}");
        agent.recv_until("the question", |f| f["type"] == "message" && f["text"] == question.as_str()).await;
        let answer = format!("answer {i}");
        agent.send(agent_message(&conv, &format!("a{i}"), &answer)).await;
        visitor.recv_until("the answer", |f| f["type"] == "message" && f["text"] == answer.as_str()).await;
        worst = worst.max(started.elapsed());
    }
    let held = attacks.await.expect("the attacks ran");
    assert!(worst < Duration::from_secs(1), "a round trip took {worst:?} under attack");
    drop(held);
    let _ = anna;
}
