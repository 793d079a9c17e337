//! Cluster mode, routing across nodes on a real `redis-server` (spec 6.3-6.5): a chat across nodes, a
//! retry through the other node, priority and capacity whichever node each client uses, and a gateway's
//! death.

mod common;

use std::time::Duration;

use common::cluster::*;
use common::redis::Redis;
use common::*;
use serde_json::{Value, json};

/// A visitor through the gateway chats with an agent on the leader, both ways; the seqs are contiguous
/// and the ticket reads the same through either node.
#[tokio::test]
async fn a_visitor_on_one_node_chats_with_an_agent_on_the_other() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, b) = two_nodes(&redis, &admin);
    let (_, mut agent) = a.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = b.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);
    let view = visitor.recv_status("assigned").await;
    let ticket = s(&view["ticket"]);
    agent.recv_type("assigned").await;
    agent.send(agent_message(&conv, "a1", "Hello from node A.")).await;
    let a1 = agent.recv_ack("a1").await["seq"].as_u64().unwrap();
    assert_eq!(visitor.recv_said().await["text"], "Hello from node A.");
    visitor.send(message("v2", "Hello from node B.")).await;
    let v2 = visitor.recv_ack("v2").await["seq"].as_u64().unwrap();
    assert_eq!(v2, a1 + 1, "contiguous seqs whichever node a message came through");
    assert_eq!(agent.recv_said().await["text"], "Hello from node B.");

    let through_a = a.ticket(&ticket).await;
    let through_b = b.ticket(&ticket).await;
    assert_eq!(through_a, through_b, "one ticket, whichever node answers");
    let seqs: Vec<u64> = through_a["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=v2).collect::<Vec<_>>());

    // History search reads the transcripts in Redis, through either node.
    for node in [&a, &b] {
        let (status, found) = node.get("/api/tickets/search?q=FROM%20NODE%20B", node.admin()).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["results"][0]["ticket"], json!(ticket), "{found}");
    }
    let (_, none) = a.get("/api/tickets/search?q=nowhere%20at%20all", a.admin()).await;
    assert_eq!((none["results"].clone(), none["next_before"].clone()), (json!([]), Value::Null));
}

/// The same `client_msg_id` sent again through the other node: one message, and the first ack again.
#[tokio::test]
async fn a_retry_through_the_other_node_adds_nothing() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, b) = two_nodes(&redis, &admin);
    let (mut visitor, welcome) = a.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);
    visitor.send(message("once", "only once please")).await;
    let first = visitor.recv_ack("once").await;

    let token = s(&welcome["visitor_token"]);
    let (mut again, _) = b.visitor_connect(json!({"visitor_token": token})).await;
    again.send(message("once", "only once please")).await;
    let second = again.recv_ack("once").await;
    assert_eq!((second["seq"].clone(), second["conversation_id"].clone()), (first["seq"].clone(), json!(conv)));
    again.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0})).await;
    let synced = again.recv_type("synced").await;
    let copies = again.skipped.iter().filter(|f| f["type"] == "message" && f["text"] == "only once please").count();
    assert_eq!(copies, 1, "{:?}", again.skipped);
    assert_eq!(synced["last_seq"], first["seq"]);
}

/// A standard chat through A queued before a premium chat through B: the premium one is served first.
#[tokio::test]
async fn priority_holds_across_nodes() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, b) = two_nodes(&redis, &admin);
    let anna = a.create_agent("Anna", &["en"], 1).await;
    let (mut standard, _) = a.visitor_connect(json!({})).await;
    let (_, conv) = open_conversation(&mut standard, ENGLISH).await;
    assert_eq!(conv["status"], "queued", "{conv}");
    let (mut premium, _) = b.visitor_connect(json!({"identity": identity("p1", "p1@example.com", "premium")})).await;
    let (ack, conv) = open_conversation(&mut premium, ENGLISH).await;
    assert_eq!((conv["status"].clone(), conv["queue_position"].clone()), (json!("queued"), json!(1)), "{conv}");

    let token = b.login(&anna.email, PASSWORD).await;
    let mut agent = b.agent_connect(&token).await;
    let assigned = agent.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], ack["conversation_id"], "premium first: {assigned}");
}

