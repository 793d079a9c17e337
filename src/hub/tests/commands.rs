//! Agent, bot and visitor commands (spec 4) at the hub's boundary.

use super::*;
use crate::protocol::TransferTarget;

fn two_agents() -> Fixture {
    Fixture::new(vec![always("support"), always("sales")], &[agent("Anna", &["en"], 3), agent("Ben", &["en"], 3)])
}

fn msg(id: ConversationId, text: &str) -> ClientFrame {
    ClientFrame::Message { conversation_id: Some(id), client_msg_id: Some("k1".into()), text: text.into(), topic: None }
}

#[test]
fn an_agent_writes_only_in_conversations_it_holds() {
    let mut f = two_agents();
    let anna = f.connect_agent(1);
    let ben = f.connect_agent(2);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    let holder = f.holder(c).unwrap();
    let (mine, other, other_n) = if holder == Fixture::agent_id(1) { (anna, ben, 2) } else { (ben, anna, 1) };
    f.agent_frame(other, other_n, msg(c, "hi"));
    assert_eq!(f.last_error(other), Some(ErrorCode::Forbidden));
    f.agent_frame(mine, holder.0, msg(c, "hi"));
    let ack = f.last_frames(Target::Conn(mine));
    // Seq 1 is the visitor's, 2 the `assigned` system line.
    assert!(matches!(ack[..], [ServerFrame::Ack { seq: Some(3), .. }]), "{ack:?}");
    let to_visitor = f.last_frames(Target::Who(Participant::Visitor(v.id)));
    assert!(matches!(&to_visitor[..], [ServerFrame::Message(m)] if m.seq == 3));
    f.agent_frame(mine, holder.0, msg(c, "hi"));
    let again = f.last_frames(Target::Conn(mine));
    assert!(matches!(again[..], [ServerFrame::Ack { seq: Some(3), .. }]), "idempotent: {again:?}");
    assert!(f.last_frames(Target::Who(Participant::Visitor(v.id))).is_empty(), "nothing added");
}

#[test]
fn resolve_ends_the_chat_surveys_the_visitor_and_frees_the_place() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 1)]);
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    let w = f.visitor(None, IdentityCheck::Absent);
    let d = f.say(&w, ENGLISH);
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: c });
    assert_eq!(f.status(c), None, "resolved conversations leave memory");
    let to_visitor = f.last_frames(Target::Who(Participant::Visitor(v.id)));
    assert!(to_visitor.iter().any(|fr| matches!(fr, ServerFrame::Survey { .. })), "{to_visitor:?}");
    assert_eq!(f.holder(d), Some(Fixture::agent_id(1)));
    assert_eq!(
        f.last_events()[0],
        DomainEvent::Resolved { conversation: c, agent: Some(Fixture::agent_id(1)), inactive: false }
    );
}

#[test]
fn transfer_to_a_colleague_tells_both_and_the_visitor() {
    let mut f = two_agents();
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    f.connect_agent(2);
    let ben = Fixture::agent_id(2);
    f.agent_frame(anna, 1, ClientFrame::Transfer { conversation_id: c, target: TransferTarget::Agent(ben) });
    assert_eq!(f.holder(c), Some(ben));
    assert_eq!(f.last_events(), [DomainEvent::Transferred { conversation: c, from: Fixture::agent_id(1), to: ben }]);
    let to_ben = f.last_frames(Target::Who(Participant::Agent(ben)));
    assert!(
        matches!(&to_ben[..], [ServerFrame::Assigned { .. }, ServerFrame::Message(m)] if m.event == Some(crate::domain::SystemEvent::Transferred)),
        "{to_ben:?}"
    );
    let to_anna = f.last_frames(Target::Who(Participant::Agent(Fixture::agent_id(1))));
    assert!(
        matches!(&to_anna[..], [ServerFrame::Conversation(v)] if v.agent.as_ref().is_some_and(|a| a.id == Some(ben)))
    );
    let (a, b) = (f.hub.agents.get(&Fixture::agent_id(1)).unwrap().open, f.hub.agents.get(&ben).unwrap().open);
    assert_eq!((a, b), (0, 1), "open counts follow the chat");
}

#[test]
fn escalation_raises_the_tier_and_waits_for_an_agent_of_that_tier() {
    let specs = [
        agent("Anna", &["en"], 3),
        AgentSpec { name: "Tess", languages: &["en"], max_chats: 3, tier: 2, departments: &["support"] },
    ];
    let mut f = Fixture::new(vec![always("support")], &specs);
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    f.agent_frame(anna, 1, ClientFrame::Transfer { conversation_id: c, target: TransferTarget::Tier(2) });
    assert_eq!(f.status(c), Some(Status::Queued), "no tier-2 agent online");
    assert_eq!(f.hub.convs.get(&c).unwrap().rec.tier, 2);
    assert!(f.last_events().contains(&DomainEvent::Escalated {
        conversation: c,
        from: Some(Fixture::agent_id(1)),
        tier: 2
    }));
    f.connect_agent(2);
    assert_eq!(f.holder(c), Some(Fixture::agent_id(2)));
    f.agent_frame(anna, 1, ClientFrame::Transfer { conversation_id: c, target: TransferTarget::Tier(9) });
    assert_eq!(f.last_error(anna), Some(ErrorCode::Forbidden), "Anna no longer holds it");
}

