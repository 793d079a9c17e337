//! The email outbox on a real `redis-server`, with the embedded store's meaning (`store::outbox_tests`):
//! due emails in order and at most the limit, an attempt's outcome applied to a `ready` email only, a
//! waiting email deleted only while it waits, the snapshot's waiting emails and acknowledged open
//! conversations, and a batch sent to Redis twice changing nothing the second time.

use jiff::Timestamp;

use super::tests::TestRedis;
use super::{RedisFactory, RedisStore, outbox, write};
use crate::domain::*;
use crate::email::{EmailKind, EmailState, OutboxEmail};
use crate::store::outbox_tests::{at, email};
use crate::store::*;

const LEASE: &str = "hub-a:1";

fn put(e: OutboxEmail) -> StoreOp {
    StoreOp::PutEmail(Box::new(e))
}

/// Each email of the outbox as (id, state, attempts, next attempt).
fn states(r: &dyn Store) -> Vec<(u64, EmailState, u32, Timestamp)> {
    r.outbox().unwrap().iter().map(|e| (e.id.0, e.state, e.attempts, e.next_attempt_at)).collect()
}

/// Packs `ops` once and sends the same script call twice, as a batch whose reply was lost is sent again.
fn sent_twice(store: &RedisStore, ops: &[StoreOp]) {
    let packed = write::pack(ops, outbox::before(store, ops).unwrap()).unwrap();
    store.run(LEASE, &packed).unwrap();
    store.run(LEASE, &packed).unwrap();
}

#[test]
fn the_outbox_gives_due_emails_in_order_and_records_attempts() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease(LEASE)).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let emails = [
        put(email(1, EmailState::Ready, "2026-11-23T10:05:00Z")),
        put(email(2, EmailState::Ready, "2026-11-23T10:01:00Z")),
        put(email(3, EmailState::Waiting, "2026-11-23T10:00:00Z")),
        put(email(4, EmailState::Ready, "2026-11-23T11:00:00Z")),
        put(email(5, EmailState::Ready, "2026-11-23T10:03:00Z")),
    ];
    writer.apply(&emails).unwrap();
    writer.apply(&emails).unwrap();
    let reader = factory.open().unwrap();
    let due = reader.emails_due(at("2026-11-23T10:10:00Z"), 10).unwrap();
    assert_eq!(due.iter().map(|e| e.id.0).collect::<Vec<_>>(), [2, 5, 1], "ready and due, longest due first");
    assert_eq!(due[2], email(1, EmailState::Ready, "2026-11-23T10:05:00Z"), "reads back as written");
    let first = reader.emails_due(at("2026-11-23T10:10:00Z"), 2).unwrap();
    assert_eq!(first.iter().map(|e| e.id.0).collect::<Vec<_>>(), [2, 5], "at most the limit");
    assert!(reader.emails_due(at("2026-11-23T10:00:59Z"), 10).unwrap().is_empty(), "none due yet");
    assert_eq!(reader.next_email_due().unwrap(), Some(at("2026-11-23T10:01:00Z")));

    let retry = at("2026-11-23T10:20:00Z");
    let failed = EmailOutcome::Failed { attempts: 1, next: Some(retry), error: "451 later".into() };
    let sent = EmailOutcome::Sent { at: at("2026-11-23T10:10:01Z") };
    let gave_up = EmailOutcome::Failed { attempts: 12, next: None, error: "550 no such user".into() };
    writer
        .apply(&[
            StoreOp::EmailAttempt { id: EmailId(2), outcome: failed },
            StoreOp::EmailAttempt { id: EmailId(1), outcome: sent.clone() },
            StoreOp::EmailAttempt { id: EmailId(5), outcome: gave_up },
            StoreOp::DeleteWaitingEmail(EmailId(3)),
            StoreOp::DeleteWaitingEmail(EmailId(4)),
            // An attempt on an email the outbox does not have (nor ever had) changes nothing.
            StoreOp::EmailAttempt { id: EmailId(99), outcome: sent.clone() },
        ])
        .unwrap();
    assert!(reader.emails_due(at("2026-11-23T10:10:00Z"), 10).unwrap().is_empty());
    assert_eq!(reader.next_email_due().unwrap(), Some(retry), "the retry is what falls due next");
    let due = reader.emails_due(retry, 10).unwrap();
    assert_eq!(due.iter().map(|e| (e.id.0, e.attempts)).collect::<Vec<_>>(), [(2, 1)], "tried again later");
    let s = states(reader.as_ref());
    assert_eq!(
        s,
        [
            (1, EmailState::Sent, 1, at("2026-11-23T10:05:00Z")),
            (2, EmailState::Ready, 1, retry),
            (4, EmailState::Ready, 0, at("2026-11-23T11:00:00Z")),
            (5, EmailState::Failed, 12, at("2026-11-23T10:03:00Z")),
        ],
        "a waiting email the visitor saw goes; a released one stays; one given up is failed"
    );

    // A later report changes nothing: a sent or failed email is never made ready again.
    let again = EmailOutcome::Failed { attempts: 2, next: Some(retry), error: "451".into() };
    writer.apply(&[StoreOp::EmailAttempt { id: EmailId(1), outcome: sent }]).unwrap();
    writer.apply(&[StoreOp::EmailAttempt { id: EmailId(5), outcome: again }]).unwrap();
    assert_eq!(states(reader.as_ref()), s);
    assert_eq!(reader.emails_due(at("2026-11-23T12:00:00Z"), 10).unwrap().len(), 2, "2 and 4 only");
}

