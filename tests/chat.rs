//! Conversations end to end: messages both ways, resolution and rating, idempotent sends, resuming with
//! `sync`, and contiguous seqs under concurrent senders.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn chat_both_ways_then_resolve_survey_and_rating() {
    let server = Server::start(CONFIG_247);
    let (anna, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;

    visitor.send(message("c1", ENGLISH)).await;
    let ack = visitor.recv_ack("c1").await;
    assert_eq!(ack["seq"], 1, "{ack}");
    let conv_id = s(&ack["conversation_id"]);
    let assigned_view = visitor.recv_status("assigned").await;
    assert_eq!(assigned_view["conversation_id"], conv_id.as_str());
    assert_eq!(assigned_view["agent"]["name"], "Anna", "{assigned_view}");
    assert!(assigned_view["agent"].get("id").is_none(), "the visitor's copy omits the agent id: {assigned_view}");
    let ticket = s(&assigned_view["ticket"]);
    // Before being assigned it was queued (or assigned straight away: both are reported in order).
    let first_status = visitor.skipped.iter().find(|v| v["type"] == "conversation").map(|v| v["status"].clone());
    assert!(first_status.is_none() || first_status == Some(json!("queued")), "{:?}", visitor.skipped);

    let assigned = agent.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], conv_id.as_str(), "{assigned}");
    assert_eq!(assigned["conversation"]["status"], "assigned");
    assert_eq!(assigned["conversation"]["agent"]["id"], anna.id.as_str());
    let transcript = assigned["messages"].as_array().expect("transcript");
    assert_eq!(transcript.len(), 1, "{assigned}");
    assert_eq!(transcript[0]["seq"], 1);
    assert_eq!(transcript[0]["text"], ENGLISH);
    assert_eq!(transcript[0]["from"]["role"], "visitor");

    // The visitor is told who joined, in a system line that takes seq 2 (spec 7.1).
    let joined = visitor.recv_system("assigned").await;
    assert_eq!(
        (joined["seq"].clone(), joined["text"].clone()),
        (json!(2), json!("Anna has joined the chat.")),
        "{joined}"
    );
    agent.send(agent_message(&conv_id, "a1", "Hi, I am Anna. Let me look into it.")).await;
    let agent_ack = agent.recv_ack("a1").await;
    assert_eq!(agent_ack["seq"], 3, "{agent_ack}");
    let reply = visitor.recv_said().await;
    assert_eq!(reply["seq"], 3, "{reply}");
    assert_eq!(reply["conversation_id"], conv_id.as_str());
    assert_eq!(reply["from"]["role"], "agent");
    assert_eq!(reply["from"]["name"], "Anna");
    assert_eq!(reply["text"], "Hi, I am Anna. Let me look into it.");

    agent.send(json!({"type": "resolve", "conversation_id": conv_id, "ref": "res"})).await;
    agent.recv_until("ack of resolve", |v| v["type"] == "ack" && v["ref"] == "res").await;
    let resolved = visitor.recv_status("resolved").await;
    assert_eq!(resolved["conversation_id"], conv_id.as_str());
    assert_eq!(resolved["agent"]["name"], "Anna", "a resolved conversation still names its agent: {resolved}");
    let survey = visitor.recv_type("survey").await;
    assert_eq!(survey["conversation_id"], conv_id.as_str());
    assert!(
        visitor.skipped.iter().any(|v| v["from"]["role"] == "system" && v["event"] == "resolved" && v["seq"] == 4),
        "the end is a system line too: {:?}",
        visitor.skipped
    );

    visitor
        .send(json!({"type": "rating", "conversation_id": conv_id, "score": 5, "comment": "quick", "ref": "r1"}))
        .await;
    let rated = visitor.recv().await;
    assert_eq!(rated["type"], "ack", "{rated}");
    assert_eq!(rated["ref"], "r1");

    let stored = server.ticket(&ticket).await;
    assert_eq!(stored["status"], "resolved", "{stored}");
    assert_eq!(stored["rating"]["score"], 5, "{stored}");
    let roles: Vec<Value> = stored["messages"].as_array().unwrap().iter().map(|m| m["from"]["role"].clone()).collect();
    assert_eq!(roles, [json!("visitor"), json!("system"), json!("agent"), json!("system")], "{stored}");
    let what: Vec<Value> = stored["history"].as_array().unwrap().iter().map(|h| h["what"].clone()).collect();
    assert_eq!(what, [json!("queued"), json!("assigned"), json!("resolved")], "{stored}");
    assert_eq!(stored["history"][2]["by"]["id"], anna.id.as_str(), "who resolved it: {stored}");
}

