//! Cluster mode on a real `redis-server` (spec 6): the durability check at start, a standby that takes
//! over when the leader dies with every acknowledged message kept, a paused ex-leader whose late writes
//! Redis refuses, Redis away and back, the admin's view of the nodes, and email (spec 7.6) sent once by
//! the leader for visitors on a gateway, across a takeover too. Routing across nodes is in
//! `cluster_routing.rs`.

mod common;

use std::time::Duration;

use common::cluster::*;
use common::redis::Redis;
use common::smtp::SmtpSink;
use common::*;
use serde_json::{Value, json};

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

    // A burst in flight when the leader dies: whatever was acknowledged must survive it.
    for i in 0..40 {
        visitor.send(message(&format!("burst{i}"), &format!("burst line {i}"))).await;
    }
    let third = visitor.recv_ack("burst3").await;
    acked.push((third["seq"].as_u64().unwrap(), "burst line 3".into()));
    a.kill9();
    for f in visitor.frames_until_gone(Duration::from_secs(10)).await {
        if f["type"] == "ack" && f["client_msg_id"].as_str().is_some_and(|c| c.starts_with("burst")) {
            let i: usize = f["client_msg_id"].as_str().unwrap()["burst".len()..].parse().unwrap();
            acked.push((f["seq"].as_u64().unwrap(), format!("burst line {i}")));
        }
    }
    assert!(acked.len() >= 11, "the first four of the burst at least were acknowledged: {acked:?}");
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

