//! The hub's live state and its event loop.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::dispatch::{Dispatcher, Effect, Job};
use super::{ConnId, EVENTS_PER_JOB, HubEvent, OutItem, Participant};
use crate::config::Department;
use crate::domain::{AgentId, Availability, BotId, ConversationId, IdMap, Plan, Role, Seq, Status, VisitorId};
use crate::protocol::{ErrorCode, Ref, ServerFrame};
use crate::routing::assign::QueueKey;
use crate::routing::hours::Schedule;
use crate::store::{AgentRecord, BotRecord, ConversationRecord, Snapshot, StoreOp};

/// What the hub needs from the configuration.
#[derive(Clone, Debug)]
pub struct HubSettings {
    pub departments: Vec<Department>,
    pub require_verified: bool,
    pub max_text_chars: usize,
}

pub(super) struct DeptState {
    pub name: Arc<str>,
    pub schedule: Schedule,
    pub open: bool,
}

pub(super) struct AgentState {
    pub record: AgentRecord,
    pub conns: u32,
    pub availability: Availability,
    pub open: u32,
    pub idle_since: Timestamp,
    /// Version of the last `queue` frame sent to the agent (`queue_frames`); 0 for none.
    pub queue_sent: u64,
}

pub(super) struct BotState {
    pub record: BotRecord,
    pub conns: u32,
    pub open: u32,
}

/// A visitor with at least one live connection.
pub(super) struct VisitorState {
    pub conns: u32,
    pub site: Arc<str>,
    pub verified: bool,
    pub plan: Plan,
    pub urgent: bool,
    pub name: Option<Arc<str>>,
    pub email: Option<Arc<str>>,
    pub locale: Option<Arc<str>>,
    pub department: Arc<str>,
}

/// Visitor text kept for language detection, in bytes: enough for a reliable guess, bounded per chat.
pub(super) const LANGUAGE_SAMPLE_BYTES: usize = 2048;

/// Visitors' last resolved conversations remembered for rating, oldest forgotten first.
pub(super) const RECENTLY_RESOLVED: usize = 100_000;

#[derive(Default)]
pub(super) struct RecentlyResolved {
    by_visitor: IdMap<VisitorId, ConversationId>,
    order: std::collections::VecDeque<(VisitorId, ConversationId)>,
}

impl RecentlyResolved {
    pub fn insert(&mut self, visitor: VisitorId, id: ConversationId) {
        self.by_visitor.insert(visitor, id);
        self.order.push_back((visitor, id));
        while self.order.len() > RECENTLY_RESOLVED {
            if let Some((v, c)) = self.order.pop_front()
                && self.by_visitor.get(&v) == Some(&c)
            {
                self.by_visitor.remove(&v);
            }
        }
    }

    pub fn get(&self, visitor: VisitorId) -> Option<ConversationId> {
        self.by_visitor.get(&visitor).copied()
    }
}

/// An open conversation.
pub(super) struct Conv {
    pub rec: ConversationRecord,
    pub client_ids: HashMap<Arc<str>, Seq>,
    pub sample: String,
    pub queue_key: Option<QueueKey>,
    pub last_position: Option<u32>,
}

/// `switchboard_messages_total` by author role, each counter looked up once rather than per message.
pub(super) struct MessagesTotal([metrics::Counter; 3]);

impl MessagesTotal {
    fn new() -> MessagesTotal {
        MessagesTotal(
            [Role::Visitor, Role::Agent, Role::Bot]
                .map(|r| metrics::counter!("switchboard_messages_total", "role" => r.as_str())),
        )
    }

    /// One more message written by `role`; the index follows the order of `new`.
    pub fn count(&self, role: Role) {
        let i = match role {
            Role::Visitor => 0,
            Role::Agent => 1,
            Role::Bot => 2,
        };
        self.0[i].increment(1);
    }
}

