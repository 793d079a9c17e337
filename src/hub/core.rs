//! The pure core: the hub's state and `handle(event, now)`. Plain data in, decisions out: what the hub
//! decides accumulates in a `Job` (store ops, effects, domain events) that the runner takes after each
//! batch of events. No channel, clock, store or IO here.

use jiff::Timestamp;

use super::HubEvent;
use super::dispatch::{Effect, Job};
use super::events::DomainEvent;
use super::owners::{Agents, BotQueue, Bots, Conv, Conversations, Departments, HumanQueue, Tickets, Visitors};
use super::timers::{Deadlines, Timer};
use crate::config::Department;
use crate::delivery::{ConnId, OutItem};
use crate::domain::{ConversationId, Participant, Role, Status};
use crate::protocol::{ErrorCode, Ref, ServerFrame};
use crate::store::{Snapshot, StoreOp};

/// What the hub needs from the configuration.
#[derive(Clone, Debug, Default)]
pub struct HubSettings {
    pub departments: Vec<Department>,
    pub require_verified: bool,
    pub sla: crate::config::SlaSettings,
    /// Limits on opening conversations, and the disk to watch.
    pub guard: super::guard::GuardSettings,
    /// The bot's name per site (`[[sites]] bot_name`), where it differs from the bot's own.
    pub bot_names: std::collections::HashMap<std::sync::Arc<str>, std::sync::Arc<str>>,
    /// `[email]` (spec 7.6); none: no email is sent.
    pub email: Option<crate::config::EmailPolicy>,
}

/// `switchboard_messages_total` by author role, each counter looked up once rather than per message.
pub(super) struct MessagesTotal([metrics::Counter; 4]);

impl MessagesTotal {
    fn new() -> MessagesTotal {
        MessagesTotal(
            [Role::Visitor, Role::Agent, Role::Bot, Role::System]
                .map(|r| metrics::counter!("switchboard_messages_total", "role" => r.as_str())),
        )
    }

    /// One more message written by `role`; the index follows the order of `new`.
    pub fn count(&self, role: Role) {
        let i = match role {
            Role::Visitor => 0,
            Role::Agent => 1,
            Role::Bot => 2,
            Role::System => 3,
        };
        self.0[i].increment(1);
    }
}

pub struct Hub {
    pub(super) settings: HubSettings,
    pub(super) depts: Departments,
    pub(super) agents: Agents,
    pub(super) bots: Bots,
    pub(super) visitors: Visitors,
    pub(super) convs: Conversations,
    /// The human queue, all departments, in service order.
    pub(super) queue: HumanQueue,
    /// Bot conversations that no connected bot has yet.
    pub(super) bot_waiting: BotQueue,
    pub(super) tickets: Tickets,
    pub(super) queue_frames: super::queue_frames::QueueFrames,
    /// Bots to tell that a conversation left them, once the event's changes are complete.
    pub(super) bot_notices: Vec<(crate::domain::BotId, ConversationId)>,
    pub(super) deadlines: Deadlines,
    /// Status notices (spec 7.4), ended ones included.
    pub(super) notices: super::notices::Notices,
    /// Who sent the event being handled (`None` for the hub's own timers), for the history.
    pub(super) actor: Option<crate::store::Actor>,
    /// Conversations that entered the human queue during the event being handled.
    pub(super) entered_queue: Vec<ConversationId>,
    pub(super) guard: super::guard::OpenGuard,
    pub(super) gone: super::inactivity::Gone,
    pub(super) mail: super::email::Mail,
    pub(super) now: Timestamp,
    pub(super) job: Job,
    pub(super) messages_total: MessagesTotal,
    pub(super) language_decisions: LanguageDecisions,
}

/// `switchboard_language_decisions_total` by how the language was decided, looked up once.
pub(super) struct LanguageDecisions([metrics::Counter; 3]);

impl LanguageDecisions {
    fn new() -> LanguageDecisions {
        use crate::domain::LanguageSource as S;
        LanguageDecisions(
            [S::Text, S::Locale, S::Default]
                .map(|s| metrics::counter!("switchboard_language_decisions_total", "source" => s.as_str())),
        )
    }

    pub fn count(&self, source: crate::domain::LanguageSource) {
        self.0[source as usize].increment(1);
    }
}

