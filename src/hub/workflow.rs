//! The support workflow on top of the transition function (spec 7.1-7.3): system messages in the
//! conversation's language, service-level clocks on the deadline queue, and the history of changes.
//! All of it reacts to domain events; none of it adds work per message beyond one check on an agent's
//! first reply.

use std::sync::Arc;

use jiff::Timestamp;

use super::core::Hub;
use super::events::DomainEvent;
use super::timers::Timer;
use crate::config::SlaSettings;
use crate::delivery::OutItem;
use crate::domain::{ConversationId, Participant, Role, Status, SystemEvent};
use crate::protocol::{From, MessageView, ServerFrame, SlaView};
use crate::routing::hours::Schedule;
use crate::routing::sla::{self, SlaClock, SlaState};
use crate::store::{ConversationRecord, HistoryEntry, MessageRecord, StoreOp, SystemNote};

/// `ConversationRecord::sla_sent` bits: which notices went out.
fn sent_bit(clock: SlaClock, state: SlaState) -> u8 {
    match (clock, state) {
        (SlaClock::FirstResponse, SlaState::Warning) => 1,
        (SlaClock::FirstResponse, SlaState::Breached) => 2,
        (SlaClock::Resolution, SlaState::Warning) => 4,
        (SlaClock::Resolution, SlaState::Breached) => 8,
        (_, SlaState::Ok) => 0,
    }
}

/// When a conversation's clocks warn and fall due, worked out once per start or priority change (not per
/// view) since business hours make it a walk over the schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaTimes {
    /// Warning and due instants of the first-response and resolution clocks.
    pub first_response: (Option<Timestamp>, Option<Timestamp>),
    pub resolution: (Option<Timestamp>, Option<Timestamp>),
}

impl SlaTimes {
    fn of(&self, clock: SlaClock) -> (Option<Timestamp>, Option<Timestamp>) {
        match clock {
            SlaClock::FirstResponse => self.first_response,
            SlaClock::Resolution => self.resolution,
        }
    }
}

/// When a conversation's clocks warn and fall due; all `None` before they start. With business hours,
/// only `schedule`'s open time counts.
pub fn sla_times(rec: &ConversationRecord, settings: &SlaSettings, schedule: Option<&Schedule>) -> SlaTimes {
    let Some(start) = rec.sla_started_at else { return SlaTimes::default() };
    let schedule = schedule.filter(|_| settings.business_hours);
    let times = |clock: SlaClock| {
        let target = settings.target(clock, rec.priority);
        let warn = jiff::SignedDuration::try_from_secs_f64(target.as_secs_f64() * settings.warn_at).ok();
        (warn.and_then(|w| sla::due(start, w, schedule)), sla::due(start, target, schedule))
    };
    SlaTimes { first_response: times(SlaClock::FirstResponse), resolution: times(SlaClock::Resolution) }
}

/// The clocks as agents and tickets show them at `now`; `None` before they start. A clock that stopped
/// (first response given, or resolved) no longer worsens.
pub fn sla_view(rec: &ConversationRecord, times: &SlaTimes, now: Timestamp) -> Option<SlaView> {
    rec.sla_started_at?;
    let fr = match rec.first_response_at {
        None => sla::state(now, times.first_response.0, times.first_response.1),
        Some(at) => sla::state(at, times.first_response.0, times.first_response.1),
    };
    let res = sla::state(rec.resolved_at.unwrap_or(now), times.resolution.0, times.resolution.1);
    Some(SlaView {
        first_response_due: times.first_response.1,
        first_response_at: rec.first_response_at,
        resolution_due: times.resolution.1,
        state: fr.max(res).as_str(),
    })
}

