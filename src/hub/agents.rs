//! Agents and bots: hello, their commands, going offline.

use std::time::Instant;

use tokio::sync::mpsc;

use super::conversation::Author;
use super::dispatch::Effect;
use super::state::Hub;
use super::{ConnId, OutItem, Participant};
use crate::domain::{AgentId, Availability, BotId, ConversationId, Role, Status};
use crate::protocol::{
    AgentWelcome, BotInfo, BotWelcome, ClientFrame, ErrorCode, From, PROTOCOL_VERSION, Ref, ServerFrame, TransferTarget,
};

impl Hub {
    pub fn agent_hello(&mut self, conn: ConnId, tx: mpsc::Sender<OutItem>, agent: AgentId, reference: Option<Ref>) {
        let Some(a) = self.agents.get_mut(&agent) else {
            let _ = tx.try_send(OutItem::frame(ServerFrame::error(ErrorCode::Unauthorized, "unknown agent", None)));
            let _ = tx.try_send(OutItem::Close(4001, "unauthorized"));
            return;
        };
        a.conns += 1;
        if a.conns == 1 {
            a.idle_since = a.idle_since.max(self.now);
        }
        let info = super::views::agent_info(&a.record);
        let availability = a.availability;
        let depts = a.record.departments.clone();
        let mut mine: Vec<ConversationId> = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Assigned && c.rec.agent_id == Some(agent))
            .map(|c| c.rec.id)
            .collect();
        mine.sort_by_key(|id| self.convs[id].rec.created_at);
        let conversations = mine.iter().filter_map(|id| self.view(*id, false)).collect();
        self.effect(Effect::Attach { conn, who: Participant::Agent(agent), tx });
        let welcome = AgentWelcome { v: PROTOCOL_VERSION, agent: info, availability, conversations, reference };
        self.send_conn(conn, ServerFrame::AgentWelcome(welcome));
        let (version, item) = self.queue_frame(&depts);
        self.effect(Effect::ToConn { conn, item });
        // The agent's first connection now has the current list; a later one must not mark it sent, or
        // a change made earlier in this batch would never reach the agent's other connections.
        if let Some(a) = self.agents.get_mut(&agent).filter(|a| a.conns == 1) {
            a.queue_sent = version;
        }
        metrics::gauge!("switchboard_agents_online").set(self.online_agents() as f64);
        self.serve_agent(agent);
    }

    fn online_agents(&self) -> usize {
        self.agents.values().filter(|a| a.conns > 0 && a.availability == Availability::Online).count()
    }

    pub fn bot_hello(&mut self, conn: ConnId, tx: mpsc::Sender<OutItem>, bot: BotId, reference: Option<Ref>) {
        let Some(b) = self.bots.get_mut(&bot) else {
            let _ = tx.try_send(OutItem::frame(ServerFrame::error(ErrorCode::Unauthorized, "unknown bot", None)));
            let _ = tx.try_send(OutItem::Close(4001, "unauthorized"));
            return;
        };
        b.conns += 1;
        let info = BotInfo { id: b.record.id, name: b.record.name.clone() };
        let conversations = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Bot && c.rec.bot_id == Some(bot))
            .map(|c| c.rec.id)
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|id| self.view(id, false))
            .collect();
        self.effect(Effect::Attach { conn, who: Participant::Bot(bot), tx });
        let welcome = BotWelcome { v: PROTOCOL_VERSION, bot: info, conversations, reference };
        self.send_conn(conn, ServerFrame::BotWelcome(welcome));
        self.serve_bots();
    }

    pub fn disconnected(&mut self, _conn: ConnId, who: Participant) {
        match who {
            Participant::Visitor(v) => self.visitor_gone(v),
            Participant::Agent(a) => {
                // An agent whose last connection closes keeps its chats but takes no new ones.
                if let Some(a) = self.agents.get_mut(&a) {
                    a.conns = a.conns.saturating_sub(1);
                }
                metrics::gauge!("switchboard_agents_online").set(self.online_agents() as f64);
            }
            Participant::Bot(b) => {
                if let Some(b) = self.bots.get_mut(&b) {
                    b.conns = b.conns.saturating_sub(1);
                }
            }
        }
    }

    pub fn frame(
        &mut self,
        conn: ConnId,
        who: Participant,
        frame: ClientFrame,
        reference: Option<Ref>,
        received: Instant,
    ) {
        if let ClientFrame::Ping = frame {
            return self.send_conn(conn, ServerFrame::Pong { reference });
        }
        match who {
            Participant::Visitor(v) => self.visitor_frame(conn, v, frame, reference, received),
            Participant::Agent(a) => self.agent_frame(conn, a, frame, reference, received),
            Participant::Bot(b) => self.bot_frame(conn, b, frame, reference, received),
        }
    }

    /// The open conversation if this agent has it.
    fn held_by_agent(&self, agent: AgentId, id: ConversationId) -> Result<(), (ErrorCode, &'static str)> {
        match self.convs.get(&id) {
            None => Err((ErrorCode::NotFound, "no such open conversation")),
            Some(c) if c.rec.status == Status::Assigned && c.rec.agent_id == Some(agent) => Ok(()),
            Some(_) => Err((ErrorCode::Forbidden, "this conversation is not assigned to you")),
        }
    }

    fn agent_frame(
        &mut self,
        conn: ConnId,
        agent: AgentId,
        frame: ClientFrame,
        reference: Option<Ref>,
        received: Instant,
    ) {
        let name = self.agents.get(&agent).map(|a| a.record.name.clone());
        let held = |hub: &Self, id| hub.held_by_agent(agent, id);
        let result = match frame {
            ClientFrame::Message { conversation_id: Some(id), client_msg_id, text } => held(self, id).map(|()| {
                let author = Author { role: Role::Agent, name, conn };
                self.append(id, author, text, client_msg_id, reference.clone(), received);
                false
            }),
            ClientFrame::Typing { conversation_id: Some(id), on } => held(self, id).map(|()| {
                self.typing(id, From { role: Role::Agent, name }, on, conn);
                false
            }),
            ClientFrame::Resolve { conversation_id } => held(self, conversation_id).map(|()| {
                self.resolve(conversation_id);
                true
            }),
            ClientFrame::Transfer { conversation_id, target } => {
                held(self, conversation_id).and_then(|()| self.transfer(conversation_id, target).map(|()| true))
            }
            ClientFrame::Pick { conversation_id } => self.pick(agent, conversation_id).map(|()| true),
            ClientFrame::Availability { status } => {
                self.set_availability(agent, status);
                Ok(true)
            }
            ClientFrame::Sync { conversation_id, after_seq } => match self.convs.get(&conversation_id) {
                Some(c) => {
                    let last = Some(c.rec.last_seq);
                    self.sync(conn, conversation_id, after_seq, last, reference.clone());
                    Ok(false)
                }
                // Resolved conversations are stored in full; agents may read any.
                None => {
                    self.sync(conn, conversation_id, after_seq, None, reference.clone());
                    Ok(false)
                }
            },
            ClientFrame::Message { .. } | ClientFrame::Typing { .. } => {
                Err((ErrorCode::BadRequest, "\"conversation_id\" is required"))
            }
            _ => Err((ErrorCode::Forbidden, "agents cannot send this frame")),
        };
        self.reply(conn, result, reference);
    }

    fn bot_frame(&mut self, conn: ConnId, bot: BotId, frame: ClientFrame, reference: Option<Ref>, received: Instant) {
        let name = self.bots.get(&bot).map(|b| b.record.name.clone());
        let held = |hub: &Self, id: ConversationId| match hub.convs.get(&id) {
            None => Err((ErrorCode::NotFound, "no such open conversation")),
            Some(c) if c.rec.status == Status::Bot && c.rec.bot_id == Some(bot) => Ok(()),
            Some(_) => Err((ErrorCode::Forbidden, "this conversation is not with this bot")),
        };
        let result = match frame {
            ClientFrame::Message { conversation_id: Some(id), client_msg_id, text } => held(self, id).map(|()| {
                let author = Author { role: Role::Bot, name, conn };
                self.append(id, author, text, client_msg_id, reference.clone(), received);
                false
            }),
            ClientFrame::Typing { conversation_id: Some(id), on } => held(self, id).map(|()| {
                self.typing(id, From { role: Role::Bot, name }, on, conn);
                false
            }),
            ClientFrame::Resolve { conversation_id } => held(self, conversation_id).map(|()| {
                self.resolve(conversation_id);
                true
            }),
            ClientFrame::Handoff { conversation_id, reason } => held(self, conversation_id).map(|()| {
                tracing::debug!(conversation = %conversation_id, reason = reason.as_deref().unwrap_or(""), "handoff");
                if let Some(c) = self.convs.get_mut(&conversation_id) {
                    c.rec.handoff_requested = true;
                }
                self.save(conversation_id);
                self.place(conversation_id);
                true
            }),
            ClientFrame::Sync { conversation_id, after_seq } => held(self, conversation_id).map(|()| {
                let last = Some(self.convs[&conversation_id].rec.last_seq);
                self.sync(conn, conversation_id, after_seq, last, reference.clone());
                false
            }),
            ClientFrame::Message { .. } | ClientFrame::Typing { .. } => {
                Err((ErrorCode::BadRequest, "\"conversation_id\" is required"))
            }
            _ => Err((ErrorCode::Forbidden, "bots cannot send this frame")),
        };
        self.reply(conn, result, reference);
    }

    /// `Ok(true)`: the command wants a plain ack; `Ok(false)`: it answered on its own.
    fn reply(&mut self, conn: ConnId, result: Result<bool, (ErrorCode, &'static str)>, reference: Option<Ref>) {
        match result {
            Ok(true) => self.ack(conn, reference),
            Ok(false) => {}
            Err((code, message)) => self.error(conn, code, message, reference),
        }
    }

    fn transfer(&mut self, id: ConversationId, target: TransferTarget) -> Result<(), (ErrorCode, &'static str)> {
        match target {
            TransferTarget::Agent(to) => {
                let Some(a) = self.agents.get(&to) else {
                    return Err((ErrorCode::NotFound, "no such agent"));
                };
                if a.conns == 0 {
                    return Err((ErrorCode::BadRequest, "that agent is offline"));
                }
                let previous = self.convs.get(&id).and_then(|c| c.rec.agent_id);
                self.assign_agent(id, to);
                if let Some(prev) = previous.filter(|p| *p != to) {
                    self.serve_agent(prev);
                }
                Ok(())
            }
            TransferTarget::Tier(tier) => {
                if crate::domain::Tier::new(tier).is_none() {
                    return Err((ErrorCode::BadRequest, "tier must be 1 to 3"));
                }
                let previous = self.convs.get(&id).and_then(|c| c.rec.agent_id);
                if let Some(c) = self.convs.get_mut(&id) {
                    c.rec.tier = tier;
                    c.rec.agent_id = None;
                }
                if let Some(prev) = previous {
                    self.release_agent_slot(prev);
                }
                self.set_status(id, Status::Queued);
                self.save(id);
                if let (Some(prev), Some(view)) = (previous, self.view(id, false)) {
                    self.to(Participant::Agent(prev), ServerFrame::Conversation(view), None);
                }
                self.place(id);
                if let Some(prev) = previous {
                    self.serve_agent(prev);
                }
                Ok(())
            }
        }
    }

    /// Spec 4: an agent takes a queued or bot conversation by hand.
    fn pick(&mut self, agent: AgentId, id: ConversationId) -> Result<(), (ErrorCode, &'static str)> {
        let Some(c) = self.convs.get(&id) else {
            return Err((ErrorCode::NotFound, "no such open conversation"));
        };
        if !matches!(c.rec.status, Status::Queued | Status::Bot) {
            return Err((ErrorCode::BadRequest, "only queued or bot conversations can be picked"));
        }
        let allowed = self.agents.get(&agent).is_some_and(|a| a.record.departments.contains(&c.rec.department));
        if !allowed {
            return Err((ErrorCode::Forbidden, "the conversation belongs to another department"));
        }
        self.assign_agent(id, agent);
        Ok(())
    }

    fn set_availability(&mut self, agent: AgentId, status: Availability) {
        if let Some(a) = self.agents.get_mut(&agent) {
            a.availability = status;
        }
        metrics::gauge!("switchboard_agents_online").set(self.online_agents() as f64);
        if status == Availability::Online {
            self.serve_agent(agent);
        }
    }
}