/// Redis killed during traffic, away for longer than the lease, and restarted on its files: while it is
/// away messages get `unavailable` (even behind a write that waits for Redis) and `/healthz` is 503; then
/// service resumes with the same leader and no node restarted, and every acked message is there, in
/// order, and nothing that was refused.
#[tokio::test]
async fn redis_away_and_back_loses_nothing_acked() {
    let mut redis = Redis::start();
    let admin = admin_token();
    let (mut a, b) = two_nodes(&redis, &admin);
    let (mut visitor, _) = b.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv = s(&ack["conversation_id"]);
    let mut acked = vec![1u64];
    for i in 0..5 {
        visitor.send(message(&format!("before{i}"), "before")).await;
        acked.push(visitor.recv_ack(&format!("before{i}")).await["seq"].as_u64().unwrap());
    }

    redis.kill9();
    let away = std::time::Instant::now();
    // Sent at once: the hub may not know yet, and its write waits for Redis.
    visitor.send(with_ref("inflight", "sent as redis died")).await;
    let deadline = away + Duration::from_secs(LEASE_SECS * 3);
    while a.get("/healthz", None).await.0 != 503 {
        assert!(std::time::Instant::now() < deadline, "/healthz never said 503");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    visitor.send(with_ref("away", "while redis is away")).await;
    let answer = visitor.recv_until("an answer to away", |f| f["client_msg_id"] == "away" || f["ref"] == "away").await;
    assert_eq!((answer["type"].clone(), answer["code"].clone()), (json!("error"), json!("unavailable")), "{answer}");

    // Away for longer than the lease: the gateway must leave the old leader its lease.
    let past_lease = away + Duration::from_secs(LEASE_SECS * 2);
    tokio::time::sleep(past_lease.saturating_duration_since(std::time::Instant::now())).await;
    redis.restart();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        visitor.send(with_ref("after", "redis is back")).await;
        let f = visitor.recv_until("an answer", |f| f["client_msg_id"] == "after" || f["ref"] == "after").await;
        if f["type"] == "ack" {
            acked.push(f["seq"].as_u64().unwrap());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "service did not resume: {f}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(a.get("/healthz", None).await.0, 200);
    assert!(a.is_running(), "the leader was not restarted");
    assert!(!b.printed("hub-b: leading"), "the gateway did not take over from a healthy leader");

    let inflight = visitor.skipped.iter().find(|f| f["client_msg_id"] == "inflight" || f["ref"] == "inflight").cloned();
    let inflight_acked = inflight.as_ref().is_some_and(|f| f["type"] == "ack");
    if let Some(f) = inflight.as_ref().filter(|_| inflight_acked) {
        acked.push(f["seq"].as_u64().unwrap());
    }
    visitor.send(json!({"type": "sync", "conversation_id": conv, "after_seq": 0})).await;
    visitor.recv_type("synced").await;
    let messages: Vec<Value> = visitor.skipped.iter().filter(|f| f["type"] == "message").cloned().collect();
    let seqs: Vec<u64> = messages.iter().map(|f| f["seq"].as_u64().unwrap()).collect();
    for seq in &acked {
        assert!(seqs.contains(seq), "acked seq {seq} lost: {seqs:?}");
    }
    assert_eq!(seqs, (1..=*seqs.last().unwrap()).collect::<Vec<_>>(), "in order, no gap");
    assert!(!messages.iter().any(|f| f["text"] == "while redis is away"), "a refused message appeared");
    let inflight_stored = messages.iter().any(|f| f["text"] == "sent as redis died");
    assert_eq!(inflight_stored, inflight_acked, "stored exactly when acknowledged: {inflight:?}");
}

/// `/api/admin/cluster` lists both nodes with their roles and connections; metrics carry the node.
#[tokio::test]
async fn the_admin_sees_every_node() {
    let redis = Redis::start();
    let admin = admin_token();
    let (a, b) = two_nodes(&redis, &admin);
    let (_visitor, _) = b.visitor_connect(json!({})).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(LEASE_SECS * 3);
    let body = loop {
        let (status, body) = b.get("/api/admin/cluster", b.admin()).await;
        assert_eq!(status, 200, "{body}");
        let gateway_visitors = body["nodes"].as_array().and_then(|n| n.iter().find(|x| x["id"] == "hub-b").cloned());
        if gateway_visitors.is_some_and(|g| g["connections"]["visitor"] == 1) {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "the gateway's visitor is never counted: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let nodes = body["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{body}");
    assert_eq!(nodes[0]["id"], "hub-a");
    assert_eq!(nodes[0]["role"], "leader");
    assert_eq!(nodes[0]["connections"]["visitor"], 0, "the relayed visitor is the gateway's: {body}");
    assert_eq!(nodes[1]["role"], "gateway");
    assert!(nodes[1]["last_heartbeat"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    assert_eq!(a.get("/api/admin/cluster", None).await.0, 401);
    let (_, metrics) = http_text(&a.addr, "GET", "/metrics", None, None).await;
    assert!(metrics.contains("node=\"hub-a\""), "{metrics}");
}

/// `[email]` for both nodes, pointing at `sink`.
fn email_config(sink: &SmtpSink, unseen_after: &str) -> String {
    format!(
        "\n[email]\nsmtp_url = \"{}\"\nfrom = \"support@example.com\"\nunseen_after = \"{unseen_after}\"\n",
        sink.url()
    )
}

/// An email of the outbox: (recipient, kind, state, attempts).
type Row = (String, String, String, u64);

fn row(to: &str, kind: &str, state: &str, attempts: u64) -> Row {
    (to.into(), kind.into(), state.into(), attempts)
}

/// The outbox as Redis holds it, oldest first.
fn redis_outbox(redis: &Redis) -> Vec<Row> {
    let mut c = ::redis::Client::open(redis.url()).unwrap().get_connection().unwrap();
    let ids: Vec<String> = ::redis::cmd("ZRANGE").arg("sb:outbox").arg(0).arg(-1).query(&mut c).unwrap();
    ids.iter()
        .map(|id| {
            let raw: String = ::redis::cmd("GET").arg(format!("sb:email:{id}")).query(&mut c).unwrap();
            let e: Value = serde_json::from_str(&raw).unwrap();
            (s(&e["to"]), s(&e["kind"]), s(&e["state"]), e["attempts"].as_u64().unwrap())
        })
        .collect()
}

/// The outbox once every email is sent (the record follows the SMTP server's acceptance by one commit).
async fn sent_outbox(redis: &Redis) -> Vec<Row> {
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let rows = redis_outbox(redis);
        if !rows.is_empty() && rows.iter().all(|r| r.2 == "sent") {
            return rows;
        }
        assert!(std::time::Instant::now() < deadline, "emails left unsent: {rows:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the node has handed on the end of its last visitor connection (on a gateway: to the
/// stream of events its other connections' frames follow).
async fn visitor_gone(node: &Server) {
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let (_, body) = http_text(&node.addr, "GET", "/metrics", None, None).await;
        let gone = body
            .lines()
            .any(|l| l.starts_with("switchboard_connections{") && l.contains("role=\"visitor\"") && l.ends_with(" 0"));
        if gone {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the visitor's connection did not end:\n{body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Email is on in cluster mode: a visitor on the gateway gives an address and opens a conversation no
/// human can take; the leader's sender sends the acknowledgement once and Redis records it sent.
#[tokio::test]
async fn a_visitor_on_a_gateway_is_acknowledged_by_email_once() {
    let redis = Redis::start();
    let mut sink = SmtpSink::start(&[]).await;
    let (_a, b) = two_nodes_with(&redis, &admin_token(), &email_config(&sink, "5m"));
    let (mut visitor, _) = b.visitor_connect(json!({})).await;
    visitor.send(json!({"type": "set_email", "email": "bob@example.com", "ref": "e"})).await;
    visitor.recv_type("ack").await;
    let (_, conv) = open_conversation(&mut visitor, ENGLISH).await;
    let ticket = s(&conv["ticket"]);
    let mail = sink.next(Duration::from_secs(15)).await;
    assert_eq!(mail.to, ["bob@example.com"]);
    assert_eq!(mail.header("Subject"), Some(format!("[{ticket}] We have your message").as_str()), "{}", mail.data);
    let rows = sent_outbox(&redis).await;
    assert_eq!(rows, [row("bob@example.com", "ack", "sent", 1)]);
    assert!(sink.pending().is_empty(), "sent once");
}

/// An unseen agent message waits in Redis's outbox when the leader is killed; the gateway that takes
/// over restores it and sends it once.
#[tokio::test]
async fn an_email_waiting_when_the_leader_dies_is_sent_once_by_the_next() {
    let redis = Redis::start();
    let mut sink = SmtpSink::start(&[]).await;
    let (mut a, b) = two_nodes_with(&redis, &admin_token(), &email_config(&sink, "3s"));
    // Both on the gateway: the visitor's departure reaches the leader before the agent's message.
    let (_, mut agent) = b.online_agent("Anna", &["en"], 3).await;
    let hello = json!({"identity": identity("u-1", "finn@example.com", "standard")});
    let (mut visitor, _) = b.visitor_connect(hello).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    agent.recv_type("assigned").await;
    visitor.close().await;
    visitor_gone(&b).await;
    agent.send(agent_message(&s(&ack["conversation_id"]), "a1", "We found your parcel.")).await;
    // The ack means the waiting email is in Redis with the message; the leader dies before its timer.
    agent.recv_ack("a1").await;
    a.kill9();
    assert_eq!(redis_outbox(&redis).iter().map(|r| r.2.as_str()).collect::<Vec<_>>(), ["waiting"]);
    assert!(sink.pending().is_empty(), "not before unseen_after");
    b.wait_line("hub-b: leading", TAKEOVER);
    let mail = sink.next(TAKEOVER).await;
    assert_eq!(mail.to, ["finn@example.com"]);
    assert!(mail.body().contains("  We found your parcel.\n"), "{}", mail.data);
    let rows = sent_outbox(&redis).await;
    assert_eq!(rows, [row("finn@example.com", "unseen", "sent", 1)]);
    assert!(sink.pending().is_empty(), "sent once");
}