impl Hub {
    /// Appends a system message: a seq like any message, to the visitor and to `holder` (spec 7.1).
    pub(super) fn system_message(&mut self, id: ConversationId, event: SystemEvent, holder: Option<Participant>) {
        let Some(c) = self.convs.get(&id) else { return };
        let dept = self.depts.get(&c.rec.department);
        let tier = (event == SystemEvent::Escalated).then_some(c.rec.tier);
        let tier_name = tier.and_then(|t| dept.and_then(|d| d.tier_name(t))).cloned();
        let agent = c.rec.agent_id.and_then(|a| self.agents.get(&a)).map(|a| a.record.name.clone());
        let text: Arc<str> =
            super::system_text::text(event, c.rec.language, agent.as_deref(), tier_name.as_deref()).into();
        let visitor = c.rec.visitor_id;
        let Some(c) = self.convs.get_mut(&id) else { return };
        c.rec.last_seq += 1;
        let seq = c.rec.last_seq;
        let note = SystemNote { event, tier };
        self.op(StoreOp::PutMessage(MessageRecord {
            conversation_id: id,
            seq,
            role: Role::System,
            sender_name: None,
            text: text.clone(),
            at: self.now,
            client_msg_id: None,
            system: Some(note),
        }));
        let view = MessageView {
            conversation_id: id,
            seq,
            from: From { role: Role::System, name: None },
            text,
            at: self.now,
            event: Some(event),
            tier,
        };
        let item = OutItem::frame(ServerFrame::Message(view));
        for who in [Some(Participant::Visitor(visitor)), holder].into_iter().flatten() {
            self.effect(super::dispatch::Effect::ToParticipant { who, item: item.clone(), except: None });
        }
        self.messages_total.count(Role::System);
    }

    /// Conversations that entered the human queue during this event get their `queued` line only if they
    /// are still waiting once the event is handled (one a free agent took at once just gets `assigned`).
    pub(super) fn post_queued_lines(&mut self) {
        for id in std::mem::take(&mut self.entered_queue) {
            if self.convs.get(&id).is_some_and(|c| c.rec.status == Status::Queued) {
                self.system_message(id, SystemEvent::Queued, None);
            }
        }
    }

    // --- service levels (spec 7.3) -------------------------------------------------------------------

    /// Both clocks start when the conversation first needs a human (queued, or handed off by a bot).
    pub(super) fn start_sla(&mut self, id: ConversationId) {
        let now = self.now;
        match self.convs.get_mut(&id) {
            Some(c) if c.rec.sla_started_at.is_none() => c.rec.sla_started_at = Some(now),
            _ => return,
        }
        self.save(id);
        self.refresh_sla(id);
    }

    /// Works out the clocks' instants again (a start or a priority change) and sets their next timers.
    pub(super) fn refresh_sla(&mut self, id: ConversationId) {
        let Some(c) = self.convs.get(&id) else { return };
        let schedule = self.depts.get(&c.rec.department).map(|d| &d.schedule);
        let computed = sla_times(&c.rec, &self.settings.sla, schedule);
        if let Some(c) = self.convs.get_mut(&id) {
            c.sla = computed;
        }
        for clock in SlaClock::ALL {
            self.schedule_sla(id, clock);
        }
    }

    /// Sets the timer for the clock's next notice not yet sent, while the clock runs.
    fn schedule_sla(&mut self, id: ConversationId, clock: SlaClock) {
        let Some(c) = self.convs.get(&id) else { return };
        if clock == SlaClock::FirstResponse && c.rec.first_response_at.is_some() {
            return;
        }
        let (warn, due) = c.sla.of(clock);
        let next = [(SlaState::Warning, warn), (SlaState::Breached, due)]
            .into_iter()
            .find(|(state, _)| c.rec.sla_sent & sent_bit(clock, *state) == 0);
        if let Some((state, Some(at))) = next {
            self.deadlines.set(at, Timer::Sla { conversation: id, clock, state });
        }
    }