pub(super) struct Hub {
    pub settings: HubSettings,
    pub depts: Vec<DeptState>,
    pub agents: IdMap<AgentId, AgentState>,
    pub bots: IdMap<BotId, BotState>,
    pub convs: IdMap<ConversationId, Conv>,
    pub by_visitor: IdMap<VisitorId, ConversationId>,
    pub visitors: IdMap<VisitorId, VisitorState>,
    /// The last conversation each visitor ended, for rating and a final sync.
    pub recently_resolved: RecentlyResolved,
    pub identities: HashMap<(Arc<str>, Arc<str>), Arc<str>>,
    /// The human queue, all departments, in service order.
    pub queue: BTreeMap<QueueKey, ConversationId>,
    /// Bot conversations that no connected bot has yet.
    pub bot_waiting: BTreeMap<QueueKey, ConversationId>,
    pub next_ticket: u64,
    pub arrivals: u64,
    pub queue_dirty: bool,
    pub queue_frames: super::queue_frames::QueueFrames,
    /// Bots to tell that a conversation left them, once the event's changes are complete.
    pub bot_notices: Vec<(BotId, ConversationId)>,
    pub now: Timestamp,
    pub job: Job,
    pub messages_total: MessagesTotal,
    dispatcher: Option<Dispatcher>,
}

impl Hub {
    pub fn new(settings: HubSettings, snapshot: Snapshot, dispatcher: Dispatcher) -> Hub {
        let now = Timestamp::now();
        let depts = settings
            .departments
            .iter()
            .map(|d| DeptState { name: d.name.clone(), schedule: d.schedule.clone(), open: d.schedule.is_open(now) })
            .collect();
        let mut hub = Hub {
            settings,
            depts,
            agents: IdMap::default(),
            bots: IdMap::default(),
            convs: IdMap::default(),
            by_visitor: IdMap::default(),
            visitors: IdMap::default(),
            recently_resolved: RecentlyResolved::default(),
            identities: HashMap::new(),
            queue: BTreeMap::new(),
            bot_waiting: BTreeMap::new(),
            next_ticket: snapshot.last_ticket + 1,
            arrivals: 0,
            queue_dirty: false,
            queue_frames: Default::default(),
            bot_notices: Vec::new(),
            now,
            job: Job::default(),
            messages_total: MessagesTotal::new(),
            dispatcher: Some(dispatcher),
        };
        hub.restore(snapshot);
        hub
    }

    fn restore(&mut self, snapshot: Snapshot) {
        for record in snapshot.agents {
            let state = AgentState {
                record,
                conns: 0,
                availability: Availability::Online,
                open: 0,
                idle_since: self.now,
                queue_sent: 0,
            };
            self.agents.insert(state.record.id, state);
        }
        for record in snapshot.bots {
            self.bots.insert(record.id, BotState { record, conns: 0, open: 0 });
        }
        for link in snapshot.identities {
            self.identities.insert((link.site, link.sub), link.email);
        }
        for open in snapshot.open_conversations {
            let rec = open.record;
            let id = rec.id;
            metrics::gauge!("switchboard_conversations", "status" => rec.status.as_str()).increment(1.0);
            self.by_visitor.insert(rec.visitor_id, id);
            let key = self.next_arrival(rec.priority);
            let conv = Conv {
                client_ids: open.client_msg_ids.into_iter().collect(),
                sample: String::new(),
                queue_key: None,
                last_position: None,
                rec,
            };
            let (status, agent, bot) = (conv.rec.status, conv.rec.agent_id, conv.rec.bot_id);
            self.convs.insert(id, conv);
            match status {
                Status::Queued => self.enqueue_key(id, key),
                Status::Assigned => match agent.and_then(|a| self.agents.get_mut(&a)) {
                    Some(a) => a.open += 1,
                    None => self.enqueue_key(id, key),
                },
                Status::Bot => match bot.and_then(|b| self.bots.get_mut(&b)) {
                    Some(b) => b.open += 1,
                    None => {
                        self.bot_waiting.insert(key, id);
                    }
                },
                Status::Resolved => {}
            }
        }
        self.queue_dirty = true;
    }

