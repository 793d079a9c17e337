//! Long transcripts go out in pages (docs/protocol.md "Reconnecting and `sync`", "assigned"): a `sync`
//! of hundreds of messages arrives whole, in order, with live messages after it and none twice; an
//! `assigned` carries the first page with `more: true` and the rest follows as `message` frames; the
//! ticket API pages with `after_seq`, and reads nothing of another visitor's ticket.

mod common;

use common::*;
use serde_json::{Value, json};

/// More messages than one page (200) holds.
const LONG: u64 = 450;

/// A visitor with a long conversation assigned to Anna: (visitor, agent, conversation id, ticket).
async fn long_conversation(server: &Server) -> (Client, Client, String, String) {
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, "Hello, I need help with my order please").await;
    let conv = s(&ack["conversation_id"]);
    let assigned = agent.recv_type("assigned").await;
    let ticket = s(&assigned["conversation"]["ticket"]);
    // In windows, so that the acks never fill the visitor's outbound queue.
    for window in (2..=LONG).collect::<Vec<_>>().chunks(50) {
        for i in window {
            visitor.send(message(&format!("m{i}"), &format!("message {i}"))).await;
        }
        for i in window {
            visitor.recv_ack(&format!("m{i}")).await;
        }
    }
    (visitor, agent, conv, ticket)
}

fn seq(v: &Value) -> u64 {
    v["seq"].as_u64().expect("seq")
}

#[tokio::test]
async fn a_long_sync_arrives_whole_in_order_and_live_messages_follow_it_once() {
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (mut visitor, _agent, conv, _) = long_conversation(&server).await;
    let (mut tab, _) = server.visitor_connect(json!({"visitor_token": visitor.welcome["visitor_token"]})).await;
    // The sync goes in while the other tab keeps writing: some of these are in the backlog, the rest live.
    tab.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0, "ref": "s"})).await;
    for i in 1..=30 {
        visitor.send(message(&format!("late{i}"), &format!("late {i}"))).await;
    }
    let last = LONG + 30;
    let mut seqs = Vec::new();
    let mut synced = None;
    while seqs.last() != Some(&last) {
        let v = tab.recv().await;
        match v["type"].as_str() {
            Some("message") => seqs.push(seq(&v)),
            Some("synced") => {
                assert_eq!(v["last_seq"].as_u64(), seqs.last().copied(), "synced follows the backlog: {v}");
                synced = Some(seqs.len());
            }
            Some("ack") => assert_eq!(v["ref"], "s"),
            _ => {}
        }
    }
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "every message once, in order");
    assert!(synced.is_some_and(|n| n as u64 >= LONG), "the backlog held at least the {LONG} written before");
}

#[tokio::test]
async fn assigned_carries_a_first_page_and_the_rest_follows_as_messages() {
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (_visitor, mut agent, conv, _) = long_conversation(&server).await;
    // Anna hands it on to Ben, who gets it assigned with its transcript.
    let ben = server.create_agent("Ben", &["en"], 3).await;
    let token = server.login(&ben.email, PASSWORD).await;
    let mut ben_ws = server.agent_connect(&token).await;
    agent.send(json!({"type": "transfer", "conversation_id": conv, "to_agent": ben.id, "ref": "t"})).await;
    let assigned = ben_ws.recv_type("assigned").await;
    assert_eq!(assigned["more"], true, "{}", assigned["conversation"]);
    let mut seqs: Vec<u64> = assigned["messages"].as_array().unwrap().iter().map(seq).collect();
    assert_eq!(seqs.len(), 200, "one page");
    while seqs.last() != Some(&LONG) {
        let v = ben_ws.recv_type("message").await;
        seqs.push(seq(&v));
    }
    assert_eq!(seqs, (1..=LONG).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_ticket_api_pages_and_checks_the_caller_before_reading() {
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (visitor, _agent, _, ticket) = long_conversation(&server).await;
    let token = s(&visitor.welcome["visitor_token"]);
    let (status, first) = server.get(&format!("/api/tickets/{ticket}"), Some(&token)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!((first["messages"].as_array().unwrap().len(), &first["more"]), (200, &json!(true)));
    let (_, page) = server.get(&format!("/api/tickets/{ticket}?after_seq=440&limit=5"), Some(&token)).await;
    let seqs: Vec<u64> = page["messages"].as_array().unwrap().iter().map(seq).collect();
    assert_eq!((seqs, &page["more"]), (vec![441, 442, 443, 444, 445], &json!(true)));
    // Every page together: the visitor's messages and the system lines among them, with no gap.
    let whole = server.ticket(&ticket).await["messages"].as_array().unwrap().iter().map(seq).collect::<Vec<_>>();
    assert!(whole.len() >= LONG as usize);
    assert_eq!(whole, (1..=whole.len() as u64).collect::<Vec<_>>());
    let (_, tail) = server.get(&format!("/api/tickets/{ticket}?after_seq=445"), Some(&token)).await;
    assert_eq!((tail["messages"].as_array().unwrap().len(), tail.get("more")), (whole.len() - 445, None));
    // Another visitor: the ticket does not exist for it.
    let (_, other) = server.visitor_connect(json!({})).await;
    let (status, _) = server.get(&format!("/api/tickets/{ticket}"), Some(&s(&other["visitor_token"]))).await;
    assert_eq!(status, 404);
}
