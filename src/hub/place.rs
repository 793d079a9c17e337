//! Applying the routing policy to live state: placing conversations, assigning agents and bots,
//! serving the queue. Decisions come from `crate::routing`; changes are made by `transition`; this
//! file only gathers the decisions' inputs and picks the change.

use std::sync::Arc;

use super::core::Hub;
use super::transition::Change;
use crate::domain::{AgentId, BotReason, ConversationId, Status, Tier};
use crate::routing::assign::{self, Need, QueueKey};
use crate::routing::{Destination, RouteFacts, destination};

impl Hub {
    fn need(&self, id: ConversationId) -> Option<Need<'_>> {
        let c = self.convs.get(&id)?;
        Some(Need {
            department: &c.rec.department,
            language: c.rec.language,
            tier: Tier::new(c.rec.tier).unwrap_or(Tier::FIRST),
        })
    }

    pub(super) fn route_facts(&self, id: ConversationId) -> Option<RouteFacts> {
        let c = self.convs.get(&id)?;
        let covered = assign::language_covered(
            &c.rec.department,
            c.rec.language,
            self.agents.values().map(|a| (&a.record.languages[..], &a.record.departments[..])),
        );
        Some(RouteFacts {
            department_open: self.depts.get(&c.rec.department).is_some_and(|d| d.open),
            language_covered: covered,
            require_verified: self.settings.require_verified,
            verified: c.rec.verified,
            base_priority: crate::domain::base_priority(c.rec.plan, c.rec.urgent),
        })
    }

    /// Places a conversation that no human has: the human queue (and an agent if one is free) or the
    /// bot. A conversation with a bot stays with it unless the visitor asked for a human.
    pub(super) fn place(&mut self, id: ConversationId) {
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
                self.transition(id, Change::Queue { priority });
                self.try_assign(id);
            }
            Destination::Bot { priority, reason } => self.transition(id, Change::Bot { priority, reason }),
        }
    }

    /// 1-based place in its department's queue.
    pub(super) fn queue_position(&self, id: ConversationId) -> Option<u32> {
        let dept = &self.convs.get(&id)?.rec.department;
        let mut n = 0;
        for other in self.queue.ids() {
            if self.convs.get(&other).is_some_and(|c| c.rec.department == *dept) {
                n += 1;
            }
            if other == id {
                return Some(n);
            }
        }
        None
    }

    /// Spec 5.4: the best free agent takes the conversation now, if there is one.
    fn try_assign(&mut self, id: ConversationId) {
        let Some(need) = self.need(id) else { return };
        let chosen = assign::choose_agent(&need, self.agents.values().map(|a| a.slot()));
        if let Some(agent) = chosen {
            self.transition(id, Change::Assign { agent });
        }
    }

    /// Spec 5.5: while the agent has room, it takes the first conversation it can, in queue order.
    pub(super) fn serve_agent(&mut self, agent: AgentId) {
        loop {
            let next = {
                let Some(a) = self.agents.get(&agent) else {
                    return;
                };
                let queue = self.queue.ids().filter_map(|id| self.need(id).map(|n| (id, n)));
                assign::first_takeable(&a.slot(), queue)
            };
            match next {
                Some(id) => self.transition(id, Change::Assign { agent }),
                None => return,
            }
        }
    }

    /// Gives waiting bot conversations to bots that have connected.
    pub(super) fn serve_bots(&mut self) {
        while self.bots.choose().is_some() {
            let Some(id) = self.bot_waiting.pop_first() else { return };
            let Some(c) = self.convs.get(&id) else { continue };
            let (priority, reason) = (c.rec.priority, c.rec.bot_reason.unwrap_or(BotReason::Closed));
            self.transition(id, Change::Bot { priority, reason });
        }
    }

    /// Ends the conversation; its agent's place goes to the next in the queue.
    pub(super) fn resolve(&mut self, id: ConversationId) {
        self.resolve_as(id, false);
    }

    /// `resolve`; `inactive` when its visitor was gone too long (its own system line).
    pub(super) fn resolve_as(&mut self, id: ConversationId, inactive: bool) {
        let holder = self.convs.get(&id).and_then(|c| c.rec.agent_id.filter(|_| c.rec.status == Status::Assigned));
        self.transition(id, Change::Resolve { inactive });
        if let Some(agent) = holder {
            self.serve_agent(agent);
        }
    }

    /// Spec 5.6 and `handoff`: bot conversations whose visitor asked for a human enter the queue, in
    /// priority order, once their department is open and their language covered.
    pub(super) fn release_handoffs(&mut self, department: Option<&Arc<str>>) {
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
