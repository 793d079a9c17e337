//! The support workflow against the real binary (spec 7.1-7.3, topics): short service-level targets so
//! that the clocks run out within the test, escalation by tier name, topics from the config.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// First response in 2 s (warned at 1.6 s), resolution far away; two named tiers and a topic.
fn config() -> String {
    format!(
        r#"{CONFIG_247}tiers = ["Support", "Specialists"]
topics = [{{ key = "fraud", label = {{ en = "Payment fraud", de = "Zahlungsbetrug" }}, tier = 2 }}]

[sla]
first_response = {{ urgent = "2s", premium = "2s", standard = "2s", low = "2s" }}
resolution = {{ urgent = "1d", premium = "1d", standard = "1d", low = "1d" }}
"#
    )
}

#[tokio::test]
async fn a_waiting_chat_warns_then_breaches_its_first_response_target_once_even_across_a_restart() {
    let mut server = Server::start(&config());
    let (anna_agent, mut anna) = server.online_agent("Anna", &["en"], 1).await;
    let (mut busy, _) = server.visitor_connect(json!({})).await;
    let (held, _) = open_conversation(&mut busy, ENGLISH).await;
    anna.recv_type("assigned").await;
    anna.send(agent_message(&s(&held["conversation_id"]), "a1", "Hello, I am on it.")).await;
    anna.recv_ack("a1").await;

    let (mut waiting, _) = server.visitor_connect(json!({})).await;
    let (ack, conv) = open_conversation(&mut waiting, ENGLISH).await;
    assert_eq!(conv["status"], "queued", "{conv}");
    let line = waiting.recv_system("queued").await;
    assert_eq!(line["seq"], 2, "{line}");
    let queue =
        anna.recv_until("the queue with its clocks", |v| v["type"] == "queue" && v["waiting"] != json!([])).await;
    assert_eq!(queue["waiting"][0]["sla"]["state"], "ok", "{queue}");
    assert!(queue["waiting"][0]["sla"]["first_response_due"].is_string(), "{queue}");

    let within = Duration::from_secs(6);
    let warning = anna.recv_until_within(within, "the warning", |v| v["type"] == "sla").await;
    assert_eq!((warning["clock"].clone(), warning["state"].clone()), (json!("first_response"), json!("warning")));
    assert_eq!(warning["conversation_id"], ack["conversation_id"]);
    let breach = anna.recv_until_within(within, "the breach", |v| v["type"] == "sla").await;
    assert_eq!(breach["state"], "breached", "{breach}");
    let (_, metrics) = http_text(&server.addr, "GET", "/metrics", None, None).await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("switchboard_sla_breaches_total{clock=\"first_response\",priority=\"standard\"} 1")),
        "{metrics}"
    );

    // A restart finds the breach sent: Anna hears of it no more.
    server.sigterm();
    server.wait_exit(Duration::from_secs(10));
    server.restart();
    let token = server.login(&anna_agent.email, PASSWORD).await;
    let mut anna = server.agent_connect(&token).await;
    let rest = anna.ping_pong().await;
    assert!(rest.iter().all(|v| v["type"] != "sla"), "{rest:?}");
    let ticket = server.ticket(&s(&conv["ticket"])).await;
    assert_eq!(ticket["sla"]["state"], "breached", "{ticket}");
    let whats: Vec<Value> = ticket["history"].as_array().unwrap().iter().map(|h| h["what"].clone()).collect();
    assert_eq!(whats, [json!("queued"), json!("sla_warning"), json!("sla_breached")], "{ticket}");
}

#[tokio::test]
async fn a_topic_starts_the_chat_at_its_tier_and_the_welcome_offers_it_in_the_visitors_language() {
    let server = Server::start(&config());
    // English is covered (by an agent offline now), so the chat waits for a human at its own priority.
    server.create_agent("Anna", &["en"], 1).await;
    let (mut visitor, welcome) = server.visitor_connect(json!({"locale": "de-DE"})).await;
    assert_eq!(welcome["department"]["topics"], json!([{"key": "fraud", "label": "Zahlungsbetrug"}]), "{welcome}");
    visitor.send(json!({"type": "message", "client_msg_id": "c1", "text": ENGLISH, "topic": "fraud"})).await;
    visitor.recv_ack("c1").await;
    let conv = visitor.recv_type("conversation").await;
    assert_eq!(
        (conv["tier"].clone(), conv["tier_name"].clone(), conv["topic"].clone()),
        (json!(2), json!("Specialists"), json!("fraud"))
    );
    assert_eq!(conv["priority"], "standard", "a topic never sets priority");
}
