//! Faults (issue 16): the process killed at random points of a burst, again and again, and every
//! message it acknowledged is there afterwards, in order, with no gap.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// Sends messages as fast as acks come back (up to 32 in flight) until the connection breaks; returns
/// the acks it got: seq → text.
async fn burst(addr: &str, token: &str, round: usize, first_ack: oneshot::Sender<()>) -> BTreeMap<u64, String> {
    let mut first_ack = Some(first_ack);
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/visitor")).await.expect("connect");
    let (mut tx, mut rx) = ws.split();
    let hello = json!({"type": "hello", "v": 1, "site": "default", "visitor_token": token});
    let mut acked = BTreeMap::new();
    if tx.send(Message::text(hello.to_string())).await.is_err() {
        return acked;
    }
    let mut texts = BTreeMap::new();
    let (mut sent, mut in_flight) = (0usize, 0usize);
    loop {
        while in_flight < 32 {
            let (id, text) = (format!("r{round}-{sent}"), format!("round {round} message {sent}"));
            let frame = json!({"type": "message", "client_msg_id": id, "text": text});
            if tx.send(Message::text(frame.to_string())).await.is_err() {
                return acked;
            }
            texts.insert(id, text);
            sent += 1;
            in_flight += 1;
        }
        let Some(Ok(Message::Text(t))) = rx.next().await else { return acked };
        let v: Value = serde_json::from_str(&t).unwrap();
        if v["type"] == "ack" && v["seq"].is_u64() {
            let id = v["client_msg_id"].as_str().unwrap();
            acked.insert(v["seq"].as_u64().unwrap(), texts[id].clone());
            in_flight -= 1;
            if let Some(tell) = first_ack.take() {
                let _ = tell.send(());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_sigkill_at_random_points_20_times() {
    let mut server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (_, conv) = open_conversation(&mut visitor, "Hello, I need help with my order please").await;
    let ticket = s(&conv["ticket"]);
    drop(visitor);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    for round in 0..20 {
        let (addr, token) = (server.addr.clone(), token.clone());
        let (tell, first_ack) = oneshot::channel();
        let sender = tokio::spawn(async move { burst(&addr, &token, round, tell).await });
        // The kill comes at a random point of the burst, once it runs (the first message of a fresh
        // process may take a while: its language models warm up).
        let _ = tokio::time::timeout(Duration::from_secs(20), first_ack).await;
        tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % 50)).await;
        server.kill9();
        let got = tokio::time::timeout(Duration::from_secs(10), sender).await.expect("the burst ends").unwrap();
        for (seq, text) in got {
            assert!(acked.insert(seq, text).is_none(), "round {round}: seq {seq} acked twice");
        }
        server.restart();
        let stored = server.ticket(&ticket).await;
        let messages = stored["messages"].as_array().expect("messages");
        let seqs: Vec<u64> = messages.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "round {round}: no gap");
        for (seq, text) in &acked {
            let m = messages.get(*seq as usize - 1).unwrap_or_else(|| panic!("round {round}: acked seq {seq} lost"));
            assert_eq!(m["text"].as_str(), Some(text.as_str()), "round {round}: seq {seq}");
        }
    }
    assert!(acked.len() >= 20, "the bursts got acks before the kills ({})", acked.len());
}
