//! Tests of the built-in bot: shared builders here, the cases in the submodules.

mod brain;
mod kb;
mod pump;

use super::BotCore;
use super::kb::demo_kb;
use crate::domain::Language;
use crate::domain::{BotReason, ConversationId, Plan, Priority, Role, Status, Ticket};
use crate::protocol::{BotRef, ClientFrame, ConversationView, From, MessageView, ServerFrame, VisitorView};

const NAME: &str = "Switchboard Bot";

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn view(id: ConversationId, lang: Option<&str>, reason: Option<BotReason>, next: Option<&str>) -> ConversationView {
    ConversationView {
        conversation_id: id,
        ticket: Ticket(1001),
        status: Status::Bot,
        department: "support".into(),
        language: lang.and_then(Language::parse),
        language_source: None,
        priority: Priority::Standard,
        tier: 1,
        tier_name: None,
        topic: None,
        queue_position: None,
        agent: None,
        bot: Some(BotRef { name: NAME.into() }),
        reason,
        handoff_requested: false,
        department_open: reason != Some(BotReason::Closed),
        next_change: next.map(ts),
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
        created_at: ts("2026-11-21T22:00:00Z"),
        sla: None,
    }
}

fn msg(id: ConversationId, seq: u64, role: Role, text: &str) -> MessageView {
    MessageView {
        conversation_id: id,
        seq,
        from: From { role, name: None },
        text: text.into(),
        at: ts("2026-11-21T22:00:00Z"),
        event: None,
        tier: None,
    }
}

fn core() -> BotCore {
    BotCore::new(NAME.into(), demo_kb())
}

/// The texts of the messages among `frames`, and whether there was a handoff, in order.
fn texts(frames: &[ClientFrame]) -> Vec<String> {
    frames
        .iter()
        .map(|f| match f {
            ClientFrame::Message { text, client_msg_id, conversation_id, .. } => {
                assert!(client_msg_id.as_deref().is_some_and(|c| c.starts_with("bot-")));
                assert!(conversation_id.is_some());
                text.to_string()
            }
            ClientFrame::Handoff { reason, .. } => {
                format!("HANDOFF({})", reason.as_deref().unwrap_or(""))
            }
            other => format!("{other:?}"),
        })
        .collect()
}
