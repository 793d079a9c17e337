//! Abandoned conversations end (issue 16): resolved once their visitor has been gone for the configured
//! time, not before, not if it came back, and also after a restart that no visitor returned from.

use jiff::SignedDuration;

use super::*;
use crate::domain::SystemEvent;
use crate::store::OpenConversation;

const AFTER: SignedDuration = SignedDuration::from_mins(60);

fn fixture() -> Fixture {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3)]);
    f.hub.settings.guard.inactive_after = Some(AFTER);
    f
}

fn leave(f: &mut Fixture, v: &Visitor) {
    f.send(HubEvent::Disconnected { conn: v.conn, who: Participant::Visitor(v.id) });
}

fn resolved(f: &Fixture, id: ConversationId) -> bool {
    f.hub.convs.get(&id).is_none()
}

#[test]
fn a_conversation_whose_visitor_is_gone_long_enough_is_resolved() {
    let mut f = fixture();
    let anna = f.connect_agent(1);
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    leave(&mut f, &v);
    let t0 = f.now;
    f.at(t0 + AFTER - SignedDuration::from_secs(1));
    assert!(!resolved(&f, id), "not before its time");
    f.at(t0 + AFTER);
    assert!(resolved(&f, id));
    assert!(
        f.last_events().iter().any(|e| matches!(e, DomainEvent::Resolved { conversation, .. } if *conversation == id))
    );
    let to_anna = f.last_frames(Target::Who(Participant::Agent(AgentId(1))));
    assert!(
        to_anna.iter().any(|fr| matches!(fr, ServerFrame::Conversation(c) if c.status == Status::Resolved)),
        "{to_anna:?}"
    );
    // Its own system line, not the one of a conversation someone closed.
    let lines: Vec<_> = to_anna
        .iter()
        .filter_map(|fr| match fr {
            ServerFrame::Message(m) => m.event.map(|e| (e, m.text.to_string())),
            _ => None,
        })
        .collect();
    let expected = crate::hub::system_text::text(SystemEvent::ResolvedInactive, Language::parse("en"), None, None);
    assert_eq!(lines, [(SystemEvent::ResolvedInactive, expected)], "{to_anna:?}");
    assert!(lines[0].1.contains("away"), "{}", lines[0].1);
    let _ = anna;
}

#[test]
fn a_conversation_closed_by_its_agent_gets_the_plain_resolved_line() {
    let mut f = fixture();
    let anna = f.connect_agent(1);
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: id });
    let events: Vec<_> = f
        .last_frames(Target::Who(Participant::Visitor(v.id)))
        .into_iter()
        .filter_map(|fr| match fr {
            ServerFrame::Message(m) => m.event,
            _ => None,
        })
        .collect();
    assert_eq!(events, [SystemEvent::Resolved]);
}

/// Visitors who left together end together, a few per turn of the runner, so that the events that came
/// meanwhile are handled between them.
#[test]
fn a_burst_of_abandoned_conversations_ends_a_few_timers_at_a_time() {
    let mut f = fixture();
    let ids: Vec<_> = (0..5)
        .map(|_| {
            let v = f.visitor(Some("en"), IdentityCheck::Absent);
            let id = f.say(&v, ENGLISH);
            leave(&mut f, &v);
            id
        })
        .collect();
    let due = f.now + AFTER;
    let ended = |f: &Fixture| ids.iter().filter(|id| resolved(f, **id)).count();
    assert!(f.hub.fire_due_at_most(due, 2), "more are due");
    assert_eq!(ended(&f), 2);
    assert!(f.hub.fire_due_at_most(due, 2));
    assert_eq!(ended(&f), 4);
    assert!(!f.hub.fire_due_at_most(due, 2), "none is due any more");
    assert_eq!(ended(&f), 5);
}

/// More abandoned conversations due in one second than `ABANDONED_PER_SECOND`: the rest end in the next
/// second, none is lost, none ends twice.
#[test]
fn abandoned_conversations_due_together_end_at_a_bounded_rate() {
    use crate::hub::inactivity::ABANDONED_PER_SECOND;
    let mut f = fixture();
    let n = ABANDONED_PER_SECOND as usize + 7;
    let ids: Vec<_> = (0..n)
        .map(|_| {
            let v = f.visitor(Some("en"), IdentityCheck::Absent);
            let id = f.say(&v, ENGLISH);
            leave(&mut f, &v);
            id
        })
        .collect();
    let ended = |f: &Fixture| ids.iter().filter(|id| resolved(f, **id)).count();
    let due = f.now + AFTER;
    f.at(due);
    assert_eq!(ended(&f), ABANDONED_PER_SECOND as usize, "a second's worth");
    f.at(due + SignedDuration::from_millis(999));
    assert_eq!(ended(&f), ABANDONED_PER_SECOND as usize, "the rest wait for the next second");
    f.at(due + SignedDuration::from_secs(1));
    assert_eq!(ended(&f), n, "then end");
    let abandoned =
        f.last_events().iter().filter(|e| matches!(e, DomainEvent::Resolved { inactive: true, .. })).count();
    assert_eq!(abandoned, 7, "each once");
}