impl Hub {
    /// The hub as the store left it, at `now`.
    pub fn new(settings: HubSettings, snapshot: Snapshot, now: Timestamp) -> Hub {
        let depts = Departments::new(&settings.departments, now);
        let guard = super::guard::OpenGuard::new(&settings.guard);
        let mut hub = Hub {
            settings,
            depts,
            agents: Agents::default(),
            bots: Bots::default(),
            visitors: Visitors::default(),
            convs: Conversations::default(),
            queue: HumanQueue::default(),
            bot_waiting: BotQueue::default(),
            tickets: Tickets::after(snapshot.tickets_reserved),
            queue_frames: Default::default(),
            bot_notices: Vec::new(),
            deadlines: Deadlines::default(),
            notices: Default::default(),
            actor: None,
            entered_queue: Vec::new(),
            guard,
            gone: Default::default(),
            mail: Default::default(),
            now,
            job: Job::default(),
            messages_total: MessagesTotal::new(),
            language_decisions: LanguageDecisions::new(),
        };
        hub.restore(snapshot);
        // No visitor is connected yet: each open conversation ends unless its visitor comes back.
        let open: Vec<_> = hub.convs.values().map(|c| (c.rec.visitor_id, c.rec.id)).collect();
        for (visitor, conversation) in open {
            hub.visitor_gone(visitor, conversation);
        }
        let names: Vec<_> = hub.depts.iter().map(|d| d.name.clone()).collect();
        for name in names {
            hub.schedule_hours(&name);
        }
        // Clocks resume where they stood: a deadline that passed while the hub was down fires at once.
        let open: Vec<_> = hub.convs.values().map(|c| c.rec.id).collect();
        for id in open {
            hub.refresh_sla(id);
        }
        hub
    }

    fn restore(&mut self, mut snapshot: Snapshot) {
        self.restore_notices(std::mem::take(&mut snapshot.notices));
        self.restore_mail(std::mem::take(&mut snapshot.waiting_emails), std::mem::take(&mut snapshot.acknowledged));
        for record in snapshot.agents {
            self.agents.add(record, self.now);
        }
        for record in snapshot.bots {
            self.bots.ensure(record);
        }
        for link in snapshot.identities {
            self.visitors.set_link(link.site, link.sub, link.email);
        }
        for open in snapshot.open_conversations {
            let rec = open.record;
            let id = rec.id;
            metrics::gauge!("switchboard_conversations", "status" => rec.status.as_str()).increment(1.0);
            let key = self.queue.next_key(rec.priority);
            let (status, agent, bot) = (rec.status, rec.agent_id, rec.bot_id);
            self.convs.insert(Conv::new(rec, open.client_msg_ids.into_iter().collect()));
            match status {
                Status::Queued => self.queue.insert(id, key),
                Status::Assigned => match agent.filter(|a| self.agents.get(a).is_some()) {
                    Some(a) => self.agents.take_chat(a, self.now),
                    None => self.queue.insert(id, key),
                },
                Status::Bot => match bot.filter(|b| self.bots.get(b).is_some()) {
                    Some(b) => self.bots.take_chat(b),
                    None => self.bot_waiting.insert(id, key),
                },
                Status::Resolved => {}
            }
        }
        self.queue.touch();
    }

    /// Applies one event at `now`; its decisions join the current job.
    pub fn handle(&mut self, event: HubEvent, now: Timestamp) {
        self.now = now;
        self.actor = match &event {
            HubEvent::Frame { who, .. } | HubEvent::Disconnected { who, .. } => {
                Some(crate::store::Actor::Participant(*who))
            }
            HubEvent::Admin(_) => Some(crate::store::Actor::Admin),
            _ => None,
        };
        match event {
            HubEvent::Visitor { conn, hello } => self.visitor_hello(conn, *hello),
            HubEvent::Agent { conn, agent, reference } => self.agent_hello(conn, agent, reference),
            HubEvent::Bot { conn, bot, reference } => self.bot_hello(conn, bot, reference),
            HubEvent::Frame { conn, who, frame, reference, received, .. } => {
                self.frame(conn, who, frame, reference, received)
            }
            HubEvent::Disconnected { who, .. } => self.disconnected(who),
            HubEvent::Admin(cmd) => self.admin(cmd),
            HubEvent::DiskSpace { low } => {
                if low != self.guard.disk_low {
                    tracing::warn!(
                        low,
                        "disk space: new conversations are {}",
                        if low { "refused" } else { "taken again" }
                    );
                    metrics::gauge!("switchboard_disk_low").set(f64::from(u8::from(low)));
                }
                self.guard.disk_low = low;
            }
            HubEvent::StoreReachable { up } => {
                if up == self.guard.store_away {
                    tracing::warn!(up, "the store is {}", if up { "back" } else { "unreachable: frames are refused" });
                    metrics::gauge!("switchboard_store_unreachable").set(f64::from(u8::from(!up)));
                }
                self.guard.store_away = !up;
            }
            HubEvent::Shutdown(_) => {}
        }
        self.post_queued_lines();
        self.tell_bots();
    }

