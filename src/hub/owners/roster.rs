//! Agents, bots and visitors with live connections, each with its counts kept in one place.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::{AgentId, Availability, BotId, IdMap, Plan, Tier, VisitorId};
use crate::routing::assign::AgentSlot;
use crate::store::{AgentRecord, BotRecord};

pub struct AgentState {
    pub record: AgentRecord,
    pub conns: u32,
    pub availability: Availability,
    /// Conversations assigned to the agent now.
    pub open: u32,
    pub idle_since: Timestamp,
    /// Version of the last `queue` frame sent to the agent (`queue_frames`); 0 for none.
    pub queue_sent: u64,
}

impl AgentState {
    /// Connected and not away: takes new chats and counts as online.
    pub fn online(&self) -> bool {
        self.conns > 0 && self.availability == Availability::Online
    }

    /// What routing needs to know of the agent.
    pub fn slot(&self) -> AgentSlot<'_> {
        AgentSlot {
            id: self.record.id,
            connected: self.conns > 0,
            availability: self.availability,
            languages: &self.record.languages,
            departments: &self.record.departments,
            tier: Tier::new(self.record.tier).unwrap_or(Tier::FIRST),
            open_chats: self.open,
            max_chats: self.record.max_chats,
            idle_since: self.idle_since,
        }
    }
}

/// Every agent, connected or not. Changes go through methods, which keep `switchboard_agents_online`
/// true.
pub struct Agents {
    map: IdMap<AgentId, AgentState>,
    online_gauge: metrics::Gauge,
}

impl Default for Agents {
    fn default() -> Agents {
        Agents { map: IdMap::default(), online_gauge: metrics::gauge!("switchboard_agents_online") }
    }
}

impl Agents {
    pub fn get(&self, id: &AgentId) -> Option<&AgentState> {
        self.map.get(id)
    }

    pub fn values(&self) -> impl Iterator<Item = &AgentState> {
        self.map.values()
    }

    pub fn add(&mut self, record: AgentRecord, now: Timestamp) {
        let state = AgentState {
            record,
            conns: 0,
            availability: Availability::Online,
            open: 0,
            idle_since: now,
            queue_sent: 0,
        };
        self.map.insert(state.record.id, state);
    }

    pub fn remove(&mut self, id: AgentId) -> Option<AgentState> {
        let gone = self.map.remove(&id);
        self.update_gauge();
        gone
    }

    pub fn record_mut(&mut self, id: AgentId) -> Option<&mut AgentRecord> {
        self.map.get_mut(&id).map(|a| &mut a.record)
    }

    /// A connection of the agent opened; returns how many it has now.
    pub fn connect(&mut self, id: AgentId, now: Timestamp) -> u32 {
        let Some(a) = self.map.get_mut(&id) else { return 0 };
        a.conns += 1;
        if a.conns == 1 {
            a.idle_since = a.idle_since.max(now);
        }
        let conns = a.conns;
        self.update_gauge();
        conns
    }

    /// A connection closed. An agent whose last connection closes keeps its chats but takes no new ones.
    pub fn disconnect(&mut self, id: AgentId) {
        if let Some(a) = self.map.get_mut(&id) {
            a.conns = a.conns.saturating_sub(1);
        }
        self.update_gauge();
    }

    pub fn set_availability(&mut self, id: AgentId, status: Availability) {
        if let Some(a) = self.map.get_mut(&id) {
            a.availability = status;
        }
        self.update_gauge();
    }

    /// The agent takes one more conversation.
    pub fn take_chat(&mut self, id: AgentId, now: Timestamp) {
        if let Some(a) = self.map.get_mut(&id) {
            a.open += 1;
            a.idle_since = now;
        }
    }

    /// One of the agent's places is free again.
    pub fn release_chat(&mut self, id: AgentId) {
        if let Some(a) = self.map.get_mut(&id) {
            a.open = a.open.saturating_sub(1);
        }
    }

    pub fn mark_queue_sent(&mut self, id: AgentId, version: u64) {
        if let Some(a) = self.map.get_mut(&id) {
            a.queue_sent = version;
        }
    }

    pub fn online_count(&self) -> usize {
        self.map.values().filter(|a| a.online()).count()
    }

    fn update_gauge(&self) {
        self.online_gauge.set(self.online_count() as f64);
    }
}

pub struct BotState {
    pub record: BotRecord,
    pub conns: u32,
    pub open: u32,
}

/// Every bot account, with its connections and conversations counted.
#[derive(Default)]
pub struct Bots {
    map: IdMap<BotId, BotState>,
}

impl Bots {
    pub fn get(&self, id: &BotId) -> Option<&BotState> {
        self.map.get(id)
    }

