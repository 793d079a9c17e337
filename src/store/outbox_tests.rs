//! The email outbox as the hub and the sender use it: rows written by ops, due ones read in order, an
//! attempt's outcome recorded, waiting ones restored at start.

use super::sqlite::SqliteFactory;
use super::*;
use crate::email::{EmailAddress, EmailContent, EmailKind, EmailState, OutboxEmail, QuotedMessage};

pub(crate) fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// An unseen-messages email to one visitor, due at `next` (shared with the Redis store's tests).
pub(crate) fn email(id: u64, state: EmailState, next: &str) -> OutboxEmail {
    OutboxEmail {
        id: EmailId(id),
        conversation: ConversationId(id),
        visitor: VisitorId(id),
        kind: EmailKind::Unseen,
        to: EmailAddress::parse("ada@example.com").unwrap(),
        state,
        content: EmailContent {
            ticket: 1000 + id,
            link: Some("https://shop.test/".into()),
            messages: vec![QuotedMessage { seq: 2, name: Some("Anna".into()), text: "Hi".into(), at: at(next) }],
            more: 0,
        },
        due_at: at(next),
        attempts: 0,
        next_attempt_at: at(next),
        created_at: at("2026-11-23T10:00:00Z"),
    }
}

#[test]
fn the_outbox_gives_due_emails_in_order_and_records_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let put = |e: OutboxEmail| StoreOp::PutEmail(Box::new(e));
    writer
        .apply(&[
            put(email(1, EmailState::Ready, "2026-11-23T10:05:00Z")),
            put(email(2, EmailState::Ready, "2026-11-23T10:01:00Z")),
            put(email(3, EmailState::Waiting, "2026-11-23T10:00:00Z")),
            put(email(4, EmailState::Ready, "2026-11-23T11:00:00Z")),
        ])
        .unwrap();
    let reader = factory.open().unwrap();
    let due = reader.emails_due(at("2026-11-23T10:10:00Z"), 10).unwrap();
    assert_eq!(due.iter().map(|e| e.id.0).collect::<Vec<_>>(), [2, 1], "ready and due, longest due first");
    assert_eq!(due[1], email(1, EmailState::Ready, "2026-11-23T10:05:00Z"), "reads back as written");
    assert_eq!(reader.emails_due(at("2026-11-23T10:10:00Z"), 1).unwrap().len(), 1, "at most the limit");
    assert_eq!(reader.next_email_due().unwrap(), Some(at("2026-11-23T10:01:00Z")));

    let retry = at("2026-11-23T10:20:00Z");
    let failed = EmailOutcome::Failed { attempts: 1, next: Some(retry), error: "451 later".into() };
    let sent = EmailOutcome::Sent { at: at("2026-11-23T10:10:01Z") };
    writer
        .apply(&[
            StoreOp::EmailAttempt { id: EmailId(2), outcome: failed },
            StoreOp::EmailAttempt { id: EmailId(1), outcome: sent.clone() },
            StoreOp::DeleteWaitingEmail(EmailId(3)),
            StoreOp::DeleteWaitingEmail(EmailId(4)),
        ])
        .unwrap();
    assert!(reader.emails_due(at("2026-11-23T10:10:00Z"), 10).unwrap().is_empty());
    let all = reader.outbox().unwrap();
    let state = |id: u64| all.iter().find(|e| e.id.0 == id).map(|e| (e.state, e.attempts, e.next_attempt_at));
    assert_eq!(state(1).map(|s| (s.0, s.1)), Some((EmailState::Sent, 1)));
    assert_eq!(state(2), Some((EmailState::Ready, 1, retry)), "tried again later");
    assert_eq!(state(3), None, "a waiting email the visitor saw goes");
    assert_eq!(state(4).map(|s| s.0), Some(EmailState::Ready), "a released one stays");

    // A repeated report changes nothing: a sent email is never made ready again.
    writer.apply(&[StoreOp::EmailAttempt { id: EmailId(1), outcome: sent }]).unwrap();
    let gave_up = EmailOutcome::Failed { attempts: 12, next: None, error: "550 no such user".into() };
    writer.apply(&[StoreOp::EmailAttempt { id: EmailId(2), outcome: gave_up }]).unwrap();
    let all = reader.outbox().unwrap();
    let states: Vec<_> = all.iter().map(|e| (e.id.0, e.state, e.attempts)).collect();
    assert_eq!(states, [(1, EmailState::Sent, 1), (2, EmailState::Failed, 12), (4, EmailState::Ready, 0)]);
}

#[test]
fn waiting_emails_and_acknowledged_open_conversations_are_in_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let mut ack = email(5, EmailState::Sent, "2026-11-23T10:00:00Z");
    ack.kind = EmailKind::Ack;
    let mut old_ack = email(6, EmailState::Sent, "2026-11-23T10:00:00Z");
    old_ack.kind = EmailKind::Ack;
    writer
        .apply(&[
            StoreOp::PutConversation(Box::new(ConversationRecord::sample(5, Status::Queued))),
            StoreOp::PutConversation(Box::new(ConversationRecord::sample(6, Status::Resolved))),
            StoreOp::PutEmail(Box::new(ack)),
            StoreOp::PutEmail(Box::new(old_ack)),
            StoreOp::PutEmail(Box::new(email(7, EmailState::Waiting, "2026-11-23T10:05:00Z"))),
        ])
        .unwrap();
    let snapshot = writer.load().unwrap();
    assert_eq!(snapshot.acknowledged, [ConversationId(5)], "open conversations only");
    assert_eq!(snapshot.waiting_emails, [email(7, EmailState::Waiting, "2026-11-23T10:05:00Z")]);
}
