//! Agents and bots saying hello, and any participant's connection closing.

use super::core::Hub;
use super::dispatch::Effect;
use crate::delivery::{ConnId, OutItem};
use crate::domain::{AgentId, BotId, ConversationId, Participant, Status};
use crate::protocol::{
    AgentWelcome, BotInfo, BotWelcome, DepartmentTiers, ErrorCode, PROTOCOL_VERSION, Ref, ServerFrame,
};

impl Hub {
    /// A credential the hub does not know (removed since the transport looked it up): refused.
    fn refuse_hello(&mut self, conn: ConnId, message: &'static str) {
        self.send_conn(conn, ServerFrame::error(ErrorCode::Unauthorized, message, None));
        self.effect(Effect::ToConn { conn, item: OutItem::Close(4001, "unauthorized") });
    }

    pub(super) fn agent_hello(&mut self, conn: ConnId, agent: AgentId, reference: Option<Ref>) {
        let conns = self.agents.connect(agent, self.now);
        let Some(a) = self.agents.get(&agent) else {
            return self.refuse_hello(conn, "unknown agent");
        };
        let info = super::views::agent_info(&a.record);
        let availability = a.availability;
        let depts = a.record.departments.clone();
        let mut mine: Vec<(jiff::Timestamp, ConversationId)> = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Assigned && c.rec.agent_id == Some(agent))
            .map(|c| (c.rec.created_at, c.rec.id))
            .collect();
        mine.sort();
        let conversations = mine.iter().filter_map(|(_, id)| self.view(*id, false)).collect();
        self.effect(Effect::Subscribe { conn, who: Participant::Agent(agent) });
        let departments = depts
            .iter()
            .filter_map(|d| self.depts.get(d))
            .map(|d| DepartmentTiers { name: d.name.clone(), tiers: d.tiers.clone() })
            .collect();
        let welcome =
            AgentWelcome { v: PROTOCOL_VERSION, agent: info, availability, conversations, departments, reference };
        self.send_conn(conn, ServerFrame::AgentWelcome(welcome));
        let (version, item) = self.queue_frame(&depts);
        self.effect(Effect::ToConn { conn, item });
        // The agent's first connection now has the current list; a later one must not mark it sent, or
        // a change made earlier in this batch would never reach the agent's other connections.
        if conns == 1 {
            self.agents.mark_queue_sent(agent, version);
        }
        self.serve_agent(agent);
    }

    pub(super) fn bot_hello(&mut self, conn: ConnId, bot: BotId, reference: Option<Ref>) {
        if !self.bots.connect(bot) {
            return self.refuse_hello(conn, "unknown bot");
        }
        let Some(b) = self.bots.get(&bot) else { return };
        let info = BotInfo { id: b.record.id, name: b.record.name.clone() };
        let mine: Vec<ConversationId> = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Bot && c.rec.bot_id == Some(bot))
            .map(|c| c.rec.id)
            .collect();
        let conversations = mine.into_iter().filter_map(|id| self.view(id, false)).collect();
        self.effect(Effect::Subscribe { conn, who: Participant::Bot(bot) });
        let notices = self.notice_list(false, None);
        let email_replies = self.settings.email.is_some();
        let welcome = BotWelcome { v: PROTOCOL_VERSION, bot: info, conversations, email_replies, notices, reference };
        self.send_conn(conn, ServerFrame::BotWelcome(welcome));
        self.serve_bots();
    }

    pub(super) fn disconnected(&mut self, who: Participant) {
        match who {
            Participant::Visitor(v) => {
                let open = self.convs.open_of(v);
                self.visitors.disconnect(v, open.is_some());
                if let Some(c) = open.filter(|_| self.visitors.get(&v).is_none_or(|s| s.conns == 0)) {
                    self.visitor_gone(v, c);
                }
            }
            Participant::Agent(a) => self.agents.disconnect(a),
            Participant::Bot(b) => self.bots.disconnect(b),
        }
    }
}
