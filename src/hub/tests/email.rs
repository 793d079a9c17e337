//! Email decisions (spec 7.6) at the pure boundary: the acknowledgement when no human can take a new
//! conversation, and unseen agent messages gathered and released by the deadline queue at an explicit
//! `now`. What is decided is read from the store ops of the jobs (the outbox rows).

use jiff::SignedDuration;

use super::*;
use crate::email::{EmailAddress, EmailKind, EmailState, OutboxEmail};
use crate::hub::EmailPolicy;
use crate::store::StoreOp;

const AFTER: SignedDuration = SignedDuration::from_mins(5);

fn fixture(agent_online: bool) -> (Fixture, Option<ConnId>) {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3)]);
    f.hub.settings.email = Some(EmailPolicy { unseen_after: AFTER, chat_url: None });
    let conn = agent_online.then(|| f.connect_agent(1));
    (f, conn)
}

/// Every outbox row the jobs wrote, in order.
fn emails(f: &Fixture) -> Vec<OutboxEmail> {
    f.jobs
        .iter()
        .flat_map(|j| &j.ops)
        .filter_map(|op| match op {
            StoreOp::PutEmail(e) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

fn ready(f: &Fixture) -> Vec<OutboxEmail> {
    emails(f).into_iter().filter(|e| e.state == EmailState::Ready).collect()
}

fn deleted(f: &Fixture) -> usize {
    f.jobs.iter().flat_map(|j| &j.ops).filter(|op| matches!(op, StoreOp::DeleteWaitingEmail(_))).count()
}

fn ada() -> IdentityCheck {
    verified("u-1", "ada@example.com", Plan::Standard, false)
}

fn agent_says(f: &mut Fixture, conn: ConnId, id: ConversationId, text: &str) {
    let frame = ClientFrame::Message { conversation_id: Some(id), client_msg_id: None, text: text.into(), topic: None };
    f.agent_frame(conn, 1, frame);
}

fn leave(f: &mut Fixture, v: &Visitor) {
    f.send(HubEvent::Disconnected { conn: v.conn, who: Participant::Visitor(v.id) });
}

/// Ada opens a conversation and leaves; Anna answers `text` and resolves it. Returns the fixture, Anna's
/// connection, Ada, the conversation and when she left.
fn answered_and_resolved_while_away(text: &str) -> (Fixture, ConnId, Visitor, ConversationId, jiff::Timestamp) {
    let (mut f, anna) = fixture(true);
    let anna = anna.unwrap();
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    leave(&mut f, &v);
    let t0 = f.now;
    agent_says(&mut f, anna, id, text);
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: id });
    (f, anna, v, id, t0)
}

#[test]
fn a_conversation_no_human_can_take_is_acknowledged_once_with_its_ticket() {
    let (mut f, _) = fixture(false);
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    assert_eq!(f.status(id), Some(Status::Queued), "no agent online");
    let ticket = f.hub.convs.get(&id).unwrap().rec.ticket.0;
    let acks = ready(&f);
    assert_eq!(acks.len(), 1, "{acks:?}");
    let ack = &acks[0];
    assert_eq!((ack.kind, ack.to.as_str(), ack.content.ticket), (EmailKind::Ack, "ada@example.com", ticket));
    assert_eq!(ack.content.link.as_deref(), Some("https://shop.test/cart"), "the page the widget reported");
    assert!(f.jobs.last().unwrap().mail_ready, "the sender is woken after the commit");
    f.say(&v, "Anything yet?");
    assert_eq!(ready(&f).len(), 1, "once per conversation");
}

#[test]
fn a_conversation_the_bot_takes_is_acknowledged() {
    let mut f = Fixture::new(vec![office("support")], &[agent("Anna", &["en"], 3)]);
    f.hub.settings.email =
        Some(EmailPolicy { unseen_after: AFTER, chat_url: Some("https://help.example/chat".into()) });
    f.at("2026-11-23T20:00:00Z".parse().unwrap());
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    assert_eq!(f.status(id), Some(Status::Bot), "closed: the bot has it");
    let acks = ready(&f);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].content.link.as_deref(), Some("https://help.example/chat"), "email.chat_url wins");
}

