//! Wire types of the support workflow (spec 7): service levels, tier names, topics.

use std::sync::Arc;

use serde::Serialize;

use super::opt_ts;

/// A conversation's service-level clocks as agents and tickets see them (spec 7.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlaView {
    #[serde(serialize_with = "opt_ts")]
    pub first_response_due: Option<jiff::Timestamp>,
    #[serde(serialize_with = "opt_ts")]
    pub first_response_at: Option<jiff::Timestamp>,
    #[serde(serialize_with = "opt_ts")]
    pub resolution_due: Option<jiff::Timestamp>,
    /// `ok`, `warning` or `breached`: the worst of the running clocks.
    pub state: &'static str,
}

/// A topic offered to the visitor, labelled in the visitor's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicView {
    pub key: Arc<str>,
    pub label: Arc<str>,
}

/// A department's tier names, for an agent's escalate control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DepartmentTiers {
    pub name: Arc<str>,
    pub tiers: Vec<Arc<str>>,
}

/// A status notice as visitors, bots and the HTTP API see it (spec 7.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NoticeView {
    pub id: crate::domain::NoticeId,
    pub kind: crate::domain::NoticeKind,
    pub title: Arc<str>,
    pub text: Arc<str>,
    #[serde(serialize_with = "super::ts")]
    pub starts_at: jiff::Timestamp,
    #[serde(serialize_with = "opt_ts")]
    pub ends_at: Option<jiff::Timestamp>,
    /// The departments it concerns; empty: all.
    pub departments: Vec<Arc<str>>,
    /// `announced` (starts later), `in_force` or `ended`, at the time the view was made.
    pub status: &'static str,
}
