//! Email (spec 7.6) against the real binary and a real SMTP sink on 127.0.0.1 (`common::smtp`): the
//! acknowledgement with the ticket number, unseen agent messages in one email with a link back to the
//! chat, a failed delivery retried and delivered once, and an outbox that survives a restart.

mod common;

use std::time::Duration;

use common::smtp::{Fault, Mail, SmtpSink};
use common::*;
use serde_json::json;

/// How long a test waits for an email (unseen_after, plus retries after failures: 1 s, then 2 s).
const MAIL_TIMEOUT: Duration = Duration::from_secs(15);
const PAGE: &str = "https://shop.test/help";

fn config(sink: &SmtpSink, unseen_after: &str) -> String {
    format!(
        "{CONFIG_247}\n[email]\nsmtp_url = \"{}\"\nfrom = \"Example Support <support@example.com>\"\n\
         unseen_after = \"{unseen_after}\"\n",
        sink.url()
    )
}

fn hello(sub: &str, email: &str) -> serde_json::Value {
    json!({"identity": identity(sub, email, "standard"), "page": PAGE})
}

/// Outbox rows as the store holds them: (recipient, kind, state, attempts).
fn outbox(server: &Server) -> Vec<(String, String, String, i64)> {
    let db = rusqlite::Connection::open(server.data_dir().join("switchboard.db")).unwrap();
    let mut stmt =
        db.prepare("SELECT recipient, kind, state, attempts FROM email_outbox ORDER BY created_at, id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

/// The outbox once the sender has recorded every attempt (no row is left `ready`). The record follows
/// the SMTP server's acceptance by one commit, and there is no frame to await for it across processes.
async fn settled_outbox(server: &Server) -> Vec<(String, String, String, i64)> {
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let rows = outbox(server);
        if rows.iter().all(|r| r.2 != "ready") {
            return rows;
        }
        assert!(std::time::Instant::now() < deadline, "emails left unsent: {rows:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the hub has been told the visitor's connection closed (the gauge falls after the
/// session has handed the hub its `Disconnected`): there is no frame to await for it.
async fn visitor_gone(server: &Server) {
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let (_, body) = http_text(&server.addr, "GET", "/metrics", None, None).await;
        if body.contains("switchboard_connections{role=\"visitor\"} 0") {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the visitor's connection did not end:\n{body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a conversation for a verified visitor nobody can take; returns its ticket (`SB-…`).
async fn open_unanswered(server: &Server, sub: &str, email: &str) -> String {
    let (mut visitor, _) = server.visitor_connect(hello(sub, email)).await;
    let (_, conv) = open_conversation(&mut visitor, ENGLISH).await;
    s(&conv["ticket"])
}

fn assert_ack(mail: &Mail, to: &str, ticket: &str) {
    assert_eq!(mail.to, [to]);
    assert_eq!(mail.from, "support@example.com");
    assert_eq!(mail.header("Subject"), Some(format!("[{ticket}] We have your message").as_str()), "{}", mail.data);
    let body = mail.body();
    assert!(body.contains(&format!("Your ticket number is {ticket}.")), "{body}");
    assert!(body.contains(&format!("Continue the conversation: {PAGE}")), "{body}");
}

#[tokio::test]
async fn a_verified_visitor_no_human_can_take_is_acknowledged_with_the_ticket_number() {
    let mut sink = SmtpSink::start(&[]).await;
    let server = Server::start(&config(&sink, "5m"));
    let ticket = open_unanswered(&server, "u-1", "ada@example.com").await;
    let mail = sink.next(MAIL_TIMEOUT).await;
    assert_ack(&mail, "ada@example.com", &ticket);
    assert!(mail.header("Message-ID").is_some_and(|id| id.starts_with("<em_")), "{}", mail.data);
}

#[tokio::test]
async fn an_email_given_in_the_widget_gets_the_acknowledgement() {
    let mut sink = SmtpSink::start(&[]).await;
    let server = Server::start(&config(&sink, "5m"));
    let (mut visitor, _) = server.visitor_connect(json!({"page": PAGE})).await;
    visitor.send(json!({"type": "set_email", "email": "nope", "ref": "bad"})).await;
    let refused = visitor.recv_type("error").await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    visitor.send(json!({"type": "set_email", "email": "bob@example.com", "ref": "e"})).await;
    visitor.recv_type("ack").await;
    let (_, conv) = open_conversation(&mut visitor, ENGLISH).await;
    let mail = sink.next(MAIL_TIMEOUT).await;
    assert_ack(&mail, "bob@example.com", &s(&conv["ticket"]));
}

#[tokio::test]
async fn agent_messages_the_visitor_has_not_seen_are_emailed_together_with_a_link_back() {
    let mut sink = SmtpSink::start(&[]).await;
    let server = Server::start(&config(&sink, "2s"));
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(hello("u-2", "cleo@example.com")).await;
    let (ack, conv) = open_conversation(&mut visitor, ENGLISH).await;
    let (id, ticket) = (s(&ack["conversation_id"]), s(&conv["ticket"]));
    agent.recv_type("assigned").await;
    agent.send(agent_message(&id, "a0", "Seen live, so never emailed.")).await;
    agent.recv_ack("a0").await;
    visitor.recv_said().await;
    visitor.close().await;
    visitor_gone(&server).await;
    agent.send(agent_message(&id, "a1", "Your refund was approved.")).await;
    agent.recv_ack("a1").await;
    agent.send(agent_message(&id, "a2", "It reaches your card within three days.")).await;
    agent.recv_ack("a2").await;

    let mail = sink.next(MAIL_TIMEOUT).await;
    assert_eq!(mail.to, ["cleo@example.com"]);
    assert_eq!(mail.header("Subject"), Some(format!("[{ticket}] New reply from support").as_str()));
    let body = mail.body();
    assert!(body.contains("Anna ("), "{body}");
    assert!(body.contains("  Your refund was approved.\n"), "{body}");
    assert!(body.contains("  It reaches your card within three days.\n"), "{body}");
    assert!(!body.contains("Seen live"), "a message delivered to a connected visitor is seen: {body}");
    assert!(body.contains(&format!("Continue the conversation: {PAGE}")), "{body}");
    // One email for the conversation: the store says so once the sender has recorded it.
    let rows = settled_outbox(&server).await;
    assert_eq!(rows.iter().filter(|r| r.1 == "unseen").count(), 1, "{rows:?}");
    assert!(sink.pending().is_empty());
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_backoff_and_delivered_exactly_once() {
    let mut sink = SmtpSink::start(&[Fault::Drop, Fault::TempFailData]).await;
    let server = Server::start(&config(&sink, "5m"));
    let ticket = open_unanswered(&server, "u-3", "dora@example.com").await;
    assert!(matches!(sink.next_connection(MAIL_TIMEOUT).await, Some(Fault::Drop)));
    assert!(matches!(sink.next_connection(MAIL_TIMEOUT).await, Some(Fault::TempFailData)));
    let mail = sink.next(MAIL_TIMEOUT).await;
    assert_ack(&mail, "dora@example.com", &ticket);
    // A later email goes out after the first was recorded as sent: had the first been sent again, it
    // would come before this one.
    let other = open_unanswered(&server, "u-4", "eve@example.com").await;
    let next = sink.next(MAIL_TIMEOUT).await;
    assert_ack(&next, "eve@example.com", &other);
    assert!(sink.pending().is_empty());
    let rows = outbox(&server);
    assert_eq!(rows[0], ("dora@example.com".into(), "ack".into(), "sent".into(), 3), "two failures, then sent");
}

#[tokio::test]
async fn an_unseen_message_waiting_at_a_restart_is_emailed_once_after_it() {
    let mut sink = SmtpSink::start(&[]).await;
    let mut server = Server::start(&config(&sink, "2s"));
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(hello("u-5", "finn@example.com")).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    agent.recv_type("assigned").await;
    visitor.close().await;
    visitor_gone(&server).await;
    agent.send(agent_message(&s(&ack["conversation_id"]), "a1", "We found your parcel.")).await;
    // The ack means the waiting email is committed with the message; the process dies before its timer.
    agent.recv_ack("a1").await;
    server.kill9();
    assert!(sink.pending().is_empty(), "not before unseen_after");
    server.restart();
    let mail = sink.next(MAIL_TIMEOUT).await;
    assert_eq!(mail.to, ["finn@example.com"]);
    assert!(mail.body().contains("  We found your parcel.\n"), "{}", mail.data);
    let rows = settled_outbox(&server).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_str()), ("unseen", "sent"));
}

#[tokio::test]
async fn an_email_that_failed_before_a_restart_is_sent_once_after_it() {
    let mut sink = SmtpSink::start(&[Fault::TempFailData]).await;
    let mut server = Server::start(&config(&sink, "5m"));
    let ticket = open_unanswered(&server, "u-6", "gus@example.com").await;
    assert!(matches!(sink.next_connection(MAIL_TIMEOUT).await, Some(Fault::TempFailData)));
    server.kill9();
    server.restart();
    let mail = sink.next(MAIL_TIMEOUT).await;
    assert_ack(&mail, "gus@example.com", &ticket);
    let other = open_unanswered(&server, "u-7", "hal@example.com").await;
    assert_ack(&sink.next(MAIL_TIMEOUT).await, "hal@example.com", &other);
    assert!(sink.pending().is_empty(), "the first was not sent again");
    let rows = outbox(&server);
    assert_eq!((rows[0].0.as_str(), rows[0].2.as_str()), ("gus@example.com", "sent"), "{rows:?}");
}
