//! How live state looks on the wire.

use super::core::Hub;
use crate::domain::{ConversationId, Status};
use crate::protocol::{
    AgentInfo, AgentRef, BOT_LIST_MAX, BotRef, ConversationView, From, MessageView, PREVIEW_CHARS, VisitorView,
    WaitingView,
};
use crate::store::{AgentRecord, ConversationRecord, MessageRecord};

pub fn message_view(m: MessageRecord) -> MessageView {
    MessageView {
        conversation_id: m.conversation_id,
        seq: m.seq,
        from: From { role: m.role, name: m.sender_name },
        text: m.text,
        at: m.at,
        event: m.system.map(|n| n.event),
        tier: m.system.and_then(|n| n.tier),
    }
}

/// A conversation record as the wire shows it. `hours`: whether its department is open and when
/// that next changes. Live-only fields (queue position) are left for the caller.
pub fn record_view(
    r: &ConversationRecord,
    agent: Option<AgentRef>,
    bot: Option<BotRef>,
    hours: Option<(bool, Option<jiff::Timestamp>)>,
    tier_name: Option<std::sync::Arc<str>>,
    for_visitor: bool,
) -> ConversationView {
    ConversationView {
        conversation_id: r.id,
        ticket: r.ticket,
        status: r.status,
        department: r.department.clone(),
        language: r.language,
        language_source: r.language_source.filter(|_| !for_visitor),
        priority: r.priority,
        tier: r.tier,
        tier_name,
        topic: r.topic.clone(),
        queue_position: None,
        agent,
        bot,
        reason: r.bot_reason.filter(|_| r.status == Status::Bot),
        handoff_requested: r.handoff_requested,
        department_open: hours.is_some_and(|h| h.0),
        next_change: hours.and_then(|h| h.1),
        visitor: VisitorView {
            verified: r.verified,
            plan: r.plan,
            name: r.visitor_name.clone(),
            email: r.visitor_email.clone().filter(|_| !for_visitor),
            page: None,
            user_agent: None,
            timezone: None,
        },
        last_seq: r.last_seq,
        created_at: r.created_at,
        sla: None,
    }
}

pub fn agent_info(a: &AgentRecord) -> AgentInfo {
    AgentInfo {
        id: a.id,
        name: a.name.clone(),
        languages: a.languages.clone(),
        tier: a.tier,
        max_chats: a.max_chats,
        departments: a.departments.clone(),
    }
}

impl Hub {
    /// The conversation as its visitor (`for_visitor`) or its agent or bot sees it.
    pub fn view(&self, id: ConversationId, for_visitor: bool) -> Option<ConversationView> {
        let c = self.convs.get(&id)?;
        let r = &c.rec;
        let dept = self.depts.get(&r.department);
        let agent = r
            .agent_id
            // A resolved conversation still names who served it, as its ticket does.
            .filter(|_| matches!(r.status, Status::Assigned | Status::Resolved))
            .and_then(|a| self.agents.get(&a))
            .map(|a| AgentRef { id: (!for_visitor).then_some(a.record.id), name: a.record.name.clone() });
        let bot = r
            .bot_id
            .filter(|_| r.status == Status::Bot || (r.status == Status::Resolved && r.agent_id.is_none()))
            .and_then(|b| self.bot_name(&r.site, b))
            .map(|name| BotRef { name });
        let hours = dept.map(|d| (d.open, d.schedule.next_change(self.now)));
        let tier_name = dept.and_then(|d| d.tier_name(r.tier)).cloned();
        let mut view = record_view(r, agent, bot, hours, tier_name, for_visitor);
        if let Some(v) = self.visitors.get(&r.visitor_id).filter(|_| !for_visitor) {
            view.visitor.page = v.client.page.clone();
            view.visitor.user_agent = v.client.user_agent.clone();
            view.visitor.timezone = v.client.timezone.clone();
        }
        view.queue_position = c.last_position.filter(|_| self.queue.contains(id));
        if !for_visitor {
            view.sla = self.sla_view(id);
        }
        Some(view)
    }

    /// The bot's name in a site's conversations: the site's `bot_name`, else the bot's own.
    pub(super) fn bot_name(&self, site: &str, bot: crate::domain::BotId) -> Option<std::sync::Arc<str>> {
        let own = self.bots.get(&bot).map(|b| b.record.name.clone())?;
        Some(self.settings.bot_names.get(site).cloned().unwrap_or(own))
    }

    /// A waiting or bot-held conversation as the agents' lists show it, with its first message (the start
    /// of the language sample the hub keeps anyway: no cost on the message path).
    fn waiting_view(&self, c: &super::owners::Conv) -> WaitingView {
        let first = c.sample.split('\n').next().unwrap_or("");
        let preview = first.char_indices().nth(PREVIEW_CHARS).map_or(first, |(i, _)| &first[..i]);
        WaitingView {
            conversation_id: c.rec.id,
            ticket: c.rec.ticket,
            priority: c.rec.priority,
            language: c.rec.language,
            department: c.rec.department.clone(),
            tier: c.rec.tier,
            tier_name: self.depts.get(&c.rec.department).and_then(|d| d.tier_name(c.rec.tier)).cloned(),
            topic: c.rec.topic.clone(),
            since: c.rec.created_at,
            sla: self.sla_view(c.rec.id),
            preview: (!preview.is_empty()).then(|| preview.to_owned()),
            handoff_requested: c.rec.handoff_requested,
        }
    }

    /// Conversations the bot holds in these departments, those that asked for a person first, then the
    /// oldest; at most `BOT_LIST_MAX`. Built only when the lists changed (`flush_queue`).
    pub fn bot_held_for(&self, departments: &[std::sync::Arc<str>]) -> Vec<WaitingView> {
        let mut held: Vec<&super::owners::Conv> = self
            .convs
            .values()
            .filter(|c| c.rec.status == Status::Bot && departments.contains(&c.rec.department))
            .collect();
        held.sort_by_key(|c| (!c.rec.handoff_requested, c.rec.created_at, c.rec.ticket));
        held.into_iter().take(BOT_LIST_MAX).map(|c| self.waiting_view(c)).collect()
    }

    /// The human queue as agents of these departments see it, in service order.
    pub fn waiting_for(&self, departments: &[std::sync::Arc<str>]) -> Vec<WaitingView> {
        self.queue
            .ids()
            .filter_map(|id| self.convs.get(&id))
            .filter(|c| departments.contains(&c.rec.department))
            .map(|c| self.waiting_view(c))
            .collect()
    }
}
