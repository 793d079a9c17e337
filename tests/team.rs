//! The team's records: internal notes (agents only, never to the visitor nor in the ticket) and canned
//! replies (shared and personal), against the real binary.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn an_internal_note_reaches_agents_only_and_stays_out_of_the_ticket() {
    let server = Server::start(CONFIG_247);
    let (_anna, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let visitor_token = s(&welcome["visitor_token"]);
    visitor.send(message("c1", ENGLISH)).await;
    let conv_id = s(&visitor.recv_ack("c1").await["conversation_id"]);
    let ticket = s(&visitor.recv_status("assigned").await["ticket"]);
    agent.recv_type("assigned").await;

    let note = "Customer was double charged last month too; refund approved by finance.";
    agent.send(json!({"type": "note", "conversation_id": conv_id, "text": note, "ref": "n1"})).await;
    agent.recv_until("ack of the note", |v| v["type"] == "ack" && v["ref"] == "n1").await;
    let live = agent.seen_or_recv("note frame", |v| v["type"] == "note").await;
    assert_eq!(live["conversation_id"], conv_id.as_str(), "{live}");
    assert_eq!(live["note"]["text"], note);
    assert_eq!(live["note"]["agent"]["name"], "Anna");

    // The visitor hears nothing of it, and the conversation's seqs go on without a gap.
    agent.send(agent_message(&conv_id, "a1", "I have refunded the second charge.")).await;
    let seq = agent.recv_ack("a1").await["seq"].as_u64().unwrap();
    let next =
        visitor.recv_until("the agent's message", |v| v["type"] == "message" && v["from"]["role"] == "agent").await;
    assert_eq!(next["seq"].as_u64(), Some(seq), "{next}");
    // Every seq the visitor has seen so far is contiguous from 1: the note took none.
    let mut seen: Vec<u64> = visitor
        .skipped
        .iter()
        .chain(std::iter::once(&next))
        .filter(|v| v["type"] == "message")
        .filter_map(|v| v["seq"].as_u64())
        .collect();
    seen.insert(0, 1);
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (1..=seq).collect::<Vec<_>>(), "no gap for the note");
    while let Some(f) = visitor.try_recv(Duration::from_millis(300)).await {
        assert_ne!(f["type"], "note", "a note reached the visitor: {f}");
        assert!(!f.to_string().contains("finance"), "{f}");
    }

    let (status, notes) = server.get(&format!("/api/tickets/{ticket}/notes"), server.admin()).await;
    assert_eq!(status, 200, "{notes}");
    assert_eq!(notes.as_array().map(|a| a.len()), Some(1), "{notes}");
    assert_eq!(notes[0]["text"], note);
    let (status, _) = server.get(&format!("/api/tickets/{ticket}/notes"), Some(&visitor_token)).await;
    assert_eq!(status, 403, "a visitor never reads notes, even of its own ticket");
    let (status, own) = server.get(&format!("/api/tickets/{ticket}"), Some(&visitor_token)).await;
    assert_eq!(status, 200);
    assert!(!own.to_string().contains("finance"), "the visitor's ticket holds no note: {own}");

    // A visitor cannot send one, and an agent only on a conversation it holds.
    visitor.send(json!({"type": "note", "conversation_id": conv_id, "text": "x", "ref": "v1"})).await;
    let err = visitor.recv_until("refusal", |v| v["type"] == "error" && v["ref"] == "v1").await;
    assert_eq!(err["code"], "forbidden", "{err}");
    let (_bob, mut bob) = server.online_agent("Bob", &["en"], 3).await;
    bob.send(json!({"type": "note", "conversation_id": conv_id, "text": "x", "ref": "b1"})).await;
    let err = bob.recv_until("refusal", |v| v["type"] == "error" && v["ref"] == "b1").await;
    assert_eq!(err["code"], "forbidden", "{err}");
}

#[tokio::test]
async fn canned_replies_are_shared_or_personal() {
    let server = Server::start(CONFIG_247);
    let anna = server.create_agent("Anna", &["en"], 3).await;
    let bob = server.create_agent("Bob", &["en"], 3).await;
    let anna_token = server.login(&anna.email, PASSWORD).await;
    let bob_token = server.login(&bob.email, PASSWORD).await;

    let (status, shared) = server
        .post(
            "/api/canned",
            Some(&anna_token),
            json!({"title": "Refund", "text": "Your refund is on its way.", "shared": true}),
        )
        .await;
    assert_eq!(status, 201, "{shared}");
    assert_eq!(shared["shared"], true);
    let (status, mine) =
        server.post("/api/canned", Some(&anna_token), json!({"title": "Greeting", "text": "Hi, Anna here!"})).await;
    assert_eq!(status, 201, "{mine}");
    assert_eq!(mine["shared"], false);
    let (status, bad) = server.post("/api/canned", Some(&anna_token), json!({"title": "", "text": "x"})).await;
    assert_eq!(status, 400, "{bad}");

    let titles = |v: &serde_json::Value| v.as_array().unwrap().iter().map(|c| s(&c["title"])).collect::<Vec<_>>();
    let (_, list) = server.get("/api/canned", Some(&anna_token)).await;
    assert_eq!(titles(&list), ["Greeting", "Refund"]);
    let (_, list) = server.get("/api/canned", Some(&bob_token)).await;
    assert_eq!(titles(&list), ["Refund"], "Bob sees the shared one, not Anna's own");

    // Bob cannot delete Anna's own reply (it does not exist for him); Anna can.
    let (status, _) = server.delete(&format!("/api/canned/{}", s(&mine["id"])), Some(&bob_token)).await;
    assert_eq!(status, 404);
    let (status, _) = server.delete(&format!("/api/canned/{}", s(&mine["id"])), Some(&anna_token)).await;
    assert_eq!(status, 204);
    let (_, list) = server.get("/api/canned", Some(&anna_token)).await;
    assert_eq!(titles(&list), ["Refund"]);
    let (status, _) = server.get("/api/canned", None).await;
    assert_eq!(status, 401);
}
