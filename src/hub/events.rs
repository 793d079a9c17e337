//! Domain events: what changed, as the transition function reports it. Every event goes through
//! `Hub::emit`, which records it in the job and runs the reactions to it (who is told, metrics), so
//! that whatever must follow a change hooks in here, in one place, rather than at each call site.

use std::sync::Arc;

use super::core::Hub;
use super::dispatch::Effect;
use crate::domain::{AgentId, BotId, BotReason, ConversationId, Participant, Priority, Status, SystemEvent};
use crate::protocol::ServerFrame;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainEvent {
    /// A visitor's first message opened the conversation.
    Opened { conversation: ConversationId },
    /// It entered (`entered`: from another status) or moved within the human queue.
    Queued { conversation: ConversationId, priority: Priority, entered: bool },
    /// It is with the bot queue; `bot` has it now (None: no bot is connected), `handed` when this change
    /// gave it to that bot.
    WithBot { conversation: ConversationId, bot: Option<BotId>, reason: BotReason, handed: bool },
    /// An agent took it from the queue, the bot, or by `pick`.
    Assigned { conversation: ConversationId, agent: AgentId },
    /// Its holder passed it to another agent.
    Transferred { conversation: ConversationId, from: AgentId, to: AgentId },
    /// It moved up to `tier`, leaving its holder (if it had one).
    Escalated { conversation: ConversationId, from: Option<AgentId>, tier: u8 },
    /// Its agent was removed; it goes back to routing.
    Unassigned { conversation: ConversationId, agent: AgentId },
    /// The bot asked for a human.
    HandoffRequested { conversation: ConversationId },
    /// It ended; `agent` held it then; `inactive`: because its visitor was gone too long.
    Resolved { conversation: ConversationId, agent: Option<AgentId>, inactive: bool },
    /// A department opened or closed.
    DepartmentHours { department: Arc<str>, open: bool },
}

impl Hub {
    /// Records the event in the job and reacts to it.
    pub(super) fn emit(&mut self, event: DomainEvent) {
        self.record(&event);
        self.react(&event);
        self.job.events.push(event);
    }

    fn react(&mut self, event: &DomainEvent) {
        match *event {
            DomainEvent::Opened { .. } => {
                metrics::counter!("switchboard_conversations_opened_total").increment(1);
            }
            DomainEvent::Queued { conversation, entered, .. } => {
                let position = self.queue_position(conversation);
                if let Some(c) = self.convs.get_mut(&conversation) {
                    c.last_position = position;
                }
                self.notify(conversation);
                self.start_sla(conversation);
                self.refresh_sla(conversation);
                if entered {
                    self.entered_queue.push(conversation);
                }
            }
            DomainEvent::WithBot { conversation, bot: Some(bot), handed: true, .. } => {
                self.notify_visitor(conversation);
                self.transcript_to(conversation, Participant::Bot(bot));
            }
            DomainEvent::WithBot { conversation, .. } => self.notify(conversation),
            DomainEvent::Assigned { conversation, agent } => {
                self.notify_visitor(conversation);
                self.transcript_to(conversation, Participant::Agent(agent));
                self.system_message(conversation, SystemEvent::Assigned, Some(Participant::Agent(agent)));
            }
            DomainEvent::Transferred { conversation, from, to } => {
                self.view_to(conversation, Participant::Agent(from));
                self.notify_visitor(conversation);
                self.transcript_to(conversation, Participant::Agent(to));
                self.system_message(conversation, SystemEvent::Transferred, Some(Participant::Agent(to)));
            }
            DomainEvent::Escalated { conversation, from, .. } => {
                if let Some(from) = from {
                    self.view_to(conversation, Participant::Agent(from));
                }
                self.system_message(conversation, SystemEvent::Escalated, None);
            }
            DomainEvent::HandoffRequested { conversation } => self.start_sla(conversation),
            DomainEvent::Resolved { conversation, agent, inactive } => {
                let line = if inactive { SystemEvent::ResolvedInactive } else { SystemEvent::Resolved };
                self.system_message(conversation, line, agent.map(Participant::Agent));
                self.mail_resolved(conversation);
                self.notify_visitor(conversation);
                if let Some(agent) = agent {
                    self.view_to(conversation, Participant::Agent(agent));
                }
                if let Some(visitor) = self.convs.get(&conversation).map(|c| c.rec.visitor_id) {
                    self.to(Participant::Visitor(visitor), ServerFrame::Survey { conversation_id: conversation }, None);
                }
                // Bots that lost it hear now, while the conversation is still in memory.
                self.tell_bots();
                metrics::counter!("switchboard_conversations_resolved_total").increment(1);
            }
            DomainEvent::Unassigned { .. } | DomainEvent::DepartmentHours { .. } => {}
        }
    }

    /// The conversation as `who` (an agent or bot) sees it.
    fn view_to(&mut self, id: ConversationId, who: Participant) {
        if let Some(view) = self.view(id, false) {
            self.to(who, ServerFrame::Conversation(view), None);
        }
    }

    /// `assigned` with the transcript up to now, read from the store by the dispatcher; what is added
    /// later (even in the same batch) reaches the new holder live.
    fn transcript_to(&mut self, id: ConversationId, to: Participant) {
        if let Some(view) = self.view(id, false) {
            let upto = view.last_seq;
            self.effect(Effect::Transcript { to, conversation: Box::new(view), upto });
        }
    }

    /// Tells the visitor of the conversation's current state.
    pub(super) fn notify_visitor(&mut self, id: ConversationId) {
        let Some(visitor) = self.convs.get(&id).map(|c| c.rec.visitor_id) else {
            return;
        };
        if let Some(view) = self.view(id, true) {
            self.to(Participant::Visitor(visitor), ServerFrame::Conversation(view), None);
        }
    }

    /// Tells the visitor and whoever has the conversation of its current state.
    pub(super) fn notify(&mut self, id: ConversationId) {
        self.notify_visitor(id);
        let Some(c) = self.convs.get(&id) else { return };
        let holder = match c.rec.status {
            Status::Assigned => c.rec.agent_id.map(Participant::Agent),
            Status::Bot => c.rec.bot_id.map(Participant::Bot),
            _ => None,
        };
        if let Some(who) = holder {
            self.view_to(id, who);
        }
    }

    /// Tells bots that lost conversations where those conversations now stand.
    pub(super) fn tell_bots(&mut self) {
        for (bot, id) in std::mem::take(&mut self.bot_notices) {
            self.view_to(id, Participant::Bot(bot));
        }
    }
}