    /// A clock's timer fired: the notice goes out once, if the clock still runs and it is really due.
    pub(super) fn sla_due(&mut self, id: ConversationId, clock: SlaClock, state: SlaState) {
        let Some(c) = self.convs.get(&id) else { return };
        let running =
            c.rec.status != Status::Resolved && (clock == SlaClock::Resolution || c.rec.first_response_at.is_none());
        let bit = sent_bit(clock, state);
        let (warn, due) = c.sla.of(clock);
        let at = if state == SlaState::Warning { warn } else { due };
        if !running || c.rec.sla_sent & bit != 0 {
            return;
        }
        match at {
            // A stale timer (the priority changed since): the current one is set already.
            Some(at) if at > self.now => return,
            None => return,
            Some(_) => {}
        }
        let (ticket, priority, due) = (c.rec.ticket, c.rec.priority, due.unwrap_or(self.now));
        let to = self.sla_recipients(id);
        if let Some(c) = self.convs.get_mut(&id) {
            c.rec.sla_sent |= bit;
        }
        self.save(id);
        let frame = ServerFrame::Sla { conversation_id: id, ticket, clock: clock.as_str(), state: state.as_str(), due };
        let item = OutItem::frame(frame);
        for who in to {
            self.effect(super::dispatch::Effect::ToParticipant { who, item: item.clone(), except: None });
        }
        if state == SlaState::Breached {
            metrics::counter!("switchboard_sla_breaches_total", "clock" => clock.as_str(), "priority" => priority.as_str())
                .increment(1);
        }
        let what = if state == SlaState::Breached { "sla_breached" } else { "sla_warning" };
        self.history(id, what, Some(clock.as_str()));
        self.queue.touch();
        self.schedule_sla(id, clock);
    }

    /// The holder, or while the conversation waits, the department's online agents.
    fn sla_recipients(&self, id: ConversationId) -> Vec<Participant> {
        let Some(c) = self.convs.get(&id) else { return vec![] };
        match (c.rec.status, c.rec.agent_id) {
            (Status::Assigned, Some(agent)) => vec![Participant::Agent(agent)],
            _ => self
                .agents
                .values()
                .filter(|a| a.online() && a.record.departments.contains(&c.rec.department))
                .map(|a| Participant::Agent(a.record.id))
                .collect(),
        }
    }

    /// An agent's first message stops the first-response clock.
    pub(super) fn first_response(&mut self, id: ConversationId) {
        let now = self.now;
        match self.convs.get_mut(&id) {
            Some(c) if c.rec.first_response_at.is_none() => c.rec.first_response_at = Some(now),
            _ => return,
        }
        self.save(id);
        self.queue.touch();
    }

    /// The clocks as agents see them; `None` before they start.
    pub(super) fn sla_view(&self, id: ConversationId) -> Option<SlaView> {
        let c = self.convs.get(&id)?;
        sla_view(&c.rec, &c.sla, self.now)
    }

    // --- history (spec 7.2) -------------------------------------------------------------------------

    /// Records a change in the conversation's history: when, who, what. The sender of the event is named
    /// for the first change it makes (a pick, a transfer, an end); what routing does in consequence (the
    /// next chat a freed agent takes) is the hub's own.
    pub(super) fn history(&mut self, id: ConversationId, what: &'static str, note: Option<&'static str>) {
        let Some(c) = self.convs.get(&id) else { return };
        let entry = HistoryEntry {
            conversation_id: id,
            at: self.now,
            by: self.actor.take(),
            what: what.into(),
            status: c.rec.status,
            agent_id: c.rec.agent_id.filter(|_| matches!(c.rec.status, Status::Assigned | Status::Resolved)),
            tier: c.rec.tier,
            note: note.map(Arc::from),
        };
        self.op(StoreOp::AddHistory(Box::new(entry)));
    }

    /// What the history says of a domain event, if anything.
    pub(super) fn record(&mut self, event: &DomainEvent) {
        let (id, what) = match *event {
            DomainEvent::Queued { conversation, entered: true, .. } => (conversation, "queued"),
            DomainEvent::WithBot { conversation, handed: true, .. } => (conversation, "bot"),
            DomainEvent::Assigned { conversation, .. } => (conversation, "assigned"),
            DomainEvent::Transferred { conversation, .. } => (conversation, "transferred"),
            DomainEvent::Escalated { conversation, .. } => (conversation, "escalated"),
            DomainEvent::Unassigned { conversation, .. } => (conversation, "unassigned"),
            DomainEvent::HandoffRequested { conversation } => (conversation, "handoff"),
            DomainEvent::Resolved { conversation, .. } => (conversation, "resolved"),
            _ => return,
        };
        self.history(id, what, None);
    }
}