    /// Adds the bot unless it exists; returns it.
    pub fn ensure(&mut self, record: BotRecord) -> &BotState {
        self.map.entry(record.id).or_insert(BotState { record, conns: 0, open: 0 })
    }

    pub fn connect(&mut self, id: BotId) -> bool {
        self.map.get_mut(&id).map(|b| b.conns += 1).is_some()
    }

    pub fn disconnect(&mut self, id: BotId) {
        if let Some(b) = self.map.get_mut(&id) {
            b.conns = b.conns.saturating_sub(1);
        }
    }

    pub fn take_chat(&mut self, id: BotId) {
        if let Some(b) = self.map.get_mut(&id) {
            b.open += 1;
        }
    }

    pub fn release_chat(&mut self, id: BotId) {
        if let Some(b) = self.map.get_mut(&id) {
            b.open = b.open.saturating_sub(1);
        }
    }

    /// Bots with a live connection.
    pub fn connected(&self) -> impl Iterator<Item = BotId> + '_ {
        self.map.values().filter(|b| b.conns > 0).map(|b| b.record.id)
    }

    /// The connected bot with the fewest conversations.
    pub fn choose(&self) -> Option<BotId> {
        self.map.values().filter(|b| b.conns > 0).min_by_key(|b| (b.open, b.record.id)).map(|b| b.record.id)
    }
}

/// A visitor with at least one live connection (or an open conversation).
pub struct VisitorState {
    pub conns: u32,
    pub site: Arc<str>,
    pub verified: bool,
    pub plan: Plan,
    pub urgent: bool,
    pub name: Option<Arc<str>>,
    pub email: Option<Arc<str>>,
    /// The address the visitor gave in the widget (`set_email`), kept across its connections.
    pub given_email: Option<Arc<str>>,
    pub locale: Option<Arc<str>>,
    pub department: Arc<str>,
    pub client: super::super::ClientFacts,
    /// The address of the visitor's latest connection.
    pub ip: Option<std::net::IpAddr>,
}

/// Connected visitors and the identity links (spec 3: a user id's first verified email).
#[derive(Default)]
pub struct Visitors {
    map: IdMap<VisitorId, VisitorState>,
    links: HashMap<(Arc<str>, Arc<str>), Arc<str>>,
}

impl Visitors {
    pub fn get(&self, id: &VisitorId) -> Option<&VisitorState> {
        self.map.get(id)
    }

    /// A connection of the visitor said hello with these facts; the connection count carries over.
    pub fn connect(&mut self, id: VisitorId, mut state: VisitorState) {
        let before = self.map.get(&id);
        state.conns = before.map_or(0, |v| v.conns) + 1;
        if state.given_email.is_none() {
            state.given_email = before.and_then(|v| v.given_email.clone());
        }
        self.map.insert(id, state);
        self.count();
    }

    /// A connection closed. The facts are kept while `keep` (an open conversation: a message from another
    /// tab may still arrive).
    pub fn disconnect(&mut self, id: VisitorId, keep: bool) {
        let gone = self.map.get_mut(&id).is_some_and(|v| {
            v.conns = v.conns.saturating_sub(1);
            v.conns == 0
        });
        if gone && !keep {
            self.map.remove(&id);
            self.count();
        }
    }

    /// The visitor's open conversation ended: a visitor without a connection is no longer kept.
    pub fn forget_if_gone(&mut self, id: VisitorId) {
        if self.map.get(&id).is_some_and(|v| v.conns == 0) {
            self.map.remove(&id);
            self.count();
        }
    }

    /// Visitors kept: connected, or gone with an open conversation.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Updates `switchboard_visitors_kept` (on connects and departures only, not per message).
    fn count(&self) {
        metrics::gauge!("switchboard_visitors_kept").set(self.len() as f64);
    }

    pub fn set_given_email(&mut self, id: VisitorId, email: Arc<str>) {
        if let Some(v) = self.map.get_mut(&id) {
            v.given_email = Some(email);
        }
    }

    /// Visitors with a live connection.
    pub fn connected(&self) -> impl Iterator<Item = (VisitorId, &VisitorState)> {
        self.map.iter().filter(|(_, v)| v.conns > 0).map(|(id, v)| (*id, v))
    }

    pub fn link(&self, site: &Arc<str>, sub: &Arc<str>) -> Option<&Arc<str>> {
        self.links.get(&(site.clone(), sub.clone()))
    }

    pub fn set_link(&mut self, site: Arc<str>, sub: Arc<str>, email: Arc<str>) {
        self.links.insert((site, sub), email);
    }
}
