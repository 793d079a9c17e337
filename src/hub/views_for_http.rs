//! Stored conversations as the HTTP API shows them (no live state needed).

use std::sync::Arc;

use crate::config::Department;
use crate::domain::Status;
use crate::protocol::rest::{RatingOut, TicketOut};
use crate::protocol::{AgentRef, BotRef};
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
    let agent = r.agent_id.zip(p.agent).map(|(id, name)| AgentRef { id: Some(id), name });
    let bot = p.bot.filter(|_| r.status == Status::Bot).map(|name| BotRef { name });
    let hours = dept.map(|d| (d.schedule.is_open(now), d.schedule.next_change(now)));
    let mut conversation = super::views::record_view(&r, agent, bot, hours, false);
    conversation.last_seq = last_seq;
    TicketOut {
        conversation,
        rating: r.rating.map(|score| RatingOut { score, comment: r.rating_comment }),
        resolved_at: r.resolved_at,
        messages: p.messages.map(|m| m.into_iter().map(super::views::message_view).collect()),
    }
}
