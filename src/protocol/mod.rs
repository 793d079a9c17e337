//! Wire types of the WebSocket protocol (spec section 4). This is the only place with serde derives for
//! the wire; `transport::codec` turns text into these types and back. Everything else works with them as
//! plain Rust values.

mod client;
pub mod rest;
mod workflow;

pub use client::{ClientFrame, FrameError, Hello, MAX_COMMENT_CHARS, RawFrame, TransferTarget};
pub use workflow::{DepartmentTiers, NoticeView, SlaView, TopicView};

use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::domain::Language;
use crate::domain::{AgentId, Availability, BotId, BotReason, ConversationId, Plan, Priority, Role, Seq, Status};

/// Protocol version this hub speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The client's correlation token, echoed verbatim in the reply. Kept as raw JSON so that a string, a
/// number or anything else comes back exactly as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref(pub Box<str>);

impl Serialize for Ref {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::value::RawValue::from_string(self.0.to_string()) {
            Ok(raw) => raw.serialize(s),
            Err(_) => s.serialize_none(),
        }
    }
}

/// A JSON value encoded by another node (the leader, in cluster mode), written out as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawJson(pub Arc<str>);

impl RawJson {
    /// `value` encoded once, to be relayed.
    pub fn encode(value: &impl Serialize) -> serde_json::Result<RawJson> {
        serde_json::to_string(value).map(|s| RawJson(s.into()))
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::value::RawValue::from_string(self.0.to_string()) {
            Ok(raw) => raw.serialize(s),
            Err(_) => s.serialize_none(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Server frames

/// Error codes of the protocol (spec section 4), plus `internal` for faults that are not the client's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    RateLimited,
    TooLarge,
    UnsupportedVersion,
    Internal,
    /// The hub cannot take this now (its disk is nearly full); the same request may work later.
    Unavailable,
}

/// Serialises an RFC 3339 instant.
pub(crate) fn ts<S: Serializer>(t: &jiff::Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

pub(crate) fn opt_ts<S: Serializer>(t: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

fn opt_lang<S: Serializer>(l: &Option<Language>, s: S) -> Result<S::Ok, S::Error> {
    match l {
        Some(l) => s.serialize_str(l.as_str()),
        None => s.serialize_none(),
    }
}

fn langs<S: Serializer>(l: &[Language], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(l.iter().map(|l| l.as_str()))
}

fn display<T: std::fmt::Display, S: Serializer>(t: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// Author of a message or a typing notice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct From {
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Arc<str>>,
}

/// A system message's event on the wire: the contract names five (spec 7.1), so a conversation ended
/// for inactivity says `resolved` (its text says why).
fn system_event<S: Serializer>(event: &Option<crate::domain::SystemEvent>, s: S) -> Result<S::Ok, S::Error> {
    use crate::domain::SystemEvent;
    match event {
        Some(SystemEvent::ResolvedInactive) => SystemEvent::Resolved.serialize(s),
        other => other.serialize(s),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub conversation_id: ConversationId,
    pub seq: Seq,
    pub from: From,
    pub text: Arc<str>,
    #[serde(serialize_with = "ts")]
    pub at: jiff::Timestamp,
    /// What a system message reports (spec 7.1), as one of the contract's five events (`system_event`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "system_event")]
    pub event: Option<crate::domain::SystemEvent>,
    /// The tier an `escalated` system message reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentRef {
    /// Left out of the visitor's copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<AgentId>,
    pub name: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BotRef {
    pub name: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VisitorView {
    pub verified: bool,
    pub plan: Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Arc<str>>,
    /// Agents only, while the visitor is connected: what its widget said at hello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<Arc<str>>,
}

/// An internal note as agents see it (`note` frames and `GET /api/tickets/{ticket}/notes`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoteView {
    pub agent: AgentRef,
    pub text: Arc<str>,
    #[serde(serialize_with = "ts")]
    pub at: jiff::Timestamp,
}

/// The whole state of a conversation as a client sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConversationView {
    pub conversation_id: ConversationId,
    #[serde(serialize_with = "display")]
    pub ticket: crate::domain::Ticket,
    pub status: Status,
    pub department: Arc<str>,
    #[serde(serialize_with = "opt_lang")]
    pub language: Option<Language>,
    /// How `language` was decided: `text`, `locale` or `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_source: Option<crate::domain::LanguageSource>,
    pub priority: Priority,
    pub tier: u8,
    pub tier_name: Option<Arc<str>>,
    pub topic: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    pub agent: Option<AgentRef>,
    pub bot: Option<BotRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<BotReason>,
    pub handoff_requested: bool,
    pub department_open: bool,
    #[serde(serialize_with = "opt_ts")]
    pub next_change: Option<jiff::Timestamp>,
    pub visitor: VisitorView,
    pub last_seq: Seq,
    #[serde(serialize_with = "ts")]
    pub created_at: jiff::Timestamp,
    /// Service levels (spec 7.3): agents' and tickets' copies only, once a clock has started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DepartmentView {
    pub name: Arc<str>,
    pub open: bool,
    #[serde(serialize_with = "opt_ts")]
    pub next_change: Option<jiff::Timestamp>,
    /// What the widget asks before the first message (spec 7.6); none configured: left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<TopicView>,
    /// The usual time to a first reply, in minutes, when the department states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_minutes: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentInfo {
    pub id: AgentId,
    pub name: Arc<str>,
    #[serde(serialize_with = "langs")]
    pub languages: Vec<Language>,
    pub tier: u8,
    pub max_chats: u32,
    pub departments: Vec<Arc<str>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BotInfo {
    pub id: BotId,
    pub name: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitingView {
    pub conversation_id: ConversationId,
    #[serde(serialize_with = "display")]
    pub ticket: crate::domain::Ticket,
    pub priority: Priority,
    #[serde(serialize_with = "opt_lang")]
    pub language: Option<Language>,
    pub department: Arc<str>,
    pub tier: u8,
    pub tier_name: Option<Arc<str>>,
    pub topic: Option<Arc<str>>,
    #[serde(serialize_with = "ts")]
    pub since: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaView>,
    /// The visitor's first message, at most `PREVIEW_CHARS` characters; left out when the hub has not
    /// seen it since it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// The visitor asked for a person (bot conversations).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub handoff_requested: bool,
}

/// Characters of a waiting conversation's preview, at most.
pub const PREVIEW_CHARS: usize = 140;
/// Bot conversations a `queue` frame lists, at most (those that asked for a person first).
pub const BOT_LIST_MAX: usize = 50;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VisitorWelcome {
    pub v: u32,
    pub visitor_token: String,
    pub verified: bool,
    pub plan: Plan,
    pub identity_conflict: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_error: Option<String>,
    pub department: DepartmentView,
    /// The site's widget look (`[sites.widget]`), when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widget: Option<Arc<crate::config::WidgetTheme>>,
    pub conversation: Option<ConversationView>,
    /// The hub answers by email (`[email]` is set): the widget may offer to leave an address.
    pub email_replies: bool,
    /// Status notices of the visitor's department in force or announced, soonest first (spec 7.4).
    pub notices: Vec<NoticeView>,
    /// The hello's `ref`, echoed.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentWelcome {
    pub v: u32,
    pub agent: AgentInfo,
    pub availability: Availability,
    pub conversations: Vec<ConversationView>,
    /// The agent's departments with their tier names (spec 7.2).
    pub departments: Vec<DepartmentTiers>,
    /// The hello's `ref`, echoed.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BotWelcome {
    pub v: u32,
    pub bot: BotInfo,
    pub conversations: Vec<ConversationView>,
    /// Status notices in force or announced, every department (spec 7.4).
    /// The hub answers by email (`[email]` is set): a bot may offer the visitor to leave an address.
    pub email_replies: bool,
    pub notices: Vec<NoticeView>,
    /// The hello's `ref`, echoed.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
}

/// A frame the hub sends.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    #[serde(rename = "welcome")]
    VisitorWelcome(VisitorWelcome),
    #[serde(rename = "welcome")]
    AgentWelcome(AgentWelcome),
    #[serde(rename = "welcome")]
    BotWelcome(BotWelcome),
    Ack {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<Ref>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<Arc<str>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        seq: Option<Seq>,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<Ref>,
    },
    Conversation(ConversationView),
    Message(MessageView),
    Assigned {
        conversation: ConversationView,
        /// The transcript's first page (see `store::page`).
        messages: Vec<MessageView>,
        /// The transcript is longer: the rest follows as `message` frames, before anything live.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    /// `assigned` written by a gateway node (cluster mode): the same frame, with the conversation as
    /// the leader encoded it.
    #[serde(rename = "assigned")]
    AssignedRelayed {
        conversation: RawJson,
        messages: Vec<MessageView>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    Queue {
        waiting: Vec<WaitingView>,
        /// Conversations the bot holds in the agent's departments (at most `BOT_LIST_MAX`).
        bot: Vec<WaitingView>,
    },
    Typing {
        conversation_id: ConversationId,
        from: From,
        on: bool,
    },
    /// An internal note, to agents only.
    Note {
        conversation_id: ConversationId,
        note: NoteView,
    },
    Survey {
        conversation_id: ConversationId,
    },
    /// A service-level warning or breach, to agents (spec 7.3).
    Sla {
        conversation_id: ConversationId,
        #[serde(serialize_with = "display")]
        ticket: crate::domain::Ticket,
        clock: &'static str,
        state: &'static str,
        #[serde(serialize_with = "ts")]
        due: jiff::Timestamp,
    },
    /// A status notice was posted, changed, started or ended (spec 7.4): to visitors of the departments
    /// it concerns, and to bots.
    Notice {
        notice: NoticeView,
        /// `posted`, `updated` (changed, or started) or `ended` (ended, or removed).
        state: &'static str,
    },
    Synced {
        conversation_id: ConversationId,
        last_seq: Seq,
    },
    Pong {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<Ref>,
    },
}

impl ServerFrame {
    pub fn error(code: ErrorCode, message: impl Into<String>, reference: Option<Ref>) -> Self {
        ServerFrame::Error { code, message: message.into(), reference }
    }

    pub fn ack(reference: Option<Ref>) -> Self {
        ServerFrame::Ack { reference, client_msg_id: None, conversation_id: None, seq: None }
    }
}

#[cfg(test)]
mod tests;
