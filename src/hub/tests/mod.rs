//! The hub's rules at its pure boundary: events in at an explicit `now`, the job out. No process, no
//! store, no sockets, no sleeping: each test builds a hub from a snapshot, feeds it events, and reads
//! the decisions (conversation state, frames addressed to participants, domain events).

mod commands;
mod email;
mod guard;
mod inactivity;
mod notices;
mod queue_lists;
mod rules;
mod workflow;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::dispatch::{Effect, Job};
pub use super::timers::Timer;
use super::{DomainEvent, Hub, HubEvent, HubSettings, VisitorHello};
use crate::auth::{IdentityCheck, IdentityClaims};
use crate::config::Department;
use crate::delivery::{ConnId, OutItem};
use crate::domain::Language;
use crate::domain::{AgentId, BotId, ConversationId, Participant, Plan, Priority, Status, VisitorId};
use crate::protocol::{ClientFrame, ErrorCode, Ref, ServerFrame};
use crate::routing::hours::{HoursSpec, Schedule};
use crate::store::{AgentRecord, BotRecord, Snapshot};

/// Monday 2026-11-23 10:00 UTC: inside 09:00-18:00 weekday hours.
pub fn monday_10() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

pub const ENGLISH: &str = "Hello, I need help with my order from yesterday please.";
pub const GERMAN: &str = "Hallo, ich brauche Hilfe mit meiner Bestellung von gestern.";
pub const FINNISH: &str = "Hei, tarvitsen apua eilisen tilaukseni kanssa, kiitos paljon.";

pub fn always(name: &str) -> Department {
    Department::new(name, Schedule::always_open())
}

/// Open 09:00-18:00 on weekdays, UTC.
pub fn office(name: &str) -> Department {
    let days = ["mon", "tue", "wed", "thu", "fri"].map(|d| (d.to_string(), "09:00-18:00".to_string()));
    let schedule = Schedule::new("Etc/GMT", &HoursSpec::Weekly(BTreeMap::from(days)), &[]).unwrap();
    Department::new(name, schedule)
}

pub struct AgentSpec {
    pub name: &'static str,
    pub languages: &'static [&'static str],
    pub max_chats: u32,
    pub tier: u8,
    pub departments: &'static [&'static str],
}

