//! Applying the routing policy to live state: placing conversations, assigning agents and bots,
//! serving the queue. Decisions come from `crate::routing`; this file only gathers their inputs and
//! carries out their answers.

use std::sync::Arc;

use super::Participant;
use super::dispatch::Effect;
use super::state::Hub;
use crate::domain::{AgentId, BotId, BotReason, ConversationId, Status, Tier};
use crate::protocol::ServerFrame;
use crate::routing::assign::{self, AgentSlot, Need, QueueKey};
use crate::routing::{Destination, RouteFacts, destination};

impl Hub {
    fn slot(a: &super::state::AgentState) -> AgentSlot<'_> {
        AgentSlot {
            id: a.record.id,
            connected: a.conns > 0,
            availability: a.availability,
            languages: &a.record.languages,
            departments: &a.record.departments,
            tier: Tier::new(a.record.tier).unwrap_or(Tier::FIRST),
            open_chats: a.open,
            max_chats: a.record.max_chats,
            idle_since: a.idle_since,
        }
    }

    fn need(&self, id: ConversationId) -> Option<Need<'_>> {
        let c = self.convs.get(&id)?;
        Some(Need {
            department: &c.rec.department,
            language: c.rec.language,
            tier: Tier::new(c.rec.tier).unwrap_or(Tier::FIRST),
        })
    }

    pub fn route_facts(&self, id: ConversationId) -> Option<RouteFacts> {
        let c = self.convs.get(&id)?;
        let covered = assign::language_covered(
            &c.rec.department,
            c.rec.language,
            self.agents.values().map(|a| (&a.record.languages[..], &a.record.departments[..])),
        );
        Some(RouteFacts {
            department_open: self.dept(&c.rec.department).is_some_and(|d| d.open),
            language_covered: covered,
            require_verified: self.settings.require_verified,
            verified: c.rec.verified,
            base_priority: crate::domain::base_priority(c.rec.plan, c.rec.urgent),
        })
    }

    /// Places a conversation that no human has: the human queue (and an agent if one is free) or the
    /// bot. A conversation with a bot stays with it unless the visitor asked for a human.
    pub fn place(&mut self, id: ConversationId) {
        let Some(facts) = self.route_facts(id) else {
            return;
        };
        let Some(c) = self.convs.get(&id) else { return };
        let (status, handoff, reason) = (c.rec.status, c.rec.handoff_requested, c.rec.bot_reason);
        match destination(&facts) {
            Destination::Human { priority } => {
                // A chat the bot took because the department was closed stays with the bot unless the
                // visitor asked for a person (spec 5.6); one sent there for its language or identity
                // comes back as soon as that no longer holds.
                if status == Status::Bot && !handoff && reason == Some(BotReason::Closed) {
                    return;
                }
                self.enter_queue(id, priority);
            }
            Destination::Bot { priority, reason } => self.give_to_bot(id, priority, reason),
        }
    }

    fn enter_queue(&mut self, id: ConversationId, priority: crate::domain::Priority) {
        self.leave_bot(id);
        let was_queued = self.convs.get(&id).is_some_and(|c| c.queue_key.is_some());
        let key = match self.convs.get(&id).and_then(|c| c.queue_key) {
            Some(k) if k.priority == priority => k,
            _ => self.next_arrival(priority),
        };
        if was_queued {
            self.leave_queue(id);
        }
        if let Some(c) = self.convs.get_mut(&id) {
            c.rec.priority = priority;
            c.rec.bot_reason = None;
            c.rec.agent_id = None;
        }
        self.set_status(id, Status::Queued);
        self.enqueue_key(id, key);
        let position = self.queue_position(id);
        if let Some(c) = self.convs.get_mut(&id) {
            c.last_position = position;
        }
        self.save(id);
        self.notify(id);
        self.try_assign(id);
    }

    /// 1-based place in its department's queue.
    pub fn queue_position(&self, id: ConversationId) -> Option<u32> {
        let dept = &self.convs.get(&id)?.rec.department;
        let mut n = 0;
        for other in self.queue.values() {
            if self.convs.get(other).is_some_and(|c| c.rec.department == *dept) {
                n += 1;
            }
            if *other == id {
                return Some(n);
            }
        }
        None
    }

    pub fn enqueue_key(&mut self, id: ConversationId, key: QueueKey) {
        if let Some(c) = self.convs.get_mut(&id) {
            c.queue_key = Some(key);
            self.queue.insert(key, id);
            self.queue_dirty = true;
        }
    }

    pub fn leave_queue(&mut self, id: ConversationId) {
        if let Some(key) = self.convs.get_mut(&id).and_then(|c| c.queue_key.take()) {
            self.queue.remove(&key);
            self.queue_dirty = true;
        }
        if let Some(c) = self.convs.get_mut(&id) {
            c.last_position = None;
        }
    }

    /// Spec 5.4: the best free agent takes the conversation now, if there is one.
    fn try_assign(&mut self, id: ConversationId) {
        let Some(need) = self.need(id) else { return };
        let chosen = assign::choose_agent(&need, self.agents.values().map(Self::slot));
        if let Some(agent) = chosen {
            self.assign_agent(id, agent);
        }
    }

    /// Hands the conversation to this agent (from the queue, a pick or a transfer).
    pub fn assign_agent(&mut self, id: ConversationId, agent: AgentId) {
        self.leave_queue(id);
        self.leave_bot(id);
        let previous = self.convs.get(&id).and_then(|c| c.rec.agent_id);
        if let Some(prev) = previous.filter(|p| *p != agent) {
            self.release_agent_slot(prev);
        }
        if previous != Some(agent)
            && let Some(a) = self.agents.get_mut(&agent)
        {
            a.open += 1;
            a.idle_since = self.now;
        }
        if let Some(c) = self.convs.get_mut(&id) {
            c.rec.agent_id = Some(agent);
            c.rec.bot_reason = None;
        }
        self.set_status(id, Status::Assigned);
        self.save(id);
        if let Some(prev) = previous.filter(|p| *p != agent) {
            let view = self.view(id, false);
            if let Some(view) = view {
                self.to(Participant::Agent(prev), ServerFrame::Conversation(view), None);
            }
        }
        self.notify_visitor(id);
        if let Some(view) = self.view(id, false) {
            self.effect(Effect::Transcript { to: Participant::Agent(agent), conversation: Box::new(view) });
        }
    }

    /// Frees one place of an agent's; the queue is served by the caller once the state is settled.
    pub fn release_agent_slot(&mut self, agent: AgentId) {
        if let Some(a) = self.agents.get_mut(&agent) {
            a.open = a.open.saturating_sub(1);
        }
    }

    /// Spec 5.5: while the agent has room, it takes the first conversation it can, in queue order.
    pub fn serve_agent(&mut self, agent: AgentId) {
        loop {
            let next = {
                let Some(a) = self.agents.get(&agent) else {
                    return;
                };
                let slot = Self::slot(a);
                let queue = self.queue.values().filter_map(|id| self.need(*id).map(|n| (*id, n)));
                assign::first_takeable(&slot, queue)
            };
            match next {
                Some(id) => self.assign_agent(id, agent),
                None => return,
            }
        }
    }

    fn give_to_bot(&mut self, id: ConversationId, priority: crate::domain::Priority, reason: BotReason) {
        self.leave_queue(id);
        let already = self.convs.get(&id).is_some_and(|c| c.rec.status == Status::Bot);
        if let Some(c) = self.convs.get_mut(&id) {
            c.rec.priority = priority;
            c.rec.bot_reason = Some(reason);
            c.rec.agent_id = None;
        }
        self.set_status(id, Status::Bot);
        let has_bot = self.convs.get(&id).and_then(|c| c.rec.bot_id).is_some();
        if !already || !has_bot {
            match self.choose_bot() {
                Some(bot) => {
                    self.save(id);
                    self.assign_bot(id, bot);
                    return;
                }
                None => {
                    let key = self.next_arrival(priority);
                    self.bot_waiting.insert(key, id);
                }
            }
        }
        self.save(id);
        self.notify(id);
    }

    /// The connected bot with the fewest conversations.
    fn choose_bot(&self) -> Option<BotId> {
        self.bots.values().filter(|b| b.conns > 0).min_by_key(|b| (b.open, b.record.id)).map(|b| b.record.id)
    }

    pub fn assign_bot(&mut self, id: ConversationId, bot: BotId) {
        self.bot_waiting.retain(|_, c| *c != id);
        if let Some(b) = self.bots.get_mut(&bot) {
            b.open += 1;
        }
        if let Some(c) = self.convs.get_mut(&id) {
            c.rec.bot_id = Some(bot);
        }
        self.save(id);
        self.notify_visitor(id);
        if let Some(view) = self.view(id, false) {
            self.effect(Effect::Transcript { to: Participant::Bot(bot), conversation: Box::new(view) });
        }
    }

    /// Takes the conversation away from its bot (which is told), if it has one.
    pub fn leave_bot(&mut self, id: ConversationId) {
        self.bot_waiting.retain(|_, c| *c != id);
        let Some(bot) = self.convs.get_mut(&id).and_then(|c| c.rec.bot_id.take()) else {
            return;
        };
        if let Some(b) = self.bots.get_mut(&bot) {
            b.open = b.open.saturating_sub(1);
        }
        // The bot hears of it once the change is complete (`tell_bots`), so it sees the new status.
        self.bot_notices.push((bot, id));
    }

    /// Tells bots that lost conversations where those conversations now stand.
    pub fn tell_bots(&mut self) {
        for (bot, id) in std::mem::take(&mut self.bot_notices) {
            if let Some(view) = self.view(id, false) {
                self.to(Participant::Bot(bot), ServerFrame::Conversation(view), None);
            }
        }
    }

    /// Gives waiting bot conversations to bots that have connected.
    pub fn serve_bots(&mut self) {
        while let Some((&key, &id)) = self.bot_waiting.iter().next() {
            let Some(bot) = self.choose_bot() else { return };
            self.bot_waiting.remove(&key);
            self.assign_bot(id, bot);
        }
    }

    /// Spec 5.6 and `handoff`: bot conversations whose visitor asked for a human enter the queue, in
    /// priority order, once their department is open and their language covered.
    pub fn release_handoffs(&mut self, department: Option<&Arc<str>>) {
        let mut waiting: Vec<(QueueKey, ConversationId)> = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Bot && c.rec.handoff_requested)
            .filter(|c| department.is_none_or(|d| *d == c.rec.department))
            .map(|c| {
                let base = crate::domain::base_priority(c.rec.plan, c.rec.urgent);
                (QueueKey { priority: base, arrival: c.rec.created_at.as_millisecond() as u64 }, c.rec.id)
            })
            .collect();
        waiting.sort();
        for (_, id) in waiting {
            self.place(id);
        }
    }
}