    /// Fires every timer due at `now`.
    pub fn fire_due(&mut self, now: Timestamp) {
        self.fire_due_at_most(now, usize::MAX);
    }

    /// Fires the earliest timers due at `now`, at most `max` of them; true if more are due. The runner
    /// fires `TIMERS_PER_TURN` per turn, so that events are handled between the timers of a burst.
    pub fn fire_due_at_most(&mut self, now: Timestamp, max: usize) -> bool {
        self.now = now;
        self.actor = None;
        let mut fired = 0;
        while fired < max
            && let Some(timer) = self.deadlines.pop_due(now)
        {
            fired += 1;
            match timer {
                Timer::DepartmentHours(name) => self.department_hours(&name),
                Timer::Sla { conversation, clock, state } => self.sla_due(conversation, clock, state),
                Timer::VisitorGone { conversation, visitor, since } => self.gone_too_long(conversation, visitor, since),
                Timer::Notice { notice, at } => self.notice_due(notice, at),
                Timer::UnseenEmail { visitor, due } => self.unseen_due(visitor, due),
            }
        }
        self.post_queued_lines();
        self.tell_bots();
        self.deadlines.next().is_some_and(|at| at <= now)
    }

    /// When `fire_due` next has something to do.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.next()
    }

    /// What the events since the last call decided (queue frames and positions included).
    pub fn take_job(&mut self) -> Job {
        self.flush_queue();
        std::mem::take(&mut self.job)
    }

    /// Sets the timer for the department's next change of hours.
    fn schedule_hours(&mut self, name: &std::sync::Arc<str>) {
        if let Some(at) = self.depts.next_change(name, self.now) {
            self.deadlines.set(at, Timer::DepartmentHours(name.clone()));
        }
    }

    /// A department's hours changed: conversations waiting for a human enter the queue on opening.
    fn department_hours(&mut self, name: &std::sync::Arc<str>) {
        if let Some(open) = self.depts.refresh(name, self.now) {
            tracing::info!(department = %name, open, "department hours changed");
            self.emit(DomainEvent::DepartmentHours { department: name.clone(), open });
            if open {
                self.release_handoffs(Some(name));
            }
        }
        self.schedule_hours(name);
    }

    // --- what the job carries -------------------------------------------------------------------------

    pub(super) fn op(&mut self, op: StoreOp) {
        self.job.ops.push(op);
    }

    pub(super) fn effect(&mut self, effect: Effect) {
        self.job.effects.push(effect);
    }

    pub(super) fn send_conn(&mut self, conn: ConnId, frame: ServerFrame) {
        self.effect(Effect::ToConn { conn, item: OutItem::frame(frame) });
    }

    pub(super) fn to(&mut self, who: Participant, frame: ServerFrame, except: Option<ConnId>) {
        self.effect(Effect::ToParticipant { who, item: OutItem::frame(frame), except });
    }

    pub(super) fn ack(&mut self, conn: ConnId, reference: Option<Ref>) {
        self.send_conn(conn, ServerFrame::ack(reference));
    }

    pub(super) fn error(&mut self, conn: ConnId, code: ErrorCode, message: impl Into<String>, reference: Option<Ref>) {
        self.send_conn(conn, ServerFrame::error(code, message, reference));
    }

    /// Persists the conversation's current row.
    pub(super) fn save(&mut self, id: ConversationId) {
        if let Some(c) = self.convs.get(&id) {
            let rec = Box::new(c.rec.clone());
            self.op(StoreOp::PutConversation(rec));
        }
    }
}