#[tokio::test]
async fn repeated_client_msg_id_gets_the_same_ack_and_is_delivered_once() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    let assigned = agent.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], conv_id.as_str());

    visitor.send(message("c1", "Is there any news?")).await;
    let first = visitor.recv_ack("c1").await;
    assert_eq!(first["seq"], 3, "seq 2 is the `assigned` line: {first}");
    // The same id again, even with other text (a retry after a lost ack): the same ack, nothing added.
    visitor.send(message("c1", "Is there any news?")).await;
    let again = visitor.recv_ack("c1").await;
    assert_eq!(again["seq"], first["seq"], "{again}");
    assert_eq!(again["conversation_id"], first["conversation_id"]);
    visitor.send(message("c2", "Hello?")).await;
    let next = visitor.recv_ack("c2").await;
    assert_eq!(next["seq"], 4, "the retry must not take a seq: {next}");

    let got: Vec<Value> = [agent.recv_said().await, agent.recv_said().await].into();
    assert_eq!((got[0]["seq"].clone(), got[0]["text"].clone()), (json!(3), json!("Is there any news?")), "{got:?}");
    assert_eq!((got[1]["seq"].clone(), got[1]["text"].clone()), (json!(4), json!("Hello?")), "{got:?}");

    let stored = server.ticket(&s(&assigned["conversation"]["ticket"])).await;
    let seqs: Vec<u64> = stored["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4], "{stored}");
}

#[tokio::test]
async fn resume_with_sync_gets_exactly_the_missed_messages() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    visitor.recv_status("assigned").await;
    visitor.recv_system("assigned").await;
    visitor.close().await;

    let texts = ["First, the parcel left our depot.", "Second, it is with the courier.", "Third, it arrives tomorrow."];
    for (i, text) in texts.iter().enumerate() {
        agent.send(agent_message(&conv_id, &format!("a{i}"), text)).await;
        let ack = agent.recv_ack(&format!("a{i}")).await;
        assert_eq!(ack["seq"], i + 3, "{ack}");
    }

    let (mut visitor, welcome) = server.visitor_connect(json!({"visitor_token": token})).await;
    assert_eq!(welcome["visitor_token"], token.as_str(), "the same visitor: {welcome}");
    let conv = &welcome["conversation"];
    assert_eq!(conv["conversation_id"], conv_id.as_str(), "the welcome carries the open conversation: {welcome}");
    assert_eq!(conv["last_seq"], 5, "{welcome}");
    assert_eq!(conv["status"], "assigned");

    // One more message is accepted between the welcome and the sync: it must come once, after 3-5.
    agent.send(agent_message(&conv_id, "a3", "Fourth, here is your tracking link.")).await;
    assert_eq!(agent.recv_ack("a3").await["seq"], 6);
    let texts = [texts[0], texts[1], texts[2], "Fourth, here is your tracking link."];

    visitor.send(json!({"type": "sync", "conversation_id": conv_id, "after_seq": 2, "ref": "s1"})).await;
    for (i, text) in texts.iter().enumerate() {
        let m = visitor.recv().await;
        assert_eq!(m["type"], "message", "only the missed messages, in order, before synced: {m}");
        assert_eq!(m["seq"], i + 3, "{m}");
        assert_eq!(m["text"], *text);
        assert_eq!(m["from"]["role"], "agent");
    }
    let synced = visitor.recv().await;
    assert_eq!(synced["type"], "synced", "{synced}");
    assert_eq!(synced["conversation_id"], conv_id.as_str());
    assert_eq!(synced["last_seq"], 6);
    // Nothing repeated afterwards: up to the pong, at most the sync's ack.
    let rest = visitor.ping_pong().await;
    assert!(rest.iter().all(|v| v["type"] == "ack" && v["ref"] == "s1"), "unexpected frames after synced: {rest:?}");

    // And live again: the next agent message arrives once, as seq 7.
    agent.send(agent_message(&conv_id, "a9", "Anything else?")).await;
    let live = visitor.recv_type("message").await;
    assert_eq!(live["seq"], 7, "{live}");

    // A client that reconnects and never syncs still gets the live messages.
    let (mut third, _) = server.visitor_connect(json!({"visitor_token": token})).await;
    agent.send(agent_message(&conv_id, "a10", "Still there?")).await;
    let late = third.recv_type("message").await;
    assert_eq!(late["seq"], 8, "{late}");
}

