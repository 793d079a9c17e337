//! The records the store keeps, as the hub and the HTTP API see them (one file of plain data; the
//! backends map them to rows or keys).

use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::{
    AgentId, BotId, BotReason, ConversationId, NoticeId, NoticeKind, Participant, Plan, Priority, Role, Seq, Status,
    SystemEvent, Ticket, VisitorId,
};
use crate::domain::{Language, LanguageSource};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MessageRecord {
    pub conversation_id: ConversationId,
    pub seq: Seq,
    pub role: Role,
    /// Display name of an agent or bot author.
    pub sender_name: Option<Arc<str>>,
    pub text: Arc<str>,
    pub at: Timestamp,
    pub client_msg_id: Option<Arc<str>>,
    /// For a system message (`role` system): what changed, and the tier it reached (escalations).
    pub system: Option<SystemNote>,
}

/// What a system message reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SystemNote {
    pub event: SystemEvent,
    pub tier: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConversationRecord {
    pub id: ConversationId,
    pub ticket: Ticket,
    pub visitor_id: VisitorId,
    pub site: Arc<str>,
    pub department: Arc<str>,
    pub locale: Option<Arc<str>>,
    pub language: Option<Language>,
    /// How `language` was decided (spec 5.2): from the text, the locale, or neither.
    pub language_source: Option<LanguageSource>,
    pub priority: Priority,
    pub tier: u8,
    pub status: Status,
    pub agent_id: Option<AgentId>,
    pub bot_id: Option<BotId>,
    pub bot_reason: Option<BotReason>,
    pub handoff_requested: bool,
    pub verified: bool,
    pub plan: Plan,
    pub urgent: bool,
    pub visitor_name: Option<Arc<str>>,
    pub visitor_email: Option<Arc<str>>,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub last_seq: Seq,
    pub rating: Option<u8>,
    pub rating_comment: Option<Arc<str>>,
    /// The topic the visitor chose before the first message (spec 7.6).
    pub topic: Option<Arc<str>>,
    /// When the conversation first needed a human: both service-level clocks start here (spec 7.3).
    pub sla_started_at: Option<Timestamp>,
    /// The first agent message: the first-response clock stops here.
    pub first_response_at: Option<Timestamp>,
    /// Service-level notices already sent (`SlaSent` bits), so that a restart neither loses nor repeats one.
    pub sla_sent: u8,
}

#[cfg(test)]
impl ConversationRecord {
    /// A plain conversation for tests: standard, unverified, tier 1 of `support`, ticket `1000 + id`,
    /// visitor `id`, created at the epoch; tests change the fields they are about.
    pub fn sample(id: u64, status: Status) -> ConversationRecord {
        ConversationRecord {
            id: ConversationId(id),
            ticket: Ticket(1000 + id),
            visitor_id: VisitorId(id),
            site: Arc::from("default"),
            department: Arc::from("support"),
            locale: None,
            language: None,
            language_source: None,
            priority: Priority::Standard,
            tier: 1,
            status,
            agent_id: None,
            bot_id: None,
            bot_reason: None,
            handoff_requested: false,
            verified: false,
            plan: Plan::Standard,
            urgent: false,
            visitor_name: None,
            visitor_email: None,
            created_at: Timestamp::UNIX_EPOCH,
            resolved_at: None,
            last_seq: 0,
            rating: None,
            rating_comment: None,
            topic: None,
            sla_started_at: None,
            first_response_at: None,
            sla_sent: 0,
        }
    }
}

/// One change in a conversation's history (spec 7.2): when, who, what.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    pub conversation_id: ConversationId,
    pub at: Timestamp,
    /// Who made the change; `None` for the hub itself (routing, timers).
    pub by: Option<Actor>,
    /// What happened: a status (`queued`, `assigned`, ...), `transferred`, `escalated`, `handoff`, or a
    /// service-level notice (`sla_warning`, `sla_breached`).
    pub what: Arc<str>,
    pub status: Status,
    pub agent_id: Option<AgentId>,
    pub tier: u8,
    /// More about it (the clock of a service-level notice).
    pub note: Option<Arc<str>>,
}

/// Who made a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Actor {
    Admin,
    Participant(Participant),
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentRecord {
    pub id: AgentId,
    pub email: String,
    pub name: Arc<str>,
    pub password_hash: String,
    pub languages: Vec<Language>,
    pub tier: u8,
    pub max_chats: u32,
    pub departments: Vec<Arc<str>>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BotRecord {
    pub id: BotId,
    pub name: Arc<str>,
    pub created_at: Timestamp,
}

/// A credential, stored as the SHA-256 of the token: a stolen database holds no usable token.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TokenRecord {
    pub hash: [u8; 32],
    /// Who the token stands for.
    pub principal: Participant,
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IdentityLink {
    pub site: Arc<str>,
    pub sub: Arc<str>,
    pub email: Arc<str>,
}

/// An internal note on a conversation (agents only; see `hub::notes`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoteRecord {
    pub conversation_id: ConversationId,
    pub agent_id: AgentId,
    pub agent_name: Arc<str>,
    pub text: Arc<str>,
    pub at: Timestamp,
}

/// A canned reply: shared with every agent (`owner` None) or an agent's own.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CannedRecord {
    pub id: Arc<str>,
    pub owner: Option<AgentId>,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub created_at: Timestamp,
}

/// A status notice (spec 7.4): in force from `starts_at` until `ends_at` (none: until it is ended or
/// removed), for the listed departments (none listed: all).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoticeRecord {
    pub id: NoticeId,
    pub kind: NoticeKind,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub departments: Vec<Arc<str>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