pub fn agent(name: &'static str, languages: &'static [&'static str], max_chats: u32) -> AgentSpec {
    AgentSpec { name, languages, max_chats, tier: 1, departments: &["support"] }
}

pub struct Fixture {
    pub hub: Hub,
    pub now: Timestamp,
    next_conn: u64,
    /// Every job taken so far, oldest first.
    pub jobs: Vec<Job>,
}

impl Fixture {
    pub fn new(departments: Vec<Department>, agents: &[AgentSpec]) -> Fixture {
        Fixture::with(departments, agents, false)
    }

    pub fn with(departments: Vec<Department>, agents: &[AgentSpec], require_verified: bool) -> Fixture {
        let now = monday_10();
        let snapshot = Snapshot {
            agents: agents
                .iter()
                .enumerate()
                .map(|(i, a)| AgentRecord {
                    id: AgentId(i as u64 + 1),
                    email: format!("{}@test", a.name.to_lowercase()),
                    name: a.name.into(),
                    password_hash: String::new(),
                    languages: a.languages.iter().map(|l| Language::parse(l).unwrap()).collect(),
                    tier: a.tier,
                    max_chats: a.max_chats,
                    departments: a.departments.iter().map(|d| Arc::from(*d)).collect(),
                    created_at: now,
                })
                .collect(),
            bots: vec![BotRecord { id: BotId(1), name: "Helper".into(), created_at: now }],
            last_ticket: 1000,
            ..Snapshot::default()
        };
        let hub = Hub::new(HubSettings { departments, require_verified, ..Default::default() }, snapshot, now);
        Fixture { hub, now, next_conn: 1, jobs: Vec::new() }
    }

    /// The agent created from the n-th spec (1-based).
    pub fn agent_id(n: u64) -> AgentId {
        AgentId(n)
    }

    pub fn send(&mut self, event: HubEvent) {
        self.hub.handle(event, self.now);
        let job = self.hub.take_job();
        self.jobs.push(job);
    }

    pub fn at(&mut self, now: Timestamp) {
        self.now = now;
        self.hub.fire_due(now);
        let job = self.hub.take_job();
        self.jobs.push(job);
    }

    fn conn(&mut self) -> ConnId {
        self.next_conn += 1;
        ConnId::new(0, self.next_conn)
    }

    /// Creates an agent as the admin API does (in the default department, not connected); its id.
    pub fn create_agent(&mut self, name: &str, languages: &[&str]) -> AgentId {
        let (tx, _rx) = tokio::sync::oneshot::channel();
        let new = crate::hub::NewAgent {
            email: format!("{}@test", name.to_lowercase()),
            name: name.into(),
            password_hash: String::new(),
            languages: languages.iter().map(|l| Language::parse(l).unwrap()).collect(),
            tier: 1,
            max_chats: 2,
            departments: vec![],
        };
        self.send(HubEvent::Admin(crate::hub::AdminCommand::CreateAgent(new, tx)));
        self.hub.agents.values().find(|a| &*a.record.name == name).expect("created").record.id
    }

    pub fn connect_agent(&mut self, n: u64) -> ConnId {
        let conn = self.conn();
        self.send(HubEvent::Agent { conn, agent: AgentId(n), reference: None });
        conn
    }

    pub fn connect_bot(&mut self) -> ConnId {
        let conn = self.conn();
        self.send(HubEvent::Bot { conn, bot: BotId(1), reference: None });
        conn
    }

    pub fn visitor(&mut self, locale: Option<&str>, identity: IdentityCheck) -> Visitor {
        self.visitor_in(None, locale, identity)
    }

    pub fn visitor_in(&mut self, department: Option<&str>, locale: Option<&str>, identity: IdentityCheck) -> Visitor {
        let conn = self.conn();
        let id = VisitorId(self.next_conn);
        let hello = VisitorHello {
            locale: locale.map(String::from),
            department: department.map(String::from),
            identity,
            client: crate::hub::ClientFacts {
                page: Some("https://shop.test/cart".into()),
                user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into()),
                timezone: Some("Europe/Helsinki".into()),
            },
            ..plain_hello(id)
        };
        self.send(HubEvent::Visitor { conn, hello: Box::new(hello) });
        Visitor { id, conn }
    }

    /// Another connection of a known visitor (a second tab, or a return).
    pub fn visitor_again(&mut self, id: VisitorId) -> Visitor {
        let conn = self.conn();
        let hello = plain_hello(id);
        self.send(HubEvent::Visitor { conn, hello: Box::new(hello) });
        Visitor { id, conn }
    }

    /// A frame from a participant on a connection.
    pub fn frame(&mut self, conn: ConnId, who: Participant, frame: ClientFrame) {
        let reference = Some(Ref("\"r\"".into()));
        let received = std::time::Instant::now();
        self.send(HubEvent::Frame { conn, who, frame, reference, received, raw: None });
    }

    /// The visitor writes; returns its open conversation.
    pub fn say(&mut self, v: &Visitor, text: &str) -> ConversationId {
        let frame = ClientFrame::Message { conversation_id: None, client_msg_id: None, text: text.into(), topic: None };
        self.frame(v.conn, Participant::Visitor(v.id), frame);
        self.hub.convs.open_of(v.id).expect("the message opened a conversation")
    }

    pub fn agent_frame(&mut self, conn: ConnId, n: u64, frame: ClientFrame) {
        self.frame(conn, Participant::Agent(AgentId(n)), frame);
    }

    pub fn status(&self, id: ConversationId) -> Option<Status> {
        self.hub.convs.get(&id).map(|c| c.rec.status)
    }

    pub fn holder(&self, id: ConversationId) -> Option<AgentId> {
        self.hub.convs.get(&id).filter(|c| c.rec.status == Status::Assigned).and_then(|c| c.rec.agent_id)
    }

    pub fn priority(&self, id: ConversationId) -> Priority {
        self.hub.convs.get(&id).unwrap().rec.priority
    }

    pub fn queue(&self) -> Vec<ConversationId> {
        self.hub.queue.ids().collect()
    }

    /// Frames of the last job addressed to `who` (as participant) or to `conn`.
    pub fn last_frames(&self, to: Target) -> Vec<ServerFrame> {
        frames(self.jobs.last().unwrap(), to)
    }

    pub fn last_events(&self) -> &[DomainEvent] {
        &self.jobs.last().unwrap().events
    }

    pub fn has_timer(&self, at: Timestamp, timer: &Timer) -> bool {
        self.hub.deadlines.contains(at, timer)
    }

    /// The last job's error frame to `conn`, if any.
    pub fn last_error(&self, conn: ConnId) -> Option<ErrorCode> {
        self.last_frames(Target::Conn(conn)).into_iter().find_map(|f| match f {
            ServerFrame::Error { code, .. } => Some(code),
            _ => None,
        })
    }
}

/// A visitor's hello with no identity, locale `en`, site `default`; tests change what they need.
pub fn plain_hello(id: VisitorId) -> VisitorHello {
    VisitorHello {
        visitor: id,
        token: "token".into(),
        site: "default".into(),
        locale: Some("en".into()),
        department: None,
        identity: IdentityCheck::Absent,
        client: Default::default(),
        widget: None,
        reference: None,
        ip: None,
    }
}

pub struct Visitor {
    pub id: VisitorId,
    pub conn: ConnId,
}

#[derive(Clone, Copy)]
pub enum Target {
    Conn(ConnId),
    Who(Participant),
}

/// Frames a job sends to a target (transcripts count as `assigned`).
pub fn frames(job: &Job, to: Target) -> Vec<ServerFrame> {
    let mut out = Vec::new();
    for e in &job.effects {
        let item = match (e, to) {
            (Effect::ToConn { conn, item }, Target::Conn(c)) if *conn == c => item,
            (Effect::ToParticipant { who, item, .. }, Target::Who(w)) if *who == w => item,
            (Effect::Transcript { to: who, conversation, .. }, Target::Who(w)) if *who == w => {
                out.push(ServerFrame::Assigned {
                    conversation: (**conversation).clone(),
                    messages: vec![],
                    more: false,
                });
                continue;
            }
            _ => continue,
        };
        if let OutItem::Frame(f) = item {
            out.extend(f.frame().cloned());
        }
    }
    out
}

pub fn verified(sub: &str, email: &str, plan: Plan, urgent: bool) -> IdentityCheck {
    IdentityCheck::Valid(IdentityClaims {
        sub: sub.into(),
        email: email.into(),
        email_verified: true,
        name: None,
        plan,
        urgent,
    })
}