/// One side of the concurrent-senders test: sends `n` messages, then reads until all are acked.
/// Returns (client_msg_id -> seq, seqs of messages received from others, in arrival order).
async fn send_many(
    mut c: Client,
    conv_id: Option<String>,
    prefix: &str,
    n: usize,
) -> (BTreeMap<String, u64>, Vec<u64>) {
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        let text = format!("{prefix} says {i}");
        let frame = match &conv_id {
            Some(conv) => agent_message(conv, &id, &text),
            None => message(&id, &text),
        };
        c.send(frame).await;
    }
    let mut acks = BTreeMap::new();
    let mut received = Vec::new();
    while acks.len() < n {
        let v = c.recv().await;
        match v["type"].as_str() {
            Some("ack") => {
                acks.insert(s(&v["client_msg_id"]), v["seq"].as_u64().expect("seq"));
            }
            Some("message") => received.push(v["seq"].as_u64().unwrap()),
            Some("error") => panic!("{prefix}: {v}"),
            _ => {}
        }
    }
    (acks, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_senders_keep_seq_contiguous() {
    let server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut tab1, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (ack, _) = open_conversation(&mut tab1, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    let assigned = agent.recv_type("assigned").await;
    let ticket = s(&assigned["conversation"]["ticket"]);
    let (tab2, welcome2) = server.visitor_connect(json!({"visitor_token": token})).await;
    assert_eq!(welcome2["conversation"]["conversation_id"], conv_id.as_str(), "{welcome2}");

    let (n1, n2, n3) = (70, 70, 60);
    let t1 = tokio::spawn(send_many(tab1, None, "tab1", n1));
    let t2 = tokio::spawn(send_many(tab2, None, "tab2", n2));
    let t3 = tokio::spawn(send_many(agent, Some(conv_id.clone()), "agent", n3));
    let results = [t1.await.unwrap(), t2.await.unwrap(), t3.await.unwrap()];

    // Seq 1 opened the conversation and seq 2 is the `assigned` system line.
    let total = 2 + n1 + n2 + n3;
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    for (acks, received) in &results {
        for (id, seq) in acks {
            assert!(acked.insert(*seq, id.clone()).is_none(), "seq {seq} acked twice");
        }
        assert!(received.windows(2).all(|w| w[0] < w[1]), "messages arrive in seq order: {received:?}");
    }
    let expected: BTreeSet<u64> = (3..=total as u64).collect();
    assert_eq!(acked.keys().copied().collect::<BTreeSet<_>>(), expected, "acks cover 3..={total} exactly");

    let stored = server.ticket(&ticket).await;
    let messages = stored["messages"].as_array().expect("messages");
    let seqs: Vec<u64> = messages.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=total as u64).collect::<Vec<_>>(), "stored seqs are 1..={total} without gaps");
    assert_eq!(messages[1]["event"], "assigned", "{}", messages[1]);
    for m in &messages[2..] {
        let seq = m["seq"].as_u64().unwrap();
        let id = &acked[&seq];
        let (prefix, i) = id.rsplit_once('-').unwrap();
        assert_eq!(m["text"], format!("{prefix} says {i}"), "seq {seq} holds the message acked with it");
    }
}

#[tokio::test]
async fn visitor_end_resolves_and_the_next_message_opens_a_new_ticket() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 1).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, conv) = open_conversation(&mut visitor, ENGLISH).await;
    let first_ticket = s(&conv["ticket"]);
    agent.recv_type("assigned").await;
    visitor.recv_status("assigned").await;

    visitor.send(json!({"type": "end", "ref": "bye"})).await;
    let resolved = visitor.recv_status("resolved").await;
    assert_eq!(resolved["conversation_id"], ack["conversation_id"]);
    let survey = visitor.recv_type("survey").await;
    assert_eq!(survey["conversation_id"], ack["conversation_id"]);
    let gone = agent.recv_until("the agent hears it", |v| v["type"] == "conversation").await;
    assert_eq!(gone["status"], "resolved", "{gone}");

    // max_chats 1: the agent's place is free again, so the new conversation is assigned to it.
    visitor.send(message("again", "One more question, please, about a different order.")).await;
    let again = visitor.recv_ack("again").await;
    assert_eq!(again["seq"], 1, "a new conversation starts at seq 1: {again}");
    assert_ne!(again["conversation_id"], ack["conversation_id"]);
    let conv = visitor.recv_type("conversation").await;
    assert_ne!(conv["ticket"], first_ticket.as_str(), "a new ticket: {conv}");
    let assigned = agent.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], again["conversation_id"]);
    assert_eq!(server.ticket(&first_ticket).await["status"], "resolved");
}

