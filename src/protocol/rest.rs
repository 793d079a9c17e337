//! JSON bodies of the HTTP API (spec section 2).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AgentInfo, AgentRef, ConversationView, MessageView};
use crate::domain::{Availability, BotId};

#[derive(Clone, Debug, Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, Serialize)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CreateAgent {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default = "one")]
    pub tier: u8,
    #[serde(default = "three")]
    pub max_chats: u32,
    #[serde(default)]
    pub departments: Vec<String>,
}

fn one() -> u8 {
    1
}
fn three() -> u32 {
    3
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PatchAgent {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub languages: Option<Vec<String>>,
    pub tier: Option<u8>,
    pub max_chats: Option<u32>,
    pub departments: Option<Vec<String>>,
}

/// An agent as the admin API shows it: never its password.
#[derive(Clone, Debug, Serialize)]
pub struct AgentOut {
    #[serde(flatten)]
    pub info: AgentInfo,
    pub email: String,
    pub online: bool,
    pub availability: Availability,
    pub open_chats: u32,
}

/// A colleague as another agent sees it (for the transfer picker): no email.
#[derive(Clone, Debug, Serialize)]
pub struct Colleague {
    #[serde(flatten)]
    pub info: AgentInfo,
    pub online: bool,
    pub availability: Availability,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CreateBot {
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BotOut {
    pub id: BotId,
    pub name: Arc<str>,
    pub token: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Login {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoginOut {
    pub token: String,
    pub agent: AgentInfo,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Relink {
    pub email: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DepartmentStatus {
    pub name: Arc<str>,
    pub open: bool,
    #[serde(serialize_with = "super::opt_ts")]
    pub next_change: Option<jiff::Timestamp>,
    pub agents_online: u32,
    pub queued: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatusOut {
    pub departments: Vec<DepartmentStatus>,
    /// Status notices in force and announced, soonest first (spec 7.4).
    pub notices: Vec<super::NoticeView>,
}

/// A ticket with its transcript (spec 2).
#[derive(Clone, Debug, Serialize)]
pub struct TicketOut {
    #[serde(flatten)]
    pub conversation: ConversationView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingOut>,
    #[serde(serialize_with = "super::opt_ts")]
    pub resolved_at: Option<jiff::Timestamp>,
    /// Left out of lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageView>>,
    /// `messages` is one page: the transcript goes on after its last seq (`?after_seq=`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
    /// Every status, agent and tier change, oldest first (spec 7.2); left out of lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryOut>>,
}

/// A page of ticket search results (`GET /api/tickets/search`), newest ticket first.
#[derive(Clone, Debug, Serialize)]
pub struct SearchOut {
    /// Each with the first page of its transcript; no history.
    pub results: Vec<TicketOut>,
    /// Pass as `before` for the next page; `null` when no older ticket is left to search.
    pub next_before: Option<String>,
}

/// One change in a ticket's history.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryOut {
    #[serde(serialize_with = "super::ts")]
    pub at: jiff::Timestamp,
    /// Who made it: `{"role":"system"}`, `{"role":"admin"}`, or a participant with its id (and name).
    pub by: ActorOut,
    pub what: Arc<str>,
    pub status: crate::domain::Status,
    pub agent: Option<AgentRef>,
    pub tier: u8,
    pub tier_name: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Arc<str>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActorOut {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Arc<str>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RatingOut {
    pub score: u8,
    pub comment: Option<Arc<str>>,
}

/// `POST /api/canned`.
#[derive(Debug, Deserialize)]
pub struct CannedIn {
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub shared: Option<bool>,
}

/// A canned reply as the HTTP API shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CannedOut {
    pub id: String,
    pub title: String,
    pub text: String,
    pub shared: bool,
}

/// `POST /api/admin/notices` (spec 7.4). Instants are RFC 3339 (`2026-11-23T22:00:00Z`).
#[derive(Clone, Debug, Deserialize)]
pub struct CreateNotice {
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub text: String,
    /// Left out: now.
    pub starts_at: Option<String>,
    /// Left out: until changed or removed.
    pub ends_at: Option<String>,
    #[serde(default)]
    pub departments: Vec<String>,
}

/// `PATCH /api/admin/notices/{id}`: only the fields given change; `"ends_at": null` removes the end.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PatchNotice {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub starts_at: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub ends_at: Option<Option<String>>,
    pub departments: Option<Vec<String>>,
}

/// A field that is present (even as `null`) is `Some`; an absent one stays `None` (`#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `GET /api/notices`.
#[derive(Clone, Debug, Serialize)]
pub struct NoticesOut {
    pub notices: Vec<super::NoticeView>,
}

/// `GET /api/admin/reports` (spec 7.5).
#[derive(Clone, Debug, Serialize)]
pub struct ReportOut {
    #[serde(serialize_with = "super::ts")]
    pub from: jiff::Timestamp,
    #[serde(serialize_with = "super::ts")]
    pub to: jiff::Timestamp,
    pub department: Option<String>,
    pub departments: Vec<DepartmentFigures>,
    pub agents: Vec<AgentFigures>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DepartmentFigures {
    pub name: Arc<str>,
    #[serde(flatten)]
    pub figures: FiguresOut,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentFigures {
    pub id: crate::domain::AgentId,
    /// None if the agent was removed since.
    pub name: Option<Arc<str>>,
    #[serde(flatten)]
    pub figures: FiguresOut,
}

#[derive(Clone, Debug, Serialize)]
pub struct FiguresOut {
    pub opened: u64,
    pub resolved: u64,
    pub bot_alone: u64,
    pub handed_off: u64,
    pub first_response: TimesOut,
    pub resolution: TimesOut,
    pub sla_breaches: BreachesOut,
    pub ratings: RatingsOut,
}

/// Seconds.
#[derive(Clone, Debug, Serialize)]
pub struct TimesOut {
    pub count: u64,
    pub median_s: Option<f64>,
    pub p90_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BreachesOut {
    pub first_response: u64,
    pub resolution: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RatingsOut {
    pub count: u64,
    pub mean: Option<f64>,
    pub share_4_5: Option<f64>,
}

/// `POST /api/admin/kb` (spec 7.6).
#[derive(Clone, Debug, Deserialize)]
pub struct CreateArticle {
    pub language: String,
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub url: Option<String>,
}

/// `PATCH /api/admin/kb/{id}`: only the fields given change; `"url": null` removes the link.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PatchArticle {
    pub language: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub url: Option<Option<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ArticleOut {
    pub id: crate::domain::ArticleId,
    pub language: Arc<str>,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub tags: Vec<Arc<str>>,
    pub url: Option<Arc<str>>,
    #[serde(serialize_with = "super::ts")]
    pub created_at: jiff::Timestamp,
    #[serde(serialize_with = "super::ts")]
    pub updated_at: jiff::Timestamp,
}

#[derive(Clone, Debug, Serialize)]
pub struct KbHitOut {
    pub id: crate::domain::ArticleId,
    pub title: Arc<str>,
    pub snippet: Arc<str>,
    pub url: Option<Arc<str>>,
    pub language: Arc<str>,
}