#[test]
fn a_batch_sent_twice_changes_nothing_the_second_time() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease(LEASE)).unwrap();
    let store = factory.store();
    sent_twice(
        &store,
        &[
            put(email(1, EmailState::Ready, "2026-11-23T10:05:00Z")),
            put(email(2, EmailState::Waiting, "2026-11-23T10:05:00Z")),
            put(email(3, EmailState::Waiting, "2026-11-23T10:05:00Z")),
        ],
    );
    let sent = EmailOutcome::Sent { at: at("2026-11-23T10:10:01Z") };
    // Released after the delete was decided: the delete finds it ready, and it stays.
    let mut released = email(3, EmailState::Ready, "2026-11-23T10:06:00Z");
    released.due_at = at("2026-11-23T10:05:00Z");
    sent_twice(
        &store,
        &[
            StoreOp::EmailAttempt { id: EmailId(1), outcome: sent.clone() },
            StoreOp::DeleteWaitingEmail(EmailId(2)),
            put(released),
            StoreOp::DeleteWaitingEmail(EmailId(3)),
        ],
    );
    let r = factory.open().unwrap();
    let s = states(r.as_ref());
    assert_eq!(
        s.iter().map(|e| (e.0, e.1, e.2)).collect::<Vec<_>>(),
        [(1, EmailState::Sent, 1), (3, EmailState::Ready, 0)],
        "sent once (one attempt, not two); the waiting one gone; the released one kept"
    );
    let failed = EmailOutcome::Failed { attempts: 1, next: Some(at("2026-11-23T10:07:00Z")), error: "451".into() };
    sent_twice(&store, &[StoreOp::EmailAttempt { id: EmailId(3), outcome: failed }]);
    let due = r.emails_due(at("2026-11-23T10:07:00Z"), 10).unwrap();
    assert_eq!(due.iter().map(|e| (e.id.0, e.attempts)).collect::<Vec<_>>(), [(3, 1)]);
    assert!(r.load().unwrap().waiting_emails.is_empty());
}

#[test]
fn an_attempt_applies_to_the_email_as_the_batch_left_it() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease(LEASE)).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let retry = at("2026-11-23T10:30:00Z");
    let failed = EmailOutcome::Failed { attempts: 1, next: Some(retry), error: "451".into() };
    let sent = EmailOutcome::Sent { at: at("2026-11-23T10:10:01Z") };
    writer
        .apply(&[
            put(email(1, EmailState::Ready, "2026-11-23T10:05:00Z")),
            StoreOp::EmailAttempt { id: EmailId(1), outcome: failed.clone() },
            put(email(2, EmailState::Waiting, "2026-11-23T10:05:00Z")),
            StoreOp::EmailAttempt { id: EmailId(2), outcome: sent.clone() },
            put(email(3, EmailState::Ready, "2026-11-23T10:05:00Z")),
            StoreOp::EmailAttempt { id: EmailId(3), outcome: sent },
            StoreOp::EmailAttempt { id: EmailId(3), outcome: failed },
        ])
        .unwrap();
    let r = factory.open().unwrap();
    let s: Vec<_> = states(r.as_ref()).into_iter().map(|e| (e.0, e.1, e.2)).collect();
    assert_eq!(s, [(1, EmailState::Ready, 1), (2, EmailState::Waiting, 0), (3, EmailState::Sent, 1)]);
    assert_eq!(r.next_email_due().unwrap(), Some(retry));
}

#[test]
fn waiting_emails_and_acknowledged_open_conversations_are_in_the_snapshot() {
    let redis = TestRedis::start();
    let factory = RedisFactory::new(&redis.url, redis.lease(LEASE)).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let ack = |id: u64| OutboxEmail { kind: EmailKind::Ack, ..email(id, EmailState::Sent, "2026-11-23T10:00:00Z") };
    let mut later = email(8, EmailState::Waiting, "2026-11-23T10:09:00Z");
    later.created_at = at("2026-11-23T10:01:00Z");
    writer
        .apply(&[
            StoreOp::PutConversation(Box::new(ConversationRecord::sample(5, Status::Queued))),
            StoreOp::PutConversation(Box::new(ConversationRecord::sample(6, Status::Resolved))),
            StoreOp::PutConversation(Box::new(ConversationRecord::sample(9, Status::Bot))),
            put(ack(5)),
            put(ack(6)),
            put(ack(9)),
            put(later.clone()),
            put(email(7, EmailState::Waiting, "2026-11-23T10:05:00Z")),
            put(email(10, EmailState::Ready, "2026-11-23T10:05:00Z")),
        ])
        .unwrap();
    let snapshot = writer.load().unwrap();
    assert_eq!(snapshot.acknowledged, [ConversationId(5), ConversationId(9)], "open conversations only");
    assert_eq!(snapshot.waiting_emails, [email(7, EmailState::Waiting, "2026-11-23T10:05:00Z"), later]);

    // Resolved since: its acknowledgement is history.
    writer.apply(&[StoreOp::PutConversation(Box::new(ConversationRecord::sample(9, Status::Resolved)))]).unwrap();
    writer.apply(&[StoreOp::DeleteWaitingEmail(EmailId(7))]).unwrap();
    let snapshot = factory.open().unwrap().load().unwrap();
    assert_eq!(snapshot.acknowledged, [ConversationId(5)]);
    assert_eq!(snapshot.waiting_emails.iter().map(|e| e.id.0).collect::<Vec<_>>(), [8]);
    let mut c = redis::Client::open(redis.url.as_str()).unwrap().get_connection().unwrap();
    let acked: Vec<String> = redis::cmd("SMEMBERS").arg(super::keys::OUTBOX_ACKED).query(&mut c).unwrap();
    assert_eq!(acked.len(), 2, "5, and 6 put after it was resolved; 9 left when it was: {acked:?}");
}