#[tokio::test]
async fn agent_reconnect_lists_its_chats_and_agent_sync_replays_them() {
    let server = Server::start(CONFIG_247);
    let anna = server.create_agent("Anna", &["en"], 3).await;
    let token = server.login(&anna.email, PASSWORD).await;
    let mut agent = server.agent_connect(&token).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    agent.close().await;

    // Offline, Anna keeps her chat; the visitor's messages are stored meanwhile.
    visitor.send(message("c2", "Are you still there?")).await;
    assert_eq!(visitor.recv_ack("c2").await["seq"], 3, "seq 2 is the `assigned` line");
    let mut agent = server.agent_connect(&token).await;
    let mine = agent.welcome["conversations"].as_array().expect("conversations");
    assert_eq!(mine.len(), 1, "{}", agent.welcome);
    assert_eq!(mine[0]["conversation_id"], conv_id.as_str());
    assert_eq!(mine[0]["last_seq"], 3, "{}", agent.welcome);

    agent.send(json!({"type": "sync", "conversation_id": conv_id, "after_seq": 0})).await;
    let first = agent.recv_type("message").await;
    let line = agent.recv().await;
    let second = agent.recv().await;
    let seqs = [&first, &line, &second].map(|m| m["seq"].clone());
    assert_eq!(seqs, [json!(1), json!(2), json!(3)], "{first} {line} {second}");
    assert_eq!(line["from"]["role"], "system");
    assert_eq!(second["text"], "Are you still there?");
    let synced = agent.recv().await;
    assert_eq!((synced["type"].clone(), synced["last_seq"].clone()), (json!("synced"), json!(3)), "{synced}");
}

#[tokio::test]
async fn sync_sends_every_later_message_even_those_already_seen_live() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    agent.send(agent_message(&conv_id, "a1", "Let me check that for you.")).await;
    agent.recv_ack("a1").await;
    visitor.send(message("c2", "Thank you, the order number is 1234.")).await;
    visitor.recv_ack("c2").await;
    assert_eq!(agent.recv_said().await["seq"], 4, "seq 4 reached the agent live");

    // The agent re-renders and asks for everything: it gets 1 to 4, the system line, its own message and
    // the one seen live.
    agent.send(json!({"type": "sync", "conversation_id": conv_id, "after_seq": 0, "ref": "all"})).await;
    let seqs: Vec<Value> = [agent.recv().await, agent.recv().await, agent.recv().await, agent.recv().await]
        .iter()
        .map(|m| {
            assert_eq!(m["type"], "message", "{m}");
            m["seq"].clone()
        })
        .collect();
    assert_eq!(seqs, [json!(1), json!(2), json!(3), json!(4)]);
    let synced = agent.recv().await;
    assert_eq!((synced["type"].clone(), synced["last_seq"].clone()), (json!("synced"), json!(4)), "{synced}");
    assert_eq!(agent.recv().await["ref"], "all", "then the ack");
}

#[tokio::test]
async fn typing_reaches_the_other_side_both_ways_and_takes_no_seq() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (_, mut other) = server.online_agent("Bob", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let id = ack["conversation_id"].clone();
    // Fewest open chats, then idle longest: Anna (connected first) gets it.
    agent.recv_type("assigned").await;
    visitor.recv_status("assigned").await;

    visitor.send(json!({"type": "typing", "on": true})).await;
    let typing = agent.recv_type("typing").await;
    assert_eq!(typing, json!({"type": "typing", "conversation_id": id, "from": {"role": "visitor"}, "on": true}));
    visitor.send(json!({"type": "typing", "on": false})).await;
    assert_eq!(agent.recv_type("typing").await["on"], false);

    agent.send(json!({"type": "typing", "conversation_id": id, "on": true})).await;
    let typing = visitor.recv_type("typing").await;
    assert_eq!(typing["from"], json!({"role": "agent", "name": "Anna"}), "{typing}");
    assert_eq!((typing["conversation_id"].clone(), typing["on"].clone()), (id.clone(), json!(true)));

    // Only the agent holding the chat may type in it.
    other.send(json!({"type": "typing", "conversation_id": id, "ref": "t1"})).await;
    let refused = other.recv_until("answer to typing", |v| v["ref"] == "t1").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");

    // Typing is not a message: the next one is seq 3 (2 is the `assigned` line).
    agent.send(agent_message(id.as_str().unwrap(), "a1", "Hello! How can I help?")).await;
    assert_eq!(agent.recv_ack("a1").await["seq"], 3);
    assert!(visitor.skipped.iter().all(|v| v["type"] != "typing"), "no echo of the visitor's own typing");
}
