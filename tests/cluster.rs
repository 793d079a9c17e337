//! Cluster mode on a real `redis-server` (spec 6): the durability check at start, a standby that takes
//! over when the leader dies with every acknowledged message kept, and a paused ex-leader whose late
//! writes Redis refuses.

mod common;

use std::time::Duration;

use common::redis::Redis;
use common::*;
use serde_json::{Value, json};

/// The lease (and node timeout) in these tests: short, so a takeover is quick.
const LEASE_SECS: u64 = 2;
/// How long a standby may take to lead after the leader's death: the lease, a renewal interval, start-up.
const TAKEOVER: Duration = Duration::from_secs(LEASE_SECS * 2 + 10);

fn node_config(redis: &Redis, node: &str) -> String {
    format!(
        "{CONFIG_247}\n[bot]\nbuiltin = false\n\n[cluster]\nredis_url = \"{}\"\nnode_id = \"{node}\"\nnode_timeout_secs = {LEASE_SECS}\n",
        redis.url()
    )
}

/// Node `hub-a` leading and `hub-b` relaying to it.
fn two_nodes(redis: &Redis, admin: &str) -> (Server, Server) {
    let a = Server::start_node(&node_config(redis, "hub-a"), admin, true);
    a.wait_line("hub-a: leading", TAKEOVER);
    let b = Server::start_node(&node_config(redis, "hub-b"), admin, true);
    b.wait_line("hub-b: gateway", TAKEOVER);
    (a, b)
}

fn admin_token() -> String {
    format!("test-admin-{:032x}", rand::random::<u128>())
}

#[tokio::test]
async fn a_node_refuses_a_redis_that_does_not_fsync_every_write() {
    let redis = Redis::start_with("everysec");
    let mut node = Server::start_node(&node_config(&redis, "hub-a"), &admin_token(), false);
    let status = node.wait_exit(Duration::from_secs(20));
    assert!(!status.success(), "it must not run: {status:?}");
    let log = node.stderr();
    assert!(log.contains("appendonly yes") && log.contains("appendfsync everysec"), "names both settings: {log}");

    // `require_fsync = false` lets it run, with a warning.
    let config = node_config(&redis, "hub-a") + "require_fsync = false\n";
    let node = Server::start_node(&config, &admin_token(), true);
    assert_eq!(node.get("/healthz", None).await.0, 200);
    assert!(node.stderr().contains("does not fsync every write"), "{}", node.stderr());
}

/// A visitor and an agent chat on the leader; the leader is killed; the standby takes over from Redis and
/// both sides resume there with `sync`: every acknowledged message is there, in order, once.
#[tokio::test]
async fn a_standby_takes_over_when_the_leader_is_killed_and_nothing_acked_is_lost() {
    let redis = Redis::start();
    let admin = admin_token();
    let (mut a, b) = two_nodes(&redis, &admin);

    let (anna, mut agent) = a.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, welcome) = a.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);
    agent.recv_type("assigned").await;
    let mut acked: Vec<(u64, String)> = vec![(1, ENGLISH.to_string())];
    for i in 0..5 {
        let text = format!("visitor line {i}");
        visitor.send(message(&format!("v{i}"), &text)).await;
        let ack = visitor.recv_ack(&format!("v{i}")).await;
        acked.push((ack["seq"].as_u64().unwrap(), text));
    }
    agent.send(agent_message(&conv, "a1", "Anna here, looking at it.")).await;
    let ack = agent.recv_ack("a1").await;
    acked.push((ack["seq"].as_u64().unwrap(), "Anna here, looking at it.".into()));

    a.kill9();
    b.wait_line("hub-b: leading", TAKEOVER);

    // The visitor comes back through the new leader with its token and catches up from seq 0.
    let token = s(&welcome["visitor_token"]);
    let (mut visitor, welcome) = b.visitor_connect(json!({"visitor_token": token})).await;
    assert_eq!(welcome["visitor_token"], token.as_str(), "the same visitor: {welcome}");
    visitor.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0, "ref": "s"})).await;
    let mut seen: Vec<Value> = Vec::new();
    loop {
        let f = visitor.recv().await;
        match f["type"].as_str() {
            Some("message") => seen.push(f),
            Some("synced") => break,
            _ => {}
        }
    }
    let seqs: Vec<u64> = seen.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "contiguous, once each: {seqs:?}");
    for (seq, text) in &acked {
        let m = seen.iter().find(|m| m["seq"] == *seq).unwrap_or_else(|| panic!("acked seq {seq} lost: {seen:?}"));
        assert_eq!(m["text"], text.as_str());
    }

    // The agent signs in on the new leader and still holds the chat; the conversation goes on.
    let token = b.login(&anna.email, PASSWORD).await;
    let mut agent = b.agent_connect(&token).await;
    let mine = agent.welcome["conversations"].as_array().cloned().unwrap_or_default();
    assert!(mine.iter().any(|c| c["conversation_id"] == conv.as_str()), "Anna keeps her chat: {}", agent.welcome);
    let last = *seqs.last().unwrap();
    visitor.send(message("after", "Still there?")).await;
    assert_eq!(visitor.recv_ack("after").await["seq"], last + 1, "seqs go on after the takeover");
    let said = agent.recv_said().await;
    assert_eq!(said["text"], "Still there?");
}

/// A leader paused past its lease: a standby leads meanwhile; when the old one wakes, what it decided
/// while paused is refused by Redis, acknowledged to nobody, and it stops.
#[tokio::test]
async fn a_paused_leaders_late_writes_are_refused() {
    let redis = Redis::start();
    let admin = admin_token();
    let (mut a, b) = two_nodes(&redis, &admin);
    let (mut visitor, welcome) = a.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);

    a.signal(libc::SIGSTOP);
    b.wait_line("hub-b: leading", TAKEOVER);
    // Sent to the paused ex-leader: it reads this only after it wakes.
    visitor.send(message("late", "written while paused")).await;
    a.signal(libc::SIGCONT);
    let status = a.wait_exit(Duration::from_secs(20));
    assert!(!status.success(), "the ex-leader stops: {status:?}");
    let frames = visitor.frames_until_gone(Duration::from_secs(10)).await;
    assert!(
        !frames.iter().any(|f| f["type"] == "ack" && f["client_msg_id"] == "late"),
        "a late write was acknowledged: {frames:?}"
    );

    // Through the new leader: the conversation has only what was acknowledged.
    let token = s(&welcome["visitor_token"]);
    let (mut visitor, _) = b.visitor_connect(json!({"visitor_token": token})).await;
    visitor.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0})).await;
    let synced = visitor.recv_type("synced").await;
    let texts: Vec<Value> =
        visitor.skipped.iter().filter(|f| f["type"] == "message").map(|f| f["text"].clone()).collect();
    assert!(!texts.contains(&json!("written while paused")), "{texts:?}");
    assert_eq!(synced["last_seq"], texts.len(), "{synced} {texts:?}");
}