#[test]
fn no_acknowledgement_when_a_human_takes_it_or_no_email_is_known_or_email_is_off() {
    let (mut f, _) = fixture(true);
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    assert_eq!(f.status(id), Some(Status::Assigned));
    assert!(emails(&f).is_empty(), "an agent took it");

    let (mut f, _) = fixture(false);
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    f.say(&v, ENGLISH);
    assert!(emails(&f).is_empty(), "no email known");

    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3)]);
    let v = f.visitor(Some("en"), ada());
    f.say(&v, ENGLISH);
    assert!(emails(&f).is_empty(), "email is off");
}

#[test]
fn an_email_given_in_the_widget_acknowledges_the_waiting_conversation_and_is_kept() {
    let (mut f, _) = fixture(false);
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    assert!(emails(&f).is_empty());
    let email = EmailAddress::parse("bob@example.com").unwrap();
    f.frame(v.conn, Participant::Visitor(v.id), ClientFrame::SetEmail { email });
    assert!(f.last_frames(Target::Conn(v.conn)).iter().any(|fr| matches!(fr, ServerFrame::Ack { .. })));
    assert_eq!(f.hub.convs.get(&id).unwrap().rec.visitor_email.as_deref(), Some("bob@example.com"));
    let saved =
        f.jobs.last().unwrap().ops.iter().any(
            |op| matches!(op, StoreOp::PutConversation(c) if c.visitor_email.as_deref() == Some("bob@example.com")),
        );
    assert!(saved, "the conversation keeps the address");
    let acks = ready(&f);
    assert_eq!((acks.len(), acks[0].to.as_str()), (1, "bob@example.com"));
    // A second tab's hello keeps it for the next conversation.
    f.visitor_again(v.id);
    assert_eq!(f.hub.visitors.get(&v.id).unwrap().given_email.as_deref(), Some("bob@example.com"));
}

#[test]
fn a_verified_email_is_not_replaced_by_one_given_in_the_widget() {
    let (mut f, _) = fixture(true);
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    let email = EmailAddress::parse("mallory@example.com").unwrap();
    f.frame(v.conn, Participant::Visitor(v.id), ClientFrame::SetEmail { email });
    assert_eq!(f.hub.convs.get(&id).unwrap().rec.visitor_email.as_deref(), Some("ada@example.com"));
}

#[test]
fn unseen_agent_messages_are_emailed_together_once_unseen_after_has_passed() {
    let (mut f, anna) = fixture(true);
    let anna = anna.unwrap();
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    agent_says(&mut f, anna, id, "Seen live: not emailed.");
    leave(&mut f, &v);
    let t0 = f.now;
    agent_says(&mut f, anna, id, "Your refund is on its way.");
    let waiting = f.hub.waiting_email(v.id).cloned().expect("a waiting email");
    assert_eq!((waiting.state, waiting.due_at), (EmailState::Waiting, t0 + AFTER));
    assert!(f.has_timer(t0 + AFTER, &Timer::UnseenEmail { visitor: v.id, due: t0 + AFTER }));
    f.now = t0 + SignedDuration::from_mins(1);
    agent_says(&mut f, anna, id, "It should arrive in three days.");
    assert_eq!(emails(&f).len(), 2, "the waiting row is written with each message, in the message's commit");
    f.at(t0 + AFTER - SignedDuration::from_secs(1));
    assert!(ready(&f).is_empty(), "not before unseen_after");
    f.at(t0 + AFTER);
    let sent = ready(&f);
    assert_eq!(sent.len(), 1, "one email for the conversation");
    let e = &sent[0];
    assert_eq!((e.id, e.kind, e.to.as_str()), (waiting.id, EmailKind::Unseen, "ada@example.com"));
    let texts: Vec<_> = e.content.messages.iter().map(|m| m.text.as_ref()).collect();
    assert_eq!(texts, ["Your refund is on its way.", "It should arrive in three days."]);
    assert_eq!(e.content.messages[0].name.as_deref(), Some("Anna"));
    assert_eq!(e.content.link.as_deref(), Some("https://shop.test/cart"));
    assert!(f.jobs.last().unwrap().mail_ready);
    assert!(f.hub.waiting_email(v.id).is_none());
    f.at(t0 + AFTER + AFTER);
    assert_eq!(ready(&f).len(), 1, "released once");
}