/// Many visitors through both nodes, agents with small `max_chats` on both: no conversation assigned
/// twice, no agent over capacity, none left waiting while an agent has room.
#[tokio::test]
async fn a_race_through_both_nodes_assigns_each_chat_once_within_capacity() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, b) = two_nodes(&redis, &admin);
    let nodes = [&a, &b];
    let mut agents = Vec::new();
    for (i, name) in ["Anna", "Bert", "Cleo", "Dana"].iter().enumerate() {
        agents.push(nodes[i % 2].online_agent(name, &["en"], 2).await);
    }
    let mut visitors = Vec::new();
    for i in 0..12 {
        let (mut v, _) = nodes[i % 2].visitor_connect(json!({})).await;
        v.send(message("first", ENGLISH)).await;
        visitors.push(v);
    }
    let mut conversations = Vec::new();
    for v in visitors.iter_mut() {
        conversations.push(s(&v.recv_ack("first").await["conversation_id"]));
    }
    let mut held = std::collections::BTreeMap::<String, String>::new();
    for (agent, client) in agents.iter_mut() {
        for _ in 0..2 {
            let assigned = client.recv_type("assigned").await;
            let conv = s(&assigned["conversation"]["conversation_id"]);
            assert!(held.insert(conv.clone(), agent.name.clone()).is_none(), "{conv} assigned twice");
        }
        assert!(client.try_recv(Duration::from_millis(300)).await.is_none_or(|f| f["type"] != "assigned"));
    }
    assert_eq!(held.len(), 8, "every agent full, each chat once: {held:?}");
    let (status, tickets) = a.get("/api/tickets?status=queued", a.admin()).await;
    assert_eq!(status, 200, "{tickets}");
    let queued = tickets.as_array().map(|t| t.len()).unwrap_or_default();
    assert_eq!(queued, 4, "the other four wait in the one queue: {tickets}");
}

/// A gateway killed: its visitors reconnect through the other node and resume with `sync`, nothing lost
/// or repeated; its agents go offline within the node timeout and get no new chats.
#[tokio::test]
async fn a_gateways_death_costs_its_clients_a_reconnect_and_takes_its_agents_offline() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, mut b) = two_nodes(&redis, &admin);
    let (_, mut anna) = a.online_agent("Anna", &["en"], 5).await;
    let (_, _bert) = b.online_agent("Bert", &["en"], 5).await;
    let (mut visitor, welcome) = b.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);
    visitor.send(message("m2", "second line")).await;
    let m2 = visitor.recv_ack("m2").await["seq"].as_u64().unwrap();

    b.kill9();
    let started = std::time::Instant::now();
    let (status, agents) = loop {
        let (status, agents) = a.get("/api/agents", a.admin()).await;
        let bert_online =
            agents.as_array().is_some_and(|l| l.iter().any(|x| x["name"] == "Bert" && x["online"] == true));
        if !bert_online || started.elapsed() > Duration::from_secs(LEASE_SECS) {
            break (status, agents);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, 200);
    let bert = agents.as_array().unwrap().iter().find(|x| x["name"] == "Bert").cloned().unwrap();
    assert_eq!(bert["online"], false, "within the node timeout: {bert}");

    let token = s(&welcome["visitor_token"]);
    let (mut visitor, _) = a.visitor_connect(json!({"visitor_token": token})).await;
    visitor.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0})).await;
    let synced = visitor.recv_type("synced").await;
    let seqs: Vec<u64> =
        visitor.skipped.iter().filter(|f| f["type"] == "message").map(|f| f["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=synced["last_seq"].as_u64().unwrap()).collect::<Vec<_>>(), "once each, in order");
    assert!(seqs.contains(&m2));
    // A new chat goes to Anna, never to the departed Bert.
    let (mut other, _) = a.visitor_connect(json!({})).await;
    open_conversation(&mut other, ENGLISH).await;
    anna.recv_until("a second assigned", |f| {
        f["type"] == "assigned" && f["conversation"]["conversation_id"] != conv.as_str()
    })
    .await;
}

/// A gateway that stops without a word (paused: no TCP reset, no goodbye, like a machine that lost power):
/// the leader notices by its missing heartbeats, so its agents go offline within the node timeout; when
/// it wakes, its connections are closed, so that its clients reconnect instead of talking into a void.
#[tokio::test]
async fn a_silent_gateway_loses_its_agents_within_the_node_timeout() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, b) = two_nodes(&redis, &admin);
    let (_, mut bert) = b.online_agent("Bert", &["en"], 5).await;
    let online = |agents: &Value| {
        agents.as_array().is_some_and(|l| l.iter().any(|x| x["name"] == "Bert" && x["online"] == true))
    };
    assert!(online(&a.get("/api/agents", a.admin()).await.1), "Bert is online through the gateway");

    b.signal(libc::SIGSTOP);
    let stopped = std::time::Instant::now();
    while online(&a.get("/api/agents", a.admin()).await.1) {
        assert!(stopped.elapsed() <= Duration::from_secs(LEASE_SECS), "Bert still online past the node timeout");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.signal(libc::SIGCONT);
    let frames = bert.frames_until_gone(Duration::from_secs(10)).await;
    assert!(!frames.iter().any(|f| f["type"] == "assigned"), "{frames:?}");
}
