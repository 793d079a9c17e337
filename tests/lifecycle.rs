//! The process (spec 1): acknowledged means durable across SIGKILL, and SIGTERM is an orderly stop.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn every_acknowledged_message_survives_sigkill() {
    let mut server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (first, conv) = open_conversation(&mut visitor, ENGLISH).await;
    let conv_id = s(&first["conversation_id"]);
    let ticket = s(&conv["ticket"]);

    for i in 0..49 {
        visitor.send(message(&format!("m{i}"), &format!("message number {i}"))).await;
    }
    let mut acked = BTreeMap::new();
    while acked.len() < 49 {
        let v = visitor.recv().await;
        if v["type"] == "ack" {
            acked.insert(v["seq"].as_u64().expect("seq"), s(&v["client_msg_id"]));
        }
        assert_ne!(v["type"], "error", "{v}");
    }
    acked.insert(1, "first".into());
    server.kill9();
    server.restart();

    let (status, stored) = server.get(&format!("/api/tickets/{ticket}"), Some(&token)).await;
    assert_eq!(status, 200, "the visitor token still works over HTTP: {stored}");
    let by_seq: BTreeMap<u64, String> = stored["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| (m["seq"].as_u64().unwrap(), s(&m["text"])))
        .collect();
    for (seq, id) in &acked {
        let want = if id == "first" { ENGLISH.to_string() } else { format!("message number {}", &id[1..]) };
        assert_eq!(by_seq.get(seq), Some(&want), "acknowledged seq {seq} ({id}) lost or changed by SIGKILL");
    }
    let seqs: Vec<u64> = by_seq.keys().copied().collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "no gaps after recovery");

    let (mut again, welcome) = server.visitor_connect(json!({"visitor_token": token})).await;
    assert_eq!(welcome["visitor_token"], token.as_str(), "the visitor token still works over WebSocket: {welcome}");
    assert_eq!(welcome["conversation"]["conversation_id"], conv_id.as_str(), "{welcome}");
    assert!(welcome["conversation"]["last_seq"].as_u64().unwrap() >= 50, "{welcome}");
    // And the conversation goes on with the next seq.
    let last = welcome["conversation"]["last_seq"].as_u64().unwrap();
    again.send(message("after", "Still there?")).await;
    assert_eq!(again.recv_ack("after").await["seq"], last + 1);
}

#[tokio::test]
async fn sigterm_closes_clients_with_1012_and_exits_0() {
    let mut server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    agent.recv_type("assigned").await;

    server.sigterm();
    assert_eq!(visitor.expect_close().await, 1012, "visitor");
    assert_eq!(agent.expect_close().await, 1012, "agent");
    let status = server.wait_exit(Duration::from_secs(15));
    assert!(status.success(), "exit status {status:?}\n{}", server.stderr());

    // What was acknowledged before the stop is still there.
    server.restart();
    let (code, tickets) = server.get("/api/tickets", server.admin()).await;
    assert_eq!(code, 200, "{tickets}");
    assert!(tickets.as_array().unwrap().iter().any(|t| t["conversation_id"] == ack["conversation_id"]), "{tickets}");
}

#[test]
fn bad_config_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[[sites]]\nkey = \"default\"\nsecret = \"short\"\n", "sites[0].secret"),
        ("[[departments]]\nname = \"support\"\ntimezone = \"Mars/Olympus\"\nhours = \"24/7\"\n", "departments[0]"),
        ("[limits]\nhello_timeout_secs = 0\n", "limits.hello_timeout_secs"),
        ("[identity]\nrequire_verifed = true\n", "require_verifed"),
    ];
    for (i, (config, key)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, config).unwrap();
        let out = std::process::Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join(format!("data{i}")))
            .arg("--config")
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{config:?} must be refused");
        assert!(stderr.contains(key), "the message names {key}: {stderr}");
    }
}
