//! The one place where a conversation's status, holder and tier change. Each change leaves the old
//! holder (queue place, bot, agent slot) and takes the new one, keeps the status gauge true, saves the
//! row, and emits the domain event that everything else reacts to. Routing decides which change to make
//! (`place.rs`); this file only makes it.

use super::core::Hub;
use super::events::DomainEvent;
use crate::domain::{AgentId, BotReason, ConversationId, Priority, Status};

/// A change of where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Into the human queue with this priority.
    Queue { priority: Priority },
    /// To the bot queue with this priority and reason.
    Bot { priority: Priority, reason: BotReason },
    /// To this agent (from the queue, a bot, a pick, or its holder's transfer).
    Assign { agent: AgentId },
    /// Up to this tier: it leaves its holder and waits to be placed again.
    Escalate { tier: u8 },
    /// Its agent was removed: it waits to be placed again.
    Unassign,
    /// Ended (`inactive`: because its visitor was gone too long). It leaves memory; the store keeps it.
    Resolve { inactive: bool },
}

impl Hub {
    pub(super) fn transition(&mut self, id: ConversationId, change: Change) {
        let Some(c) = self.convs.get(&id) else { return };
        let holder = c.rec.agent_id.filter(|_| c.rec.status == Status::Assigned);
        let entered = !self.queue.contains(id) && !c.escalated;
        let event = match change {
            Change::Queue { priority } => {
                self.leave_bot(id);
                self.queue.enter(id, priority);
                self.update(id, Status::Queued, |r| {
                    r.priority = priority;
                    r.bot_reason = None;
                    r.agent_id = None;
                });
                if let Some(c) = self.convs.get_mut(&id) {
                    c.escalated = false;
                }
                DomainEvent::Queued { conversation: id, priority, entered }
            }
            Change::Bot { priority, reason } => {
                self.queue.remove(id);
                let kept = c.rec.bot_id.filter(|_| c.rec.status == Status::Bot);
                let bot = kept.or_else(|| self.bots.choose());
                match (kept, bot) {
                    (None, Some(b)) => {
                        self.bot_waiting.remove(id);
                        self.bots.take_chat(b);
                    }
                    (None, None) => {
                        let key = self.queue.next_key(priority);
                        self.bot_waiting.insert(id, key);
                    }
                    (Some(_), _) => {}
                }
                self.update(id, Status::Bot, |r| {
                    r.priority = priority;
                    r.bot_reason = Some(reason);
                    r.agent_id = None;
                    r.bot_id = bot;
                });
                DomainEvent::WithBot { conversation: id, bot, reason, handed: kept.is_none() && bot.is_some() }
            }
            Change::Assign { agent } => {
                self.queue.remove(id);
                self.leave_bot(id);
                if holder != Some(agent) {
                    if let Some(prev) = holder {
                        self.agents.release_chat(prev);
                    }
                    self.agents.take_chat(agent, self.now);
                }
                self.update(id, Status::Assigned, |r| {
                    r.agent_id = Some(agent);
                    r.bot_reason = None;
                });
                match holder.filter(|p| *p != agent) {
                    Some(from) => DomainEvent::Transferred { conversation: id, from, to: agent },
                    None => DomainEvent::Assigned { conversation: id, agent },
                }
            }
            Change::Escalate { tier } => {
                self.queue.remove(id);
                if let Some(prev) = holder {
                    self.agents.release_chat(prev);
                }
                self.update(id, Status::Queued, |r| {
                    r.tier = tier;
                    r.agent_id = None;
                });
                if let Some(c) = self.convs.get_mut(&id) {
                    c.escalated = true;
                }
                DomainEvent::Escalated { conversation: id, from: holder, tier }
            }
            Change::Unassign => {
                let Some(agent) = holder else { return };
                self.update(id, Status::Queued, |r| r.agent_id = None);
                DomainEvent::Unassigned { conversation: id, agent }
            }
            Change::Resolve { inactive } => {
                self.queue.remove(id);
                self.leave_bot(id);
                let now = self.now;
                self.update(id, Status::Resolved, |r| r.resolved_at = Some(now));
                self.emit(DomainEvent::Resolved { conversation: id, agent: holder, inactive });
                // Resolved conversations leave memory; the gauge counts live ones.
                metrics::gauge!("switchboard_conversations", "status" => Status::Resolved.as_str()).decrement(1.0);
                self.deadlines.cancel_conversation(id);
                if let Some(conv) = self.convs.close(id) {
                    // A visitor with no connection was kept for this conversation only.
                    let visitor = conv.rec.visitor_id;
                    self.visitors.forget_if_gone(visitor);
                    self.visitor_back(visitor);
                }
                if let Some(agent) = holder {
                    self.agents.release_chat(agent);
                }
                return;
            }
        };
        self.emit(event);
    }

    /// Sets the status (keeping the gauge true) and other fields, then saves the row.
    fn update(
        &mut self,
        id: ConversationId,
        status: Status,
        fields: impl FnOnce(&mut crate::store::ConversationRecord),
    ) {
        let Some(c) = self.convs.get_mut(&id) else { return };
        // Agents' queue frames list the bot's conversations too: look at the lists again.
        if status == Status::Bot || c.rec.status == Status::Bot {
            self.queue.touch();
        }
        if c.rec.status != status {
            metrics::gauge!("switchboard_conversations", "status" => c.rec.status.as_str()).decrement(1.0);
            metrics::gauge!("switchboard_conversations", "status" => status.as_str()).increment(1.0);
            c.rec.status = status;
        }
        if status != Status::Queued {
            c.last_position = None;
        }
        fields(&mut c.rec);
        self.save(id);
    }

    /// Takes the conversation away from its bot (which is told once the event's changes are complete),
    /// or out of the bot queue.
    pub(super) fn leave_bot(&mut self, id: ConversationId) {
        self.bot_waiting.remove(id);
        let Some(bot) = self.convs.get_mut(&id).and_then(|c| c.rec.bot_id.take()) else {
            return;
        };
        self.bots.release_chat(bot);
        self.bot_notices.push((bot, id));
    }
}