#[test]
fn a_visitor_who_comes_back_in_time_sees_the_messages_and_no_email_is_sent() {
    let (mut f, anna) = fixture(true);
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    leave(&mut f, &v);
    let t0 = f.now;
    agent_says(&mut f, anna.unwrap(), id, "Are you still there?");
    f.now = t0 + SignedDuration::from_mins(4);
    f.visitor_again(v.id);
    assert_eq!(deleted(&f), 1, "the waiting row goes in the hello's commit");
    f.at(t0 + AFTER);
    assert!(ready(&f).is_empty());
}

#[test]
fn messages_written_after_the_conversation_ends_are_still_emailed() {
    let (mut f, _, _, id, t0) = answered_and_resolved_while_away("Here is the answer; closing this chat.");
    assert_eq!(f.status(id), None, "resolved");
    f.at(t0 + AFTER);
    assert_eq!(ready(&f).len(), 1);
}

#[test]
fn a_visitor_who_returns_after_the_conversation_ended_is_still_emailed() {
    let (mut f, anna, v, id, t0) = answered_and_resolved_while_away("Solved: the refund is on its way.");
    f.now = t0 + SignedDuration::from_mins(1);
    let back = Visitor { id: v.id, conn: ConnId::new(0, 999) };
    let hello = crate::hub::VisitorHello { identity: ada(), ..plain_hello(v.id) };
    f.send(HubEvent::Visitor { conn: back.conn, hello: Box::new(hello) });
    assert_eq!(deleted(&f), 0, "a welcome does not bring back a resolved conversation");
    // A new conversation's unseen message does not drop the earlier one's email: it goes at once.
    let second = f.say(&back, "One more question.");
    leave(&mut f, &back);
    agent_says(&mut f, anna, second, "Sure, go ahead.");
    let sent = ready(&f);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].conversation, id);
    f.at(t0 + AFTER + SignedDuration::from_mins(1));
    let convs: Vec<_> = ready(&f).iter().map(|e| e.conversation).collect();
    assert_eq!(convs, [id, second]);
}

#[test]
fn a_waiting_email_survives_a_restart() {
    let (mut f, anna) = fixture(true);
    let v = f.visitor(Some("en"), ada());
    let id = f.say(&v, ENGLISH);
    leave(&mut f, &v);
    let t0 = f.now;
    agent_says(&mut f, anna.unwrap(), id, "Still looking into it.");
    let row = emails(&f).pop().unwrap();
    let snapshot = Snapshot {
        waiting_emails: vec![row.clone()],
        acknowledged: vec![id],
        last_ticket: 1000,
        ..Snapshot::default()
    };
    let settings = HubSettings {
        departments: vec![always("support")],
        email: Some(EmailPolicy { unseen_after: AFTER, chat_url: None }),
        ..Default::default()
    };
    let mut hub = Hub::new(settings, snapshot, t0 + SignedDuration::from_mins(2));
    assert_eq!(hub.next_deadline(), Some(t0 + AFTER));
    hub.fire_due(t0 + AFTER);
    let job = hub.take_job();
    let released: Vec<_> = job
        .ops
        .iter()
        .filter_map(|op| match op {
            StoreOp::PutEmail(e) if e.state == EmailState::Ready => Some(e.id),
            _ => None,
        })
        .collect();
    assert_eq!(released, [row.id], "the same row: nothing lost, nothing doubled");
}
