//! Stored conversations as the HTTP API shows them (no live state needed).

use std::sync::Arc;

use crate::config::Department;
use crate::domain::Status;
use crate::protocol::rest::{RatingOut, TicketOut};
use crate::protocol::{AgentRef, BotRef, ConversationView, VisitorView};
use crate::store::{ConversationRecord, MessageRecord};

pub struct TicketParts {
    pub rec: ConversationRecord,
    pub agent: Option<Arc<str>>,
    pub bot: Option<Arc<str>>,
    pub messages: Option<Vec<MessageRecord>>,
}

pub fn ticket_out(p: TicketParts, departments: &[Department]) -> TicketOut {
    let now = jiff::Timestamp::now();
    let r = p.rec;
    let dept = departments.iter().find(|d| d.name == r.department);
    let last_seq = p.messages.as_ref().and_then(|m| m.last()).map_or(r.last_seq, |m| m.seq.max(r.last_seq));
    TicketOut {
        conversation: ConversationView {
            conversation_id: r.id,
            ticket: r.ticket,
            status: r.status,
            department: r.department.clone(),
            language: r.language,
            priority: r.priority,
            tier: r.tier,
            queue_position: None,
            agent: r.agent_id.zip(p.agent).map(|(id, name)| AgentRef { id: Some(id), name }),
            bot: p.bot.filter(|_| r.status == Status::Bot).map(|name| BotRef { name }),
            reason: r.bot_reason.filter(|_| r.status == Status::Bot),
            handoff_requested: r.handoff_requested,
            department_open: dept.is_some_and(|d| d.schedule.is_open(now)),
            next_change: dept.and_then(|d| d.schedule.next_change(now)),
            visitor: VisitorView { verified: r.verified, plan: r.plan, name: r.visitor_name, email: r.visitor_email },
            last_seq,
            created_at: r.created_at,
        },
        rating: r.rating.map(|score| RatingOut { score, comment: r.rating_comment }),
        resolved_at: r.resolved_at,
        messages: p.messages.map(|m| m.into_iter().map(super::views::message_view).collect()),
    }
}
