//! Stored conversations as the HTTP API shows them (no live state needed).

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::{Department, SlaSettings};
use crate::domain::{AgentId, Participant, Status};
use crate::protocol::rest::{ActorOut, HistoryOut, RatingOut, TicketOut};
use crate::protocol::{AgentRef, BotRef};
use crate::store::{Actor, ConversationRecord, HistoryEntry, MessageRecord};

pub struct TicketParts {
    pub rec: ConversationRecord,
    pub agent: Option<Arc<str>>,
    pub bot: Option<Arc<str>>,
    pub messages: Option<Vec<MessageRecord>>,
    pub history: Option<Vec<HistoryEntry>>,
    /// Names of the agents the history mentions.
    pub names: HashMap<AgentId, Arc<str>>,
    /// The transcript goes on after `messages`.
    pub more: bool,
}

pub fn ticket_out(p: TicketParts, departments: &[Department], sla: &SlaSettings) -> TicketOut {
    let now = jiff::Timestamp::now();
    let r = p.rec;
    let dept = departments.iter().find(|d| d.name == r.department);
    let last_seq = p.messages.as_ref().and_then(|m| m.last()).map_or(r.last_seq, |m| m.seq.max(r.last_seq));
    let agent = r.agent_id.zip(p.agent).map(|(id, name)| AgentRef { id: Some(id), name });
    let bot = p.bot.filter(|_| r.status == Status::Bot).map(|name| BotRef { name });
    let hours = dept.map(|d| (d.schedule.is_open(now), d.schedule.next_change(now)));
    let tier_name = |t: u8| dept.and_then(|d| d.tier_name(t)).cloned();
    let mut conversation = super::views::record_view(&r, agent, bot, hours, tier_name(r.tier), false);
    conversation.last_seq = last_seq;
    let times = super::workflow::sla_times(&r, sla, dept.map(|d| &d.schedule));
    conversation.sla = super::workflow::sla_view(&r, &times, now);
    let names = &p.names;
    let history = p.history.map(|entries| {
        entries
            .into_iter()
            .map(|h| HistoryOut {
                at: h.at,
                by: actor_out(h.by, names),
                what: h.what,
                status: h.status,
                agent: h
                    .agent_id
                    .map(|id| AgentRef { id: Some(id), name: names.get(&id).cloned().unwrap_or_default() }),
                tier: h.tier,
                tier_name: tier_name(h.tier),
                note: h.note,
            })
            .collect()
    });
    TicketOut {
        conversation,
        rating: r.rating.map(|score| RatingOut { score, comment: r.rating_comment }),
        resolved_at: r.resolved_at,
        messages: p.messages.map(|m| m.into_iter().map(super::views::message_view).collect()),
        history,
        more: p.more,
    }
}

fn actor_out(by: Option<Actor>, names: &HashMap<AgentId, Arc<str>>) -> ActorOut {
    let (role, id, name) = match by {
        None => ("system", None, None),
        Some(Actor::Admin) => ("admin", None, None),
        Some(Actor::Participant(Participant::Visitor(v))) => ("visitor", Some(v.to_string()), None),
        Some(Actor::Participant(Participant::Agent(a))) => ("agent", Some(a.to_string()), names.get(&a).cloned()),
        Some(Actor::Participant(Participant::Bot(b))) => ("bot", Some(b.to_string()), None),
    };
    ActorOut { role, id, name }
}

/// The agents a history names, to look up once.
pub fn agents_named(history: &[HistoryEntry]) -> Vec<AgentId> {
    let mut ids: Vec<AgentId> = history
        .iter()
        .flat_map(|h| {
            let by = match h.by {
                Some(Actor::Participant(Participant::Agent(a))) => Some(a),
                _ => None,
            };
            [h.agent_id, by]
        })
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
