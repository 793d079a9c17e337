use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{HOLD_GRACE, Holds, MAX_HELD, Verdict};
use crate::delivery::OutFrame;
use crate::domain::{ConversationId, Plan, Priority, Role, Status, Ticket};
use crate::protocol::{
    BotInfo, BotWelcome, ClientFrame, ConversationView, From, MessageView, ServerFrame, VisitorView,
};

const A: ConversationId = ConversationId(1);
const B: ConversationId = ConversationId(2);

fn out(frame: ServerFrame) -> Arc<OutFrame> {
    Arc::new(OutFrame::new(frame))
}

fn view(id: ConversationId) -> ConversationView {
    let at: jiff::Timestamp = "2026-11-22T08:00:00Z".parse().unwrap();
    ConversationView {
        conversation_id: id,
        ticket: Ticket(1001),
        status: Status::Bot,
        department: "support".into(),
        language: None,
        language_source: None,
        priority: Priority::Standard,
        tier: 1,
        tier_name: None,
        topic: None,
        queue_position: None,
        agent: None,
        bot: None,
        reason: None,
        handoff_requested: false,
        department_open: true,
        next_change: None,
        visitor: VisitorView {
            verified: false,
            plan: Plan::Standard,
            name: None,
            email: None,
            page: None,
            user_agent: None,
            timezone: None,
        },
        last_seq: 0,
        created_at: at,
        sla: None,
    }
}

fn welcome(ids: &[ConversationId]) -> Arc<OutFrame> {
    let bot = BotInfo { id: crate::domain::BotId(7), name: "b".into() };
    out(ServerFrame::BotWelcome(BotWelcome {
        v: 1,
        bot,
        conversations: ids.iter().map(|c| view(*c)).collect(),
        email_replies: false,
        notices: vec![],
        reference: None,
    }))
}

fn msg(id: ConversationId, seq: u64) -> Arc<OutFrame> {
    let at = "2026-11-22T08:00:00Z".parse().unwrap();
    out(ServerFrame::Message(MessageView {
        conversation_id: id,
        seq,
        from: From { role: Role::Visitor, name: None },
        text: "x".into(),
        at,
        event: None,
        tier: None,
    }))
}

fn seqs(frames: &[Arc<OutFrame>]) -> Vec<(u64, u64)> {
    frames
        .iter()
        .map(|f| match f.frame().unwrap() {
            ServerFrame::Message(m) => (m.conversation_id.0, m.seq),
            other => panic!("not a message: {other:?}"),
        })
        .collect()
}

#[test]
fn a_sync_right_after_the_welcome_gets_no_live_repeat() {
    let t0 = Instant::now();
    let mut h = Holds::default();
    assert_eq!(h.outgoing(&welcome(&[A]), t0), Verdict::Write);
    assert_eq!(h.outgoing(&msg(A, 4), t0), Verdict::Held, "live while the client has not synced yet");
    assert_eq!(h.outgoing(&msg(B, 1), t0), Verdict::Write, "not in the welcome: not held");
    h.incoming(&ClientFrame::Sync { conversation_id: A, after_seq: 1 }, t0);
    assert_eq!(h.outgoing(&msg(A, 5), t0), Verdict::Held, "accepted before the sync was served");
    let synced = out(ServerFrame::Synced { conversation_id: A, last_seq: 5 });
    assert_eq!(h.outgoing(&synced, t0), Verdict::Write);
    assert!(h.release_all().is_empty(), "the backlog carried 4 and 5: nothing left to send");
    assert_eq!(h.outgoing(&msg(A, 6), t0), Verdict::Write, "live again after synced");
    assert_eq!(h.deadline(), None);
}

#[test]
fn without_a_sync_held_messages_go_out_after_the_grace_in_order() {
    let t0 = Instant::now();
    let mut h = Holds::default();
    h.outgoing(&welcome(&[A, B]), t0);
    for f in [msg(A, 3), msg(B, 7), msg(A, 4)] {
        assert_eq!(h.outgoing(&f, t0), Verdict::Held);
    }
    assert_eq!(h.deadline(), Some(t0 + HOLD_GRACE));
    assert!(h.expire(t0 + HOLD_GRACE - Duration::from_millis(1)).is_empty(), "not before the grace");
    assert_eq!(seqs(&h.expire(t0 + HOLD_GRACE)), [(1, 3), (2, 7), (1, 4)]);
    assert_eq!(h.outgoing(&msg(A, 5), t0 + HOLD_GRACE), Verdict::Write);
}

#[test]
fn a_sync_extends_only_its_own_conversation() {
    let t0 = Instant::now();
    let mut h = Holds::default();
    h.outgoing(&welcome(&[A, B]), t0);
    h.outgoing(&msg(A, 2), t0);
    h.outgoing(&msg(B, 2), t0);
    h.incoming(&ClientFrame::Sync { conversation_id: A, after_seq: 1 }, t0);
    assert_eq!(seqs(&h.expire(t0 + HOLD_GRACE)), [(2, 2)], "B was never synced: released");
    assert_eq!(h.outgoing(&msg(A, 3), t0 + HOLD_GRACE), Verdict::Held, "A waits for its synced");
}

#[test]
fn a_full_hold_buffer_is_let_go_before_the_next_message() {
    let t0 = Instant::now();
    let mut h = Holds::default();
    h.outgoing(&welcome(&[A]), t0);
    for seq in 1..=MAX_HELD as u64 {
        assert_eq!(h.outgoing(&msg(A, seq), t0), Verdict::Held);
    }
    assert_eq!(h.outgoing(&msg(A, MAX_HELD as u64 + 1), t0), Verdict::ReleaseThenWrite);
    assert_eq!(h.release_all().len(), MAX_HELD);
    assert_eq!(h.outgoing(&msg(A, MAX_HELD as u64 + 2), t0), Verdict::Write);
}