#[test]
fn pick_takes_a_queued_or_bot_chat_once_and_only_in_ones_departments() {
    let mut f =
        Fixture::new(vec![always("support"), always("sales")], &[agent("Anna", &["en"], 3), agent("Ben", &["en"], 3)]);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, FINNISH); // with the bot queue
    let anna = f.connect_agent(1);
    let ben = f.connect_agent(2);
    f.agent_frame(anna, 1, ClientFrame::Pick { conversation_id: c });
    assert_eq!(f.holder(c), Some(Fixture::agent_id(1)));
    f.agent_frame(ben, 2, ClientFrame::Pick { conversation_id: c });
    assert_eq!(f.last_error(ben), Some(ErrorCode::BadRequest), "the second pick of the same chat loses");
    let s = f.visitor_in(Some("sales"), None, IdentityCheck::Absent);
    let d = f.say(&s, ENGLISH);
    f.agent_frame(ben, 2, ClientFrame::Pick { conversation_id: d });
    assert_eq!(f.last_error(ben), Some(ErrorCode::Forbidden), "another department");
}

#[test]
fn bots_answer_resolve_and_hand_off_only_their_own_chats() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3)]);
    let bot = f.connect_bot();
    let me = Participant::Bot(BotId(1));
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH); // no agent online: queued, not the bot's
    assert_eq!(f.status(c), Some(Status::Queued));
    f.frame(bot, me, msg(c, "hello"));
    assert_eq!(f.last_error(bot), Some(ErrorCode::Forbidden));
    let w = f.visitor(None, IdentityCheck::Absent);
    let d = f.say(&w, FINNISH);
    f.frame(bot, me, msg(d, "Hei!"));
    assert!(f.last_error(bot).is_none());
    f.frame(bot, me, ClientFrame::Pick { conversation_id: d });
    assert_eq!(f.last_error(bot), Some(ErrorCode::Forbidden), "bots cannot pick");
    f.frame(bot, me, ClientFrame::Resolve { conversation_id: d });
    assert_eq!(f.status(d), None);
}

#[test]
fn visitors_end_rate_and_sync_only_their_own() {
    let mut f = Fixture::new(vec![always("support")], &[]);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    let other = f.visitor(None, IdentityCheck::Absent);
    let me = Participant::Visitor(other.id);
    f.frame(other.conn, me, ClientFrame::Sync { conversation_id: c, after_seq: 0 });
    assert_eq!(f.last_error(other.conn), Some(ErrorCode::NotFound));
    f.frame(other.conn, me, ClientFrame::Resolve { conversation_id: c });
    assert_eq!(f.last_error(other.conn), Some(ErrorCode::Forbidden));
    let mine = Participant::Visitor(v.id);
    f.frame(v.conn, mine, ClientFrame::Rating { conversation_id: None, score: 5, comment: None });
    assert_eq!(f.last_error(v.conn), Some(ErrorCode::NotFound), "nothing resolved yet");
    f.frame(v.conn, mine, ClientFrame::End { conversation_id: None });
    assert_eq!(f.status(c), None);
    f.frame(v.conn, mine, ClientFrame::Rating { conversation_id: Some(c), score: 6, comment: None });
    assert_eq!(f.last_error(v.conn), Some(ErrorCode::BadRequest));
    f.frame(v.conn, mine, ClientFrame::Rating { conversation_id: Some(c), score: 5, comment: None });
    assert!(f.last_error(v.conn).is_none());
    assert!(matches!(f.jobs.last().unwrap().ops[..], [crate::store::StoreOp::SetRating { score: 5, .. }]));
    let d = f.say(&v, ENGLISH);
    assert_ne!(c, d, "a message after the end opens a new conversation");
    assert_ne!(f.hub.convs.get(&d).unwrap().rec.ticket, crate::domain::Ticket(1001));
}

#[test]
fn an_agent_removed_gives_its_chats_back_to_routing() {
    let mut f = two_agents();
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!(f.holder(c), Some(Fixture::agent_id(1)));
    f.connect_agent(2);
    let (tx, _rx) = tokio::sync::oneshot::channel();
    f.send(HubEvent::Admin(crate::hub::AdminCommand::DeleteAgent(Fixture::agent_id(1), tx)));
    assert_eq!(f.holder(c), Some(Fixture::agent_id(2)));
    let _ = anna;
}

#[test]
fn typing_goes_to_the_other_side_and_sync_reads_what_the_sender_may_read() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3), agent("Ben", &["en"], 3)]);
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    f.agent_frame(anna, 1, ClientFrame::Typing { conversation_id: Some(c), on: true });
    let to_visitor = f.last_frames(Target::Who(Participant::Visitor(v.id)));
    assert!(matches!(&to_visitor[..], [ServerFrame::Typing { on: true, .. }]), "{to_visitor:?}");
    f.frame(v.conn, Participant::Visitor(v.id), ClientFrame::Typing { conversation_id: None, on: true });
    let to_anna = f.last_frames(Target::Who(Participant::Agent(Fixture::agent_id(1))));
    assert!(matches!(&to_anna[..], [ServerFrame::Typing { .. }]), "{to_anna:?}");
    // An agent may sync any conversation (stored ones too); the sync is read by the dispatcher in order.
    let ben = f.connect_agent(2);
    f.agent_frame(ben, 2, ClientFrame::Sync { conversation_id: c, after_seq: 0 });
    let job = f.jobs.last().unwrap();
    assert!(
        job.effects
            .iter()
            .any(|e| matches!(e, Effect::Sync { conversation, last_seq: Some(2), .. } if *conversation == c))
    );
    // A bot syncs only what it holds.
    let bot = f.connect_bot();
    f.frame(bot, Participant::Bot(BotId(1)), ClientFrame::Sync { conversation_id: c, after_seq: 0 });
    assert_eq!(f.last_error(bot), Some(ErrorCode::Forbidden));
}