    pub fn next_arrival(&mut self, priority: crate::domain::Priority) -> QueueKey {
        self.arrivals += 1;
        QueueKey { priority, arrival: self.arrivals }
    }

    pub async fn run(mut self, mut rx: mpsc::Receiver<HubEvent>) {
        while let Some(event) = rx.recv().await {
            // Milliseconds: what the store keeps, so live and stored copies of a message agree.
            self.now = Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap_or(Timestamp::now());
            let mut stop = self.handle(event);
            for _ in 1..EVENTS_PER_JOB {
                if stop.is_some() {
                    break;
                }
                match rx.try_recv() {
                    Ok(event) => stop = self.handle(event),
                    Err(_) => break,
                }
            }
            self.flush_queue();
            let job = std::mem::take(&mut self.job);
            let dispatcher = self.dispatcher.as_ref().expect("dispatcher runs until shutdown");
            if !job.is_empty() {
                dispatcher.submit(job).await;
            }
            if let Some(done) = stop {
                let dispatcher = self.dispatcher.take().expect("shutdown happens once");
                dispatcher.submit(Job { ops: vec![], effects: vec![Effect::CloseAll] }).await;
                dispatcher.finish().await;
                let _ = done.send(());
                return;
            }
        }
    }

    /// Handles one event; returns the shutdown reply when asked to stop.
    fn handle(&mut self, event: HubEvent) -> Option<tokio::sync::oneshot::Sender<()>> {
        match event {
            HubEvent::Visitor { conn, tx, hello } => self.visitor_hello(conn, tx, *hello),
            HubEvent::Agent { conn, tx, agent, reference } => self.agent_hello(conn, tx, agent, reference),
            HubEvent::Bot { conn, tx, bot, reference } => self.bot_hello(conn, tx, bot, reference),
            HubEvent::Frame { conn, who, frame, reference, received } => {
                self.frame(conn, who, frame, reference, received)
            }
            HubEvent::Disconnected { conn, who } => self.disconnected(conn, who),
            HubEvent::Admin(cmd) => self.admin(cmd),
            HubEvent::Tick => self.tick(),
            HubEvent::Shutdown(done) => return Some(done),
        }
        self.tell_bots();
        None
    }

    // --- effects -----------------------------------------------------------------------------------

    pub fn op(&mut self, op: StoreOp) {
        self.job.ops.push(op);
    }

    pub fn effect(&mut self, effect: Effect) {
        self.job.effects.push(effect);
    }

    pub fn send_conn(&mut self, conn: ConnId, frame: ServerFrame) {
        self.effect(Effect::ToConn { conn, item: OutItem::frame(frame) });
    }

    pub fn to(&mut self, who: Participant, frame: ServerFrame, except: Option<ConnId>) {
        self.effect(Effect::ToParticipant { who, item: OutItem::frame(frame), except });
    }

    pub fn ack(&mut self, conn: ConnId, reference: Option<Ref>) {
        self.send_conn(conn, ServerFrame::ack(reference));
    }

    pub fn error(&mut self, conn: ConnId, code: ErrorCode, message: impl Into<String>, reference: Option<Ref>) {
        self.send_conn(conn, ServerFrame::error(code, message, reference));
    }

    /// Persists the conversation's current row.
    pub fn save(&mut self, id: ConversationId) {
        if let Some(c) = self.convs.get(&id) {
            let rec = Box::new(c.rec.clone());
            self.op(StoreOp::PutConversation(rec));
        }
    }

    pub fn dept(&self, name: &str) -> Option<&DeptState> {
        self.depts.iter().find(|d| d.name.as_ref() == name)
    }

    /// Departments that open or close now; conversations waiting for a human enter the queue on opening.
    fn tick(&mut self) {
        let now = self.now;
        let mut opened = Vec::new();
        for d in &mut self.depts {
            let open = d.schedule.is_open(now);
            if open != d.open {
                d.open = open;
                tracing::info!(department = %d.name, open, "department hours changed");
                if open {
                    opened.push(d.name.clone());
                }
            }
        }
        for name in opened {
            self.release_handoffs(Some(&name));
        }
    }
}