#[test]
fn a_visitor_who_comes_back_keeps_the_conversation_and_a_later_departure_counts_anew() {
    let mut f = fixture();
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    leave(&mut f, &v);
    let t0 = f.now;
    f.now = t0 + SignedDuration::from_mins(30);
    let back = f.visitor_again(v.id);
    f.at(t0 + AFTER);
    assert!(!resolved(&f, id), "it came back");
    f.now = t0 + SignedDuration::from_mins(70);
    leave(&mut f, &back);
    f.at(t0 + SignedDuration::from_mins(129));
    assert!(!resolved(&f, id), "60 minutes from the second departure, not the first");
    f.at(t0 + SignedDuration::from_mins(130));
    assert!(resolved(&f, id));
}

#[test]
fn one_tab_closing_while_another_stays_is_not_gone() {
    let mut f = fixture();
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    let _second_tab = f.visitor_again(v.id);
    leave(&mut f, &v);
    f.at(f.now + AFTER * 2);
    assert!(!resolved(&f, id));
}

#[test]
fn after_a_restart_conversations_whose_visitor_never_returns_end() {
    let mut f = fixture();
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    let w = f.visitor(Some("en"), IdentityCheck::Absent);
    let kept = f.say(&w, ENGLISH);
    let open = |f: &Fixture, id| OpenConversation {
        record: f.hub.convs.get(&id).unwrap().rec.clone(),
        client_msg_ids: vec![],
    };
    let snapshot =
        Snapshot { open_conversations: vec![open(&f, id), open(&f, kept)], last_ticket: 1002, ..Snapshot::default() };
    f.hub = Hub::new(f.hub.settings.clone(), snapshot, f.now);
    let t0 = f.now;
    f.now = t0 + SignedDuration::from_mins(5);
    f.visitor_again(w.id);
    f.at(t0 + AFTER);
    assert!(resolved(&f, id), "no one came back for it");
    assert!(!resolved(&f, kept), "its visitor did");
}

/// With churn (visitors who open a conversation and leave), nothing of a visitor stays in memory once its
/// conversation has ended, whoever ended it: neither its state nor its departure time.
#[test]
fn an_ended_conversation_leaves_nothing_of_its_gone_visitor_behind() {
    let mut f = fixture();
    let anna = f.connect_agent(1);
    let by_timer = f.visitor(Some("en"), IdentityCheck::Absent);
    f.say(&by_timer, ENGLISH);
    let by_agent = f.visitor(Some("en"), IdentityCheck::Absent);
    let closed = f.say(&by_agent, ENGLISH);
    leave(&mut f, &by_timer);
    leave(&mut f, &by_agent);
    assert_eq!((f.hub.visitors.len(), f.hub.gone.waiting()), (2, 2), "kept while their conversations are open");
    let timed = f.hub.convs.open_of(by_timer.id).expect("open");
    // Each has its service-level timers (hours away) and its visitor's inactivity timer.
    assert!(f.hub.deadlines.of_conversation(closed) >= 2, "timers set");
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: closed });
    assert_eq!((f.hub.visitors.len(), f.hub.gone.waiting()), (1, 1), "the agent's resolve forgets its visitor");
    assert_eq!(f.hub.deadlines.of_conversation(closed), 0, "and its timers");
    let t0 = f.now;
    f.at(t0 + AFTER);
    assert_eq!((f.hub.visitors.len(), f.hub.gone.waiting()), (0, 0), "the inactivity rule forgets the other");
    assert_eq!(f.hub.deadlines.of_conversation(timed), 0, "and its timers");
}

/// A visitor still connected when its conversation ends is kept: it may rate, or start again.
#[test]
fn a_connected_visitor_is_kept_when_its_conversation_ends() {
    let mut f = fixture();
    let anna = f.connect_agent(1);
    let v = f.visitor(Some("en"), IdentityCheck::Absent);
    let id = f.say(&v, ENGLISH);
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: id });
    assert!(f.hub.visitors.get(&v.id).is_some_and(|s| s.conns == 1));
}

#[test]
fn a_visitor_who_asked_for_a_human_keeps_the_conversation_until_one_takes_it() {
    let mut f = Fixture::new(vec![always("support")], &[]);
    f.hub.settings.guard.inactive_after = Some(AFTER);
    let bot = f.connect_bot();
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, FINNISH);
    f.frame(bot, Participant::Bot(BotId(1)), ClientFrame::Handoff { conversation_id: c, reason: None });
    assert_eq!(f.status(c), Some(Status::Bot), "nobody speaks Finnish: it waits for a human");
    leave(&mut f, &v);
    let t0 = f.now;
    f.at(t0 + AFTER * 3);
    assert_eq!(f.status(c), Some(Status::Bot), "still waiting, not abandoned");
    // A Finnish speaker joins and takes it; from then on the visitor's absence counts again.
    let aino = f.create_agent("Aino", &["fi"]);
    assert_eq!(f.status(c), Some(Status::Queued), "handed to the queue; Aino is not connected");
    f.at(t0 + AFTER * 5);
    assert_eq!(f.status(c), Some(Status::Queued), "queued after asking for a human: still kept");
    f.connect_agent(aino.0);
    assert_eq!(f.status(c), Some(Status::Assigned));
    f.at(t0 + AFTER * 7);
    assert!(resolved(&f, c), "taken by a human and the visitor still gone: it ends");
}
